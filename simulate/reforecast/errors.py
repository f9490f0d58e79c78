"""Errors of the reforecast."""

from simulate.errors import CuspError


class ReforecastError(CuspError):
    """A reforecast that cannot run: one line naming the option or key and the reason."""


__all__ = ["ReforecastError"]
