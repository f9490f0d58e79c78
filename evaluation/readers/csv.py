"""Cusp's CSV contract: a header row, then one record per row, in any common encoding.

Fast path: pyarrow's multi-threaded reader on the file's bytes as UTF-8. A file with blank
lines is read by pandas' C parser keeping the blank lines, so each record keeps the row number
a spreadsheet shows for it, and the blank rows are then dropped. A record with more fields than
the header (an unquoted comma) is located with Python's ``csv`` module and refused by row.
"""

from __future__ import annotations

import csv as _csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from . import register
from .base import Table, file_error, text_frame
from .text import to_utf8

_READ = {"dtype": str, "keep_default_na": False, "na_values": [""]}


def _too_many_fields(data: bytes, label: str) -> None:
    """Raise naming the first record with more fields than the header (spreadsheet row)."""
    reader = _csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header: list[str] | None = None
    row = 0
    for record in reader:
        row += 1
        if not record:
            continue
        if header is None:
            header = [h.strip() for h in record]
            continue
        if len(record) > len(header):
            raise file_error(label, f"{len(record)} fields where the header has {len(header)} "
                             f"(an unquoted comma in a value? quote it)", reader.line_num,
                             f"after {header[-1]}")


def parse_csv(data: bytes, label: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Read UTF-8 CSV bytes as text columns; return the frame and its spreadsheet rows (or None)."""
    blank_lines = b"\n\n" in data or b"\n\r\n" in data
    if not blank_lines:
        try:
            return pd.read_csv(io.BytesIO(data), engine="pyarrow", **_READ), None
        except Exception:  # noqa: BLE001 - pyarrow refuses some valid files (quoted newlines): the C parser decides
            pass
    try:
        frame = pd.read_csv(io.BytesIO(data), engine="c", skip_blank_lines=False, **_READ)
    except pd.errors.ParserError:
        _too_many_fields(data, label)
        raise file_error(label, "not a readable CSV (unbalanced quotes?)") from None
    except pd.errors.EmptyDataError:
        raise file_error(label, "no header row: the first row must name the columns", 1) from None
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took a first row's extra field as an index
        _too_many_fields(data, label)
    rows = np.arange(len(frame), dtype=np.int64) + 2
    if blank_lines:
        keep = ~frame.isna().all(axis=1).to_numpy()
        frame, rows = frame[keep].reset_index(drop=True), rows[keep]
    return frame, rows


@register
class CsvReader:
    """Comma-separated text in UTF-8, UTF-8 with BOM, UTF-16 (with BOM) or Windows-1252."""

    name = "csv"

    def claims(self, path: Path, head: bytes) -> bool:
        return True  # the catch-all: any file no other reader claims is read as text

    def read(self, path: Path, label: str, sheet: str | None = None) -> Table:
        data = path.read_bytes()
        if not data.strip():
            raise file_error(label, f"file is empty ({len(data)} bytes): a header row naming the columns is required "
                             "(a file with only a header row means no records)", 1)
        data, encoding = to_utf8(data, label)
        frame, rows = parse_csv(data, label)
        if len(frame.columns) and all(str(c).startswith("Unnamed:") for c in frame.columns):
            raise file_error(label, "the first row is blank: it must name the columns", 1)
        return Table(text_frame(frame), rows, f"CSV, {encoding}")
