"""Synthetic outcomes: care episodes, distance-travelled assessments, school attendance, reading.

Every function takes the combined children frame built by :mod:`data_synthetic.generate`
(columns ``child_id``, ``family_id``, ``sub_cohort``, covariates, ``_served``, ``_t0`` = the
day outcome tracking starts, ``_support_end``, ``_severity``, ``_frailty``) and a Generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.tools import TOOLS, Tool
from simulate.scenario import CareOutcome, Scenario

from .params import SynthParams
from .people import DAY, design

NAT = np.datetime64("NaT", "D")


def care_episodes(sc: Scenario, p: SynthParams, kids: pd.DataFrame, extract: np.datetime64, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Periods away from home (care or remand) after tracking starts (and the one before a return home).

    Returned uncensored (ends may lie after ``extract``), one row per period, with the day its
    first row was recorded; :func:`data_synthetic.histories.council_rows` writes them as a
    council's episode rows. Successive periods of a child are at least a day apart.

    Hazards are per year, piecewise constant: ``hazard_during_support_per_year`` until support
    ends and ``hazard_after_support_per_year`` after it for served children, the
    ``counterfactual_hazard_per_year`` for everyone else; each multiplied by
    ``exp(care_log_hazard · x + frailty)``. Re-entry after a spell uses the post-support (or
    counterfactual) hazard. Returns the spells and counts for truth.json.
    """
    n = len(kids)
    rows: list[pd.DataFrame] = []
    x = design(kids)
    mult = np.exp(sum(c * x[k].to_numpy() for k, c in p.care_log_hazard.items()) + kids["_frailty"].to_numpy())
    # The spell a reunification child is in when tracking begins: ends on the day home.
    before = kids["_care_until"].notna().to_numpy()
    if before.any():
        end = kids["_care_until"].to_numpy("datetime64[D]")[before]
        length = np.maximum(rng.gamma(2.0, 150.0, before.sum()).astype(int), 30)
        rows.append(pd.DataFrame({"child_id": kids["child_id"].to_numpy()[before], "start_date": end - length * DAY, "end_date": end, "episode_type": "care"}))
    names = kids["sub_cohort"].to_numpy().astype(str)
    unique = np.unique(names)
    per_cohort = np.empty(len(unique), dtype=object)  # filled item by item: np.array() would probe
    for i, c in enumerate(unique):                     # every pydantic object for array interfaces
        per_cohort[i] = _care_for(sc, c)
    outcomes = per_cohort[np.searchsorted(unique, names)]
    has = np.array([o is not None for o in outcomes], dtype=bool) & kids["_t0"].notna().to_numpy()
    idx = np.flatnonzero(has)
    if len(idx):
        served = kids["_served"].to_numpy()[idx]
        h_during = np.array([o.hazard_during_support_per_year if s else o.counterfactual_hazard_per_year for o, s in zip(outcomes[idx], served)])
        h_after = np.array([o.hazard_after_support_per_year if s else o.counterfactual_hazard_per_year for o, s in zip(outcomes[idx], served)])
        remand = np.array([o.remand_share for o in outcomes[idx]])
        cohorts = kids["sub_cohort"].to_numpy().astype(str)[idx]
        clock = kids["_t0"].to_numpy("datetime64[D]")[idx]
        support_end = kids["_support_end"].to_numpy("datetime64[D]")[idx]
        support_end = np.where(np.isnat(support_end), clock, support_end)
        alive = np.ones(len(idx), bool)
        came_home = kids["_care_until"].notna().to_numpy()[idx]  # a period ended on the day tracking starts
        for k in range(p.max_spells):
            rem = np.maximum((support_end - clock) / DAY, 0.0) / 365.25
            e = rng.exponential(1.0, len(idx))
            a = h_during * mult[idx]
            b = np.maximum(h_after * mult[idx], 1e-12)
            years = np.where(e < a * rem, e / np.maximum(a, 1e-12), rem + (e - a * rem) / b)
            # at least a day after the previous period ended: periods that touch are one period
            start = clock + np.maximum(np.round(years * 365.25).astype(int), 1 if k else came_home.astype(int)) * DAY
            alive &= start < extract
            spell = np.maximum(np.round(_spell_days(outcomes[idx], cohorts, rng)).astype(int), 1)
            end = start + spell * DAY
            kind = np.where(rng.random(len(idx)) < remand, "remand", "care")
            rows.append(pd.DataFrame({"child_id": kids["child_id"].to_numpy()[idx][alive], "start_date": start[alive], "end_date": end[alive], "episode_type": kind[alive], "_k": k, "_row": idx[alive]}))
            clock, support_end = end, end  # after a spell, the post-support hazard applies
    spells = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["child_id", "start_date", "end_date", "episode_type"])
    lag = np.where(rng.random(len(spells)) < p.late_recorded_share, rng.integers(*p.late_recorded_days, len(spells)), rng.integers(0, 8, len(spells)))
    spells["recorded_date"] = spells["start_date"].to_numpy("datetime64[D]") + lag * DAY
    counts = {"spells_generated": int(len(spells)), "late_recorded": int((lag >= p.late_recorded_days[0]).sum())}
    # Only periods that start by the extract day exist for the generator downstream; which of
    # them the extract holds (recording, open ends) is decided row by row in histories.py.
    spells = spells.loc[spells["start_date"].to_numpy("datetime64[D]") <= extract].reset_index(drop=True)
    return spells, counts


