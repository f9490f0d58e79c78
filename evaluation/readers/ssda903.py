"""The DfE's SSDA903 (children looked after) return, read as councils submit it.

Two files, CSV or Excel, dates ``dd/mm/yyyy`` (the return is UK-style; ISO is accepted too):

- **episodes**: ``CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC,
  REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN`` — one row per episode of care; a new
  episode starts whenever the legal status or placement changes;
- **header**: ``CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB`` — one row per child.

Code lists are the DfE's (guide to the SSDA903 collection, "Children looked after return:
guide", gov.uk; checked against Social Finance's liiatools 0.2.0 SSDA903 schema for 2024,
``liiatools/spec/s903/SSDA903_schema_2024.yml``). Cusp uses ``CHILD``, ``DECOM``, ``DEC``,
``LS`` and ``REC`` of the episodes and ``CHILD``, ``SEX``, ``DOB``, ``ETHNIC`` of the header;
the other columns may be absent. Every bad cell is reported (file, row as a spreadsheet shows
it, column, reason) before anything is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ExtractError, RowIssue
from .convert import date_reason, parse_dates
from . import read_table
from .base import Table

EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                   "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_NEEDED = ("CHILD", "DECOM", "LS", "DEC", "REC")
HEADER_NEEDED = ("CHILD", "SEX", "DOB", "ETHNIC")

LEGAL_STATUSES = {
    "C1": "interim care order", "C2": "full care order", "D1": "freeing order granted",
    "E1": "placement order granted", "V2": "single period of accommodation under section 20",
    "V3": "accommodated under an agreed series of short-term breaks, when individual episodes are recorded",
    "V4": "accommodated under an agreed series of short-term breaks, when agreements are recorded",
    "L1": "under police protection and in local authority accommodation",
    "L2": "emergency protection order", "L3": "under child assessment order and in local authority accommodation",
    "J1": "remanded to local authority accommodation or to youth detention accommodation",
    "J2": "placed in local authority accommodation under the Police and Criminal Evidence Act 1984",
    "J3": "sentenced to a youth rehabilitation order with residence or intensive fostering requirement",
}
"""Legal status (``LS``) codes of the DfE guide."""
REMAND = frozenset({"J1", "J2", "J3"})
"""Legal statuses read as remand (Cusp's ``episode_type`` ``remand``): the youth-justice statuses."""
SHORT_BREAKS = frozenset({"V3", "V4"})
"""Legal statuses of short breaks (respite): not a period away from home unless asked for."""
CONTINUES = "X1"
"""``REC`` X1: "episode ceases, and new episode begins on same day, for any reason"."""
REASONS_CEASED = frozenset({"X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48",
                            "E5", "E6", "E7", "E9", "E14", "E15", "E16", "E17", "E8"})
SEX_CODES = {"1": "male", "2": "female"}
ETHNIC_TO_ONS = {
    **dict.fromkeys(("WBRI", "WIRI", "WOTH", "WIRT", "WROM"), "white"),
    **dict.fromkeys(("MWBC", "MWBA", "MWAS", "MOTH"), "mixed"),
    **dict.fromkeys(("AIND", "APKN", "ABAN", "AOTH", "CHNE"), "asian"),   # Chinese is in ONS 2021's Asian group
    **dict.fromkeys(("BCRB", "BAFR", "BOTH"), "black"),
    "OOTH": "other", "REFU": "not_known", "NOBT": "not_known",
}
"""SSDA903 ``ETHNIC`` codes to the contract's ONS high-level groups."""


@dataclass
class Ssda903:
    """A validated SSDA903 return.

    ``episodes``: CHILD, DECOM, DEC (dates; DEC missing while open), LS, REC, row (spreadsheet
    row). ``header``: CHILD, DOB, sex, ethnicity (contract codes), row. ``episodes_label`` and
    ``header_label`` name the files in messages and reports.
    """

    episodes: pd.DataFrame
    header: pd.DataFrame
    episodes_label: str
    header_label: str


def _issues(label: str, rows: np.ndarray, mask: np.ndarray, column: str, reasons: object) -> list[RowIssue]:
    idx = np.flatnonzero(mask)
    if isinstance(reasons, str):
        reasons = [reasons] * len(idx)
    return [RowIssue(label, int(rows[i]), column, r) for i, r in zip(idx, reasons)]


def _columns(table: Table, label: str, needed: tuple[str, ...]) -> list[RowIssue]:
    have = set(table.frame.columns)
    return [RowIssue(label, None, c, "required column is missing") for c in needed if c not in have]


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    return frame[col].str.strip().str.upper()


def _dates(frame: pd.DataFrame, col: str, label: str, rows: np.ndarray, nullable: bool) -> tuple[pd.Series, list[RowIssue]]:
    text = frame[col].str.strip()
    values = parse_dates(text, dayfirst=True)
    out = _issues(label, rows, (values.isna() & text.notna()).to_numpy(), col,
                  [date_reason(v, dayfirst=True) for v in text[values.isna() & text.notna()]])
    if not nullable:
        out += _issues(label, rows, text.isna().to_numpy(), col, "blank where a date is required")
    return values, out


def _codes(values: pd.Series, allowed, label: str, rows: np.ndarray, col: str, nullable: bool) -> list[RowIssue]:
    bad = values.notna() & ~values.isin(list(allowed))
    out = _issues(label, rows, bad.to_numpy(), col, [f"{v!r} is not an SSDA903 {col} code" for v in values[bad]])
    if not nullable:
        out += _issues(label, rows, values.isna().to_numpy(), col, "blank where a code is required")
    return out


def read_ssda903(episodes: str | Path, header: str | Path, *, episodes_sheet: str | None = None,
                 header_sheet: str | None = None) -> Ssda903:
    """Read and validate an SSDA903 episodes file and header file (CSV or Excel).

    Raises
    ------
    ExtractError
        Listing every bad cell: unreadable file, missing column, blank or unknown code, a date
        that is not ``dd/mm/yyyy`` (or ISO) or not a real date, DEC before DECOM, an episode
        starting twice for one child, a child missing from the header, an episode before birth.
    """
    e_label, h_label = Path(episodes).name, Path(header).name
    e_table = read_table(episodes, sheet=episodes_sheet, label=e_label)
    h_table = read_table(header, sheet=header_sheet, label=h_label)
    issues = _columns(e_table, e_label, EPISODE_NEEDED) + _columns(h_table, h_label, HEADER_NEEDED)
    if issues:
        raise ExtractError(issues)
    ef, hf = e_table.frame, h_table.frame
    er, hr = e_table.row_numbers(), h_table.row_numbers()

    child = ef["CHILD"].str.strip()
    issues += _issues(e_label, er, child.isna().to_numpy(), "CHILD", "blank where a child identifier is required")
    decom, found = _dates(ef, "DECOM", e_label, er, nullable=False)
    issues += found
    dec, found = _dates(ef, "DEC", e_label, er, nullable=True)
    issues += found
    issues += _issues(e_label, er, (dec < decom).to_numpy(), "DEC", "DEC (episode ceased) is before DECOM (episode began)")
    ls, rec = _text(ef, "LS"), _text(ef, "REC")
    issues += _codes(ls, LEGAL_STATUSES, e_label, er, "LS", nullable=False)
    issues += _codes(rec, REASONS_CEASED, e_label, er, "REC", nullable=True)
    issues += _issues(e_label, er, (dec.notna() & rec.isna()).to_numpy(), "REC", "episode ceased (DEC) with no reason (REC)")
    issues += _issues(e_label, er, (dec.isna() & rec.notna()).to_numpy(), "DEC", "a reason ceased (REC) but no date ceased (DEC)")
    # Two episodes of a child may start on one day only when all but one last no time (a
    # zero-day placement, then the next one the same day); two that both run on are a duplicate.
    runs_on = (dec.isna() | (dec > decom)).to_numpy()
    key = pd.DataFrame({"c": child, "d": decom, "on": runs_on})
    second = (key[runs_on].groupby(["c", "d"], sort=False).cumcount() > 0).reindex(key.index, fill_value=False).to_numpy()
    dup = second & child.notna().to_numpy() & decom.notna().to_numpy()
    issues += _issues(e_label, er, dup, "DECOM", "a second episode of this child starting on the same day, both lasting beyond it "
                      "(duplicate CHILD, DECOM)")

    h_child = hf["CHILD"].str.strip()
    issues += _issues(h_label, hr, h_child.isna().to_numpy(), "CHILD", "blank where a child identifier is required")
    issues += _issues(h_label, hr, (h_child.duplicated() & h_child.notna()).to_numpy(), "CHILD", "child already on an earlier row")
    dob, found = _dates(hf, "DOB", h_label, hr, nullable=False)
    issues += found
    sex = hf["SEX"].str.strip()
    issues += _codes(sex, SEX_CODES, h_label, hr, "SEX", nullable=False)
    ethnic = _text(hf, "ETHNIC")
    issues += _codes(ethnic, ETHNIC_TO_ONS, h_label, hr, "ETHNIC", nullable=False)

    known = set(h_child.dropna())
    issues += _issues(e_label, er, (child.notna() & ~child.isin(known)).to_numpy(), "CHILD", f"child not in the header file {h_label}")
    born = child.map(dict(zip(h_child, dob)))
    issues += _issues(e_label, er, (pd.to_datetime(born) > decom).fillna(False).to_numpy(dtype=bool), "DECOM",
                      "episode begins before the child's DOB in the header file")
    if issues:
        raise ExtractError(sorted(issues, key=lambda i: (i.file != e_label, i.row or 0, i.column)))
    episodes_out = pd.DataFrame({"CHILD": child.astype(object), "DECOM": decom, "DEC": dec, "LS": ls.astype(object),
                                 "REC": rec.astype(object), "row": er})
    header_out = pd.DataFrame({"CHILD": h_child.astype(object), "DOB": dob, "sex": sex.map(SEX_CODES).astype(object),
                               "ethnicity": ethnic.map(ETHNIC_TO_ONS).astype(object), "row": hr})
    return Ssda903(episodes_out, header_out, e_label, h_label)
