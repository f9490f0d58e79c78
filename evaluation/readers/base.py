"""The one small protocol every extract reader implements, and the table it returns.

A reader turns one file as a council holds it (a CSV in whatever encoding, an Excel workbook)
into a :class:`Table`: every cell as text (blank cells missing), plus the row number a
spreadsheet shows for each data row, so a blank line or an empty sheet row never shifts a
reported row. Readers register themselves in :mod:`evaluation.readers` as Ciw's distributions
do; :func:`evaluation.readers.read_table` picks one by the file's first bytes and name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..errors import ExtractError, RowIssue


@dataclass
class Table:
    """One extract read as text.

    Attributes
    ----------
    frame
        Every column as text, blank cells missing, header names stripped; default RangeIndex.
    rows
        Spreadsheet row number of each data row (header = row 1), or ``None`` when they are
        simply 2, 3, 4, ... (no blank rows skipped).
    source
        How the file was read, for messages (``"CSV, Windows-1252"``, ``"Excel sheet 'Episodes'"``).
    """

    frame: pd.DataFrame
    rows: np.ndarray | None = None
    source: str = ""

    def row_numbers(self) -> np.ndarray:
        """Spreadsheet row of every data row (header = 1)."""
        if self.rows is None:
            return np.arange(len(self.frame), dtype=np.int64) + 2
        return self.rows


@runtime_checkable
class ExtractReader(Protocol):
    """A format an extract can arrive in.

    ``name`` keys the registry; ``claims(path, head)`` says whether this reader reads a file
    whose first bytes are ``head``; ``read(path, label, sheet)`` returns the :class:`Table` or
    raises :class:`~evaluation.errors.ExtractError` naming ``label`` (the file as the user
    knows it), the row, the column and the reason.
    """

    name: str

    def claims(self, path: Path, head: bytes) -> bool: ...

    def read(self, path: Path, label: str, sheet: str | None = None) -> Table: ...


def file_error(label: str, reason: str, row: int | None = None, column: str = "-") -> ExtractError:
    """One-issue :class:`ExtractError` for a problem that stops a file being read at all."""
    return ExtractError([RowIssue(label, row, column, reason)])


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Header names stripped of spaces (``'child_id '`` is ``child_id``)."""
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
