"""The contract's monthly grid: month boundaries in days, month-end dates, and binning.

Times inside the finance layer and the stress engine are days (floats) from the contract's
start date; month ``k`` is ``[edges[k], edges[k+1])`` on the real calendar.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

from ..scenario import add_months


@lru_cache(maxsize=64)
def _starts(start: dt.date, months: int) -> tuple[dt.date, ...]:
    return tuple(add_months(start, k) for k in range(months + 1))


@lru_cache(maxsize=64)
def _edges(start: dt.date, months: int) -> tuple[float, ...]:
    return tuple(float((d - start).days) for d in _starts(start, months))


def month_edges(start: dt.date, months: int) -> np.ndarray:
    """Days from ``start`` to the first day of each month ``0..months`` (``months + 1`` values)."""
    return np.array(_edges(start, months))


def month_starts(start: dt.date, months: int) -> list[dt.date]:
    """First day of each contract month."""
    return list(_starts(start, months)[:months])


@lru_cache(maxsize=64)
def _ends(start: dt.date, months: int) -> tuple[dt.date, ...]:
    return tuple(d - dt.timedelta(days=1) for d in _starts(start, months)[1:])


def month_ends(start: dt.date, months: int) -> list[dt.date]:
    """Last day of each contract month: the date a month's flows are dated for XIRR."""
    return list(_ends(start, months))


def month_of(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Month index of each time in days; ``len(edges) - 1`` (off the grid) at or after the end."""
    return np.searchsorted(edges, np.asarray(days, float), side="right") - 1


def interval_days_by_month(starts: np.ndarray, ends: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum over intervals of ``weight × days of [start, end) falling in each month``.

    Parameters
    ----------
    starts, ends
        Interval bounds in days from the start (``inf`` allowed; empty when ``end <= start``).
    weights
        Weight per interval: 1 counts days, a daily tariff in £ gives £, -1 subtracts.
    edges
        Month boundaries from :func:`month_edges`.

    Returns
    -------
    numpy.ndarray
        One value per month (``len(edges) - 1``). Days before ``edges[0]`` or after
        ``edges[-1]`` are not counted.

    Notes
    -----
    The accrued total ``A(x) = Σ w·(max(0, x−s) − max(0, x−e))`` is evaluated at the month
    boundaries with one sort and two cumulative sums, so the cost is O(n log n) whatever the
    number of months.
    """
    lo, hi = edges[0], edges[-1]
    s = np.clip(np.asarray(starts, float), lo, hi)
    e = np.clip(np.asarray(ends, float), lo, hi)
    w = np.asarray(weights, float)
    keep = e > s
    if not keep.any():
        return np.zeros(len(edges) - 1)
    s, e, w = s[keep], e[keep], w[keep]
    points = np.concatenate([s, e])
    q = np.concatenate([w, -w])
    order = np.argsort(points, kind="stable")
    points, q = points[order], q[order]
    cq = np.concatenate([[0.0], np.cumsum(q)])
    cqp = np.concatenate([[0.0], np.cumsum(q * points)])
    idx = np.searchsorted(points, edges, side="left")
    accrued = edges * cq[idx] - cqp[idx]
    return np.diff(accrued)
