"""Each referred child's state on the as-of date, read from the extracts as they stood then.

The extracts may have been taken later than the as-of date; :func:`as_known_on` keeps only
what had happened by then (a referral after it did not exist, an engagement or a return home
after it had not happened, an episode starting after it is dropped and one ending after it is
still open), so a reforecast "as of" a past date never sees the future.

:func:`sib_state` gives, for every child the 004 bond pays (engaged, referred in the window, the
child's standing referral: the settlement's own rule), the stability clock ``t0`` (or -1 for a
reunification child not home yet), the periods away from home so far joined by
:func:`simulate.payments.periods.merge_periods` (an open one ends at ``OPEN_END``), and the
status of each one-off line in the as-of settlement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulate.payments.days import OPEN_END, to_day
from simulate.payments.periods import merge_periods
from simulate.payments.settlement import away_from_home, standing_cases
from simulate.payments.terms import SibTerms

ONE_OFFS = ("family_star_plus", "my_star", "education", "reading")

_DATED = {"referrals.csv": "referral_date", "assessments.csv": "assessment_date", "reading.csv": "assessment_date",
          "school.csv": "period_end"}


def as_known_on(frames: dict[str, pd.DataFrame], as_of: dt.date) -> dict[str, pd.DataFrame]:
    """The extracts as they stood at the end of ``as_of`` (see the module docstring)."""
    cut = pd.Timestamp(as_of)
    out = {}
    for name, frame in frames.items():
        f = frame
        col = _DATED.get(name)
        if col is not None and col in f.columns:
            f = f[~(pd.to_datetime(f[col]) > cut)].reset_index(drop=True)
        if name == "referrals.csv":
            f = f.copy()
            for c in ("first_contact_date", "assessment_date", "start_date", "end_date", "return_home_date"):
                if c in f.columns:
                    f[c] = pd.to_datetime(f[c]).where(~(pd.to_datetime(f[c]) > cut))
        if name == "care_episodes.csv":
            f = f[~(pd.to_datetime(f["start_date"]) > cut)].copy()
            f["end_date"] = pd.to_datetime(f["end_date"]).where(~(pd.to_datetime(f["end_date"]) > cut))
            f = f.reset_index(drop=True)
        out[name] = f
    return out


@dataclass
class SibState:
    """Paid children on the as-of day ``day`` (arrays of length ``n``; days are day numbers).

    ``periods_*`` hold the periods away in the CSR layout of :mod:`simulate.payments.vectorised`
    (only periods started on or before ``day``; an open one ends at ``OPEN_END``).
    ``one_off_status`` (n × 4) holds the as-of audit status of each one-off line
    (:data:`ONE_OFFS`) and ``one_off_due`` its due day (-1 unknown).
    """

    day: int
    child_id: np.ndarray
    cohort: np.ndarray            # index into cohort_names
    cohort_names: tuple[str, ...]
    referral: np.ndarray
    engage: np.ndarray
    t0: np.ndarray                # -1: reunification child not home yet
    support_end: np.ndarray       # recorded end of support, -1 while open
    offsets: np.ndarray
    start: np.ndarray
    end: np.ndarray
    one_off_status: np.ndarray
    one_off_due: np.ndarray

    @property
    def n(self) -> int:
        return len(self.t0)


def _days(series: pd.Series) -> np.ndarray:
    arr = pd.to_datetime(series).to_numpy("datetime64[D]")
    return np.where(np.isnat(arr), -1, arr.astype(np.int64))


def sib_state(frames: dict[str, pd.DataFrame], terms: SibTerms, as_of: dt.date, audit: pd.DataFrame,
              cohort_names: tuple[str, ...]) -> SibState:
    """The state of every child the bond pays, from extracts already cut by :func:`as_known_on`.

    ``audit`` is the as-of settlement's audit (one row per referral and line).
    """
    day = to_day(as_of)
    r = frames["referrals.csv"].reset_index(drop=True)
    ids = r["child_id"].astype(str).tolist()
    cases = r["case_id"].astype(str).tolist() if "case_id" in r else ids
    ref, eng = _days(r["referral_date"]), _days(r["start_date"])
    none = lambda a: [None if v < 0 else int(v) for v in a.tolist()]  # noqa: E731
    standing, _ = standing_cases(ids, cases, none(ref), none(eng), terms.start, terms.referral_end)
    first = np.array([standing[c] for c in ids], dtype=np.int64)
    paid = (eng >= 0) & (ref >= terms.start) & (ref < terms.referral_end) & (first == np.arange(len(r)))
    rows = np.flatnonzero(paid)
    child = np.asarray(ids, dtype=object)[rows]
    index = {n: i for i, n in enumerate(cohort_names)}
    cohort = np.array([index[str(c)] for c in r["sub_cohort"].to_numpy()[rows]], dtype=np.int64)
    reun = np.array([terms.is_reunification(c) for c in cohort_names], bool)[cohort] if len(rows) else np.zeros(0, bool)
    home = _days(r["return_home_date"])[rows] if "return_home_date" in r else np.full(len(rows), -1)
    t0 = np.where(reun, home, eng[rows])
    s_end = _days(r["end_date"])[rows] if "end_date" in r else np.full(len(rows), -1)

    care = away_from_home(frames.get("care_episodes.csv", pd.DataFrame(columns=["child_id", "start_date", "end_date"])),
                          terms.mechanism.short_breaks_away_from_home)
    pos = pd.Index(child).get_indexer(care["child_id"].astype(str)) if len(care) else np.zeros(0, np.int64)
    keep = pos >= 0
    ep_child = pos[keep]
    ep_s = _days(care["start_date"])[keep] if len(care) else np.zeros(0, np.int64)
    ep_e = _days(care["end_date"])[keep] if len(care) else np.zeros(0, np.int64)
    ep_e = np.where(ep_e < 0, OPEN_END, ep_e)
    order = np.lexsort((ep_s, ep_child))
    offsets = np.concatenate(([0], np.cumsum(np.bincount(ep_child, minlength=len(rows))))).astype(np.int64)
    periods = merge_periods(offsets, ep_s[order], ep_e[order])

    status = np.full((len(rows), len(ONE_OFFS)), "not eligible", dtype=object)
    due = np.full((len(rows), len(ONE_OFFS)), -1, np.int64)
    if len(audit):
        a = audit[audit["metric"].isin(ONE_OFFS)]
        case_of_row = np.asarray(cases, dtype=object)[rows]
        key = pd.MultiIndex.from_arrays([a["case_id"].astype(str), a["metric"].astype(str)])
        for j, m in enumerate(ONE_OFFS):
            at = key.get_indexer(pd.MultiIndex.from_arrays([case_of_row, np.full(len(rows), m, dtype=object)]))
            ok = at >= 0
            status[ok, j] = a["status"].to_numpy()[at[ok]]
            due[ok, j] = _days(a["due_date"].iloc[at[ok]])
    return SibState(day, child, cohort, cohort_names, ref[rows], eng[rows], t0, s_end, periods.offsets, periods.start,
                    periods.end, status, due)


__all__ = ["ONE_OFFS", "SibState", "as_known_on", "sib_state"]
