"""A tiny contract for hand-worked KPI examples.

Day 0 is Monday 2 June 2025; the contract runs two years to 2 June 2027. Day 84 (Monday 25
August 2025) is the only bank holiday in the first quarter. Contract quarters: Q1 = days 0-91,
Q2 = days 92-182, Q3 = days 183-272.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simulate.calendar import WorkingCalendar
from simulate.kpis import CaseTable, make_windows

ORIGIN = dt.date(2025, 6, 2)
END = dt.date(2027, 6, 2)
N_DAYS = (END - ORIGIN).days  # 730
NAN = np.nan


class Tiny:
    """Helpers for the tiny contract (imported through the ``tiny`` fixture)."""

    origin, end, n_days = ORIGIN, END, N_DAYS

    def __init__(self) -> None:
        self.cal = WorkingCalendar(ORIGIN, END)

    @staticmethod
    def windows(kind: str):
        return make_windows(kind, ORIGIN, ORIGIN, END)

    @staticmethod
    def table(referral, district=None, names=("only",), **cols) -> CaseTable:
        """A table from per-case lists (NaN = did not happen); one district unless given."""
        n = len(referral)
        d = np.zeros(n, np.int64) if district is None else np.asarray(district, np.int64)
        return CaseTable.build(list(names), d, np.asarray(referral, float), **{k: np.asarray(v) for k, v in cols.items()})


@pytest.fixture(scope="session")
def tiny() -> Tiny:
    return Tiny()