def _care_for(sc: Scenario, cohort: str) -> CareOutcome | None:
    return sc.outcomes.care.get(cohort) or sc.outcomes.care.get("all")


def _spell_days(outcomes: np.ndarray, cohorts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Spell lengths drawn per sub-cohort, in sorted name order (never by object identity)."""
    out = np.empty(len(outcomes))
    for key in np.unique(cohorts):
        rows = np.flatnonzero(cohorts == key)
        out[rows] = outcomes[rows[0]].spell_days.sample(rng, len(rows))
    return out


def area_effects(sc: Scenario, rng: np.random.Generator) -> dict[str, dict]:
    """Per tool and area: the true change (points, raw scale) at six months and its noise SD.

    A scenario change on ``total`` is spread over the areas with seeded weights averaging 1;
    a change on one area applies to it alone. Noise SDs are set so the total's SD matches
    ``sd_change`` given the correlation between areas.
    """
    out: dict[str, dict] = {}
    for change in sc.outcomes.distance_travelled:
        tool = TOOLS.get(change.tool)
        if tool is None:
            continue
        entry = out.setdefault(tool.name, {"follow_up_share": change.follow_up_share, "areas": {}})
        names = tool.area_names if change.area == "total" else [change.area] if change.area in tool.area_names else []
        if not names:
            continue
        weights = rng.uniform(0.5, 1.5, len(names)) if len(names) > 1 else np.ones(1)
        weights = weights / weights.mean()
        k = len(names)
        sd = change.sd_change / np.sqrt(k * (1 + (k - 1) * 0.5)) if k > 1 else change.sd_change
        for name, w in zip(names, weights):
            entry["areas"][name] = {"effect_points": round(float(change.mean_change / k * w), 6), "noise_sd": round(float(sd), 6)}
    return out


def assessments(p: SynthParams, kids: pd.DataFrame, effects: dict[str, dict], extract: np.datetime64, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Baseline, six-month and exit scores for served children or families, tool by tool.

    Positions on each area's scale run from 0 (worst) to 1 (best); baselines fall with
    severity and share a common factor (areas correlated); the gain at six months is the
    area's effect at the scale's midpoint, scaled by the distance left to the best score
    (ceiling effect), plus correlated noise. Scores are rounded and clipped to the range.
    """
    frames, realised = [], {}
    served = kids.loc[kids["_served"].to_numpy() & kids["_start"].notna().to_numpy()].reset_index(drop=True)
    n = len(served)
    start = served["_start"].to_numpy("datetime64[D]")
    end = served["_support_end_obs"].to_numpy("datetime64[D]")
    sev = served["_severity"].to_numpy()
    for name, spec in effects.items():
        tool: Tool = TOOLS[name]
        areas = [a for a in tool.areas if a.name in spec["areas"]] or list(tool.areas)
        k = len(areas)
        rho = p.area_correlation
        common = rng.normal(0, 1, n)[:, None]
        own = rng.normal(0, 1, (n, k))
        pos0 = np.clip(p.baseline_position_mean - p.baseline_severity_slope * sev[:, None] + p.baseline_position_sd * (np.sqrt(rho) * common + np.sqrt(1 - rho) * own), 0, 1)
        lo = np.array([a.min_score for a in areas], float)
        hi = np.array([a.max_score for a in areas], float)
        sign = np.array([1.0 if a.higher_is_better else -1.0 for a in areas])
        eff = np.array([spec["areas"].get(a.name, {"effect_points": 0.0})["effect_points"] for a in areas])
        sd = np.array([spec["areas"].get(a.name, {"noise_sd": 1.0})["noise_sd"] for a in areas])
        gain_pos = sign * eff / (hi - lo) * 2 * (1 - pos0)  # ceiling: less room, less gain
        noise = (np.sqrt(rho) * rng.normal(0, 1, n)[:, None] + np.sqrt(1 - rho) * rng.normal(0, 1, (n, k))) * sd / (hi - lo)
        pos6 = np.clip(pos0 + gain_pos + sign * noise, 0, 1)
        duration = np.nan_to_num((end - start) / DAY, nan=0.0)
        pos_exit = np.clip(pos0 + (gain_pos + sign * noise) * np.minimum(duration / 182.0, 1.5)[:, None], 0, 1)
        logit = np.log(spec["follow_up_share"] / (1 - spec["follow_up_share"])) + p.follow_up_severity_log_odds * sev
        followed = rng.random(n) < 1 / (1 + np.exp(-logit))
        has_base = rng.random(n) >= p.baseline_missing_share
        d0 = start + rng.integers(0, 15, n) * DAY
        d6 = start + (182 + rng.integers(-14, 15, n)) * DAY
        when = {
            "baseline": (d0, has_base & (d0 <= extract), pos0),
            "six_month": (d6, followed & (d6 <= extract), pos6),
            "exit": (end, followed & ~np.isnat(end) & (end <= extract) & (duration >= 90) & (rng.random(n) < p.exit_assessment_share), pos_exit),
        }
        person = served["family_id" if tool.respondent in ("parent", "family") else "child_id"].to_numpy()
        for timepoint, (date, mask, pos) in when.items():
            scores = np.rint(lo + (hi - lo) * np.where(sign > 0, pos, 1 - pos)).astype(int)
            r = np.flatnonzero(mask)
            frames.append(pd.DataFrame({
                "person_id": np.repeat(person[r], k), "tool": name, "area": np.tile([a.name for a in areas], len(r)),
                "timepoint": timepoint, "assessment_date": np.repeat(date[r], k), "score": scores[r].ravel(),
            }))
            if timepoint == "six_month":
                both = mask & when["baseline"][1]
                base_scores = np.rint(lo + (hi - lo) * np.where(sign > 0, pos0, 1 - pos0))
                realised[name] = {a.name: round(float((scores[both, j] - base_scores[both, j]).mean()), 4) if both.any() else None for j, a in enumerate(areas)}
    columns = ["person_id", "tool", "area", "timepoint", "assessment_date", "score"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return out, realised


TERMS = ((9, 1, 12, 19, 72), (1, 5, 3, 31, 58), (4, 15, 7, 21, 60))  # month/day start, month/day end, possible days


def school(sc: Scenario, p: SynthParams, kids: pd.DataFrame, extract: np.datetime64, rng: np.random.Generator, reduction: float) -> pd.DataFrame:
    """Unauthorised absence per school term from a year before tracking to two years after.

    Children of compulsory school age (5-15 at the index date) only. Each child has a gamma
    distributed propensity; served children's absence falls by ``reduction`` after engagement.
    """
    first = int(str(sc.horizon.start_date.year)) - 2
    last = int(str(extract)[:4]) + 1
    terms = []
    for year in range(first, last + 1):
        for m0, d0, m1, d1, days in TERMS:
            y0 = year
            terms.append((np.datetime64(f"{y0}-{m0:02d}-{d0:02d}"), np.datetime64(f"{y0}-{m1:02d}-{d1:02d}"), days))
    t_start = np.array([t[0] for t in terms], "datetime64[D]")
    t_end = np.array([t[1] for t in terms], "datetime64[D]")
    t_days = np.array([t[2] for t in terms], float)
    order = np.argsort(t_start)
    t_start, t_end, t_days = t_start[order], t_end[order], t_days[order]
    age = kids["age_at_referral"].to_numpy()
    kids = kids.loc[(age >= 5) & (age <= 15) & kids["_index"].notna().to_numpy()].reset_index(drop=True)
    index = kids["_index"].to_numpy("datetime64[D]")
    lo = np.searchsorted(t_end, index - 365 * DAY)
    hi = np.searchsorted(t_end, np.minimum(index + 730 * DAY, extract), side="right")
    count = np.maximum(hi - lo, 0)
    child = np.repeat(np.arange(len(kids)), count)
    term = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)]) if len(kids) else np.zeros(0, int)
    propensity = p.absence_share_reference * np.exp(p.absence_severity_log * kids["_severity"].to_numpy()) * rng.gamma(p.absence_dispersion, 1 / p.absence_dispersion, len(kids))
    start = kids["_start"].to_numpy("datetime64[D]")
    after = kids["_served"].to_numpy()[child] & ~np.isnat(start[child]) & (t_start[term] >= start[child])
    rate = propensity[child] * np.where(after, 1 - reduction, 1.0)
    possible = t_days[term]
    absent = np.minimum(rng.poisson(rate * possible), possible)
    out = pd.DataFrame({"child_id": kids["child_id"].to_numpy()[child], "period_start": t_start[term], "period_end": t_end[term], "unauthorised_absence_days": absent, "possible_days": possible})
    return out.loc[rng.random(len(out)) >= p.school_missing_share].reset_index(drop=True)


