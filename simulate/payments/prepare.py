"""Cut large extracts down to the rows each case's one-off metrics can use, vectorised.

School and reading extracts hold years of records per child; the per-case rules only need the
periods overlapping the 24 months around engagement and the reading tests near ``e + 6
months``. Merging cases with the extract and filtering with arrays keeps the Python work per
case small. The per-case rules then apply exactly as to the full lists (they ignore the rows
dropped here).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from .days import add_months_array


def _day_array(series: pd.Series) -> np.ndarray:
    arr = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    return arr.astype(np.int64), np.isnat(arr)


def _merge(cases: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    left = cases[["case", "child_id", "e"]].astype({"child_id": str})
    return left.merge(frame.assign(child_id=frame["child_id"].astype(str)), on="child_id", how="inner", sort=False)


def school_by_case(cases: pd.DataFrame, school: pd.DataFrame | None, as_of: int) -> dict[int, list[tuple]]:
    """Periods ``(start, last, absence, possible)`` per case overlapping [e − 12m, e + 12m).

    ``cases`` has columns case (int), child_id, e (day number). Periods starting after
    ``as_of`` are dropped (not yet known).
    """
    out: dict = defaultdict(list)
    if school is None or school.empty or cases.empty:
        return out
    m = _merge(cases, school)
    e = m["e"].to_numpy(np.int64)
    ps, _ = _day_array(m["period_start"])
    pe, _ = _day_array(m["period_end"])
    keep = (ps <= as_of) & (pe + 1 > add_months_array(e, -12)) & (ps < add_months_array(e, 12))
    cols = (m["case"].to_numpy()[keep].tolist(), ps[keep].tolist(), pe[keep].tolist(),
            m["unauthorised_absence_days"].to_numpy(float)[keep].tolist(), m["possible_days"].to_numpy(float)[keep].tolist())
    for case, *rest in zip(*cols):
        out[case].append(tuple(rest))
    return out


def reading_by_case(cases: pd.DataFrame, reading: pd.DataFrame | None, as_of: int, tolerance: int) -> dict[int, list[tuple]]:
    """Reading tests ``(day, reading_age, forecast)`` per case within ``tolerance`` days of e + 6 months."""
    out: dict = defaultdict(list)
    if reading is None or reading.empty or cases.empty:
        return out
    m = _merge(cases, reading)
    day, _ = _day_array(m["assessment_date"])
    target = add_months_array(m["e"].to_numpy(np.int64), 6)
    keep = (day <= as_of) & (np.abs(day - target) <= tolerance)
    cols = (m["case"].to_numpy()[keep].tolist(), day[keep].tolist(), m["reading_age"].to_numpy(float)[keep].tolist(),
            m["forecast_reading_age"].to_numpy(float)[keep].tolist())
    for case, *rest in zip(*cols):
        out[case].append(tuple(rest))
    return out
