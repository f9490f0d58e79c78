"""Reforecast throughput: 1,000 draws of a preset's contract (default the 004 bond as of the end of
year 2), beside the stress test's draws per second for the same preset measured in the same run
(the peer it should keep pace with).

Run:  PYTHONPATH=. python benchmarks/reforecast_throughput.py [--scenario NAME --as-of YYYY-MM-DD]
      [--draws 1000] [--stress-draws 1000] [--jobs 1]
      PYTHONPATH=. python benchmarks/reforecast_throughput.py --all      # every preset, half way through

The reforecast's time excludes synthesising the extract but includes the settlement to date,
reading every child's state and the calibration (done once per run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from simulate.reforecast import reforecast
from simulate.scenario import load_scenario
from simulate.stress import run_stress


PRESETS = ("lancs-ehwb-000", "essex-pb19-001", "hereford-mentoring-002", "hereford-befriending-002",
           "lancs-young-carers-003", "lancs-edge-of-care-004")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--stress-draws", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="lancs-edge-of-care-004")
    ap.add_argument("--as-of", default="2021-08-31", help="default: the end of the 004 bond's year 2")
    ap.add_argument("--all", action="store_true", help="every preset, as of half way through its referral window")
    a = ap.parse_args()
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, jobs={a.jobs}")
    if a.all:
        for name in PRESETS:
            sc = load_scenario(name)
            h = sc.horizon
            one(name, h.start_date + (h.referral_end - h.start_date) / 2, a)
    else:
        one(a.scenario, dt.date.fromisoformat(a.as_of), a)


def one(name: str, as_of: dt.date, a) -> None:
    """Time ``a.draws`` reforecast draws of ``name`` as of ``as_of`` and the stress run beside it."""
    from cusp.synthetic_kpis import synthetic_frames

    sc = load_scenario(name)
    frames = synthetic_frames(sc, a.seed)   # with kpi_results.csv for a KPI-linked contract
    t = time.perf_counter()
    reforecast(sc, frames, as_of, draws=a.draws, seed=a.seed, jobs=a.jobs)
    rf = time.perf_counter() - t
    t = time.perf_counter()
    run_stress(sc, a.stress_draws, a.seed, jobs=a.jobs, keep_monthly=False)
    st = time.perf_counter() - t
    print(f"{name} as of {as_of}: reforecast {a.draws:,} draws in {rf:.2f} s = {a.draws / rf:,.0f} draws/s; "
          f"stress run {a.stress_draws:,} draws in {st:.2f} s = {a.stress_draws / st:,.0f} draws/s; "
          f"ratio {(a.draws / rf) / (a.stress_draws / st):.2f}")


if __name__ == "__main__":
    main()
