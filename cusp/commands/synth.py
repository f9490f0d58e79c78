"""``cusp synth``: write synthetic extracts with known true effects for a scenario."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import typer

from ..console import out, table

def synth(
    scenario: str = typer.Option(..., "--scenario", help="preset name or path to a scenario YAML"),
    seed: int = typer.Option(..., "--seed", help="seed of every random stream: same seed, byte-identical files"),
    out_dir: Path = typer.Option(..., "--out", help="new folder for the CSV extracts and truth.json, or one Cusp wrote before (replaced atomically; docs/outputs.md)"),
    rows_scale: float = typer.Option(1.0, "--rows-scale", min=0.0, help="multiply referral volumes (100 for performance tests)"),
    extract_date: str | None = typer.Option(None, "--extract-date", help="YYYY-MM-DD the extract was taken (default: last day of the contract)"),
) -> None:
    """Synthesise referrals, assessments, care episodes, school, reading and comparison pool.

    For a KPI-linked scenario (001) also kpi_results.csv: each contract year's KPI results
    measured from the extract through the KPI registry (cusp/synthetic_kpis.py), and spend.csv
    with its header only (no provider accounts: no gain share).

    Example: cusp synth --scenario lancs-edge-of-care-004 --seed 1 --out reports/data
    """
    from data_synthetic import synthesise, write_extracts
    from simulate.scenario import load_scenario

    from ..console import fail
    from ..outputs import check_output, output_folder

    inputs = {"--scenario": Path(scenario)}
    check_output(out_dir, inputs)  # before any work: refuse an --out over the user's files
    sc = load_scenario(scenario)
    day = None
    if extract_date is not None:
        try:
            day = dt.date.fromisoformat(extract_date)
        except ValueError:
            fail(f"--extract-date: {extract_date!r} is not a date (YYYY-MM-DD)")
    started = time.perf_counter()
    extracts = synthesise(sc, seed, rows_scale=rows_scale, extract_date=day, scenario_name=scenario)
    from ..synthetic_kpis import settlement_files

    # a KPI-linked settlement reads KPI results per year (measured from the extract) and spend
    extra = settlement_files(sc, extracts.frames, day)
    with output_folder(out_dir, command="cusp synth", inputs=inputs) as tmp:
        written = [out_dir / p.name for p in write_extracts(extracts, tmp)]
        for name, frame in extra.items():
            frame.to_csv(tmp / name, index=False, lineterminator="\n", float_format="%.6g")
    seconds = time.perf_counter() - started
    rows = pd.DataFrame({"file": [p.name for p in written[:-1]], "rows": [len(extracts.frames[p.name]) for p in written[:-1]]})
    for name, frame in extra.items():
        rows.loc[len(rows)] = [name, len(frame)]
    out.print(table(rows, f"Synthetic extracts for {scenario} (seed {seed}) in {out_dir} ({seconds:.1f} s)"))
    out.print(f"truth: {written[-1]}")
