"""Service-recording fields a specification's KPIs read: hours, plan reviews, feedback, plans, breakdown columns.

Written only where the scenario's KPI targets or specification call for them (older extracts
lack them; every one is optional in :mod:`evaluation.schemas`), so presets that do not need
them keep their files byte for byte. The true values drawn from are returned for ``truth.json``:

* ``exit_strategy`` (families whose support ended), ``wellbeing_plan`` (families completing or
  stepped down), ``feedback_positive`` (families whose support ended) — Bernoulli with the
  scenario's ``outcomes.*_probability``;
* ``hours_per_week`` = ``intervention.support_hours_per_week`` for every started case, and
  ``direct_share`` ~ Beta with mean ``workforce.direct_work_share`` (sd about 0.05);
* ``plan_reviews.csv``: a review every ``intervention.review_interval_weeks`` from the start
  while support is open, each done late (1-10 days) with probability ``LATE_REVIEW``;
* 003 breakdowns: ``referral_reason``, ``refugee_or_asylum``, ``rural``, ``delivery_mode``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulate.scenario import Scenario

LATE_REVIEW = 0.1  # share of reviews done after their due day
REASONS_003 = {"parent_physical_illness": 0.35, "parent_mental_health": 0.3, "sibling_disability": 0.2,
               "parent_substance_misuse": 0.1, "other": 0.05}
MODES = {"one_to_one": 0.6, "group": 0.3, "online": 0.1}
REFUGEE_SHARE, RURAL_SHARE = 0.04, 0.2


def _metrics(scenario: Scenario) -> set[str]:
    return {t.metric for t in scenario.kpi_targets}


def add_service_fields(scenario: Scenario, ref: pd.DataFrame, extract: np.datetime64,
                       rng: np.random.Generator) -> tuple[pd.DataFrame | None, dict]:
    """Add the columns the scenario needs to ``ref`` (in place); return ``plan_reviews`` (or None) and the truth.

    Draws are made in a fixed order whatever the scenario, so each column's numbers depend only
    on the seed and the referrals.
    """
    n = len(ref)
    metrics, spec = _metrics(scenario), str(scenario.service.specification)
    out = scenario.outcomes
    start = ref["start_date"].to_numpy("datetime64[D]")
    end = ref["end_date"].to_numpy("datetime64[D]")
    started, ended = ~np.isnat(start), ~np.isnat(end) & ~np.isnat(start)
    reason = ref["end_reason"].to_numpy(object)
    completed = ended & np.isin(reason, ["completed", "stepped_down"])
    u = rng.random((6, n))  # one uniform per case per field, drawn whether used or not
    truth: dict = {}

    def flag(prob: float | None, pool: np.ndarray, k: int, col: str) -> None:
        if prob is None:
            return
        ref[col] = np.where(pool, u[k] < prob, None)
        truth[f"{col}_probability"] = float(prob)

    if metrics & {"share_exit_strategy", "share_wellbeing_plan"}:
        flag(out.exit_strategy_probability, ended, 0, "exit_strategy")
        flag(out.wellbeing_plan_probability, completed, 1, "wellbeing_plan")
    if "share_positive_feedback" in metrics:
        flag(out.positive_feedback_probability, ended, 2, "feedback_positive")
    if metrics & {"hours_delivered", "direct_work_share"}:
        mean, sd = float(scenario.workforce.direct_work_share), 0.05
        k = mean * (1 - mean) / sd**2 - 1  # Beta with this mean and sd
        share = rng.beta(mean * k, (1 - mean) * k, n)
        ref["hours_per_week"] = np.where(started, float(scenario.intervention.support_hours_per_week), np.nan)
        ref["direct_share"] = np.where(started, np.round(share, 2), np.nan)
        truth["hours_per_week"] = float(scenario.intervention.support_hours_per_week)
        truth["direct_share_mean"] = mean
    if spec in ("002", "003"):
        modes = np.array(list(MODES))
        ref["delivery_mode"] = np.where(started, modes[np.searchsorted(np.cumsum(list(MODES.values())), u[4] * 0.999999)], None)
        truth["delivery_mode_shares"] = dict(MODES)
    if spec == "003":
        reasons = np.array(list(REASONS_003))
        ref["referral_reason"] = reasons[np.searchsorted(np.cumsum(list(REASONS_003.values())), u[5] * 0.999999)]
        extra = rng.random((2, n))
        ref["refugee_or_asylum"] = extra[0] < REFUGEE_SHARE
        ref["rural"] = extra[1] < RURAL_SHARE
        truth["referral_reason_shares"] = dict(REASONS_003)
        truth["refugee_or_asylum_share"], truth["rural_share"] = REFUGEE_SHARE, RURAL_SHARE
    reviews = None
    weeks = scenario.intervention.review_interval_weeks
    if metrics & {"reviews", "share_reviews_on_time"} and weeks:
        reviews = _reviews(ref, start, end, extract, int(round(weeks * 7)), rng)
        truth["review_interval_days"] = int(round(weeks * 7))
        truth["late_review_share"] = LATE_REVIEW
    return reviews, truth


def _reviews(ref: pd.DataFrame, start: np.ndarray, end: np.ndarray, extract: np.datetime64, interval: int,
             rng: np.random.Generator) -> pd.DataFrame:
    """One review per interval from the start while open (late with probability :data:`LATE_REVIEW`)."""
    day = np.timedelta64(1, "D")
    stop = np.where(np.isnat(end), extract, end)
    rows = np.flatnonzero(~np.isnat(start))
    length = ((stop[rows] - start[rows]) / day).astype(np.int64)
    count = np.maximum(length // interval, 0)
    case = np.repeat(rows, count)
    k = np.concatenate([np.arange(1, c + 1) for c in count]) if count.sum() else np.zeros(0, np.int64)
    late = np.where(rng.random(case.size) < LATE_REVIEW, rng.integers(1, 11, case.size), 0)
    # the next review is due an interval after the last one done: successive delays add up
    shift = pd.Series(late).groupby(case).cumsum().to_numpy() if case.size else late
    when = start[case] + (k * interval + shift) * day
    keep = (when <= stop[case]) & (when <= extract)
    out = pd.DataFrame({"case_id": ref["case_id"].to_numpy()[case[keep]], "review_date": when[keep]})
    return out.sort_values(["review_date", "case_id"], kind="stable").reset_index(drop=True)


# 004 non-payment metrics (004 §4: exclusions, attainment, SDQ, high-risk behaviours) and the siblings'
# My Star and absence: baseline at the start of support, exit at its end; the true change per measure
MEASURE_TRUTH = {
    # measure: (role, baseline mean, baseline sd, true mean change, change sd, lower bound, upper bound, whole)
    "exclusions": ("served", 1.2, 1.0, -0.4, 0.8, 0, 20, True),
    "attainment": ("served", 40.0, 10.0, 2.0, 3.0, 0, 90, False),
    "sdq_total": ("served", 18.0, 5.0, -3.0, 4.0, 0, 40, True),
    "high_risk_behaviours": ("served", 2.0, 1.5, -0.6, 1.2, 0, 20, True),
    "my_star_mean": ("sibling", 5.0, 1.2, 0.5, 1.0, 1, 10, False),
    "absence_rate": ("sibling", 0.08, 0.05, -0.015, 0.03, 0, 1, False),
}


def child_measures(scenario: Scenario, ref: pd.DataFrame, extract: np.datetime64,
                   rng: np.random.Generator) -> tuple[pd.DataFrame | None, dict]:
    """``child_measures.csv`` for a 004 service (None otherwise) and the true mean changes.

    Every served child whose support started has a baseline on the start day; those whose
    support ended by the extract an exit on the end day. Each family has Poisson(1) siblings
    (identifiers ``S`` + 7 digits). Values are the baseline plus a Normal change with the true
    mean, clipped to the measure's range (rounded for whole-number measures).
    """
    if str(scenario.service.specification) != "004":
        return None, {}
    s = ref[ref["start_date"].notna()].drop_duplicates("child_id")
    start = s["start_date"].to_numpy("datetime64[D]")
    end = s["end_date"].to_numpy("datetime64[D]")
    ended = ~np.isnat(end) & (end <= extract)
    n_sib = rng.poisson(1.0, len(s))
    sib_fam = np.repeat(np.arange(len(s)), n_sib)
    people = {"served": (s["child_id"].to_numpy(), np.arange(len(s))),
              "sibling": (np.array([f"S{i + 1:07d}" for i in range(sib_fam.size)], dtype=object), sib_fam)}
    rows = []
    for measure, (role, mu, sd, change, csd, lo, hi, whole) in MEASURE_TRUTH.items():
        ids, fam = people[role]
        base = np.clip(rng.normal(mu, sd, ids.size), lo, hi)
        after = np.clip(base + rng.normal(change, csd, ids.size), lo, hi)
        if whole:
            base, after = np.round(base), np.round(after)
        fam_id = s["family_id"].to_numpy()[fam]
        rows.append(pd.DataFrame({"person_id": ids, "family_id": fam_id, "role": role, "measure": measure,
                                  "timepoint": "baseline", "measure_date": start[fam], "value": np.round(base, 3)}))
        done = ended[fam]
        rows.append(pd.DataFrame({"person_id": ids[done], "family_id": fam_id[done], "role": role, "measure": measure,
                                  "timepoint": "exit", "measure_date": end[fam][done], "value": np.round(after[done], 3)}))
    out = pd.concat(rows, ignore_index=True).sort_values(["measure_date", "person_id", "measure", "timepoint"], kind="stable")
    truth = {m: {"role": v[0], "true_mean_change": v[3], "baseline_mean": v[1]} for m, v in MEASURE_TRUTH.items()}
    return out.reset_index(drop=True), truth
