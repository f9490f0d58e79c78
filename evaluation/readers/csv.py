"""Cusp's CSV contract: a header row, then one record per row, in any common encoding.

Fast path: pyarrow's multi-threaded reader straight from the file when it is plain UTF-8 (no
copy in Python). Otherwise the bytes are decoded (:mod:`.text`: BOM, UTF-8, Windows-1252) and
parsed by pyarrow, or by pandas' C parser when pyarrow refuses (a quoted value spanning lines).
Both keep blank lines while parsing, so each record keeps the row number a spreadsheet shows for
it; the blank rows are then dropped. A record with more fields than the header (an unquoted
comma) is located with Python's ``csv`` module and refused by row.
"""

from __future__ import annotations

import csv as _csv
import functools
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from . import register
from .base import Table, file_error, text_frame
from .convert import as_bool
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


def _header(head: bytes) -> list[str] | None:
    """Column names from the first line of UTF-8 ``head`` (None if there is no whole first line)."""
    cut = head.find(b"\n")
    if cut < 0:
        return None
    try:
        first = head[:cut].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    names = next(_csv.reader([first]), [])
    return names if names and len(set(names)) == len(names) else None


_CODED = pa.dictionary(pa.int32(), pa.string())


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A dictionary-encoded Arrow column as a pandas Categorical, without a pass over the strings.

    pyarrow's reader gives each block its own dictionary; they are unified (a merge of the few
    distinct values) and the integer indices concatenated (blank: code -1).
    """
    column = column.unify_dictionaries()
    chunks = column.chunks
    if not chunks:
        return pd.Categorical([], categories=pd.Index([], dtype=object))
    dictionary = chunks[0].dictionary
    indices = pa.concat_arrays([c.indices for c in chunks])
    codes = pc.fill_null(indices, -1).to_numpy(zero_copy_only=False) if indices.null_count else indices.to_numpy(zero_copy_only=False)
    return pd.Categorical.from_codes(codes, pd.Index(dictionary.to_pandas(), dtype="str"), validate=False)


def _arrow_csv(source: str | pa.BufferReader, names: list[str], coded: frozenset[str] = frozenset()
               ) -> tuple[pd.DataFrame, np.ndarray | None] | None:
    """Every column as Arrow-backed text, read by pyarrow's multi-threaded parser; None if it refuses.

    Every column is declared a string (no type inference, nothing coerced); each becomes a
    pandas ``str`` Series without a copy. Blank lines are kept while parsing (as rows with
    every cell blank), so each record's spreadsheet row is its position + 2; the blank rows are
    then dropped and the rows of the others returned (None when there were none). Columns in
    ``coded`` are read dictionary-encoded (pandas categorical text): a date or number column of
    a million cells holds a few thousand distinct texts, and the checks look only at those. pyarrow
    refuses, and the caller falls back to the careful path, on bytes that are not UTF-8, a row
    with too many or too few fields, a quoted value spanning lines.
    """
    try:
        table = pa_csv.read_csv(
            source,
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types={n: _CODED if n in coded else pa.large_string() for n in names},
                                                  null_values=[""],
                                                  strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None
    if table.column_names != names:
        return None
    rows = None
    if table.num_rows and min(c.null_count for c in table.columns) > 0:   # some row may be wholly blank
        blank = as_bool(functools.reduce(pc.and_, [pc.is_null(c) for c in table.columns]))
        if blank.any():
            rows = np.flatnonzero(~blank).astype(np.int64) + 2
            table = table.filter(pa.array(~blank))
    return pd.DataFrame({n: _categorical(table.column(i)) if n in coded else table.column(i).to_pandas()
                         for i, n in enumerate(names)}, copy=False), rows


def parse_csv(data: bytes, label: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Read UTF-8 CSV bytes as text columns; return the frame and its spreadsheet rows (or None).

    Blank lines are kept while parsing (pandas' C parser), so every record keeps the row a
    spreadsheet shows for it; the blank rows are then dropped.
    """
    names = _header(data[:65536])
    read = _arrow_csv(pa.BufferReader(pa.py_buffer(data)), names) if names else None
    if read is not None:
        return read
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
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        keep = ~blank
        frame, rows = frame[keep].reset_index(drop=True), rows[keep]
    return frame, rows


@register
class CsvReader:
    """Comma-separated text in UTF-8, UTF-8 with BOM, UTF-16 (with BOM) or Windows-1252."""

    name = "csv"

    def claims(self, path: Path, head: bytes) -> bool:
        return True  # the catch-all: any file no other reader claims is read as text

    def read(self, path: Path, label: str, sheet: str | None = None, coded: frozenset[str] = frozenset()) -> Table:
        """Read ``path``; columns named in ``coded`` come as categorical text on the fast path."""
        with path.open("rb") as handle:
            head = handle.read(65536)
        plain = head.strip() and not head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in head
        names = _header(head) if plain else None
        if names:
            # Fast path: pyarrow reads the file itself (no copy in Python) and checks it is UTF-8.
            read = _arrow_csv(str(path), names, frozenset(c for c in coded if c in names))
            if read is not None:
                return Table(text_frame(read[0]), read[1], "CSV, UTF-8")
        data = path.read_bytes()
        if not data[:4096].strip() and not data.strip():
            raise file_error(label, f"file is empty ({len(data)} bytes): a header row naming the columns is required "
                             "(a file with only a header row means no records)", 1)
        data, encoding = to_utf8(data, label)
        frame, rows = parse_csv(data, label)
        if len(frame.columns) and all(str(c).startswith("Unnamed:") for c in frame.columns):
            raise file_error(label, "the first row is blank: it must name the columns", 1)
        return Table(text_frame(frame), rows, f"CSV, {encoding}")
