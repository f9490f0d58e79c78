"""Generate a full set of synthetic extracts for a scenario, with the truth behind them.

>>> from simulate.scenario import load_scenario
>>> from data_synthetic import synthesise
>>> ex = synthesise(load_scenario("lancs-edge-of-care-004"), seed=1)   # doctest: +SKIP
>>> sorted(ex.frames)                                                    # doctest: +SKIP
['assessments.csv', 'care_episodes.csv', 'comparison_pool.csv', 'reading.csv', 'referrals.csv', 'school.csv']

Random streams: one ``numpy.random.SeedSequence(seed)`` spawns an independent stream per
component (referrals, service, pool, identifiers, care, effects, assessments, school,
reading), so changing one component does not shift the others' numbers.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.schemas import SCHEMAS
from simulate.scenario import Scenario

from . import histories, outcomes, people, rereferrals, service_fields, ssda903
from .params import SynthParams
from .truth import build_truth

# New streams go at the end: SeedSequence children are numbered, so earlier streams are unchanged.
STREAMS = ("referrals", "service", "pool", "ids", "care", "effects", "assessments", "school", "reading",
           "histories", "rereferrals", "ssda903", "service_fields", "child_measures")
GENERATOR_VERSION = "2"


@dataclass
class SyntheticExtracts:
    """Extract frames by file name (schema columns only, typed), the truth dictionary, the
    same care histories as an SSDA903 return (``ssda903``: ``episodes.csv`` and ``header.csv``
    as text frames, dates dd/mm/yyyy), and the true periods away from home (``periods``:
    ``child_id, start_date, end_date, episode_type``; short breaks are not periods)."""

    frames: dict[str, pd.DataFrame]
    truth: dict = field(default_factory=dict)
    ssda903: dict[str, pd.DataFrame] = field(default_factory=dict)
    periods: pd.DataFrame | None = None  # the periods away from home a correct reading recovers (not written)


def synthesise(
    scenario: Scenario,
    seed: int,
    *,
    rows_scale: float = 1.0,
    params: SynthParams | None = None,
    extract_date: dt.date | None = None,
    scenario_name: str | None = None,
) -> SyntheticExtracts:
    """Synthesise every extract of ``scenario``.

    Parameters
    ----------
    scenario
        The service: districts, sub-cohorts, referral streams, waits, care hazards, changes.
    seed
        Seed of the ``SeedSequence`` from which every stream is spawned.
    rows_scale
        Multiplies referral volumes (and so every file): 100 for performance tests.
    params
        Generator settings the scenario does not hold (:class:`SynthParams`).
    extract_date
        Day the extract was taken: later events are not in it, later ends are blank.
        Default: the last day of the contract.
    scenario_name
        Recorded in truth.json.

    Returns
    -------
    SyntheticExtracts
    """
    p = params or SynthParams()
    rngs = dict(zip(STREAMS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STREAMS)))))
    extract = np.datetime64(extract_date or (scenario.horizon.contract_end - dt.timedelta(days=1)), "D")
    streams = people.stream_table(scenario)
    idx, day = people.referral_dates(scenario, streams, rngs["referrals"], rows_scale) if not streams.empty else (np.zeros(0, int), np.zeros(0, "datetime64[D]"))
    order = np.lexsort((idx, day))
    idx, day = idx[order], day[order]
    keep = day <= extract
    idx, day = idx[keep], day[keep]
    ref = people.covariates(scenario, p, streams, idx, day, rngs["referrals"])
    ref["referral_date"] = day
    ref["referral_source"] = people._draw(rngs["referrals"], scenario.referrals.sources if scenario.referrals else {"any": 1.0}, len(ref))
    ref = pd.concat([ref, people.service_dates(scenario, p, ref, day, rngs["service"], slots_scale=rows_scale)], axis=1)
    pool = people.pool_frame(scenario, p, streams, int(round(p.pool_ratio * len(ref))), rngs["pool"])
    _assign_ids(ref, pool, rngs["ids"])
    kids = _children(ref, pool, p, extract, rngs["care"])
    periods, care_counts = outcomes.care_episodes(scenario, p, kids, extract, rngs["care"])
    periods = histories.zero_day_periods(periods, p, rngs["histories"])
    _end_support_on_care_entry(ref, kids, periods)
    kids["_support_end_obs"] = _merge_end(kids, ref)
    cohorts = kids["sub_cohort"].to_numpy().astype(str)
    cared_for = np.isin(cohorts, [c for c in np.unique(cohorts) if outcomes._care_for(scenario, c) is not None])
    spells, history_counts = histories.council_rows(periods, kids, p, extract, rngs["histories"], short_break_eligible=cared_for)
    effects = outcomes.area_effects(scenario, rngs["effects"])
    assess, realised = outcomes.assessments(p, kids, effects, extract, rngs["assessments"])
    school = outcomes.school(scenario, p, kids, extract, rngs["school"], scenario.outcomes.unauthorised_absence_reduction)
    reading = outcomes.reading(p, kids, extract, rngs["reading"], scenario.outcomes.reading_gain_beyond_forecast_years)
    spells["episode_id"] = [f"E{i + 1:07d}" for i in range(len(spells))]
    again = rereferrals.re_referrals(scenario, p, ref, periods, extract, rngs["rereferrals"])
    n_first = len(ref)
    if len(again):
        ref = pd.concat([ref, again], ignore_index=True).sort_values("referral_date", kind="stable").reset_index(drop=True)
    _censor(ref, extract)
    _pbr_flags(ref, rngs["service"])
    reviews, fields_truth = service_fields.add_service_fields(scenario, ref, extract, rngs["service_fields"])
    measures, measures_truth = service_fields.child_measures(scenario, ref, extract, rngs["child_measures"])
    frames = {
        "referrals.csv": ref,
        "assessments.csv": assess.sort_values(["assessment_date", "person_id", "tool", "timepoint"], kind="stable"),
        "care_episodes.csv": spells,
        "school.csv": school.sort_values(["child_id", "period_start"], kind="stable"),
        "reading.csv": reading.sort_values(["child_id", "assessment_date"], kind="stable"),
        "comparison_pool.csv": pool.sort_values("child_id", kind="stable") if len(pool) else pool,
        **({"plan_reviews.csv": reviews} if reviews is not None else {}),
        **({"child_measures.csv": measures} if measures is not None else {}),
    }
    people_frame = pd.concat([ref[["child_id", "district", "sex", "ethnicity", "date_of_birth"]], pool[["child_id", "district", "sex", "ethnicity", "date_of_birth"]]] if len(pool) else [ref[["child_id", "district", "sex", "ethnicity", "date_of_birth"]]], ignore_index=True)
    ssda = {
        "episodes.csv": ssda903.episodes_file(spells, people_frame, rngs["ssda903"]),
        "header.csv": ssda903.header_file(spells, people_frame, rngs["ssda903"]),
    }
    frames = {name: _schema_columns(name, f) for name, f in frames.items()}
    truth_periods = histories.true_periods(spells)
    histories_truth = {
        **history_counts,
        "periods": int(len(truth_periods)),
        "periods_digest_sha256": histories.periods_digest(truth_periods),
        "referral_rows": int(len(ref)),
        "referred_children": int(ref["child_id"].nunique()),
        "re_referrals": int(len(ref) - n_first),
    }
    truth = build_truth(scenario, p, seed=seed, rows_scale=rows_scale, extract=extract, effects=effects, realised=realised,
                        care_counts=care_counts, frames=frames, ref=ref, pool=pool, scenario_name=scenario_name, version=GENERATOR_VERSION,
                        histories=histories_truth)
    if fields_truth:
        truth["service_fields"] = fields_truth
    if measures_truth:
        truth["child_measures"] = measures_truth
    return SyntheticExtracts(frames=frames, truth=truth, ssda903=ssda, periods=truth_periods)


def _assign_ids(ref: pd.DataFrame, pool: pd.DataFrame, rng: np.random.Generator) -> None:
    total = len(ref) + len(pool)
    child = rng.permutation(total) + 1
    family = rng.permutation(total) + 1
    ref["case_id"] = [f"R{i + 1:07d}" for i in range(len(ref))]
    ref["child_id"] = [f"C{v:07d}" for v in child[: len(ref)]]
    ref["family_id"] = [f"F{v:07d}" for v in family[: len(ref)]]
    if len(pool):
        pool["child_id"] = [f"C{v:07d}" for v in child[len(ref):]]
        pool["family_id"] = [f"F{v:07d}" for v in family[len(ref):]]


def _children(ref: pd.DataFrame, pool: pd.DataFrame, p: SynthParams, extract: np.datetime64, rng: np.random.Generator) -> pd.DataFrame:
    """One row per child with the clock of outcome tracking (``_t0``) and covariates."""
    start = ref["start_date"].to_numpy("datetime64[D]")
    home = ref["return_home_date"].to_numpy("datetime64[D]")
    reunify = ref["_kind"].to_numpy() == "reunification"
    served = ~np.isnat(start)
    t0 = np.where(reunify, home, np.where(served, start, ref["referral_date"].to_numpy("datetime64[D]")))
    # Served reunification children who do not go home stay in care: an ongoing spell.
    stuck = reunify & np.isnat(home)
    care_until = np.where(reunify & ~np.isnat(home), home, np.where(stuck, extract + 1000 * np.timedelta64(1, "D"), np.datetime64("NaT", "D")))
    cols = ["child_id", "family_id", "district", "sub_cohort", "need_level", "date_of_birth", "risk_factors", "prior_care_episodes", "age_at_referral", "_kind", "_severity"]
    a = ref[cols].assign(_served=served, _t0=t0, _start=start, _support_end=ref["end_date"].to_numpy("datetime64[D]"), _care_until=care_until, _index=ref["referral_date"].to_numpy("datetime64[D]"))
    frames = [a]
    if len(pool):
        pr = pool["_kind"].to_numpy() == "reunification"
        days = rng.gamma((p.pool_days_to_return_home_mean / p.pool_days_to_return_home_sd) ** 2, p.pool_days_to_return_home_sd**2 / p.pool_days_to_return_home_mean, len(pool))
        index = pool["index_date"].to_numpy("datetime64[D]")
        back = index + np.round(days).astype(int) * np.timedelta64(1, "D")
        b = pool[cols].assign(
            _served=False, _t0=np.where(pr, back, index), _start=np.datetime64("NaT", "D"), _support_end=np.datetime64("NaT", "D"),
            _care_until=np.where(pr, back, np.datetime64("NaT", "D")), _index=index,
        )
        frames.append(b)
    with warnings.catch_warnings():  # all-NaT columns of the pool: dtype is datetime either way
        warnings.simplefilter("ignore", FutureWarning)
        kids = pd.concat(frames, ignore_index=True)
    kids["_frailty"] = rng.normal(0, p.frailty_sd, len(kids))
    return kids


def _end_support_on_care_entry(ref: pd.DataFrame, kids: pd.DataFrame, spells: pd.DataFrame) -> None:
    """A served child entering care during support ends support that day (end_reason entered_care)."""
    if spells.empty or "_k" not in spells:
        return
    first = spells.loc[spells["_k"] == 0]
    first = first.loc[first["_row"] < len(ref)]
    rows = first["_row"].to_numpy(int)
    entry = first["start_date"].to_numpy("datetime64[D]")
    start = ref["start_date"].to_numpy("datetime64[D]")[rows]
    end = ref["end_date"].to_numpy("datetime64[D]")[rows]
    during = ~np.isnat(start) & ~np.isnat(end) & (entry >= start) & (entry < end)
    target = ref.index[rows[during]]
    ref.loc[target, "end_date"] = entry[during]
    ref.loc[target, "end_reason"] = "entered_care"


def _merge_end(kids: pd.DataFrame, ref: pd.DataFrame) -> np.ndarray:
    out = kids["_support_end"].to_numpy("datetime64[D]").copy()
    out[: len(ref)] = ref["end_date"].to_numpy("datetime64[D]")
    return out


def _censor(ref: pd.DataFrame, extract: np.datetime64) -> None:
    """Blank every date after the extract day; open cases have no end reason."""
    for col in ("first_contact_date", "assessment_date", "start_date", "end_date", "return_home_date"):
        values = ref[col].to_numpy("datetime64[D]")
        ref[col] = np.where(values > extract, np.datetime64("NaT", "D"), values)
    ref.loc[ref["end_date"].isna(), "end_reason"] = None


def _pbr_flags(ref: pd.DataFrame, rng: np.random.Generator) -> None:
    """000 payment-by-results fields: action plan agreed after assessment; outcomes at exit."""
    n = len(ref)
    assessed = ref["assessment_date"].notna().to_numpy()
    plan = rng.random(n) < 0.92
    ref["action_plan_agreed"] = np.where(assessed, plan, None)
    reason = ref["end_reason"].to_numpy()
    sev = ref["_severity"].to_numpy()
    ok = rng.random(n) < np.clip(0.75 - 0.08 * sev, 0.05, 0.95)
    achieved = np.where(np.isin(reason, ["completed", "stepped_down"]), ok & plan, np.where(pd.isna(reason), None, False))
    ref["outcomes_achieved_at_exit"] = np.where(pd.isna(reason), None, achieved)


def _schema_columns(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its contract's columns; an optional column the generator did not make is left out
    (service fields only some specifications record: older extracts lack them too)."""
    cols = [c.name for c in SCHEMAS[name].columns]
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    cols = [c.name for c in SCHEMAS[name].columns if c.required or c.name in frame.columns]
    return frame.reindex(columns=cols).reset_index(drop=True)
