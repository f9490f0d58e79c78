"""The smallest workforce meeting a KPI target with a given probability (``cusp capacity plan``).

Every staffing level is run with the same seed, so levels share common random numbers (CRN):
the same families arrive with the same needs, and each replication can be followed from one
level to the next. The search, on a grid with one FTE level per caseload place:

1. evaluates a very large staffing (ten times today's, at least the top of the grid) first: if
   the target is not met with the required probability even there, no staffing meets it, and
   the result says why (the metric's values at that staffing against the threshold);
2. scans the grid coarsely (eight levels from the bottom to the top), so a probability that
   falls again as staff rise is seen, not stepped over;
3. bisects between the highest failing and the lowest passing evaluated level, with a memo so
   each level is simulated once;
4. checks six levels above the candidate (up to 1.5 times its FTE) and a fan either side of it
   (±1, ±2, ±4, ±8 grid steps); if any check fails above the candidate, steps 3-4 repeat from
   the highest failing level, until no new level is needed (at most eight rounds).

The answer is the smallest evaluated FTE *from which every evaluated higher level* meets the
confidence, so a non-monotone stretch (a level that passes below levels that fail) never
becomes the answer; such stretches are reported in ``PlanResult.non_monotone``.

The interval on the answer is a percentile bootstrap over replications: replications are
resampled with replacement (the same resample at every level, which keeps the CRN pairing),
the probability at each evaluated level is recomputed, and the crossing is found by the same
rule; the 2.5th and 97.5th percentiles of the crossing are the interval. Its ends are evaluated
levels, so its resolution is that of the levels evaluated near the answer.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..scenario import KpiTarget, Scenario
from .errors import PlanError
from .runner import run_replications, target_values

#: very large staffing used to decide that a target cannot be met at any staffing (× today's FTE)
LIMIT_FACTOR = 10.0
#: bootstrap resamples of replications for the interval on the answer
BOOTSTRAP_RESAMPLES = 2000
#: coarse scan points over the grid before bisection
SCAN_POINTS = 8
#: levels checked above a candidate answer (up to 1.5x its FTE) for a probability that falls again
VERIFY_POINTS = 6
#: rounds of bisect-and-verify before the search stops
MAX_ROUNDS = 8

INTERVAL_METHOD = (
    "95% percentile bootstrap over replications (2,000 resamples of the replications, the same "
    "resample at every staffing level so common random numbers stay paired); ends are evaluated levels"
)


@dataclass
class PlanResult:
    """What ``plan_fte`` found.

    Attributes
    ----------
    curve
        One row per evaluated grid level: ``fte``, ``slots`` (caseload places), ``probability``
        (P(met) over replications), ``mean_value`` (the metric's mean over replications and
        periods, in the metric's unit), ``cost_gbp_per_year``.
    answer
        Smallest FTE from which every evaluated higher level meets the confidence; None if none.
    interval
        (low, high) FTE, the bootstrap interval on ``answer`` (``high`` is ``inf`` when some
        resamples meet the confidence at no evaluated grid level); None without an answer.
    reason
        Without an answer: a plain sentence saying why (e.g. not met even at ten times the staff).
    non_monotone
        (fte_low, fte_high) stretches where a level meets the confidence but a higher one fails.
    limit
        The very-large-staffing check: ``fte``, ``probability``, ``mean_value``, ``min_value``,
        ``max_value`` (the metric over every replication and period at that staffing).
    """

    target: str
    confidence: float
    curve: pd.DataFrame
    answer: float | None
    interval: tuple[float, float] | None = None
    reason: str | None = None
    non_monotone: list[tuple[float, float]] = field(default_factory=list)
    limit: dict = field(default_factory=dict)
    criterion: str = "every"
    reps: int = 0
    method: str = INTERVAL_METHOD


def _target(scenario: Scenario, target_name: str) -> KpiTarget:
    target = next((t for t in scenario.kpi_targets if t.name == target_name), None)
    if target is None:
        names = ", ".join(t.name for t in scenario.kpi_targets) or "none"
        raise PlanError(f"--target {target_name}: no such KPI target in the scenario (targets: {names})")
    return target


def met_by_replication(scenario: Scenario, kpis: pd.DataFrame, target_name: str, criterion: str = "every") -> tuple[np.ndarray, np.ndarray]:
    """Each replication's score on a target, and the metric's values.

    Parameters
    ----------
    criterion
        ``"every"``: 1 if the target is met in every scored period of the replication, else 0;
        ``"per_period"``: the share of scored periods (periods with a value in some replication)
        in which it is met, periods without a value in this replication left out. A
        replication with no value in any period scores 0 (nothing to show the target met).

    Returns
    -------
    (scores, values)
        ``scores``: float array (replications,) in [0, 1]; ``values``: the metric, (replications,
        periods), NaN where a period has no value.
    """
    target = _target(scenario, target_name)
    values = target_values(scenario, kpis, target).to_numpy(float)
    if values.size == 0:
        return np.zeros(0), values
    finite = np.isfinite(values)
    met = np.zeros(values.shape)
    met[finite] = [float(target.met(v)) for v in values[finite]]
    met[~finite] = np.nan
    if criterion == "every":
        scores = np.array([float(row[np.isfinite(row)].size > 0 and np.all(row[np.isfinite(row)] == 1)) for row in met])
    else:
        scored = met[:, finite.any(axis=0)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a replication with no scored value: mean of nothing
            scores = np.nan_to_num(np.nanmean(scored, axis=1), nan=0.0) if scored.size else np.zeros(len(met))
    return scores, values


def probability_met(scenario: Scenario, kpis: pd.DataFrame, target_name: str, criterion: str = "every", strict: bool = True) -> tuple[float, float]:
    """Probability a named target is met, and the metric's mean, from a KPI table.

    ``criterion="every"``: share of replications meeting it in every scored period;
    ``"per_period"``: mean over replications of the share of periods in which it is met (see
    :func:`met_by_replication`). With ``strict``, a metric with no value at all is an error.
    """
    scores, values = met_by_replication(scenario, kpis, target_name, criterion)
    if values.size == 0 or not np.isfinite(values).any():
        if not strict:
            return 0.0, float("nan")  # e.g. no family ever started: the target cannot be met
        target = _target(scenario, target_name)
        raise PlanError(f"--target {target_name}: the metric {target.metric} has no values in this scenario's periods")
    return float(scores.mean()), float(np.nanmean(values))


def crossing(probabilities: np.ndarray, confidence: float) -> np.ndarray:
    """Index of the smallest level from which every higher level meets ``confidence``.

    Parameters
    ----------
    probabilities
        (..., levels) P(met) at increasing staffing levels.

    Returns
    -------
    numpy.ndarray
        Integer index per leading row; ``levels`` (one past the end) when the top level fails.
    """
    ok = np.asarray(probabilities) >= confidence - 1e-12
    # suffix "all": level i passes the rule if it and every level above it meet the confidence
    suffix = np.flip(np.logical_and.accumulate(np.flip(ok, axis=-1), axis=-1), axis=-1)
    n = ok.shape[-1]
    first = np.where(suffix.any(axis=-1), np.argmax(suffix, axis=-1), n)
    return first


def non_monotone_regions(fte: np.ndarray, probabilities: np.ndarray, confidence: float) -> list[tuple[float, float]]:
    """Stretches where a level meets the confidence but a higher evaluated level fails.

    Each region runs from the first passing level of a passing run to the next failing level
    above it (both evaluated FTE values), for levels sorted by FTE.
    """
    ok = np.asarray(probabilities) >= confidence - 1e-12
    regions: list[tuple[float, float]] = []
    i = 0
    while i < len(ok):
        if ok[i]:
            j = i
            while j < len(ok) and ok[j]:
                j += 1
            if j < len(ok):  # a failing level above a passing run
                regions.append((float(fte[i]), float(fte[j])))
            i = j
        else:
            i += 1
    return regions


def bootstrap_interval(scores: np.ndarray, fte: np.ndarray, confidence: float, seed: int, resamples: int = BOOTSTRAP_RESAMPLES, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval on the crossing FTE, resampling replications.

    Parameters
    ----------
    scores
        (levels, replications) each replication's score at each level (common random numbers:
        column ``r`` is the same replication at every level).
    fte
        (levels,) increasing FTE of the levels.

    Returns
    -------
    (low, high)
        FTE; ``inf`` where resamples meet the confidence at no level.
    """
    n_levels, reps = scores.shape
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x9C1A,)))
    counts = rng.multinomial(reps, np.full(reps, 1.0 / reps), size=resamples)  # (B, R) resample weights
    probs = counts @ scores.T / reps  # (B, levels)
    idx = crossing(probs, confidence)
    values = np.append(np.asarray(fte, float), np.inf)[idx]
    alpha = (1 - level) / 2
    return float(np.quantile(values, alpha, method="lower")), float(np.quantile(values, 1 - alpha, method="higher"))


