"""``cusp data validate`` against ``pandas.read_csv`` on the same files (a benchmark, not a test).

Goal (issue 11): validation within 2x the time and 2x the memory of simply reading the files
with ``pandas.read_csv`` (default options). A folder is synthesised once: ``referrals.csv``
(100,000 rows) and ``assessments.csv`` (1,000,000 Family Star Plus rows: 100,000 families x 10
areas). Each measurement runs in a fresh Python process:

* **read_csv** — ``pd.read_csv(path)`` for each file, frames kept (what any analysis does first);
* **validate** — ``evaluation.extracts.validate_folder(folder)``: encoding detection, reading as
  text, every column and cross-file check (what ``cusp data validate`` runs).

Time is ``time.perf_counter`` around the call, best of ``--repeat`` processes (the two run
alternately), plus the median of the paired ratios; the process's CPU seconds (all threads:
pyarrow reads on every core) are printed too, since on a shared machine the wall figure depends
on the load. Memory is the process's peak resident set (VmHWM in ``/proc/self/status``; not
``ru_maxrss``, which Linux carries over an exec, so a child would report the parent's peak)
minus its resident set after the imports, so the interpreter and libraries count for neither.
Printed: both figures and the ratios.

Run: ``.venv/bin/python benchmarks/validate_speed.py [--rows 1000000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
AREAS = ["physical_health", "wellbeing", "meeting_emotional_needs", "keeping_safe", "social_networks", "education_learning",
         "boundaries_behaviour", "family_routine", "home_money", "progress_to_work"]

CHILD = r"""
import json, sys, time
from pathlib import Path
import pandas as pd
from evaluation.extracts import validate_folder

def rss_mb(field="VmRSS"):
    # From /proc/self/status (kB). Not ru_maxrss: Linux carries it over an exec, so a child
    # would report the parent's peak (the synthesised frames) instead of its own.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)

mode, folder = sys.argv[1], Path(sys.argv[2])
base = rss_mb()
t, c = time.perf_counter(), time.process_time()
if mode == "read_csv":
    frames = {p.name: pd.read_csv(p) for p in sorted(folder.glob("*.csv"))}
    ok = True
else:
    report = validate_folder(folder)
    ok = report.ok
seconds, cpu = time.perf_counter() - t, time.process_time() - c
peak = rss_mb("VmHWM")
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak - base, "ok": bool(ok)}))
"""


def synthesise(folder: Path, rows: int) -> None:
    people = rows // 10
    pd.DataFrame({
        "case_id": [f"R{i}" for i in range(people)], "child_id": [f"C{i}" for i in range(people)],
        "family_id": [f"F{i}" for i in range(people)], "district": "Burnley", "sub_cohort": "diversion_5_9", "need_level": 4,
        "referral_date": "2020-01-05", "referral_source": "school", "accepted": "true", "first_contact_date": "",
        "assessment_date": "", "start_date": "", "end_date": "", "end_reason": "", "return_home_date": "",
        "date_of_birth": "2013-01-01", "sex": "male", "ethnicity": "white", "risk_factors": 2, "prior_care_episodes": 0,
    }).to_csv(folder / "referrals.csv", index=False)
    pd.DataFrame({
        "person_id": np.char.add("F", (np.arange(rows) // 10).astype(str)), "tool": "family_star_plus",
        "area": np.tile(AREAS, people), "timepoint": "baseline", "assessment_date": "2020-02-01",
        "score": np.random.default_rng(1).integers(1, 11, rows),
    }).to_csv(folder / "assessments.csv", index=False)


def run_once(mode: str, folder: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(folder)], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"], f"{mode}: the synthetic folder should validate"
    return result


def measure(folder: Path, repeat: int) -> tuple[dict[str, float], dict[str, float], float]:
    """Best time and memory of each, and the median of the paired time ratios.

    The two are run alternately (peer, cusp, peer, cusp, ...) so that both see the same load
    on a shared machine; the paired ratio is the steadier figure there.
    """
    runs: dict[str, list[dict[str, float]]] = {"read_csv": [], "validate": []}
    for _ in range(repeat):
        for mode in runs:
            runs[mode].append(run_once(mode, folder))
    best = {m: {"seconds": min(r["seconds"] for r in rs), "cpu": min(r["cpu"] for r in rs), "peak_mb": min(r["peak_mb"] for r in rs)}
            for m, rs in runs.items()}
    paired = sorted(c["seconds"] / p["seconds"] for p, c in zip(runs["read_csv"], runs["validate"]))
    return best["read_csv"], best["validate"], paired[len(paired) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="assessment rows (referrals: a tenth)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synthesise(folder, args.rows)
        size = sum(p.stat().st_size for p in folder.glob("*.csv")) / 2**20
        peer, cusp, paired = measure(folder, args.repeat)
    print(f"{args.rows:,} assessment rows + {args.rows // 10:,} referrals ({size:.0f} MB of CSV); best of {args.repeat} processes")
    print(f"{'':24}{'seconds':>10}{'CPU s':>10}{'peak MB':>10}")
    print(f"{'pandas.read_csv':24}{peer['seconds']:>10.2f}{peer['cpu']:>10.2f}{peer['peak_mb']:>10.0f}")
    print(f"{'cusp data validate':24}{cusp['seconds']:>10.2f}{cusp['cpu']:>10.2f}{cusp['peak_mb']:>10.0f}")
    print(f"{'ratio (goal <= 2)':24}{cusp['seconds'] / peer['seconds']:>10.2f}{cusp['cpu'] / peer['cpu']:>10.2f}"
          f"{cusp['peak_mb'] / peer['peak_mb']:>10.2f}")
    print(f"median of the {args.repeat} paired time ratios (runs alternated): {paired:.2f}")


if __name__ == "__main__":
    main()
