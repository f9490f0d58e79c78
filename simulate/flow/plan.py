"""The smallest workforce meeting a KPI target with a given probability (``cusp capacity plan``).

Every staffing level is run with the same seed, so levels share common random numbers: the
same families arrive with the same needs, and the probability-against-FTE curve is smooth and
(for waits) monotone. The search is a bisection over a grid of FTE values with a memo, so each
level is simulated at most once; after finding the answer it fills in the levels either side
to draw the curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ..scenario import Scenario
from .errors import PlanError
from .runner import run_replications, target_values


@dataclass
class PlanResult:
    """``curve``: one row per evaluated FTE (``fte``, ``slots``, ``probability``, ``mean_value``,
    ``cost_gbp_per_year``); ``answer``: the smallest FTE meeting the confidence, or None;
    ``reason``: when there is no answer, one plain sentence saying why (no staffing can meet
    it, and what stops it; or it needs more staff than the search's upper limit)."""

    target: str
    confidence: float
    curve: pd.DataFrame
    answer: float | None
    reason: str | None = None


# a staffing this many times today's stands in for "unlimited staff" when explaining a no
UNLIMITED = 100.0


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


def probability_met(scenario: Scenario, kpis: pd.DataFrame, target_name: str, criterion: str = "every", strict: bool = True) -> tuple[float, float]:
    """Probability a named target is met, and the metric's mean, from a KPI table.

    ``criterion="every"``: met in every eligible period of a replication; ``"per_period"``: the
    average over periods of the probability of meeting it in that period.
    """
    target = next((t for t in scenario.kpi_targets if t.name == target_name), None)
    if target is None:
        names = ", ".join(t.name for t in scenario.kpi_targets) or "none"
        raise PlanError(f"--target {target_name}: no such KPI target in the scenario (targets: {names})")
    wide = target_values(scenario, kpis, target)
    values = wide.to_numpy(float)
    if values.size == 0 or not np.isfinite(values).any():
        if not strict:
            return 0.0, float("nan")  # e.g. no family ever started: the target cannot be met
        raise PlanError(f"--target {target_name}: the metric {target.metric} has no values in this scenario's periods")
    met = np.where(np.isfinite(values), np.vectorize(target.met)(np.nan_to_num(values)), np.nan)
    if criterion == "every":
        per_rep = np.array([np.all(row[np.isfinite(row)] == 1) for row in met])
        prob = float(per_rep.mean())
    else:
        scored = np.isfinite(met).any(axis=0)  # periods with a value in some replication
        with np.errstate(invalid="ignore"):
            prob = float(np.mean(np.nanmean(met[:, scored], axis=0)))
    return prob, float(np.nanmean(values))


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
    max_fte
        Upper limit of the search (default: four times today's FTE, at least 10).

    Returns
    -------
    PlanResult
    """
    wf = scenario.workforce
    probability_met(scenario, run_replications(scenario, 1, seed).kpis, target, criterion)  # validate the name early
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
    memo: dict[int, tuple[float, float]] = {}

    def evaluate(i: int) -> float:
        if i not in memo:
            fte = grid[i]
            if district is not None:
                kwargs = {"fte_override": {district: fte}}
            elif wf.pooled:
                kwargs = {"fte_override": fte}
            else:
                kwargs = {"fte_scale": fte / max(current, 1e-12)}
            res = run_replications(scenario, reps, seed, jobs=jobs, **kwargs)
            memo[i] = probability_met(scenario, res.kpis, target, criterion, strict=False)
            if on_level is not None:
                on_level(fte, memo[i][0])
        return memo[i][0]

    lo, hi = 0, len(grid) - 1
    answer: int | None = None
    if evaluate(hi) >= confidence:
        if evaluate(lo) >= confidence:
            answer = lo
        else:
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if evaluate(mid) >= confidence:
                    hi = mid
                else:
                    lo = mid
            answer = hi
        for j in (answer - 2, answer - 1, answer + 1, answer + 2):
            if 0 <= j < len(grid):
                evaluate(j)
    cost = wf.cost_per_fte_gbp_per_year
    rows = [(grid[i], math.floor(grid[i] * per_fte + 1e-9), p, m, grid[i] * cost) for i, (p, m) in sorted(memo.items())]
    curve = pd.DataFrame(rows, columns=["fte", "slots", "probability", "mean_value", "cost_gbp_per_year"])
    reason = None
    if answer is None:
        reason = _why_not(scenario, target, confidence, grid[-1] if grid else upper, reps, seed, jobs, district, criterion, current)
    return PlanResult(target, confidence, curve, grid[answer] if answer is not None else None, reason)


def _why_not(scenario: Scenario, target: str, confidence: float, searched: float, reps: int, seed: int, jobs: int,
             district: str | None, criterion: str, current: float) -> str:
    """One sentence: can any staffing meet the target, and if not, what stops it."""
    big = UNLIMITED * max(current, 1.0)
    if district is not None:
        kwargs = {"fte_override": {district: big}}
    elif scenario.workforce.pooled:
        kwargs = {"fte_override": big}
    else:
        kwargs = {"fte_scale": UNLIMITED}
    res = run_replications(scenario, reps, seed, jobs=jobs, **kwargs)
    p_big, _ = probability_met(scenario, res.kpis, target, criterion, strict=False)
    if p_big >= confidence:
        return (f"not met up to {searched:g} FTE, the search's upper limit, but met with probability {p_big:.2f} "
                f"at {big:g} FTE: raise the upper limit (max_fte)")
    t = next(t for t in scenario.kpi_targets if t.name == target)
    cause = fixed_delay_limit(scenario, t.metric, t.threshold)
    why = cause if cause else f"{t.metric} depends on things staffing does not change (demand, delays, outcomes)"
    return (f"no staffing meets {target} with probability {confidence:g}: even at {big:g} FTE "
            f"({UNLIMITED:g}x today's) it is met with probability {p_big:.2f}; {why}")
