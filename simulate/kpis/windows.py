"""Reporting windows: month, contract quarter, contract year, financial year, whole contract, rolling 12 months.

A window is a half-open range of whole days ``[lo, hi)`` counted from the origin (day 0 = the
origin date; the origin is the contract's start in the simulation). Every KPI of the registry
is evaluated on any set of windows; the *report rows* group them:

* ``month``: calendar months (label ``2025-04``), the first and last cut at the contract's
  start and end (000 §3.11.1 monthly performance reports; 004 monthly contract meetings);
* ``quarter``: contract quarters, three months from the contract start (``Y1Q1``…);
* ``year``: contract years, twelve months from the contract start (``Y1``…);
* ``financial_year``: April to March (``FY2025/26``), cut at the contract's start and end;
* ``contract``: the whole contract, one window;
* ``rolling_12_months``: the twelve calendar months ending on **every day** (a daily rolling
  window, the reading of "in any 12 month period", 002 App 2 §1.8), only windows wholly inside
  the contract. Windows are grouped into report rows by the calendar month of their last day
  (label ``2026-03``); a row's value is the *worst* value over its windows for a KPI with a
  direction (the smallest for higher-is-better, the largest for lower-is-better), so a target
  met in every row is met in every daily window. A KPI without a direction (a count of
  referrals) reports the window ending on the row's last day.

Partial windows (a financial year cut by the contract start) are kept and flagged
``complete = False``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from dateutil.relativedelta import relativedelta

KINDS = ("month", "quarter", "year", "financial_year", "contract", "rolling_12_months")


@dataclass(frozen=True)
class Windows:
    """A set of windows and the report rows they fold into.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    lo, hi
        int64 arrays: first day and day after the last day of each window (days from origin).
    row
        int64 array: the report row of each window (non-decreasing).
    labels
        One label per report row.
    complete
        Boolean per report row: its windows are whole (not cut by the contract's start or end).
    """

    kind: str
    lo: np.ndarray
    hi: np.ndarray
    row: np.ndarray
    labels: list[str]
    complete: np.ndarray

    @property
    def n(self) -> int:
        return int(self.lo.size)

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    @property
    def rolling(self) -> bool:
        return self.n != self.n_rows

    def last_of_row(self) -> np.ndarray:
        """Index of the last window of each report row."""
        return np.flatnonzero(np.r_[self.row[1:] != self.row[:-1], True])

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """First day of the first window and day after the last window of each row (rolling: last window)."""
        last = self.last_of_row()
        if not self.rolling:
            return self.lo, self.hi
        return self.lo[last], self.hi[last]


def _day(origin: dt.date, d: dt.date) -> int:
    return (d - origin).days


@lru_cache(maxsize=64)
def make_windows(kind: str, origin: dt.date, start: dt.date, end: dt.date) -> Windows:
    """Windows of one kind for a contract running from ``start`` to ``end`` (exclusive; cached).

    Parameters
    ----------
    kind
        One of :data:`KINDS`.
    origin
        Date of day 0.
    start, end
        First day of the contract and the day after its last day.

    >>> w = make_windows("financial_year", dt.date(2025, 6, 1), dt.date(2025, 6, 1), dt.date(2027, 6, 1))
    >>> w.labels, w.lo.tolist(), w.hi.tolist(), w.complete.tolist()
    (['FY2025/26', 'FY2026/27', 'FY2027/28'], [0, 304, 669], [304, 669, 730], [False, True, False])
    """
    if kind not in KINDS:
        raise ValueError(f"unknown window kind {kind!r} (one of {', '.join(KINDS)})")
    s, e = _day(origin, start), _day(origin, end)
    if kind == "rolling_12_months":
        # the window ending on day d (inclusive) starts twelve calendar months before d + 1
        los, his, rows, labels = [], [], [], []
        d = start + relativedelta(months=12) - dt.timedelta(days=1)
        row_month = None
        while d < end:
            lo = _day(origin, d + dt.timedelta(days=1) - relativedelta(months=12))
            if lo >= s:
                key = (d.year, d.month)
                if key != row_month:
                    labels.append(f"{d.year:04d}-{d.month:02d}")
                    row_month = key
                los.append(lo)
                his.append(_day(origin, d) + 1)
                rows.append(len(labels) - 1)
            d += dt.timedelta(days=1)
        return Windows(kind, np.asarray(los, np.int64), np.asarray(his, np.int64), np.asarray(rows, np.int64), labels, np.ones(len(labels), bool))
    if kind == "contract":
        bounds = [(start, end, "contract", True)]
    elif kind in ("quarter", "year"):
        step = 3 if kind == "quarter" else 12
        bounds = []
        k = 0
        while start + relativedelta(months=k * step) < end:
            a = start + relativedelta(months=k * step)
            b = min(start + relativedelta(months=(k + 1) * step), end)
            label = f"Y{k + 1}" if kind == "year" else f"Y{k // 4 + 1}Q{k % 4 + 1}"
            bounds.append((a, b, label, b == start + relativedelta(months=(k + 1) * step)))
            k += 1
    elif kind == "month":
        bounds = []
        a = start
        while a < end:
            nxt = dt.date(a.year, a.month, 1) + relativedelta(months=1)
            b = min(nxt, end)
            bounds.append((a, b, f"{a.year:04d}-{a.month:02d}", a.day == 1 and b == nxt))
            a = b
    else:  # financial_year: 1 April to 31 March
        bounds = []
        a = start
        while a < end:
            y = a.year if a.month >= 4 else a.year - 1
            first, nxt = dt.date(y, 4, 1), dt.date(y + 1, 4, 1)
            b = min(nxt, end)
            bounds.append((a, b, f"FY{y}/{(y + 1) % 100:02d}", a == first and b == nxt))
            a = b
    lo = np.array([_day(origin, a) for a, _, _, _ in bounds], np.int64)
    hi = np.array([_day(origin, b) for _, b, _, _ in bounds], np.int64)
    return Windows(kind, lo, hi, np.arange(len(bounds), dtype=np.int64), [x[2] for x in bounds], np.array([x[3] for x in bounds], bool))
