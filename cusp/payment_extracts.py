"""The extracts a payment settlement reads, validated: one reader for ``cusp payments settle``,
``cusp reforecast`` and the payments statement (reports read extracts here, never through
``cusp.commands``).

:func:`read_folder` returns frames keyed by file name (``referrals.csv``, ``care_episodes.csv``,
... as :mod:`evaluation.extracts` validates them, plus ``kpi_results.csv`` and ``spend.csv`` with
every column but ``kpi`` as numbers).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

EXTRA_FILES = ("kpi_results.csv", "spend.csv")


def read_folder(folder: Path, scenario) -> dict[str, pd.DataFrame]:
    """Validated extracts of ``folder`` (evaluation's data contracts) plus the KPI/spend files.

    Every file the scenario's mechanism relies on (``simulate.payments.requirements``) must be
    there under its exact name: a missing one is an error with "did you mean" for near misses,
    never read as "no records". Other contract files are validated when present.

    Raises ``ExtractError`` listing every failing row when an extract breaks its contract or a
    needed file is missing.
    """
    from evaluation.errors import ExtractError
    from evaluation.extracts import missing_file_issues, read_extracts
    from evaluation.readers import read_table
    from evaluation.schemas import SCHEMAS
    from simulate.payments.requirements import required_extracts

    required = required_extracts(scenario)
    frames: dict[str, pd.DataFrame] = {}
    if any(name in SCHEMAS for name in required) or (folder / "referrals.csv").exists():
        frames = dict(read_extracts(folder, districts=scenario.district_names, sub_cohorts=[s.name for s in scenario.sub_cohorts],
                                    required=[n for n in required if n in SCHEMAS] or ["referrals.csv"]))
    missing = missing_file_issues(folder, [n for n in required if n in EXTRA_FILES], [n for n in EXTRA_FILES if n not in required])
    if missing:
        raise ExtractError(missing, folder)
    for name in EXTRA_FILES:
        if (folder / name).exists():
            frames[name] = _numeric_table(read_table(folder / name), name)
    return frames


def _numeric_table(table, name: str) -> pd.DataFrame:
    """A KPI/spend table with every column but ``kpi`` as numbers; a cell that is not one is an error by row."""
    from evaluation.errors import ExtractError, RowIssue

    frame = table.frame.copy()
    for col in frame.columns:
        if col == "kpi":
            continue
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna().to_numpy() & frame[col].notna().to_numpy()
        if bad.any():
            raise ExtractError([RowIssue(name, int(table.row_numbers()[bad.argmax()]), col, "not a number")])
        frame[col] = values
    return frame


def tool_directions() -> dict[str, bool]:
    try:
        from evaluation.tools import get_tool

        return {a.name: a.higher_is_better for a in get_tool("cfw_radar").areas}
    except Exception:  # noqa: BLE001 - registry absent: higher is better
        return {}


__all__ = ["EXTRA_FILES", "read_folder", "tool_directions"]
