"""Everything about a referral that does not depend on capacity, drawn vectorised before the loop.

Referral day, district, sub-cohort, need level and source; acceptance; first contact and
assessment days (working days on the calendar); patience while waiting; the length of support
if started (duration, cap, extension), disengagement and care entry during support, and the
exit route. Each activity draws from its own stream (:mod:`.streams`), indexed by case, so two
runs with different staffing see the same families with the same needs (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..calendar import WorkingCalendar
from ..scenario import Scenario, annual_referrals
from .arrivals import thinned_arrivals

# exit routes of a case whose support ended
EXIT_COMPLETED, EXIT_STEP_DOWN, EXIT_STEP_UP, EXIT_DISENGAGED, EXIT_CARE = 0, 1, 2, 3, 4
EXIT_NAMES = ("completed", "step_down", "step_up", "disengaged", "care_entry")
DAYS_PER_YEAR = 365.25


@dataclass
class Cases:
    """Per-case arrays of one replication, in referral order (index = case id).

    Days are floats from the calendar origin; ``*_code`` arrays index the name lists.
    ``support_days`` is how long support lasts once started (the minimum of the planned
    length, disengagement and care entry); ``exit_code`` says which of them ended it.
    ``contact_delay``/``assessment_delay`` are the fixed delays in working days (Poisson
    draws) and ``patience`` the days a family would wait for support before giving up
    (``inf``: never); ``contact``, ``assessment``, ``ready`` and ``renege_at`` here are those
    of the fixed-delay model, replaced by the intake stages when they take staff time
    (:mod:`.intake`).
    """

    referral: np.ndarray
    district: np.ndarray
    sub_cohort: np.ndarray
    ages: np.ndarray
    need: np.ndarray
    accepted: np.ndarray
    contact: np.ndarray
    assessment: np.ndarray
    ready: np.ndarray
    renege_at: np.ndarray
    planned_days: np.ndarray
    extended: np.ndarray
    support_days: np.ndarray
    exit_code: np.ndarray
    return_home_offset: np.ndarray
    direct_share: np.ndarray
    snapshot: np.ndarray
    contact_delay: np.ndarray = field(default_factory=lambda: np.empty(0))
    assessment_delay: np.ndarray = field(default_factory=lambda: np.empty(0))
    patience: np.ndarray = field(default_factory=lambda: np.empty(0))
    district_names: list[str] = field(default_factory=list)
    sub_cohort_names: list[str] = field(default_factory=list)
    ages_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return self.referral.size


def draw_referrals(scenario: Scenario, calendar: WorkingCalendar, rng: np.random.Generator, t0: float, t1: float,
                   table: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Referral days on ``[t0, t1)`` and the row of :func:`annual_referrals` each belongs to.

    Every stream shares the trend and seasonality, so the superposition is one
    non-homogeneous Poisson process with the total rate, and each arrival's stream is an
    independent categorical draw with probabilities proportional to the streams' rates.
    """
    table = annual_referrals(scenario) if table is None else table
    ref = scenario.referrals
    total = float(table["per_year"].sum())
    times = thinned_arrivals(rng, total, t0, t1, calendar, ref.annual_trend, ref.seasonality)
    probs = table["per_year"].to_numpy(float) / total if total > 0 else np.ones(len(table)) / max(len(table), 1)
    rows = rng.choice(len(table), size=times.size, p=probs) if times.size else np.empty(0, dtype=np.int64)
    return times, rows


