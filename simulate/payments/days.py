"""Day numbers and calendar-month arithmetic, scalar and vectorised.

The engine counts time in whole **day numbers**: days since 1970-01-01 (the integer view of
``numpy.datetime64[D]``). Intervals are half-open ``[start, end)``. Months are calendar
months: ``add_months`` clamps to the month's last day (31 Aug + 6 months = 28/29 Feb), the
same rule as :func:`simulate.scenario.add_months`.

>>> to_day(dt.date(2020, 1, 1))
18262
>>> to_date(add_months_day(to_day(dt.date(2019, 8, 31)), 6))
datetime.date(2020, 2, 29)
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

from simulate.scenario.service import add_months

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
OPEN_END = np.int64(2**40)
"""Sentinel end day of a spell still open (no end date recorded)."""


def to_day(day: dt.date) -> int:
    """Day number of a date."""
    return day.toordinal() - _EPOCH_ORDINAL


def to_date(day: int) -> dt.date:
    """Date of a day number."""
    return dt.date.fromordinal(int(day) + _EPOCH_ORDINAL)


@lru_cache(maxsize=1 << 16)
def add_months_day(day: int, months: int) -> int:
    """Day number ``months`` calendar months after ``day`` (clamped to month end)."""
    return to_day(add_months(to_date(day), months))


@lru_cache(maxsize=1 << 16)
def month_end_day(day: int) -> int:
    """Day number of the last day of the calendar month containing ``day``."""
    d = to_date(day)
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return to_day(nxt) - 1


@lru_cache(maxsize=1 << 16)
def month_start_day(day: int) -> int:
    """Day number of the first day of the calendar month containing ``day``."""
    return to_day(to_date(day).replace(day=1))


def add_months_array(days: np.ndarray, months: int) -> np.ndarray:
    """Vectorised :func:`add_months_day` on an int64 array of day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    offset = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    first = target.astype("datetime64[D]").astype(np.int64)
    length = (target + np.timedelta64(1, "M")).astype("datetime64[D]").astype(np.int64) - first
    return first + np.minimum(offset, length - 1)


def month_start_array(days: np.ndarray) -> np.ndarray:
    """First day of each day's calendar month (int64 day numbers)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return d.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_end_array(days: np.ndarray) -> np.ndarray:
    """Last day of each day's calendar month (int64 day numbers)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    nxt = d.astype("datetime64[M]") + np.timedelta64(1, "M")
    return nxt.astype("datetime64[D]").astype(np.int64) - 1


def days_from_series(values) -> np.ndarray:
    """Day numbers from a pandas Series/array of dates; missing values become ``OPEN_END``."""
    arr = np.asarray(values, dtype="datetime64[D]")
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = OPEN_END
    return out