def reading(p: SynthParams, kids: pd.DataFrame, extract: np.datetime64, rng: np.random.Generator, gain: float) -> pd.DataFrame:
    """Reading age at the index date, six and twelve months later, with the school's forecast.

    Reading age lags chronological age by a severity-dependent amount and then progresses at
    ``reading_progress_years_per_year``; the forecast for each later assessment is the previous
    reading age plus that progress. Served children gain ``gain`` years beyond forecast by six
    months (kept at twelve).
    """
    age = kids["age_at_referral"].to_numpy()
    kids = kids.loc[(age >= 5) & (age <= 15) & kids["_index"].notna().to_numpy()].reset_index(drop=True)
    n = len(kids)
    index = kids["_index"].to_numpy("datetime64[D]")
    dob = kids["date_of_birth"].to_numpy("datetime64[D]")
    lag = p.reading_lag_years_mean + p.reading_lag_severity_years * kids["_severity"].to_numpy() + rng.normal(0, 0.5, n)
    served = kids["_served"].to_numpy() & kids["_start"].notna().to_numpy()
    frames, previous = [], None
    for months in (0, 6, 12):
        date = index + (rng.integers(0, 21, n) + round(months * 30.44)) * DAY
        chrono_at_index = (index - dob) / DAY / 365.25
        base = chrono_at_index - lag + p.reading_progress_years_per_year * months / 12
        value = base + (gain * served if months else 0.0) + rng.normal(0, 0.25, n)
        value = np.clip(np.round(value, 1), 3.0, 20.0)
        forecast = np.full(n, np.nan) if previous is None else np.clip(np.round(previous + p.reading_progress_years_per_year * 0.5, 1), 3.0, 20.0)
        forecast[rng.random(n) < p.forecast_missing_share] = np.nan
        ok = date <= extract
        frames.append(pd.DataFrame({"child_id": kids["child_id"].to_numpy()[ok], "assessment_date": date[ok], "reading_age": value[ok], "forecast_reading_age": forecast[ok]}))
        previous = value
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["child_id", "assessment_date", "reading_age", "forecast_reading_age"])