def fixed_delay_limit(scenario: Scenario, metric: str, threshold: float) -> str | None:
    """Why a wait target fails whatever the staffing: the fixed delays no staff time shortens.

    Contact waits include the fixed delay to contact (Poisson, mean
    ``triage.contact_delay_working_days``); assessment and start waits also the fixed delay to
    assessment. Returns a sentence with the share of families whose fixed delay alone already
    misses the target, or None when the metric is not such a wait or no family misses by it.
    """
    from scipy import stats as st

    tr = scenario.triage
    if "contact" in metric:
        mean, what = tr.contact_delay_working_days, "to first contact"
    elif "assessment" in metric or "start" in metric:
        mean, what = tr.contact_delay_working_days + tr.assessment_delay_working_days, "to assessment"
    else:
        return None
    # a wait of w working days meets "< threshold" or "<= threshold"; a share metric counts <= target
    limit = threshold if "share" not in metric else (tr.contact_target_working_days if "contact" in metric else tr.assessment_target_working_days)
    if limit is None or mean <= 0:
        return None
    miss = float(st.poisson.sf(np.floor(limit) - (1 if "longest" in metric or "mean" in metric else 0), mean))
    if miss <= 0:
        return None
    return (f"the fixed delay {what} (Poisson, mean {mean:g} working days, not staff time) alone exceeds "
            f"the target for {miss:.2%} of families")


