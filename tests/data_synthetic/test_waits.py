"""Synthetic waits follow the capacity model's flow: working-day delays and a first-come caseload queue."""

from __future__ import annotations

import numpy as np

from data_synthetic.people import _first_free_place, add_working_days


def d(text: str) -> np.datetime64:
    return np.datetime64(text, "D")


def test_working_days_skip_weekends_and_bank_holidays_as_the_flow_calendar_does():
    # Fri 2 May 2025 + 1 working day: Mon 5 May is the early May bank holiday, so Tue 6 May;
    # Sat 3 May + 1 = Tue 6 May too (the flow counts working days strictly after the day);
    # Sat 10 May + 0 = Mon 12 May (no delay: the next working day); Wed 7 May + 2 = Fri 9 May
    days = np.array([d("2025-05-02"), d("2025-05-03"), d("2025-05-10"), d("2025-05-07")])
    got = add_working_days(days, np.array([1, 1, 0, 2]))
    assert got.tolist() == [d("2025-05-06").item(), d("2025-05-06").item(), d("2025-05-12").item(), d("2025-05-09").item()]


def test_families_wait_for_the_first_free_caseload_place():
    # two places; families ready on days 0, 0, 1, 10 holding their place 5, 3, 4, 2 days:
    # the first two start at once (places free again on days 5 and 3); the third waits for
    # day 3; the fourth finds a place free (day 5 < 10) and starts on day 10
    ready = np.array([d("2025-01-01"), d("2025-01-01"), d("2025-01-02"), d("2025-01-11")])
    start = _first_free_place(ready, np.array([5, 3, 4, 2]), 2)
    assert (start - d("2025-01-01")).astype(int).tolist() == [0, 0, 3, 10]
    # no places: nobody starts
    assert np.isnat(_first_free_place(ready, np.array([5, 3, 4, 2]), 0)).all()
