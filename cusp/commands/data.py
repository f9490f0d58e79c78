"""``cusp data``: check a folder of extracts against Cusp's data contracts; import SSDA903."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer

from evaluation.extracts import DEFAULT_REQUIRED, validate_folder

from ..console import err, fail, out, table

app = typer.Typer(no_args_is_help=True, help="Data extracts: validate a folder against the contracts, import SSDA903 (docs/data-contracts.md).")
import_app = typer.Typer(no_args_is_help=True, help="Build Cusp's extracts from what a council holds.")
app.add_typer(import_app, name="import")


def shown_issues(issues: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """At most ``limit`` issues per file (0 = all), and how many of each file's were left out."""
    if limit <= 0 or issues.empty:
        return issues, {}
    rank = issues.groupby("file", sort=False).cumcount()
    hidden = issues[rank >= limit].groupby("file", sort=False).size()
    return issues[rank < limit], {str(k): int(v) for k, v in hidden.items()}


@app.command()
def validate(
    folder: Path = typer.Argument(..., help="folder holding referrals.csv, assessments.csv, ... (CSV in any common encoding, or .xlsx of the same name)"),
    scenario: str | None = typer.Option(None, "--scenario", help="also check districts and sub-cohorts against this scenario, and require every file its payment mechanism reads"),
    limit: int = typer.Option(50, "--limit", help="print at most this many issues per file (0 = all); the count of the rest is always given"),
    dayfirst: bool = typer.Option(False, "--dayfirst", help="also accept UK dates dd/mm/yyyy (ISO YYYY-MM-DD is always accepted; nothing is read month-first)"),
) -> None:
    """Validate every extract in FOLDER; print the failing rows (file, row, column, reason).

    Exits 0 when every file meets its contract, 2 otherwise. Rows are numbered as a
    spreadsheet shows them (header = row 1; blank lines count).

    Example: cusp data validate reports/data --scenario lancs-edge-of-care-004
    """
    districts = sub_cohorts = None
    required: tuple[str, ...] = DEFAULT_REQUIRED
    if scenario is not None:
        from simulate.payments.requirements import required_extracts
        from simulate.scenario import load_scenario

        sc = load_scenario(scenario)
        districts, sub_cohorts = sc.district_names, [s.name for s in sc.sub_cohorts]
        required = tuple(dict.fromkeys((*DEFAULT_REQUIRED, *required_extracts(sc))))
    started = time.perf_counter()
    report = validate_folder(folder, districts=districts, sub_cohorts=sub_cohorts, required=required, dayfirst=dayfirst)
    seconds = time.perf_counter() - started
    rows = {name: len(f) for name, f in report.frames.items()}
    summary = pd.DataFrame({"file": list(rows), "rows": list(rows.values()), "read as": [report.sources.get(n, "") for n in rows]})
    out.print(table(summary, f"Extracts in {folder} (checked in {seconds:.2f} s)"))
    if report.absent:
        out.print(f"not present (not needed{' by the scenario' if scenario else ''}; not checked): {', '.join(report.absent)}")
    if report.ok:
        out.print("[green]every file meets its contract[/]")
        return
    shown, hidden = shown_issues(report.issues, limit)
    shown = shown.assign(row=shown["row"].map(lambda r: "file" if r < 0 else str(r)))
    out.print(table(shown, f"{len(report.issues)} issues"))
    for file, count in hidden.items():
        err.print(f"{file}: {count} more issues not shown (--limit {limit} per file; --limit 0 shows all)")
    fail(str(report.row_issues()[0]) + f" ({len(report.issues)} issues in all)")


"""Marks a folder ``cusp data import`` created, so a re-run may replace its own files."""


def write_import(out_dir: Path, files: dict[str, pd.DataFrame | str], inputs: dict[str, Path]) -> None:
    """Write the import's files into ``out_dir`` through Cusp's output-ownership rule (docs/outputs.md).

    ``out_dir`` must be new, empty or made by Cusp, and apart from the return's files (``inputs``);
    it is written whole in a temporary sibling and swapped in atomically.
    """
    from ..outputs import output_folder

    with output_folder(out_dir, command="cusp data import ssda903", inputs=inputs) as tmp:
        for name, content in files.items():
            if isinstance(content, pd.DataFrame):
                content.to_csv(tmp / name, index=False, date_format="%Y-%m-%d")
            else:
                (tmp / name).write_text(content, encoding="utf-8")


@import_app.command("ssda903")
def import_ssda903(
    episodes: Path = typer.Argument(..., help="SSDA903 episodes file (CSV or .xlsx): CHILD, DECOM, LS, DEC, REC, ..."),
    header: Path = typer.Argument(..., help="SSDA903 header file (CSV or .xlsx): CHILD, SEX, DOB, ETHNIC, ..."),
    out_dir: Path = typer.Option(..., "--out", help="folder to write care_episodes.csv, children.csv and the mapping report into"),
    include_short_breaks: bool = typer.Option(False, "--include-short-breaks", help="count short breaks (legal status V3, V4) as time away from home"),
    episodes_sheet: str | None = typer.Option(None, "--episodes-sheet", help="Excel: the episodes sheet's name"),
    header_sheet: str | None = typer.Option(None, "--header-sheet", help="Excel: the header sheet's name"),
) -> None:
    """Build Cusp's care_episodes.csv (periods away from home) from an SSDA903 return.

    Episodes that continue one another (REC X1, or starting the day the previous ended) are one
    period; legal statuses J1-J3 are remand; short breaks are left out unless asked for. Dates
    are read day-first (dd/mm/yyyy), as the return is. Writes care_episodes.csv, children.csv
    and ssda903_mapping.json into --out and prints the mapping report.

    Example: cusp data import ssda903 episodes.csv header.csv --out reports/data-903
    """
    import json

    from evaluation.readers.ssda903 import read_ssda903
    from evaluation.readers.ssda903_periods import episodes_to_periods

    data = read_ssda903(episodes, header, episodes_sheet=episodes_sheet, header_sheet=header_sheet)
    care, children, report = episodes_to_periods(data, include_short_breaks=include_short_breaks)
    summary = {"episodes": str(episodes), "header": str(header), **report.as_dict()}
    write_import(out_dir, {"care_episodes.csv": care, "children.csv": children,
                           "ssda903_mapping.json": json.dumps(summary, indent=2) + "\n"},
                 inputs={"EPISODES": episodes, "HEADER": header})
    out.print(table(pd.DataFrame(report.lines(), columns=["SSDA903 mapping", "count"]), f"{data.episodes_label} + {data.header_label}"))
    out.print(f"wrote {out_dir / 'care_episodes.csv'}, {out_dir / 'children.csv'}, {out_dir / 'ssda903_mapping.json'}")
