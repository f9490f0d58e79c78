"""Synthetic children: referrals with their service dates, and the comparison pool.

Frames returned here carry internal columns prefixed ``_`` (severity, kind, start of outcome
tracking); :mod:`data_synthetic.generate` drops them before writing.
"""

from __future__ import annotations

import heapq

import holidays
import numpy as np
import pandas as pd

from simulate.scenario import Scenario, add_months, annual_referrals

from .params import SynthParams

DAY = np.timedelta64(1, "D")


def stream_table(sc: Scenario) -> pd.DataFrame:
    """Expected referrals per year by district, sub-cohort and age band, with integer ages."""
    table = annual_referrals(sc)
    if table.empty:
        return table.assign(age_lo=pd.Series(dtype=int), age_hi=pd.Series(dtype=int), kind=pd.Series(dtype=str))
    bounds = table["ages"].str.split("-", expand=True).astype(int)
    kinds = {s.name: s.kind for s in sc.sub_cohorts}
    return table.assign(age_lo=bounds[0], age_hi=bounds[1], kind=table["sub_cohort"].map(kinds)).reset_index(drop=True)


def referral_dates(sc: Scenario, streams: pd.DataFrame, rng: np.random.Generator, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Poisson referral counts per stream and month; returns (stream index, referral date)."""
    h = sc.horizon
    refs = sc.referrals
    seasonality = refs.seasonality if refs and refs.seasonality else [1.0] * 12
    trend = refs.annual_trend if refs else 0.0
    month_starts = [add_months(h.start_date, m) for m in range(h.referral_months)]
    weights = np.array([seasonality[d.month - 1] * (1 + trend) ** (m / 12) for m, d in enumerate(month_starts)])
    lam = streams["per_year"].to_numpy(float)[:, None] / 12 * weights[None, :] * scale
    counts = rng.poisson(lam)
    stream_idx, month_idx = np.nonzero(counts)
    reps = counts[stream_idx, month_idx]
    stream_idx, month_idx = np.repeat(stream_idx, reps), np.repeat(month_idx, reps)
    starts = np.array([np.datetime64(d) for d in month_starts] + [np.datetime64(add_months(h.start_date, h.referral_months))])
    length = (starts[month_idx + 1] - starts[month_idx]) / DAY
    day = starts[month_idx] + np.floor(rng.random(len(month_idx)) * length).astype(int) * DAY
    weekday = (day.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    day = day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0)) * DAY  # office hours
    return stream_idx, day.astype("datetime64[D]")


def covariates(sc: Scenario, p: SynthParams, streams: pd.DataFrame, idx: np.ndarray, day: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Ages, sex, ethnicity, need, risk factors and prior care for children of the given streams."""
    n = len(idx)
    s = streams.iloc[idx].reset_index(drop=True)
    age = rng.integers(s["age_lo"].to_numpy(), s["age_hi"].to_numpy() + 1) if n else np.zeros(0, int)
    ref = pd.DatetimeIndex(day)
    anchor = _years_before(ref, age)
    dob = anchor - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    male = np.where(age >= 10, p.male_share_10_plus, p.male_share_under_10)
    u = rng.random(n)
    sex = np.where(u < p.sex_not_known_share, "not_known", np.where(rng.random(n) < male, "male", "female"))
    need = _draw(rng, sc.referrals.need_mix if sc.referrals else {3: 1.0}, n).astype(int)
    kind = s["kind"].to_numpy()
    edge = np.isin(kind, ["diversion", "reunification"])
    risk = np.minimum(rng.poisson(1.5 + 1.0 * (need == 4) + 0.5 * edge), 12)
    prior = np.where(kind == "reunification", 1 + rng.poisson(0.3, n), rng.poisson(0.15 + 0.15 * (need == 4), n))
    frame = pd.DataFrame({
        "district": s["district"].to_numpy(), "sub_cohort": s["sub_cohort"].to_numpy(), "need_level": need,
        "date_of_birth": dob.to_numpy("datetime64[D]"), "sex": sex, "ethnicity": _ethnicity(sc, p, s["district"].to_numpy(), rng),
        "risk_factors": risk, "prior_care_episodes": prior, "age_at_referral": age, "_kind": kind,
    })
    x = design(frame)
    frame["_severity"] = (0.6 * x["need_level_4"] + 0.3 * (risk - 2) + 0.4 * prior) / 1.0 + rng.normal(0, 0.8, n)
    return frame


def design(frame: pd.DataFrame) -> pd.DataFrame:
    """Covariates as the generator's models use them (reference child = all zeros)."""
    return pd.DataFrame({
        "need_level_4": (frame["need_level"].to_numpy() == 4).astype(float) - 1.0,
        "risk_factors": frame["risk_factors"].to_numpy(float) - 2.0,
        "prior_care_episodes": frame["prior_care_episodes"].to_numpy(float),
        "age_10_plus": (frame["age_at_referral"].to_numpy() >= 10).astype(float),
    })


def _years_before(day: pd.DatetimeIndex, years: np.ndarray) -> pd.DatetimeIndex:
    y = day.year.to_numpy() - years
    m, d = day.month.to_numpy(), day.day.to_numpy()
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    d = np.where((m == 2) & (d == 29) & ~leap, 28, d)
    return pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d})) if len(y) else pd.DatetimeIndex([])