def _why_not(scenario: Scenario, target: KpiTarget, limit: dict, confidence: float, factor: float, criterion: str, today: float) -> str:
    """A plain sentence: the metric's values at a very large staffing against the target."""
    period = {"quarter": "quarter", "year": "contract year"}.get(target.period, target.period.replace("_", " "))
    rule = f"in every {period}" if criterion == "every" else f"per {period} on average"
    unit = " working days" if target.metric.endswith("_working_days") else (" weeks" if target.metric.endswith("_weeks") else "")
    name = target.metric.removesuffix("_working_days").replace("_", " ")
    lo, hi, mean = limit["min_value"], limit["max_value"], limit["mean_value"]
    share = target.metric.startswith("share") or target.metric.endswith("_share") or target.metric in ("utilisation", "coverage_within_window")

    def f(v: float) -> str:
        return f"{100 * v:.1f}%" if share else f"{v:,.3g}"

    head = f"no staffing meets {target.name} with probability {confidence:.0%}: even with {limit['fte']:,.2f} FTE ({factor:g}x today's {today:,.2f})"
    if not np.isfinite(mean):
        return f"{head} the {name} has no value in any {period}: nothing happens that the target could count."
    text = (f"{head} the {name} is {f(lo)} to {f(hi)}{unit} across replications and {period}s (mean {f(mean)}), "
            f"so '{target.comparison} {f(target.threshold)}{unit} {rule}' holds in {limit['probability']:.0%} of replications "
            f"({confidence:.0%} needed)")
    if not target.met(lo) and not target.met(hi):
        text += f"; in no replication and {period} is it {target.comparison} {f(target.threshold)}{unit}"
    cause = fixed_delay_limit(scenario, target.metric, target.threshold)
    if cause:
        text += f". What staff numbers do not shorten in this scenario: {cause}"
    elif target.threshold >= 1 and target.comparison == ">=" and target.metric.startswith("share"):
        text += ". A 100% target fails whenever a single family misses it"
    return text + "."


