"""A working-day calendar: weekends and English bank holidays, on a day-number time axis.

Simulation time is a float number of days since an origin date (day 0.0 is 00:00 on the
origin). Response targets in the specifications are in *working days* (002: first contact
within 5 working days; 003: assessment and start within 20), so the flow simulation converts
between the two with this calendar. Bank holidays come from the ``holidays`` package
(``country_holidays("GB", subdiv="ENG")``).

Every conversion is vectorised over NumPy arrays.

>>> import datetime as dt
>>> cal = WorkingCalendar(dt.date(2024, 12, 20), dt.date(2025, 1, 31))
>>> int(cal.add_working_days(0.0, 5))  # Fri 20 Dec + 5 working days (two bank holidays) = Tue 31 Dec
11
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

import holidays


@lru_cache(maxsize=32)
def english_bank_holidays(first_year: int, last_year: int) -> frozenset[dt.date]:
    """Dates of English bank holidays (England subdivision of GB) between two years, inclusive."""
    found = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return frozenset(found.keys())


class WorkingCalendar:
    """Working days between ``origin`` and ``end`` (plus a margin for targets falling later).

    Parameters
    ----------
    origin
        The date of simulation day 0.
    end
        The last date the simulation needs; the calendar extends two years beyond it so
        targets counted from late referrals still resolve.
    bank_holidays
        ``True`` (default) to exclude English bank holidays as well as weekends.

    Attributes
    ----------
    is_working : numpy.ndarray of bool
        One entry per calendar day from ``origin``.
    cum_working : numpy.ndarray of int
        ``cum_working[d]`` = working days in days ``0 .. d-1`` (length ``n_days + 1``).
    """

    def __init__(self, origin: dt.date, end: dt.date, bank_holidays: bool = True) -> None:
        self.origin = origin
        last = dt.date(end.year + 2, 12, 31)
        n_days = (last - origin).days + 1
        days = np.arange(n_days)
        weekday = (origin.weekday() + days) % 7
        working = weekday < 5
        if bank_holidays:
            for day in english_bank_holidays(origin.year, last.year):
                index = (day - origin).days
                if 0 <= index < n_days:
                    working[index] = False
        self.is_working = working
        self.cum_working = np.concatenate([[0], np.cumsum(working)])
        # working_day_index[k] = calendar day of the k-th working day (0-based)
        self.working_days = np.flatnonzero(working)
        dates = np.datetime64(origin, "D") + days.astype("timedelta64[D]")
        self.month_index = (dates.astype("datetime64[M]").astype(int) - np.datetime64(origin, "M").astype(int))
        self.calendar_month = dates.astype("datetime64[M]").astype(int) % 12  # 0 = January

    @property
    def n_days(self) -> int:
        return self.is_working.size

    def day_of(self, date: dt.date) -> int:
        """Day number of a date (may be negative before the origin)."""
        return (date - self.origin).days

    def working_days_between(self, t0: np.ndarray | float, t1: np.ndarray | float) -> np.ndarray:
        """Whole working days from day ``floor(t0)`` (exclusive) to day ``floor(t1)`` (inclusive).

        A referral on a Friday met on the following Monday waited 1 working day; met the
        same day, 0. Negative when ``t1 < t0``. NaN where either input is NaN.
        """
        a = np.asarray(t0, dtype=float)
        b = np.asarray(t1, dtype=float)
        bad = np.isnan(a) | np.isnan(b)
        ia = np.clip(np.floor(np.where(bad, 0, a)).astype(np.int64), 0, self.n_days - 1)
        ib = np.clip(np.floor(np.where(bad, 0, b)).astype(np.int64), 0, self.n_days - 1)
        out = (self.cum_working[ib + 1] - self.cum_working[ia + 1]).astype(float)
        return np.where(bad, np.nan, out)

    def add_working_days(self, t: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
        """The day ``n`` whole working days after day ``floor(t)`` (its start, as a float day).

        ``n = 0`` returns ``t`` itself when ``t`` falls on a working day, otherwise the next
        working day. Fractions of ``n`` are rounded up (a target of 4.5 days is met by day 5).
        """
        t_arr = np.asarray(t, dtype=float)
        n_arr = np.ceil(np.asarray(n, dtype=float)).astype(np.int64)
        day = np.clip(np.floor(t_arr).astype(np.int64), 0, self.n_days - 1)
        # the n-th working day strictly after `day`; for n = 0 the first working day on or after it
        k = np.where(n_arr == 0, self.cum_working[day], self.cum_working[day + 1] + n_arr - 1)
        k = np.clip(k, 0, self.working_days.size - 1)
        target = self.working_days[k].astype(float)
        same_day = (n_arr == 0) & self.is_working[day]
        return np.where(same_day, t_arr, target)

    def months_since_origin(self, t: np.ndarray) -> np.ndarray:
        """Whole calendar months since the origin month for each day (0 for the first month)."""
        day = np.clip(np.floor(np.asarray(t, dtype=float)).astype(np.int64), 0, self.n_days - 1)
        return self.month_index[day]

    def calendar_month_of(self, t: np.ndarray) -> np.ndarray:
        """Calendar month (0 = January) of each day."""
        day = np.clip(np.floor(np.asarray(t, dtype=float)).astype(np.int64), 0, self.n_days - 1)
        return self.calendar_month[day]
