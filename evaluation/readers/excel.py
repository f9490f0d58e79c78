"""Excel workbooks (``.xlsx``, ``.xlsm``, legacy ``.xls``) read with python-calamine.

A workbook is recognised by its first bytes (a ZIP archive or an OLE2 compound file), so an
``.xlsx`` renamed ``.csv`` is read as the workbook it is. The sheet is named by the caller; with
no name, a workbook with one sheet uses it, one with a sheet named like the extract (``referrals``
for ``referrals.csv``) uses that, and any other is refused listing its sheets. Row numbers are
the sheet's own; the header is the sheet's first row. Cells become text as a CSV export would
write them: dates ISO ``YYYY-MM-DD``, whole numbers without ``.0``, booleans ``true``/``false``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from . import register
from .base import Table, file_error, text_frame

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def choose_sheet(names: list[str], wanted: str | None, stem: str, label: str) -> str:
    """The sheet to read: ``wanted``, else the only sheet, else the one named ``stem``."""
    if wanted is not None:
        if wanted in names:
            return wanted
        near = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise file_error(label, f"no sheet named {wanted!r} (sheets: {', '.join(map(repr, names))}){hint}")
    if len(names) == 1:
        return names[0]
    by_lower = {n.lower(): n for n in names}
    if stem.lower() in by_lower:
        return by_lower[stem.lower()]
    raise file_error(label, f"a workbook with {len(names)} sheets ({', '.join(map(repr, names))}): "
                     f"name the sheet to read, or call one {stem!r}")


@register
class ExcelReader:
    """An Excel workbook, one sheet read by name."""

    name = "excel"

    def claims(self, path: Path, head: bytes) -> bool:
        return head.startswith((ZIP_MAGIC, OLE_MAGIC)) or path.suffix.lower() in SUFFIXES

    def read(self, path: Path, label: str, sheet: str | None = None) -> Table:
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # noqa: BLE001 - calamine's errors name no row: one line for the user
            raise file_error(label, f"not a readable Excel workbook ({type(exc).__name__})") from None
        name = choose_sheet(list(book.sheet_names), sheet, Path(label).stem, label)
        cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        where = f"{label} (sheet {name!r})"
        if not cells or all(_text(v) is None for v in cells[0]):
            raise file_error(where, "the sheet's first row is blank or the sheet is empty: row 1 must name the columns", 1)
        header = [_text(v) or f"Unnamed: {i}" for i, v in enumerate(cells[0])]
        body = [[_text(v) for v in row] for row in cells[1:]]
        rows = np.arange(len(body), dtype=np.int64) + 2
        keep = np.array([any(v is not None for v in row) for row in body], dtype=bool)
        body = [row for row, k in zip(body, keep) if k]
        width = len(header)
        frame = pd.DataFrame([row[:width] + [None] * (width - len(row)) for row in body], columns=header, dtype="str")
        return Table(text_frame(frame), rows[keep], f"Excel sheet {name!r}")
