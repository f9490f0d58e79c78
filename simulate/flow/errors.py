"""Errors of the flow simulation.

User errors subclass :class:`simulate.errors.CuspError` (the command line prints one line and
exits 2); :class:`FlowInvariantError` is a bug in Cusp, never a user error.
"""

from __future__ import annotations

from ..errors import CuspError


class FlowError(CuspError):
    """A flow-simulation request that cannot be carried out (bad option, unknown name)."""


class PlanError(FlowError):
    """A planning request that cannot be answered (unknown target, no eligible periods)."""


class FlowInvariantError(AssertionError):
    """An internal consistency check of the flow simulation failed (a bug, not a user error)."""