def draw_cases(
    scenario: Scenario,
    calendar: WorkingCalendar,
    streams: dict[str, np.random.Generator],
    t_referrals_end: float,
    snapshot: pd.DataFrame | None = None,
) -> Cases:
    """Draw every capacity-independent attribute of the referrals of one replication.

    Parameters
    ----------
    snapshot
        Optional waiting list at day 0: columns ``referral_date`` (date), ``district`` and
        optionally ``sub_cohort`` and ``need_level``. Those cases are already contacted and
        assessed; they join the list at their referral day (before day 0).
    """
    table = annual_referrals(scenario)
    districts = scenario.district_names
    cohorts = [s.name for s in scenario.sub_cohorts]
    ages_names = sorted(set(table["ages"]))
    times, rows = draw_referrals(scenario, calendar, streams["arrivals"], 0.0, t_referrals_end, table)
    d_code = table["district"].map(districts.index).to_numpy(np.int64)[rows]
    c_code = table["sub_cohort"].map(cohorts.index).to_numpy(np.int64)[rows]
    a_code = table["ages"].map(ages_names.index).to_numpy(np.int64)[rows]
    snap = np.zeros(times.size, dtype=bool)
    if snapshot is not None and len(snapshot):
        s_times = np.array([calendar.day_of(pd.Timestamp(d).date()) for d in snapshot["referral_date"]], dtype=float)
        s_d = np.array([districts.index(d) for d in snapshot["district"]], dtype=np.int64)
        default_cohort = cohorts[0]
        s_c = np.array([cohorts.index(c) for c in snapshot.get("sub_cohort", pd.Series([default_cohort] * len(snapshot)))], dtype=np.int64)
        times = np.concatenate([s_times, times])
        d_code = np.concatenate([s_d, d_code])
        c_code = np.concatenate([s_c, c_code])
        a_code = np.concatenate([np.zeros(len(snapshot), dtype=np.int64), a_code])
        snap = np.concatenate([np.ones(len(snapshot), dtype=bool), snap])
    n = times.size
    ref = scenario.referrals
    triage = scenario.triage

    rng = streams["screening"]
    accepted = rng.random(n) < ref.acceptance_probability
    accepted[snap] = True

    rng = streams["need"]
    levels = np.array(list(ref.need_mix.keys()), dtype=np.int64)
    need = levels[rng.choice(levels.size, size=n, p=np.array(list(ref.need_mix.values())) / sum(ref.need_mix.values()))]
    if snapshot is not None and "need_level" in getattr(snapshot, "columns", []):
        need[: len(snapshot)] = snapshot["need_level"].to_numpy(np.int64)

    rng = streams["contact"]
    contact_delay = rng.poisson(triage.contact_delay_working_days, n)
    contact = calendar.add_working_days(times, contact_delay)
    assessment_delay = rng.poisson(triage.assessment_delay_working_days, n)
    assessment = calendar.add_working_days(contact, assessment_delay)
    contact[snap] = times[snap]
    assessment[snap] = times[snap]
    ready = assessment.copy()

    rng = streams["patience"]
    if triage.patience_days is not None and triage.policy != "no_waiting_list":
        patience = rng.exponential(triage.patience_days, n)
    else:
        patience = np.full(n, np.inf)
    renege_at = ready + patience

    iv = scenario.intervention
    rng = streams["duration"]
    planned = iv.duration_weeks.sample(rng, n) * 7.0
    extended = np.zeros(n, dtype=bool)
    if iv.cap_weeks is not None:
        over = planned > iv.cap_weeks * 7.0
        extended = over & (rng.random(n) < iv.extension_probability)
        planned = np.where(over, np.where(extended, np.minimum(planned, (iv.cap_weeks + iv.extension_weeks) * 7.0), iv.cap_weeks * 7.0), planned)
    planned = np.maximum(planned, 1.0)

    rng = streams["disengagement"]
    if iv.disengagement_per_week > 0:
        rate = -np.log1p(-min(iv.disengagement_per_week, 1 - 1e-12)) / 7.0
        disengage = rng.exponential(1.0 / rate, n)
    else:
        disengage = np.full(n, np.inf)

    rng = streams["care"]
    care_during = np.full(n, np.inf)
    return_home = np.full(n, np.nan)
    for k, cohort in enumerate(scenario.sub_cohorts):
        outcome = scenario.outcomes.care.get(cohort.name) or scenario.outcomes.care.get("all")
        idx = np.flatnonzero(c_code == k)
        if outcome is None or idx.size == 0:
            continue
        offset = np.zeros(idx.size)
        if cohort.kind == "reunification" and outcome.days_to_return_home is not None:
            offset = outcome.days_to_return_home.sample(rng, idx.size)
            return_home[idx] = offset
        if outcome.hazard_during_support_per_year > 0:
            care_during[idx] = offset + rng.exponential(DAYS_PER_YEAR / outcome.hazard_during_support_per_year, idx.size)

    support = np.minimum(np.minimum(planned, disengage), care_during)
    rng = streams["exits"]
    u = rng.random(n)
    exit_code = np.where(u < iv.step_up_share, EXIT_STEP_UP, np.where(u < iv.step_up_share + iv.step_down_share, EXIT_STEP_DOWN, EXIT_COMPLETED))
    exit_code = np.where(disengage <= np.minimum(planned, care_during), EXIT_DISENGAGED, exit_code)
    exit_code = np.where(care_during < np.minimum(planned, disengage), EXIT_CARE, exit_code)

    rng = streams["scores"]
    share = scenario.workforce.direct_work_share
    concentration = 40.0
    direct = rng.beta(share * concentration + 1e-9, (1 - share) * concentration + 1e-9, n) if 0 < share < 1 else np.full(n, share)
    if iv.direct_hours_per_week is not None:
        # the split is given per week: every family gets the same direct share
        direct = np.full(n, iv.direct_hours_per_week / iv.support_hours_per_week)

    return Cases(
        referral=times, district=d_code, sub_cohort=c_code, ages=a_code, need=need, accepted=accepted,
        contact=contact, assessment=assessment, ready=ready, renege_at=renege_at, planned_days=planned,
        extended=extended, support_days=support, exit_code=exit_code.astype(np.int8),
        return_home_offset=return_home, direct_share=direct, snapshot=snap,
        contact_delay=contact_delay.astype(float), assessment_delay=assessment_delay.astype(float), patience=patience,
        district_names=districts, sub_cohort_names=cohorts, ages_names=ages_names,
    )
