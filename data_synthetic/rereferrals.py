"""Re-referrals: the same child referred again after support ended, with a second engagement.

Councils refer a child again when things break down; the extract then holds two referral rows
(two ``case_id``) for one ``child_id``. The contract pays "a milestone payment for each Child in
the cohort" and "a tariff payment per day spent out of care by each Child" (004 §9.2): one child
is paid once however many referrals. The child's outcomes (care entry, assessments, school,
reading) are generated once, from the first engagement: the second referral adds a row to
``referrals.csv`` and nothing else, so truth.json's effects are unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulate.scenario import Scenario

from .params import SynthParams
from .people import DAY, service_dates


def re_referrals(sc: Scenario, p: SynthParams, ref: pd.DataFrame, periods: pd.DataFrame, extract: np.datetime64,
                 rng: np.random.Generator) -> pd.DataFrame:
    """Second referrals of some children whose support ended, with their own service dates.

    A share ``re_referral_share`` of served referrals whose support ended (not by entering
    care or moving away; reunification cohorts excepted, whose tracking clock is the return
    home) is referred again a gamma-distributed number of days later (mean
    ``re_referral_gap_days_mean``), unless the child is away from home that day or has outgrown
    the sub-cohort's age band. Covariates
    are the child's; ``prior_care_episodes`` adds the periods that began in between.

    Returns
    -------
    pandas.DataFrame
        New referral rows (``case_id`` continuing the sequence), columns as ``ref``.
    """
    end = ref["end_date"].to_numpy("datetime64[D]")
    reason = ref["end_reason"].to_numpy()
    eligible = (~np.isnat(end) & np.isin(reason, ["completed", "disengaged", "stepped_down"])
                & (ref["_kind"].to_numpy() != "reunification"))
    chosen = np.flatnonzero(eligible & (rng.random(len(ref)) < p.re_referral_share))
    if not len(chosen):
        return ref.iloc[0:0].copy()
    gap = np.maximum(np.round(rng.gamma(2.0, p.re_referral_gap_days_mean / 2.0, len(chosen))).astype(int), 1)
    day = end[chosen] + gap * DAY
    child = ref["child_id"].to_numpy()[chosen]
    away = _away_on(periods, child, day)
    # the service only takes children within the sub-cohort's age band
    age = np.floor((day - ref["date_of_birth"].to_numpy("datetime64[D]")[chosen]) / DAY / 365.25)
    oldest = np.array([sc.sub_cohort(c).ages.max_years for c in ref["sub_cohort"].to_numpy()[chosen]], dtype=float)
    keep = (day <= extract) & ~away & (age <= oldest)
    chosen, day = chosen[keep], day[keep]
    if not len(chosen):
        return ref.iloc[0:0].copy()
    again = ref.iloc[chosen].copy().reset_index(drop=True)
    again["referral_date"] = day
    # whole years by the calendar (as the data contract checks it): floor(days / 365.25) is a year short on some birthdays
    born, on = pd.DatetimeIndex(again["date_of_birth"]), pd.DatetimeIndex(day)
    again["age_at_referral"] = (on.year - born.year - ((on.month * 100 + on.day) < (born.month * 100 + born.day))).to_numpy(int)
    again["prior_care_episodes"] = again["prior_care_episodes"].to_numpy() + _periods_between(periods, again["child_id"].to_numpy(), ref["referral_date"].to_numpy("datetime64[D]")[chosen], day)
    dates = service_dates(sc, p, again, day, rng)
    for col in dates.columns:
        again[col] = dates[col].to_numpy()
    again["return_home_date"] = np.datetime64("NaT", "D")
    _entered_care(again, periods)
    again["case_id"] = [f"R{len(ref) + i + 1:07d}" for i in range(len(again))]
    return again


def _away_on(periods: pd.DataFrame, child: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each child is in a period away from home on ``day``."""
    out = np.zeros(len(child), bool)
    if periods.empty:
        return out
    merged = pd.DataFrame({"child_id": child, "day": day, "i": np.arange(len(child))}).merge(periods[["child_id", "start_date", "end_date"]], on="child_id")
    s, e, d = (merged[c].to_numpy("datetime64[D]") for c in ("start_date", "end_date", "day"))
    hit = (s <= d) & (np.isnat(e) | (d <= e))
    out[merged["i"].to_numpy()[hit]] = True
    return out


def _periods_between(periods: pd.DataFrame, child: np.ndarray, first: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Periods away from home that began on or after the first referral and before ``day``."""
    if periods.empty:
        return np.zeros(len(child), int)
    merged = pd.DataFrame({"child_id": child, "first": first, "day": day, "i": np.arange(len(child))}).merge(periods[["child_id", "start_date"]], on="child_id")
    s = merged["start_date"].to_numpy("datetime64[D]")
    hit = (s >= merged["first"].to_numpy("datetime64[D]")) & (s < merged["day"].to_numpy("datetime64[D]"))
    return np.bincount(merged["i"].to_numpy()[hit], minlength=len(child))


def _entered_care(again: pd.DataFrame, periods: pd.DataFrame) -> None:
    """A second engagement ends the day the child next goes away from home (entered_care)."""
    if periods.empty:
        return
    start = again["start_date"].to_numpy("datetime64[D]")
    end = again["end_date"].to_numpy("datetime64[D]")
    merged = pd.DataFrame({"child_id": again["child_id"].to_numpy(), "i": np.arange(len(again))}).merge(periods[["child_id", "start_date"]].rename(columns={"start_date": "entry"}), on="child_id")
    entry = merged["entry"].to_numpy("datetime64[D]")
    i = merged["i"].to_numpy()
    during = ~np.isnat(start[i]) & ~np.isnat(end[i]) & (entry >= start[i]) & (entry < end[i])
    if not during.any():
        return
    first = pd.Series(entry[during]).groupby(i[during]).min()
    rows = first.index.to_numpy()
    again.loc[rows, "end_date"] = first.to_numpy()
    again.loc[rows, "end_reason"] = "entered_care"