def _draw(rng: np.random.Generator, shares: dict, n: int) -> np.ndarray:
    keys = list(shares)
    probs = np.array([shares[k] for k in keys], float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=probs / probs.sum())] if n else np.array([], dtype=object)


def _ethnicity(sc: Scenario, p: SynthParams, district: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(district)
    out = np.empty(n, dtype=object)
    groups = list(p.bme_split)
    split = np.array([p.bme_split[g] for g in groups])
    mixes = {d.name: d.ethnicity_mix for d in sc.districts}
    for name in np.unique(district):
        rows = np.flatnonzero(district == name)
        mix = mixes.get(name)
        if mix and set(mix) <= {"white", "mixed", "asian", "black", "other", "not_known"}:
            out[rows] = _draw(rng, mix, len(rows))
            continue
        bme = p.bme_share_by_district.get(name, p.bme_share_default)
        shares = {"white": 1 - bme, **{g: bme * s for g, s in zip(groups, split / split.sum())}}
        out[rows] = _draw(rng, shares, len(rows))
    out[rng.random(n) < p.ethnicity_not_known_share] = "not_known"
    return out


def service_dates(sc: Scenario, p: SynthParams, frame: pd.DataFrame, day: np.ndarray, rng: np.random.Generator,
                  slots_scale: float = 1.0) -> pd.DataFrame:
    """Acceptance, contact, assessment, start, end, end reason and return home for referrals.

    Waits follow the capacity model's flow (docs/synthetic-data.md): first contact and
    assessment are the flow's fixed delays (Poisson working days, weekends and English bank
    holidays skipped), and the start of support is when a caseload place frees, first come
    first served on the assessment day, with the scenario's places (FTE × (1 − vacancy) ×
    (1 − leave) × caseload cap, rounded down, per team; ``slots_scale`` multiplies them with
    ``rows_scale``) held for each family's time in support.
    """
    n = len(frame)
    refs, triage, iv = sc.referrals, sc.triage, sc.intervention
    accepted = rng.random(n) < (refs.acceptance_probability if refs else 1.0)
    contact = add_working_days(day, rng.poisson(triage.contact_delay_working_days, n))
    assess = add_working_days(contact, rng.poisson(triage.assessment_delay_working_days, n))
    started = accepted & (rng.random(n) >= p.not_started_share)
    weeks = np.maximum(iv.duration_weeks.sample(rng, n), 1.0)
    if iv.cap_weeks is not None:
        extended = rng.random(n) < iv.extension_probability
        weeks = np.minimum(weeks, iv.cap_weeks + np.where(extended, iv.extension_weeks, 0.0))
    quit_weeks = rng.geometric(iv.disengagement_per_week, n) if iv.disengagement_per_week > 0 else np.full(n, 10**6)
    disengaged = quit_weeks < weeks
    held = np.round(np.where(disengaged, quit_weeks, weeks) * 7).astype(int)
    start = assess.copy()
    wf = sc.workforce
    teams = {"pooled": wf.pooled_fte} if wf.pooled else dict(wf.fte_by_district)
    district = frame["district"].to_numpy().astype(str) if "district" in frame else np.full(n, "", dtype=object)
    for team, fte in teams.items():
        rows = np.flatnonzero(started & ((district == team) if team != "pooled" else True))
        places = int(np.floor(fte * (1 - wf.vacancy_rate) * (1 - wf.leave_share) * wf.caseload_cap_per_fte * slots_scale + 1e-9))
        start[rows] = _first_free_place(assess[rows], held[rows], places)
    end = start + held * DAY
    reason = np.where(disengaged, "disengaged", np.where(rng.random(n) < iv.step_down_share, "stepped_down", "completed"))
    reason = np.where(~disengaged & (rng.random(n) < 0.02), "moved_away", reason)
    reunify = frame["_kind"].to_numpy() == "reunification"
    care = sc.outcomes.care
    home_days = np.full(n, 56.0)
    for cohort in np.unique(frame["sub_cohort"].to_numpy()[reunify]) if reunify.any() else []:
        rows = np.flatnonzero(reunify & (frame["sub_cohort"].to_numpy() == cohort))
        outcome = care.get(cohort) or care.get("all")
        if outcome is not None and outcome.days_to_return_home is not None:
            home_days[rows] = outcome.days_to_return_home.sample(rng, len(rows))
    goes_home = reunify & started & (rng.random(n) < p.reunification_home_share)
    home = start + np.round(home_days).astype(int) * DAY
    nat = np.datetime64("NaT")
    return pd.DataFrame({
        "accepted": accepted,
        "first_contact_date": np.where(accepted, contact, nat),
        "assessment_date": np.where(accepted, assess, nat),
        "start_date": np.where(started, start, nat),
        "end_date": np.where(started, end, nat),
        "end_reason": np.where(started, reason, None),
        "return_home_date": np.where(goes_home, home, nat),
    })


def add_working_days(day: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The ``k``-th working day after ``day`` (``k = 0``: ``day`` or the next working day), as the flow's calendar counts.

    Weekends and English bank holidays are not working days (``holidays``, as
    ``simulate.calendar``). ``numpy.busday_offset`` rolls a non-working day back before adding
    ``k > 0`` (Saturday + 1 = Monday) and forward for ``k = 0``.
    """
    day = np.asarray(day, dtype="datetime64[D]")
    if day.size == 0:
        return day
    years = range(int(str(day.min())[:4]) - 1, int(str(day.max())[:4]) + 3)
    cal = np.busdaycalendar(holidays=np.array(sorted(holidays.country_holidays("GB", subdiv="ENG", years=years)), dtype="datetime64[D]"))
    k = np.asarray(k, np.int64)
    forward = np.busday_offset(day, 0, roll="forward", busdaycal=cal)
    later = np.busday_offset(day, k, roll="backward", busdaycal=cal)
    return np.where(k == 0, forward, later)


def _first_free_place(ready: np.ndarray, held_days: np.ndarray, places: int) -> np.ndarray:
    """Start day of each family on ``places`` caseload places, first come first served (no place: never starts)."""
    out = np.full(ready.size, np.datetime64("NaT"), dtype="datetime64[D]")
    if places <= 0 or ready.size == 0:
        return out
    free = [-(2**62)] * places  # the day each place is next free
    heapq.heapify(free)
    days = ready.astype("datetime64[D]").astype(np.int64)
    held = np.asarray(held_days, np.int64)
    start = np.empty(ready.size, np.int64)
    for i in np.argsort(days, kind="stable").tolist():
        t = max(int(days[i]), free[0])
        heapq.heapreplace(free, t + int(held[i]))
        start[i] = t
    return start.astype("datetime64[D]")


def pool_frame(sc: Scenario, p: SynthParams, streams: pd.DataFrame, n_pool: int, rng: np.random.Generator) -> pd.DataFrame:
    """Eligible children not served, tilted away from the served by the selection model.

    Candidates are drawn like referrals (four per pool place) and kept with probability
    proportional to ``exp(-selection · x)``: the odds of being served rather than pooled are
    then ``exp(selection · x)`` times a constant, so the pool is less severe on the covariates
    that also drive outcomes (truth.json ``confounding``).
    """
    if n_pool == 0 or streams.empty:
        return pd.DataFrame()
    m = 4 * n_pool
    weights = streams["per_year"].to_numpy(float)
    idx = rng.choice(len(streams), size=m, p=weights / weights.sum())
    h = sc.horizon
    span = (np.datetime64(h.referral_end) - np.datetime64(h.start_date)) / DAY
    day = (np.datetime64(h.start_date) + rng.integers(0, int(span), m) * DAY).astype("datetime64[D]")
    cand = covariates(sc, p, streams, idx, day, rng)
    x = design(cand)
    score = sum(coef * x[name].to_numpy() for name, coef in p.selection_log_odds.items())
    w = np.exp(-(score - score.max()))
    keep = np.sort(rng.choice(m, size=n_pool, replace=False, p=w / w.sum()))
    pool = cand.iloc[keep].reset_index(drop=True)
    pool["index_date"] = day[keep]
    return pool

