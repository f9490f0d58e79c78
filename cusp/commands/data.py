"""``cusp data``: check a folder of CSV extracts against Cusp's data contracts."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer

from evaluation.extracts import validate_folder

from ..console import err, fail, out, table

app = typer.Typer(no_args_is_help=True, help="Data extracts: validate a folder against the contracts (docs/data-contracts.md).")


@app.command()
def validate(
    folder: Path = typer.Argument(..., help="folder holding referrals.csv, assessments.csv, ..."),
    scenario: str | None = typer.Option(None, "--scenario", help="also check districts and sub-cohorts against this scenario"),
    limit: int = typer.Option(0, "--limit", help="print at most this many issues (0 = all); the count is always exact"),
) -> None:
    """Validate every extract in FOLDER; print every failing row (file, row, column, reason).

    Exits 0 when every file meets its contract, 2 otherwise. Rows are numbered as a
    spreadsheet shows them (header = row 1).

    Example: cusp data validate reports/data --scenario lancs-edge-of-care-004
    """
    districts = sub_cohorts = None
    if scenario is not None:
        from simulate.scenario import load_scenario

        sc = load_scenario(scenario)
        districts, sub_cohorts = sc.district_names, [s.name for s in sc.sub_cohorts]
    started = time.perf_counter()
    report = validate_folder(folder, districts=districts, sub_cohorts=sub_cohorts)
    seconds = time.perf_counter() - started
    rows = {name: len(f) for name, f in report.frames.items()}
    out.print(table(pd.DataFrame({"file": list(rows), "rows": list(rows.values())}), f"Extracts in {folder} (checked in {seconds:.2f} s)"))
    if report.ok:
        out.print("[green]every file meets its contract[/]")
        return
    shown = report.issues if limit <= 0 else report.issues.head(limit)
    shown = shown.assign(row=shown["row"].map(lambda r: "file" if r < 0 else str(r)))
    out.print(table(shown, f"{len(report.issues)} failing cells"))
    if limit and len(report.issues) > limit:
        err.print(f"... {len(report.issues) - limit} more not shown (--limit 0 shows all)")
    fail(report.row_issues()[0].__str__() + f" ({len(report.issues)} issues in all)")
