"""Domain errors of the payment engine."""

from __future__ import annotations

from simulate.errors import CuspError


class PaymentDataError(CuspError):
    """Outcome data cannot be settled: inconsistent rows or missing fields.

    Parameters
    ----------
    file
        The extract the problem is in (``care_episodes.csv``) or the array name.
    rows
        Line numbers in the CSV file (the header is line 1) or array indices that fail.
    reason
        What is wrong with them.
    noun
        What the numbers are: 'lines' for files, 'rows' for arrays.
    """

    def __init__(self, file: str, rows: list[int], reason: str, noun: str = "rows") -> None:
        self.noun = noun
        self.file = file
        self.rows = list(rows)
        self.reason = reason
        super().__init__(self.one_line())

    def one_line(self) -> str:
        shown = ", ".join(str(r) for r in self.rows[:20])
        more = f" (and {len(self.rows) - 20} more)" if len(self.rows) > 20 else ""
        return f"{self.file}: {self.noun} {shown}{more}: {self.reason}"

    def __str__(self) -> str:
        return self.one_line()


class PaymentScenarioError(CuspError):
    """The scenario's payment mechanism is not the one a settlement function needs."""
