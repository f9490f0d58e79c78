"""Domain errors of the finance layer and the stress engine."""

from __future__ import annotations

from ..errors import CuspError


class FinanceError(CuspError):
    """Inputs to the finance layer are inconsistent (a table column missing, a month out of range)."""


class StressError(CuspError):
    """A stress-test request cannot be run (unknown stress, bad draw count, unreachable cluster)."""
