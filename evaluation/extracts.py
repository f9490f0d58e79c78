"""Read a folder of CSV extracts and validate them against their contracts.

:func:`validate_folder` checks each file against its :class:`~evaluation.schemas.FileSchema`
and then the rules that span rows and files: assessment areas and score ranges from the tool
registry, referential integrity (every child in ``care_episodes``, ``school`` and ``reading`` is
in ``referrals`` or ``comparison_pool``; every assessed person is a referred or pooled child or
family), comparison children who were referred, and
consistency within a referral (support ends with a reason; only accepted referrals start).
Every failing row is reported. :func:`read_extracts` returns the typed frames or raises
:class:`~evaluation.errors.ExtractError`.

>>> report = validate_folder("reports/data")            # doctest: +SKIP
>>> report.ok, len(report.issues)                        # doctest: +SKIP
(True, 0)
"""

from __future__ import annotations

from collections.abc import Iterable
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ExtractError, MissingExtractError, RowIssue
from .readers import read_table
from .readers.convert import Encodings, isin
from .schemas import ISSUE_COLUMNS, SCHEMAS, _issues, check_frame
from .tools import tool_areas

OPTIONAL_FILES = ("care_episodes.csv", "school.csv", "reading.csv", "comparison_pool.csv", "plan_reviews.csv", "child_measures.csv")
DEFAULT_REQUIRED = ("referrals.csv", "assessments.csv")
"""Required when the caller names no mechanism (``cusp data validate`` without ``--scenario``)."""
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")
"""An extract ``name.csv`` may arrive as ``name.csv`` or as a workbook ``name.xlsx`` (``.xlsm``, ``.xls``)."""


@dataclass
class ValidationReport:
    """The outcome of validating a folder.

    Attributes
    ----------
    frames
        Typed frame per file name (files absent from the folder are absent here).
    issues
        Columns ``file``, ``row`` (spreadsheet row: header = 1; -1 for a whole-file issue),
        ``column``, ``reason``; sorted by file order, row and column.
    folder
        The folder validated.
    sources
        How each file was read (``"referrals.csv": "CSV, Windows-1252"``).
    absent
        Contract files not in the folder and not required (not checked).
    """

    frames: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    folder: Path
    sources: dict[str, str] = field(default_factory=dict)
    absent: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.issues.empty

    def row_issues(self) -> list[RowIssue]:
        """The issues as :class:`RowIssue` objects (``row`` is ``None`` for file-level issues)."""
        return [
            RowIssue(f, None if r < 0 else int(r), c, reason)
            for f, r, c, reason in self.issues.itertuples(index=False, name=None)
        ]

    def raise_for_issues(self) -> None:
        """Raise :class:`ExtractError` listing every issue, if there is any."""
        if not self.ok:
            raise ExtractError(self.row_issues(), self.folder)


def read_text_csv(path: Path) -> pd.DataFrame:
    """Read one extract (CSV in any common encoding, or a workbook) with every column as text.

    Blank cells are missing; nothing else is. Rows are renumbered 0, 1, ... (blank lines
    dropped): use :func:`evaluation.readers.read_table` for their spreadsheet row numbers.
    """
    return read_table(path).frame


def _norm(name: str) -> str:
    """A file name as a person might have meant it: no case, copy marks, spaces or extension."""
    stem = Path(name).stem.lower()
    stem = re.sub(r"(\s*\(\d+\)|\s*-?\s*copy(\s*\(\d+\))?|\s+\d+)$", "", stem)
    return re.sub(r"[\s\-.]+", "_", stem).strip("_")


def locate(folder: Path, name: str) -> Path | None:
    """The file holding extract ``name`` (``referrals.csv``): exactly that name, or the workbook ``referrals.xlsx``."""
    stem = Path(name).stem
    for suffix in (Path(name).suffix, *SUFFIXES):
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def near_misses(name: str, listing: Iterable[str]) -> list[str]:
    """Files in ``listing`` that look like ``name`` misnamed (``Care_Episodes.csv``, ``care_episodes (1).csv``)."""
    listing = [f for f in listing if f != name]
    want = _norm(name)
    same = [f for f in listing if _norm(f) == want]
    close = difflib.get_close_matches(want, [_norm(f) for f in listing], n=3, cutoff=0.75)
    near = same + [f for f in listing if _norm(f) in close and f not in same]
    return near[:3]


