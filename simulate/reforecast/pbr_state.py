"""Each family's state on a reforecast's as-of day under 000's payment by results.

Read from the referrals as known on the day (:func:`simulate.reforecast.state.as_known_on`), the
as-of settlement's audit and the day of each family's end self-assessment
(:func:`simulate.payments.pbr.end_assessment_day`). See :mod:`simulate.reforecast.pbr`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .base import day_numbers

NOT_ACCEPTED, WAITING, LOST, IN_SUPPORT, COMPLETED, AWAITING = 0, 1, 2, 3, 4, 5
STATE_NAMES = ("referred, not accepted", "waiting", "waited beyond patience", "in support", "completed",
               "completed, awaiting the end self-assessment")


@dataclass
class PbrState:
    """Every family referred by the as-of day (arrays of length ``n``; days are day numbers, -1 none)."""

    state: np.ndarray        # NOT_ACCEPTED, WAITING, LOST, IN_SUPPORT, COMPLETED or AWAITING
    referral: np.ndarray
    start: np.ndarray
    end: np.ndarray
    met: np.ndarray          # the three conditions met (paid, capped or due in a later quarter)
    status: np.ndarray       # the as-of audit status ('paid', 'capped', 'not achieved', 'not yet due', ...)
    rank: np.ndarray         # order of the case id among all cases (the pooled budget's last tie-break)

    @property
    def n(self) -> int:
        return len(self.state)


def family_state(known: pd.DataFrame, audit: pd.DataFrame, assessed: pd.Series, day: int, patience_days: float,
                 confirm_days: int) -> PbrState:
    """Each referred family's state on ``day``.

    ``known``: the referrals as known then; ``audit``: the as-of settlement's audit rows aligned
    with it; ``assessed``: the day of each person's end self-assessment known by then. A family
    that ended with an agreed action plan and outcomes agreed achieved but no end
    self-assessment yet is AWAITING it while it ended less than ``confirm_days`` ago.
    """
    n = len(known)
    ref = day_numbers(known["referral_date"]) if n else np.zeros(0, np.int64)
    start = day_numbers(known["start_date"]) if n else np.zeros(0, np.int64)
    end = day_numbers(known["end_date"]) if n else np.zeros(0, np.int64)
    flag = lambda c: known[c].astype("boolean").fillna(False).to_numpy(bool) if c in known and n else np.zeros(n, bool)  # noqa: E731
    refused = known["accepted"].astype("boolean").eq(False).fillna(False).to_numpy(bool) if "accepted" in known and n else np.zeros(n, bool)
    status = audit["status"].astype(str).to_numpy() if n else np.zeros(0, object)
    met = (end >= 0) & (audit["gross"].to_numpy(float) > 0) if n else np.zeros(0, bool)
    sa = assessed_day(known, assessed) if n else np.zeros(0, np.int64)
    state = np.full(n, WAITING, np.int64)
    state[(start < 0) & refused] = NOT_ACCEPTED
    state[(state == WAITING) & (ref >= 0) & (day - ref > patience_days)] = LOST
    state[(start >= 0) & (end < 0)] = IN_SUPPORT
    state[end >= 0] = COMPLETED
    awaiting = (end >= 0) & ~met & flag("action_plan_agreed") & flag("outcomes_achieved_at_exit") & (sa < 0) & (day - end < confirm_days)
    state[awaiting] = AWAITING
    cases = known["case_id"].astype(str).to_numpy() if n else np.zeros(0, object)
    rank = np.empty(n, np.int64)
    rank[np.argsort(cases, kind="stable")] = np.arange(n)
    return PbrState(state, ref, start, end, met, status, rank)


def assessed_day(known: pd.DataFrame, assessed: pd.Series) -> np.ndarray:
    """Day of each referral's end self-assessment (by family, else by child; -1 none)."""
    fam = known["family_id"].astype(str).map(assessed) if "family_id" in known else pd.Series(np.nan, index=known.index)
    kid = known["child_id"].astype(str).map(assessed)
    return fam.fillna(kid).fillna(-1).to_numpy(float).astype(np.int64)


__all__ = ["AWAITING", "COMPLETED", "IN_SUPPORT", "LOST", "NOT_ACCEPTED", "PbrState", "STATE_NAMES", "WAITING", "assessed_day",
           "family_state"]
