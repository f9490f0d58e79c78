"""Extract readers: one module per format a council's file can arrive in, one small protocol.

Each reader (:class:`~evaluation.readers.base.ExtractReader`) registers itself here, as Ciw's
distributions do; :func:`read_table` reads the file's first bytes and asks each reader in turn
whether it claims the file, so the command line and the validators never switch on a format.

- :mod:`.excel` — ``.xlsx``/``.xlsm``/``.xls`` workbooks, recognised by their bytes (an
  ``.xlsx`` renamed ``.csv`` is still read as a workbook), one sheet by name;
- :mod:`.csv` — Cusp's CSV contract in UTF-8, UTF-8 with BOM, UTF-16 (BOM) or Windows-1252
  (the catch-all, so it registers last);
- :mod:`.ssda903` — the DfE children-looked-after return (episodes and header files, UK dates),
  read through the two above, and :mod:`.ssda903_periods`, which turns its episodes into
  Cusp's ``care_episodes.csv`` (periods away from home).

>>> table = read_table("data/referrals.csv")          # doctest: +SKIP
>>> table.frame.shape, table.source                    # doctest: +SKIP
((1200, 20), 'CSV, Windows-1252')
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from .base import ExtractReader, Table, file_error

READERS: dict[str, ExtractReader] = {}
"""Registered readers by name, in the order they are asked (the catch-all CSV reader last)."""

R = TypeVar("R")


def register(cls: type[R]) -> type[R]:
    """Class decorator: add an instance of a reader class to :data:`READERS`."""
    reader = cls()
    READERS[reader.name] = reader  # type: ignore[attr-defined]
    return cls


def reader_for(path: Path, head: bytes) -> ExtractReader:
    """The first registered reader that claims a file starting with ``head``."""
    for reader in READERS.values():
        if reader.claims(path, head):
            return reader
    raise file_error(path.name, "no reader for this file")  # unreachable while the CSV reader is registered


def read_table(path: str | Path, *, sheet: str | None = None, label: str | None = None, coded: Iterable[str] = ()) -> Table:
    """Read one extract file as text, whatever its format.

    Parameters
    ----------
    path
        The file.
    sheet
        Excel only: the sheet to read by name (default: the only sheet, or the one named like
        the file).
    label
        How messages name the file (default: its name).
    coded
        Columns a plain UTF-8 CSV may return as categorical text (dictionary codes) instead of
        strings: columns that will be converted to dates or numbers, whose distinct values are
        few. Other readers, and other paths of the CSV reader, return them as strings.

    Raises
    ------
    ExtractError
        The file cannot be read (empty, not text, a malformed row): file, row, column, reason.
    """
    path = Path(path)
    label = label or path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except IsADirectoryError:
        raise file_error(label, "is a folder, not a file") from None
    except OSError as exc:
        raise file_error(label, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    reader = reader_for(path, head)
    if coded and getattr(reader, "name", "") == "csv":
        return reader.read(path, label, sheet, coded=frozenset(coded))  # type: ignore[call-arg]
    return reader.read(path, label, sheet)


# Registration order is the order readers are asked: specific formats first, the CSV catch-all last.
from . import excel as _excel  # noqa: E402,F401
from . import csv as _csv  # noqa: E402,F401

__all__ = ["READERS", "ExtractReader", "Table", "read_table", "reader_for", "register"]
