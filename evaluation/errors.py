"""Domain errors of the evaluation package.

``evaluation`` must not import ``simulate`` (architecture), so it has its own base class,
:class:`EvaluationError`, with the same ``one_line()`` contract as ``simulate.errors.CuspError``:
the command line prints ``exc.one_line()`` and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class EvaluationError(Exception):
    """Base of every user-facing error raised by the evaluation package."""

    def one_line(self) -> str:
        """Return the message as a single line for the command line."""
        return " ".join(str(self).split())


class UnknownToolError(EvaluationError, KeyError):
    """An assessment tool or area name is not in the registry (``evaluation.tools``)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown assessment tool"


@dataclass(frozen=True)
class RowIssue:
    """One failing cell or row of an extract.

    ``row`` is the row as a spreadsheet shows it (the header is row 1, the first data row is
    row 2); ``None`` when the problem concerns the whole file or a whole column.
    """

    file: str
    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row is not None else self.file
        return f"{where}, column {self.column}: {self.reason}"


class ExtractError(EvaluationError):
    """One or more extracts failed their schema; ``issues`` lists every failing row.

    Parameters
    ----------
    issues
        Every problem found (file, row, column, reason), in file then row order.
    folder
        The folder that was validated, when there is one.
    """

    def __init__(self, issues: list[RowIssue], folder: str | Path | None = None) -> None:
        self.issues = list(issues)
        self.folder = str(folder) if folder is not None else None
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f"{self.folder}: " if self.folder else ""
        if not self.issues:
            return f"{where}invalid extract"
        first = str(self.issues[0])
        more = f" (and {len(self.issues) - 1} more failing rows)" if len(self.issues) > 1 else ""
        return " ".join(f"{where}{first}{more}".split())

    def __str__(self) -> str:
        return self.one_line()


class MissingExtractError(EvaluationError):
    """A required extract file is absent from the folder."""
