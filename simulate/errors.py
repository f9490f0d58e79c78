"""Domain errors of the simulation package.

Every error a user can cause carries enough context (file, key path, reason) to be printed
as one line by the command line, which exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CuspError(Exception):
    """Base of every user-facing error raised by Cusp's packages."""

    def one_line(self) -> str:
        """Return the message as a single line for the command line."""
        return " ".join(str(self).split())


@dataclass
class Issue:
    """One problem found in a scenario: where it is and what is wrong."""

    key_path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key_path}: {self.reason}" if self.key_path else self.reason


class ScenarioError(CuspError):
    """A scenario file or object failed validation.

    Parameters
    ----------
    issues
        Every problem found, each with its key path (``districts[3].capacity``).
    source
        The file the scenario came from, when there is one.
    """

    def __init__(self, issues: list[Issue], source: str | Path | None = None) -> None:
        self.issues = issues
        self.source = str(source) if source is not None else None
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f"{self.source}: " if self.source else ""
        first = str(self.issues[0]) if self.issues else "invalid scenario"
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        return " ".join(f"{where}{first}{more}".split())

    def __str__(self) -> str:
        return self.one_line()


class UnknownScenarioError(CuspError):
    """A scenario name matched neither a preset nor a file."""
