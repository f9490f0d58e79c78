"""Vectorised window sums and maxima by district: daily arrays, cumulative sums, a sparse table.

Everything here works on whole days: an event on day 12.7 falls on day 12, and a window
``[lo, hi)`` holds the days ``lo .. hi − 1``. Results have shape ``(n_windows, n_districts + 1)``;
the last column is every district together (``all``).
"""

from __future__ import annotations

import numpy as np


class Daily:
    """Daily per-district arrays over days ``0 .. n_days − 1`` and their window folds."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, n_districts: int, n_days: int) -> None:
        self.lo = np.clip(np.asarray(lo, np.int64), 0, n_days)
        self.hi = np.clip(np.asarray(hi, np.int64), 0, n_days)
        self.D = n_districts
        self.T = n_days

    def day_index(self, day: np.ndarray) -> np.ndarray:
        """Whole day of each event, −1 where NaN or outside ``0 .. T − 1``."""
        day = np.asarray(day, dtype=float)
        ok = np.isfinite(day) & (day >= 0) & (day < self.T)
        return np.where(ok, np.floor(np.where(ok, day, 0)).astype(np.int64), -1)

    def count(self, day: np.ndarray, district: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Daily sums, shape ``(T, D)``: events (or their ``weights``) by whole day and district."""
        day = np.asarray(day, dtype=float)
        # NaN fails both comparisons, so this is day_index's test; truncation is floor for day >= 0
        with np.errstate(invalid="ignore"):
            ok = (day >= 0) & (day < self.T)
        key = day[ok].astype(np.int64)
        if self.D > 1:
            key = key * self.D + np.asarray(district, np.int64)[ok]
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        return np.bincount(key, weights=w, minlength=self.T * self.D).astype(float).reshape(self.T, self.D)

    def window_sum(self, daily: np.ndarray) -> np.ndarray:
        """Sum of a ``(T, D)`` daily array over each window, with the ``all`` column."""
        cs = np.vstack([np.zeros((1, self.D)), np.cumsum(daily, axis=0)])
        out = cs[self.hi] - cs[self.lo]
        return np.hstack([out, out.sum(axis=1, keepdims=True)])

    def sum(self, day: np.ndarray, district: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Sum over events falling in each window (shape ``(W, D + 1)``)."""
        return self.window_sum(self.count(day, district, weights))

    def max(self, day: np.ndarray, district: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Largest value among events in each window (NaN where none), via a sparse table."""
        k = self.day_index(day)
        ok = (k >= 0) & np.isfinite(values)
        daily = np.full(self.T * self.D, -np.inf)
        np.maximum.at(daily, k[ok] * self.D + np.asarray(district, np.int64)[ok], np.asarray(values, float)[ok])
        out = range_max(daily.reshape(self.T, self.D), self.lo, self.hi)
        out = np.hstack([out, out.max(axis=1, keepdims=True)])
        out[~np.isfinite(out)] = np.nan
        return out


def range_max(daily: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Maximum of ``daily[lo:hi]`` along axis 0 for every window (−inf for empty windows).

    A sparse table: level ``j`` holds maxima of runs of ``2**j`` days, so each query is the
    larger of two overlapping runs — O(T log T) to build, O(1) per window.
    """
    T = daily.shape[0]
    levels = [daily]
    j = 1
    while (1 << j) <= T:
        prev = levels[-1]
        half = 1 << (j - 1)
        levels.append(np.maximum(prev[:-half], prev[half:]))
        j += 1
    length = hi - lo
    out = np.full((lo.size, daily.shape[1]), -np.inf)
    ok = length > 0
    if not ok.any():
        return out
    lev = np.floor(np.log2(np.where(ok, length, 1))).astype(np.int64)
    for level in np.unique(lev[ok]):
        m = ok & (lev == level)
        tab = levels[level]
        a = tab[lo[m]]
        b = tab[hi[m] - (1 << level)]
        out[m] = np.maximum(a, b)
    return out


def interval_daily_mass(start: np.ndarray, end: np.ndarray, weight: np.ndarray, group: np.ndarray, n_groups: int, n_days: int) -> np.ndarray:
    """Weight × the part of each day ``[d, d + 1)`` that each interval ``[start, end)`` covers, summed by group.

    Exact for fractional days: the first and last (partial) days get their covered fraction,
    the whole days between get the full weight through a difference array; one ``bincount``
    each, all groups at once. Intervals are clipped to ``[0, n_days)``. Shape ``(T, n_groups)``.
    """
    s = np.clip(np.asarray(start, float), 0.0, float(n_days))
    e = np.clip(np.asarray(end, float), 0.0, float(n_days))
    w = np.asarray(weight, float) * np.ones(s.size)
    g = np.asarray(group, np.int64)
    ok = np.isfinite(s) & np.isfinite(e) & (e > s)
    s, e, w, g = s[ok], e[ok], w[ok], g[ok]
    size = (n_days + 1) * n_groups
    fs, fe = np.floor(s), np.floor(e)
    same = fs == fe
    # first day: its covered part (the whole interval when it starts and ends on that day)
    first = np.where(same, e - s, fs + 1.0 - s) * w
    out = np.bincount(fs.astype(np.int64) * n_groups + g, weights=first, minlength=size)
    # last day's part, when the interval reaches a later day
    last = np.where(same, 0.0, e - fe) * w
    out += np.bincount(fe.astype(np.int64) * n_groups + g, weights=last, minlength=size)
    # whole days fs + 1 .. fe - 1: +w from fs + 1, -w from fe
    full = ~same & (fe > fs + 1)
    diff = np.bincount((fs[full] + 1).astype(np.int64) * n_groups + g[full], weights=w[full], minlength=size)
    diff -= np.bincount(fe[full].astype(np.int64) * n_groups + g[full], weights=w[full], minlength=size)
    out = out.reshape(n_days + 1, n_groups) + np.cumsum(diff.reshape(n_days + 1, n_groups), axis=0)
    return out[:n_days]


def fold_rows(value: np.ndarray, num: np.ndarray | None, den: np.ndarray | None, row: np.ndarray, n_rows: int,
              better: str | None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Fold windows into report rows: the worst window for a KPI with a direction, else the last.

    ``better`` is ``"higher"``, ``"lower"`` or ``None``. NaN windows are skipped; a row with
    only NaN windows is NaN.
    """
    if row.size == n_rows:
        return value, num, den
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    last = np.r_[starts[1:], row.size] - 1
    if better is None:
        pick = np.repeat(last[:, None], value.shape[1], axis=1)
    else:
        key = np.where(np.isfinite(value), value if better == "lower" else -value, -np.inf)
        pick = np.empty((n_rows, value.shape[1]), np.int64)
        for r, (a, b) in enumerate(zip(starts, last + 1)):
            pick[r] = a + np.argmax(key[a:b], axis=0)
    cols = np.arange(value.shape[1])[None, :]
    take = lambda x: None if x is None else x[pick, cols]  # noqa: E731
    return take(value), take(num), take(den)
