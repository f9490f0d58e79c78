"""Regenerate the committed expected outputs that ``tests/test_back.py`` checks (back tests).

Run from the repository root::

    .venv/bin/python tests/expected/regenerate.py                  # every preset
    .venv/bin/python tests/expected/regenerate.py lancs-ehwb-000   # just some presets

Regenerate ONLY when a change in the numbers is intended (a corrected formula, a new KPI, a
changed preset), look at ``git diff tests/expected/`` to check that only the numbers you meant
to change did, and give the reason in the commit message. A refactor must not need it: if
``tests/test_back.py`` fails after a refactor, the refactor changed the results.

For every preset ``scenarios/<preset>.yaml`` this writes ``tests/expected/<preset>/``:

``kpis.csv``
    The tidy KPI table of ``simulate.flow.run_replications(scenario, reps=2, seed=20261123)``
    (columns ``replication, period, index, label, district, metric, value``; quarters and years).

and for ``lancs-edge-of-care-004`` (the Social Impact Bond) also:

``stress_base.json``
    ``simulate.stress.pooled(scenario_data(scenario), None, 50, 0)``: what
    ``cusp stress base --scenario lancs-edge-of-care-004 --replications 50`` prints (and more).
``payments.csv``
    Payments due from settling a small synthetic extract (``data_synthetic.synthesise`` with
    seed 7 and ``rows_scale=0.2``, written to CSV and read back as ``cusp payments settle``
    reads it, then ``settle_scenario`` as the command calls it, with
    ``--allow-no-return-home`` since the synthetic extract holds reunification children not yet
    home) as of the contract's last day: ``metric, payer, lines, amount`` (amount in £).

Floats are rounded to 10 significant figures (the back test compares at a relative 1e-9).
Every file is written atomically (a temporary file beside it, then ``os.replace``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import tempfile
from pathlib import Path

import pandas as pd

from simulate.atomic import write_text_atomic

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent

FLOW_REPS = 2
FLOW_SEED = 20261123
STRESS_PRESETS = ("lancs-edge-of-care-004",)
STRESS_REPLICATIONS = 50
STRESS_SEED = 0  # the default of ``cusp stress base``
SYNTH_SEED = 7
SYNTH_ROWS_SCALE = 0.2
SIGNIFICANT = 10

KPI_COLUMNS = ["replication", "period", "index", "label", "district", "metric", "value"]
PAYMENT_COLUMNS = ["metric", "payer", "lines", "amount"]


def presets() -> list[str]:
    """Names of every preset in ``scenarios/*.yaml``, sorted."""
    return sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def round_sig(value: float) -> float:
    """``value`` rounded to :data:`SIGNIFICANT` significant figures (NaN and inf unchanged)."""
    value = float(value)
    if not math.isfinite(value) or value == 0.0:
        return value
    return float(f"{value:.{SIGNIFICANT}g}")


def _round_column(series: pd.Series) -> pd.Series:
    return pd.Series([round_sig(v) for v in series.to_numpy(float)], index=series.index, dtype=float)


def kpi_frame(preset: str) -> pd.DataFrame:
    """The tidy KPI table of ``run_replications(scenario, reps=2, seed=20261123)``, values rounded."""
    from simulate.flow import run_replications
    from simulate.scenario import load_scenario

    kpis = run_replications(load_scenario(preset), reps=FLOW_REPS, seed=FLOW_SEED).kpis
    frame = kpis[KPI_COLUMNS].reset_index(drop=True).copy()
    for col in ("period", "label", "district", "metric"):
        frame[col] = frame[col].astype(str)
    frame["value"] = _round_column(frame["value"])
    return frame


def stress_base(preset: str) -> dict:
    """The stress base case (``simulate.stress.pooled``) over 50 replications, seed 0, floats rounded.

    NaN (an IRR that is not defined, a month never reached) is stored as ``null``.
    """
    from simulate.scenario import load_scenario
    from simulate.stress import pooled, scenario_data

    base = pooled(scenario_data(load_scenario(preset)), None, STRESS_REPLICATIONS, STRESS_SEED)
    out: dict = {}
    for key in sorted(base):
        value = base[key]
        if isinstance(value, str):
            out[key] = value
        elif value is None or not math.isfinite(float(value)):
            out[key] = None
        else:
            out[key] = round_sig(value)
    return out


def payments_frame(preset: str) -> pd.DataFrame:
    """Payments due by metric and payer from settling a synthetic extract (seed 7, rows scale 0.2).

    Returns ``metric, payer, lines`` (payment lines, count) and ``amount`` (£, rounded).
    """
    from cusp.payment_extracts import read_folder, tool_directions
    from data_synthetic import synthesise, write_extracts
    from simulate.payments.settle import settle_scenario
    from simulate.scenario import load_scenario

    sc = load_scenario(preset)
    extracts = synthesise(sc, SYNTH_SEED, rows_scale=SYNTH_ROWS_SCALE, scenario_name=preset)
    as_of = sc.horizon.contract_end - dt.timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="cusp-back-") as folder:
        write_extracts(extracts, folder)
        frames = read_folder(Path(folder), sc)
        result, _ = settle_scenario(sc, frames, as_of, tool_directions(), True, None)
    pay = result.payments
    by = pay.groupby(["metric", "payer"], as_index=False, sort=True).agg(lines=("amount", "size"), amount=("amount", "sum"))
    by["metric"] = by["metric"].astype(str)
    by["payer"] = by["payer"].astype(str)
    by["lines"] = by["lines"].astype(int)
    by["amount"] = _round_column(by["amount"])
    return by[PAYMENT_COLUMNS].reset_index(drop=True)


def compute(preset: str) -> dict[str, pd.DataFrame | dict]:
    """Every expected file of ``preset`` by file name (DataFrames for CSV, dicts for JSON)."""
    files: dict[str, pd.DataFrame | dict] = {"kpis.csv": kpi_frame(preset)}
    if preset in STRESS_PRESETS:
        files["stress_base.json"] = stress_base(preset)
        files["payments.csv"] = payments_frame(preset)
    return files


def to_text(content: pd.DataFrame | dict) -> str:
    """The committed file's text: CSV (NaN as ``nan``, ``\\n`` line ends) or sorted, indented JSON."""
    if isinstance(content, pd.DataFrame):
        return content.to_csv(index=False, na_rep="nan", lineterminator="\n")
    return json.dumps(content, indent=2, sort_keys=True, allow_nan=False) + "\n"


write_atomic = write_text_atomic  # a temporary file beside the target, then os.replace


def read_expected(path: Path) -> pd.DataFrame | dict:
    """Read a committed expected file back in the types :func:`compute` returns."""
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    return frame_from_csv(path)


def frame_from_csv(source) -> pd.DataFrame:
    """Parse CSV written by :func:`to_text` (a path or text buffer): labels as str, counts int, floats float."""
    frame = pd.read_csv(source, keep_default_na=False, dtype=str)
    for col in frame.columns:
        if col in ("replication", "index", "lines"):
            frame[col] = frame[col].astype(int)
        elif col in ("value", "amount"):
            frame[col] = frame[col].astype(float)
    return frame


def main(argv: list[str]) -> int:
    known = presets()
    chosen = argv or known
    unknown = [p for p in chosen if p not in known]
    if unknown:
        print(f"unknown preset(s): {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    for preset in chosen:
        for name, content in compute(preset).items():
            path = EXPECTED / preset / name
            write_atomic(path, to_text(content))
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
