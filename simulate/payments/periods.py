"""Periods away from home: care and remand episodes that touch or overlap, joined per child.

004 §9.2.1 speaks of periods away from home and returns home, not of database rows: *"Where
such cases do occur but the period of Local Authority care or remand is not greater than 8
weeks and the Child returns to their family home, the tracking period will continue"*; *"If a
Child goes back into care more than twice…"*. A council's extract starts a new row at every
placement or legal-status change (care → remand on the same day, one placement → the next), so
rows that touch or overlap (next start ≤ the latest end so far, per child) are one period away;
the child returns home only at the end of the period.

This is the one place the rows are joined: the per-child reference rules
(:func:`simulate.payments.stability.settle_stability`), the array rules
(:func:`simulate.payments.vectorised.settle_stability_arrays`, used by the real-data, flow and
stress paths) all call :func:`merge_periods`.

Days are day numbers; an episode covers ``[start, end)``; an open one ends at ``OPEN_END``. A
zero-day episode (``start == end``: admitted and home the same day) is a period of its own
unless it touches another; it covers no day but is still an entry to care.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .days import OPEN_END


@dataclass(frozen=True)
class Periods:
    """Periods away from home in the CSR layout of :mod:`simulate.payments.vectorised`.

    ``offsets`` int64[n+1], ``start``/``end`` int64[p] (sorted within each child, disjoint and
    not touching), ``rows`` int64[p]: how many episode rows each period joins.
    """

    offsets: np.ndarray
    start: np.ndarray
    end: np.ndarray
    rows: np.ndarray


def merge_periods(offsets: np.ndarray, start: np.ndarray, end: np.ndarray) -> Periods:
    """Join each child's episodes that touch or overlap into periods away from home.

    Parameters
    ----------
    offsets
        int64[n+1]: episodes of child ``i`` are ``start[offsets[i]:offsets[i+1]]`` (any order).
    start, end
        int64[m] day numbers; ``end`` exclusive (the day home), ``OPEN_END`` while open.

    Returns
    -------
    Periods
        A period starts at its first episode's start and ends at the latest end of the
        episodes it joins (open if any of them is open).

    Examples
    --------
    Care 2022-01-01 → 2022-02-01 then remand 2022-02-01 → 2022-03-01 (days 18993-19024-19052)
    is one 59-day period:

    >>> p = merge_periods(np.array([0, 2]), np.array([18993, 19024]), np.array([19024, 19052]))
    >>> p.start.tolist(), p.end.tolist(), p.rows.tolist()
    ([18993], [19052], [2])
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    n, m = len(offsets) - 1, len(start)
    if m == 0:
        empty = np.zeros(0, np.int64)
        return Periods(np.zeros(n + 1, np.int64), empty, empty.copy(), empty.copy())
    child = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    same = child[1:] == child[:-1]
    if not np.any(same & (np.diff(start) < 0)):
        s, e = start, end                                # already in order (the usual case)
        if not np.any(same & (s[1:] <= e[:-1])):
            # no row touches or overlaps the one before: each row is a period of its own (each
            # start is after the previous end, which is at least every earlier end)
            return Periods(offsets.copy(), s.copy(), e.copy(), np.ones(m, np.int64))
    else:
        order = np.lexsort((end, start, child))
        s, e = start[order], end[order]
    # running maximum of the end within each child, without a loop: shift every child into its
    # own band of values so one cumulative maximum never crosses from one child to the next
    open_ = e >= OPEN_END
    base = int(s.min())
    finite = np.where(open_, base, e)
    top = int(max(int(finite.max()), int(s.max()))) - base + 2          # the stand-in for an open end
    rel = np.where(open_, top, e - base)
    band = child * (top + 1)
    runmax = np.maximum.accumulate(band + rel) - band
    first = np.ones(m, dtype=bool)
    first[1:] = (child[1:] != child[:-1]) | (s[1:] - base > runmax[:-1])
    heads = np.flatnonzero(first)
    lasts = np.r_[heads[1:] - 1, m - 1]
    p_end = runmax[lasts]
    p_end = np.where(p_end >= top, OPEN_END, p_end + base)
    counts = np.bincount(child[heads], minlength=n)
    return Periods(np.concatenate(([0], np.cumsum(counts))).astype(np.int64), s[heads].copy(),
                   p_end.astype(np.int64), np.diff(np.r_[heads, m]).astype(np.int64))


def merge_child(spells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One child's episodes ``(start, end)`` joined into periods (see :func:`merge_periods`)."""
    if not spells:
        return []
    p = merge_periods(np.array([0, len(spells)]), np.array([s for s, _ in spells]), np.array([e for _, e in spells]))
    return list(zip(p.start.tolist(), p.end.tolist()))


__all__ = ["Periods", "merge_child", "merge_periods"]