def plan_fte(
    scenario: Scenario,
    target: str,
    confidence: float = 0.9,
    *,
    reps: int = 40,
    seed: int = 1,
    jobs: int = 1,
    district: str | None = None,
    criterion: str = "every",
    max_fte: float | None = None,
    on_level: Callable[[float, float], None] | None = None,
) -> PlanResult:
    """Find the smallest FTE whose probability of meeting ``target`` is at least ``confidence``.

    Parameters
    ----------
    district
        For a workforce by district, vary only this district's FTE; otherwise the whole
        workforce is scaled (pooled FTE, or every district in proportion).
    criterion
        ``"every"`` or ``"per_period"`` (see :func:`met_by_replication`).
    max_fte
        Top of the search grid (default: four times today's FTE, at least 10). The
        cannot-be-met check runs at ``max(10 × today's FTE, max_fte)``.
    on_level
        Called with (FTE, probability) after each level is simulated.

    Returns
    -------
    PlanResult
    """
    wf = scenario.workforce
    spec = _target(scenario, target)
    probability_met(scenario, run_replications(scenario, 1, seed).kpis, target, criterion)  # validate the metric early
    if district is not None and wf.pooled:
        raise PlanError("--district: the workforce is pooled; plan the pooled FTE without --district")
    if district is not None and district not in scenario.district_names:
        raise PlanError(f"--district {district}: unknown district (districts: {', '.join(scenario.district_names)})")
    current = wf.fte_by_district.get(district, 0.0) if district else wf.total_fte
    per_fte = (1 - wf.vacancy_rate) * (1 - wf.leave_share) * wf.caseload_cap_per_fte
    upper = max_fte if max_fte is not None else max(10.0, 4 * current)
    # grid: the smallest FTE giving each whole number of caseload slots, rounded up to 0.01 FTE
    n_slots = int(math.floor(upper * per_fte)) if per_fte > 0 else 0
    grid = sorted({math.ceil(k / per_fte * 100 - 1e-9) / 100 for k in range(1, n_slots + 1)})
    if not grid:
        raise PlanError(f"--target {target}: no staffing level up to {upper:g} FTE gives a caseload place")
    memo: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def simulate(fte: float) -> float:
        if fte not in memo:
            if district is not None:
                kwargs = {"fte_override": {district: fte}}
            elif wf.pooled:
                kwargs = {"fte_override": fte}
            else:
                kwargs = {"fte_scale": fte / max(current, 1e-12)}
            # only the target's metric is scored: skip every other KPI table
            res = run_replications(scenario, reps, seed, jobs=jobs, metrics=[spec.metric], **kwargs)
            memo[fte] = met_by_replication(scenario, res.kpis, target, criterion)
            if on_level is not None:
                on_level(fte, float(memo[fte][0].mean()))
        return float(memo[fte][0].mean())

    def passes(i: int) -> bool:
        return simulate(grid[i]) >= confidence - 1e-12

    # 1. the very large staffing: can the target be met at all?
    factor = LIMIT_FACTOR
    limit_fte = max(factor * max(current, 1.0), grid[-1])
    p_limit = simulate(limit_fte)
    lv = memo[limit_fte][1]
    finite = lv[np.isfinite(lv)]
    limit = {"fte": limit_fte, "probability": p_limit, "mean_value": float(finite.mean()) if finite.size else float("nan"),
             "min_value": float(finite.min()) if finite.size else float("nan"), "max_value": float(finite.max()) if finite.size else float("nan")}

    # 2. coarse scan; then, until nothing new is learnt: 3. bisect the bracket of the current
    # crossing, 4. verify above it (levels up to 1.5x the answer) and fan out either side
    index = {f: i for i, f in enumerate(grid)}
    for i in sorted({int(round(x)) for x in np.linspace(0, len(grid) - 1, min(SCAN_POINTS, len(grid)))}):
        passes(i)
    for _ in range(MAX_ROUNDS):
        seen = sorted(index[f] for f in memo if f in index)
        first = int(crossing(np.array([passes(i) for i in seen], float), 0.5))
        if first == len(seen):
            break
        hi = seen[first]
        lo = seen[first - 1] if first > 0 else None
        while lo is not None and hi - lo > 1:
            mid = (lo + hi) // 2
            if passes(mid):
                hi = mid
            else:
                lo = mid
        top = max(hi + 8, int(np.searchsorted(grid, 1.5 * grid[hi], side="right")) - 1)
        checks = {int(round(x)) for x in np.linspace(hi + 1, min(top, len(grid) - 1), VERIFY_POINTS)} if hi + 1 < len(grid) else set()
        checks |= {hi + d for d in (-8, -4, -2, -1, 1, 2, 4, 8)}
        new = [j for j in sorted(checks) if 0 <= j < len(grid) and grid[j] not in memo]
        if not new:
            break
        for j in new:
            passes(j)

    levels = sorted(f for f in memo if f != limit_fte or f in grid)
    fte = np.array(levels)
    scores = np.array([memo[f][0] for f in levels])
    probs = scores.mean(axis=1)
    k = int(crossing(probs, confidence))
    answer = float(fte[k]) if k < len(fte) else None
    interval = bootstrap_interval(scores, fte, confidence, seed) if answer is not None else None
    reason = None
    if answer is None:
        if p_limit < confidence:
            reason = _why_not(scenario, spec, limit, confidence, factor, criterion, current)
        else:
            reason = (f"no level up to {grid[-1]:,.2f} FTE meets {target} with probability {confidence:.0%}, but "
                      f"{limit_fte:,.2f} FTE does (P = {p_limit:.0%}): raise the search limit (--max-fte)")
    cost = wf.cost_per_fte_gbp_per_year
    grid_levels = [f for f in levels if f in set(grid)]
    rows = [(f, math.floor(f * per_fte + 1e-9), float(memo[f][0].mean()), float(np.nanmean(memo[f][1])) if np.isfinite(memo[f][1]).any() else float("nan"), f * cost)
            for f in grid_levels]
    curve = pd.DataFrame(rows, columns=["fte", "slots", "probability", "mean_value", "cost_gbp_per_year"])
    regions = non_monotone_regions(fte, probs, confidence)
    return PlanResult(target, confidence, curve, answer, interval, reason, regions, limit, criterion, reps)


#: metrics a staffing plan can move, in the order a default planning target is chosen
STAFFING_METRICS = (
    "share_started_within_target", "mean_wait_to_start_working_days", "longest_wait_to_start_working_days",
    "share_assessed_within_target", "mean_wait_to_assessment_working_days", "longest_wait_to_assessment_working_days",
    "share_contacted_within_target", "coverage_within_window", "families_started", "hours_delivered",
)


def default_target(scenario: Scenario) -> str:
    """The scenario's target a staffing plan is most naturally asked about.

    The first target (in scenario order) on the earliest metric of :data:`STAFFING_METRICS`
    (timescales first, then throughput); the scenario's first target if none is on such a metric.

    Raises
    ------
    PlanError
        When the scenario has no KPI target.
    """
    if not scenario.kpi_targets:
        raise PlanError("the scenario has no KPI targets to plan for")
    for metric in STAFFING_METRICS:
        for t in scenario.kpi_targets:
            if t.metric == metric:
                return t.name
    return scenario.kpi_targets[0].name
