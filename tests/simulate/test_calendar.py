"""The working-day calendar, checked against dates worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np

from simulate.calendar import WorkingCalendar, english_bank_holidays


def _cal() -> WorkingCalendar:
    return WorkingCalendar(dt.date(2024, 12, 1), dt.date(2025, 12, 31))


def _date(cal: WorkingCalendar, day: float) -> dt.date:
    return cal.origin + dt.timedelta(days=int(day))


def test_christmas_skipped():
    cal = _cal()
    fri = cal.day_of(dt.date(2024, 12, 20))
    # Mon 23, Tue 24, (Wed 25, Thu 26 bank holidays), Fri 27, Mon 30, Tue 31
    assert _date(cal, cal.add_working_days(fri, 5)) == dt.date(2024, 12, 31)


def test_easter_skipped():
    cal = _cal()
    thu = cal.day_of(dt.date(2025, 4, 17))
    # Good Friday 18 April and Easter Monday 21 April 2025
    assert _date(cal, cal.add_working_days(thu, 1)) == dt.date(2025, 4, 22)


def test_english_not_scottish_summer_bank_holiday():
    hols = english_bank_holidays(2025, 2025)
    assert dt.date(2025, 8, 25) in hols and dt.date(2025, 8, 4) not in hols


def test_working_days_in_2025():
    cal = _cal()
    a, b = cal.day_of(dt.date(2024, 12, 31)), cal.day_of(dt.date(2025, 12, 31))
    # 365 days - 104 weekend days - 8 weekday bank holidays
    assert cal.working_days_between(a, b) == 253


def test_between_and_add_are_inverse_and_vectorised():
    cal = _cal()
    t = np.array([1.0, 3.5, 19.2, 100.0, 0.0])  # day 0 is Sunday 1 December 2024
    n = np.array([0, 1, 5, 20, 3])
    later = cal.add_working_days(t, n)
    assert np.array_equal(cal.working_days_between(t, later), n)
    # a Sunday referral met on Monday waited one working day
    assert cal.working_days_between(0.0, cal.add_working_days(0.0, 0)) == 1
    fri = cal.day_of(dt.date(2025, 1, 10))
    assert cal.working_days_between(fri, fri + 3) == 1  # Friday to Monday
    assert _date(cal, cal.add_working_days(fri + 1, 0)) == dt.date(2025, 1, 13)  # Saturday + 0 -> Monday
    assert np.isnan(cal.working_days_between(np.nan, 3.0))
