"""Savings from care avoided, valued as the Green Book asks.

Days of care avoided are the days a child would have spent in care under the scenario's
counterfactual hazards less the days spent in care with the service, within the child's
tracking window. From them the commissioner's savings are::

    savings = days avoided × (1 − deadweight) × £ per care day (placement mix) × (1 − optimism bias)

discounted to the contract start at the Green Book real rate (3.5%). Optimism bias is applied
as the Green Book asks of benefits: the expected saving is cut by it.
"""

from __future__ import annotations

import numpy as np

from .returns import present_value


def days_in_care(entries: np.ndarray, exits: np.ndarray, window_start: np.ndarray, window_end: np.ndarray) -> np.ndarray:
    """Days each child spends in care inside its window.

    Parameters
    ----------
    entries, exits
        ``(children, spells)`` arrays of care-spell start and end days (``inf`` = no spell).
    window_start, window_end
        ``(children,)`` window bounds in days.

    Returns
    -------
    numpy.ndarray
        Days in care per child (spells assumed not to overlap).
    """
    lo = np.maximum(entries, window_start[:, None])
    hi = np.minimum(exits, window_end[:, None])
    return np.clip(hi - lo, 0.0, None).sum(axis=1)


def care_cost_per_day(weekly_gbp: dict[str, float], mix: dict[str, float]) -> float:
    """Mean £ per care day for a placement mix (``{"fostering": 0.8, ...}``) of weekly costs."""
    return sum(weekly_gbp.get(kind, 0.0) * share for kind, share in mix.items()) / 7.0


def savings_by_month(days_avoided: np.ndarray, cost_per_day: float, deadweight: float, optimism_bias: float) -> np.ndarray:
    """£ saved each month: days avoided × (1 − deadweight) × £/day × (1 − optimism bias)."""
    return np.asarray(days_avoided, float) * (1.0 - deadweight) * cost_per_day * (1.0 - optimism_bias)


def savings_pv(days_avoided_by_month: np.ndarray, cost_per_day: float, deadweight: float, optimism_bias: float, rate: float = 0.035) -> float:
    """Present value (£, at the contract start) of savings from care avoided, month-end timing."""
    return present_value(savings_by_month(days_avoided_by_month, cost_per_day, deadweight, optimism_bias), rate)