def missing_file_issues(folder: str | Path, required: Iterable[str], optional: Iterable[str] = ()) -> list[RowIssue]:
    """Issues for extracts the caller needs that are not in ``folder`` under their exact name.

    A ``required`` file that is absent is an issue ("did you mean ..." when a near miss is
    there); an ``optional`` file that is absent is an issue only when a near miss of its name is
    there (a misnamed file is never read as "no records").
    """
    folder = Path(folder)
    listing = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    out: list[RowIssue] = []
    for name, needed in [(n, True) for n in required] + [(n, False) for n in optional]:
        if locate(folder, name) is not None:
            continue
        near = near_misses(name, listing)
        hint = f"; did you mean {' or '.join(map(repr, near))}? (file names are exact: rename it)" if near else ""
        if needed:
            out.append(RowIssue(name, None, "-", f"required file is missing (a file with only the header row states 'no records'){hint}"))
        elif near:
            out.append(RowIssue(name, None, "-", f"not found under its exact name{hint}"))
    return out


def validate_folder(
    folder: str | Path,
    *,
    districts: Iterable[str] | None = None,
    sub_cohorts: Iterable[str] | None = None,
    required: Iterable[str] | None = None,
    dayfirst: bool = False,
) -> ValidationReport:
    """Validate every extract in ``folder``.

    Parameters
    ----------
    folder
        Folder holding the extracts (``referrals.csv``, ``assessments.csv``,
        ``care_episodes.csv``, ``school.csv``, ``reading.csv``, ``comparison_pool.csv``), each
        as CSV or as a workbook of the same name.
    districts, sub_cohorts
        When given (e.g. from the scenario), the only values allowed in those columns.
    required
        File names that must be present (e.g. ``simulate.payments.requirements.required_extracts``);
        default :data:`DEFAULT_REQUIRED`. Names outside the six contracts (``kpi_results.csv``)
        are checked for presence only. Other contract files are checked when present.
    dayfirst
        Also accept ``dd/mm/yyyy`` dates (UK style); ISO dates are always accepted.

    Returns
    -------
    ValidationReport
        Typed frames and every issue found.

    Raises
    ------
    MissingExtractError
        When ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingExtractError(f"{folder}: not a folder of extracts")
    required = tuple(DEFAULT_REQUIRED if required is None else required)
    frames: dict[str, pd.DataFrame] = {}
    raws: dict[str, pd.DataFrame] = {}
    rows: dict[str, np.ndarray | None] = {}
    sources: dict[str, str] = {}
    encodings = Encodings()
    found: list[pd.DataFrame] = []
    absent = [n for n in SCHEMAS if n not in required and locate(folder, n) is None]
    found.append(_issue_frame(missing_file_issues(folder, required, absent)))
    tables = {}
    for name in SCHEMAS:
        path = locate(folder, name)
        if path is None:
            continue
        try:
            tables[name] = read_table(path, label=path.name if path.name == name else f"{path.name} ({name})",
                                      coded=_coded_columns(SCHEMAS[name]))
        except ExtractError as exc:
            found.append(_issue_frame(exc.issues))
    # Encode every column a check will hash, all files at once, on every core.
    encodings.prefetch({(name, c): t.frame[c] for name, t in tables.items() for c in _hashed_columns(SCHEMAS[name]) if c in t.frame})
    for name, table in tables.items():
        frame, issues = check_frame(table.frame, SCHEMAS[name], dayfirst=dayfirst, encodings=encodings)
        raws[name], frames[name], rows[name], sources[name] = table.frame, frame, table.rows, table.source
        found.append(issues)
    found.extend(_cross_checks(raws, frames, districts, sub_cohorts, rows, encodings))
    found = [f for f in found if len(f)]
    issues = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=ISSUE_COLUMNS)
    issues = _renumber(issues.astype({"row": "int64"}), rows)
    order = {name: i for i, name in enumerate(SCHEMAS)}
    issues = issues.assign(_f=issues["file"].map(order).fillna(-1)).sort_values(["_f", "row", "column"], kind="stable").drop(columns="_f")
    return ValidationReport(frames=frames, issues=issues.reset_index(drop=True).astype({"row": "int64"}), folder=folder,
                            sources=sources, absent=tuple(n for n in absent if n not in set(issues["file"])))


def _coded_columns(schema) -> list[str]:
    """Columns converted to dates, numbers or booleans: read as dictionary codes (their distinct
    texts are all the checks look at, and the typed frame holds no text of them)."""
    return [c.name for c in schema.columns if c.dtype in ("date", "int", "float", "bool")]


def _hashed_columns(schema) -> list[str]:
    """Columns whose checks work on their dictionary encoding (typed, coded, keys, identifiers)."""
    typed = [c.name for c in schema.columns if c.dtype != "str" or c.allowed is not None]
    return list(dict.fromkeys([*typed, *schema.key, *(c for c in ("child_id", "family_id", "person_id", "tool", "area")
                                                      if any(col.name == c for col in schema.columns))]))


def _issue_frame(issues: list[RowIssue]) -> pd.DataFrame:
    return pd.DataFrame([(i.file, -1 if i.row is None else i.row, i.column, i.reason) for i in issues], columns=ISSUE_COLUMNS)


def _renumber(issues: pd.DataFrame, rows: dict[str, np.ndarray | None]) -> pd.DataFrame:
    """Positional rows (data position + 2) → the rows a spreadsheet shows, where blank rows were skipped."""
    for name, numbers in rows.items():
        if numbers is None:
            continue
        at = (issues["file"] == name).to_numpy() & (issues["row"] >= 2).to_numpy()
        if at.any():
            issues.loc[at, "row"] = numbers[issues.loc[at, "row"].to_numpy() - 2]
    return issues


def read_extracts(folder: str | Path, **kwargs: object) -> dict[str, pd.DataFrame]:
    """Validate ``folder`` (keyword arguments as :func:`validate_folder`) and return its typed frames by file name.

    Raises
    ------
    ExtractError
        Listing every failing row, when any file breaks its contract or a needed file is missing.
    """
    report = validate_folder(folder, **kwargs)  # type: ignore[arg-type]
    report.raise_for_issues()
    return report.frames


def _cross_checks(raws: dict[str, pd.DataFrame], frames: dict[str, pd.DataFrame], districts: Iterable[str] | None,
                  sub_cohorts: Iterable[str] | None, rows: dict[str, np.ndarray | None] | None = None,
                  encodings: Encodings | None = None) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    enc = encodings if encodings is not None else Encodings()

    def encoded(file: str, column: str) -> tuple[pa.Array, np.ndarray]:
        return enc.get((file, column), raws[file][column])

    ref = frames.get("referrals.csv")
    pool = frames.get("comparison_pool.csv")
    children = _ids(raws, encoded, ("referrals.csv", "comparison_pool.csv"), "child_id")
    families = _ids(raws, encoded, ("referrals.csv", "comparison_pool.csv"), "family_id")
    people = pc.unique(pa.concat_arrays([children, families]))
    for name, allowed in (("district", districts), ("sub_cohort", sub_cohorts)):
        if allowed is None:
            continue
        allowed = set(allowed)
        for file in ("referrals.csv", "comparison_pool.csv"):
            f = frames.get(file)
            if f is not None and name in f:
                found = isin(encoded(file, name), pa.array(sorted(allowed), type=pa.string()))
                out.append(_flag(file, f[name].notna().to_numpy() & ~found, name, f"not a {name} of the scenario ({', '.join(sorted(allowed))})"))
    if ref is not None:
        out.extend(_referral_rules(ref))
    if pool is not None and ref is not None and "child_id" in pool and "child_id" in ref:
        out.append(_flag("comparison_pool.csv", isin(encoded("comparison_pool.csv", "child_id"), _ids(raws, encoded, ("referrals.csv",), "child_id")),
                         "child_id", "child is also in referrals: the comparison pool holds children not served"))
    for file in ("care_episodes.csv", "school.csv", "reading.csv"):
        f = frames.get(file)
        if f is not None and "child_id" in f:
            out.append(_flag(file, f["child_id"].notna().to_numpy() & ~isin(encoded(file, "child_id"), children), "child_id",
                             "unknown child: not in referrals or comparison_pool"))
    reviews = frames.get("plan_reviews.csv")
    if reviews is not None and "case_id" in reviews and ref is not None and "case_id" in ref:
        out.append(_flag("plan_reviews.csv", reviews["case_id"].notna().to_numpy() & ~isin(
            encoded("plan_reviews.csv", "case_id"), _ids(raws, encoded, ("referrals.csv",), "case_id")), "case_id",
            "unknown case: not in referrals"))
    school = frames.get("school.csv")
    if school is not None and {"unauthorised_absence_days", "possible_days"} <= set(school):
        out.append(_flag("school.csv", school["unauthorised_absence_days"] > school["possible_days"], "unauthorised_absence_days", "more absence days than possible days"))
    if "assessments.csv" in frames:
        out.extend(_assessment_rules(frames["assessments.csv"], people, lambda c: encoded("assessments.csv", c)))
    # rows of one child that overlap are not an error: like rows that touch, they are one period
    # away from home (004 §9.2.1 speaks of periods, not rows), joined by simulate/payments/periods.py
    return out


def _ids(raws: dict[str, pd.DataFrame], encoded, files: tuple[str, ...], column: str) -> pa.Array:
    """Distinct non-blank values of ``column`` in ``files`` (those present), as Arrow strings."""
    parts = [encoded(f, column)[0].cast(pa.large_string()) for f in files if f in raws and column in raws[f]]
    if not parts:
        return pa.array([], type=pa.large_string())
    return pc.drop_null(pc.unique(pa.concat_arrays(parts)))


def _flag(file: str, mask: pd.Series | np.ndarray, column: str, reason: str) -> pd.DataFrame:
    if isinstance(mask, pd.Series):
        mask = mask.fillna(False).to_numpy(dtype=bool)
    return _issues(file, np.flatnonzero(np.asarray(mask, dtype=bool)), column, reason)


def _referral_rules(ref: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    cols = set(ref)
    if {"end_date", "end_reason"} <= cols:
        out.append(_flag("referrals.csv", ref["end_date"].notna() & ref["end_reason"].isna(), "end_reason", "support ended (end_date) but no end_reason"))
        out.append(_flag("referrals.csv", ref["end_date"].isna() & ref["end_reason"].notna(), "end_reason", "end_reason given but no end_date"))
    if {"end_date", "start_date"} <= cols:
        out.append(_flag("referrals.csv", ref["end_date"].notna() & ref["start_date"].isna(), "start_date", "support ended (end_date) but never started"))
    if {"start_date", "accepted"} <= cols:
        out.append(_flag("referrals.csv", ref["start_date"].notna() & (ref["accepted"] == False), "start_date", "support started on a referral that was not accepted"))  # noqa: E712
    if {"age_at_referral", "date_of_birth", "referral_date"} <= cols:
        dob, day = ref["date_of_birth"], ref["referral_date"]
        age = day.dt.year - dob.dt.year - ((day.dt.month * 100 + day.dt.day) < (dob.dt.month * 100 + dob.dt.day)).astype(int)
        out.append(_flag("referrals.csv", ref["age_at_referral"].notna() & age.notna() & (age != ref["age_at_referral"]), "age_at_referral", "does not match date_of_birth on referral_date"))
    return out


def _assessment_rules(frame: pd.DataFrame, people: pa.Array, encoded) -> list[pd.DataFrame]:
    out = []
    if not {"tool", "area", "score", "person_id"} <= set(frame):
        return out
    registry = tool_areas()
    known_tools = sorted(set(registry["tool"]))
    tools, tool_idx = encoded("tool")
    areas, area_idx = encoded("area")
    tool_known = isin((tools, tool_idx), pa.array(known_tools, type=pa.string()))
    out.append(_flag("assessments.csv", (tool_idx >= 0) & ~tool_known, "tool", f"unknown tool (registered: {', '.join(known_tools)})"))
    # Registry row of each distinct (tool, area) pair (-1 if none), spread to the rows by the
    # two columns' codes: the lookup touches the few distinct pairs, not a million strings.
    position = {(t, a): i for i, (t, a) in enumerate(zip(registry["tool"], registry["area"]))}
    table = np.array([[position.get((t, a), -1) for a in areas.to_pylist()] for t in tools.to_pylist()], dtype=np.int64).reshape(len(tools), len(areas))
    # One more row and column of -1 for blank tool or area (index -1 picks them).
    padded = np.full((len(tools) + 1, len(areas) + 1), -1, dtype=np.int64)
    padded[:-1, :-1] = table
    codes = padded[tool_idx, area_idx]     # a blank tool or area has index -1: the padding
    out.append(_flag("assessments.csv", tool_known & (area_idx >= 0) & (codes < 0), "area", "not an area of this tool"))
    lo = np.append(registry["min_score"].to_numpy(float), np.nan)[codes]   # code -1: NaN bounds, never out of range
    hi = np.append(registry["max_score"].to_numpy(float), np.nan)[codes]
    score = frame["score"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        out_of_range = (score < lo) | (score > hi)
    idx = np.flatnonzero(out_of_range)
    if len(idx):
        pair = (registry["tool"] + "/" + registry["area"]).to_numpy()[codes[idx]]
        reasons = [f"{s:g} outside {a:g}-{b:g} for {p}" for s, a, b, p in zip(score[idx], lo[idx], hi[idx], pair)]
        out.append(_issues("assessments.csv", idx, "score", reasons))
    person = encoded("person_id")
    out.append(_flag("assessments.csv", (person[1] >= 0) & ~isin(person, people), "person_id",
                     "unknown person: not a child or family in referrals or comparison_pool"))
    return out


