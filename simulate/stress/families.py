"""The fast family-flow model for contracts paid by family, by KPI or as a block (000–003).

One draw in arrays of contract months, no per-family loop (docs/finance.md, "simplified
model"): referrals are Poisson by month (per-year rates × volume multiplier × seasonality ×
trend), accepted with ``referrals.acceptance_probability`` (binomial); a month's accepted
families start support while the open-case load leaves room under staffed capacity
(FTE × caseload cap × (1 − vacancy) × (1 − leave)); the rest are turned away (they wait beyond
the service's patience). A started family disengages with the probability implied by the
weekly disengagement rate over its support duration; the others complete after the mean
duration, and a completer shows 'notable progress' with the probability that the first
distance-travelled measure's change reaches ``payment.notable_progress_min_change`` (normal
change, follow-up share). The universal contacts of 001 are covered in proportion to the share
of demand the workforce meets.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..finance.calendar import month_ends, month_starts
from ..finance.errors import StressError
from .params import fte_by_month

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class FamilyParams:
    """Plain-number inputs of the family-flow model (months, £, shares)."""

    start_date: dt.date
    referral_months: int
    months: int
    per_month: np.ndarray            # expected referrals by contract month (before volume draws)
    acceptance: float
    capacity: np.ndarray             # open cases the workforce holds, by month
    duration_months: float           # mean support duration
    open_after: np.ndarray           # P(a start is still open k months later), k = 0..
    p_disengage: float
    p_progress: float                # P(a completer shows notable progress)
    staff_cost: np.ndarray           # £ staff cost by month (FTE × cost × (1 + overhead))
    cost_per_case: float
    universal_births: float
    universal_completion: float
    data: dict                       # the scenario dictionary (mechanisms read their payment terms)

    @property
    def dates(self) -> list[dt.date]:
        return month_ends(self.start_date, self.months)


@dataclass
class Families:
    """One draw by contract month (counts may be fractional after spreading completions)."""

    referred: np.ndarray
    accepted: np.ndarray
    started: np.ndarray
    turned_away: np.ndarray
    completed: np.ndarray           # by completion month
    achieved: np.ndarray            # completers with notable progress, by completion month
    load: np.ndarray                # open cases
    capacity: np.ndarray
    universal_due: np.ndarray       # universal contacts due, by month
    universal_done: np.ndarray


def _p_normal_above(mean: float, sd: float, threshold: float) -> float:
    return 0.5 * math.erfc((threshold - mean) / (sd * math.sqrt(2.0))) if sd > 0 else float(mean >= threshold)


def _gamma_shape_scale(dist: dict) -> tuple[float, float]:
    kind = dist["dist"]
    if kind == "fixed":
        return 1e6, float(dist["value"]) / 1e6
    mean = float(dist.get("mean") or (float(dist.get("low", 0)) + float(dist.get("high", 0))) / 2)
    sd = float(dist.get("sd") or mean)
    if kind == "exponential":
        sd = mean
    shape = (mean / sd) ** 2 if sd > 0 else 1e6
    return shape, mean / shape


def compile_families(data: dict, effects: Mapping[str, float] | None = None) -> FamilyParams:
    """Compile a scenario dictionary into :class:`FamilyParams` (effects: ``progress_multiplier``)."""
    h = data["horizon"]
    start = h["start_date"] if isinstance(h["start_date"], dt.date) else dt.date.fromisoformat(str(h["start_date"]))
    R, M = int(h["referral_months"]), int(h["referral_months"]) + int(h["tracking_months"])
    if R < 1:
        raise StressError("horizon.referral_months: the family-flow model needs at least one referral month")
    ref = data["referrals"]
    seas12 = np.asarray(ref.get("seasonality") or [1.0] * 12, float)
    months = np.arange(M)
    seas = seas12[[d.month - 1 for d in month_starts(start, M)]]
    total = sum(float(s["per_year"]) for s in ref["streams"])
    per_month = np.where(months < R, total / 12.0 * seas * float(ref.get("volume_multiplier", 1.0))
                         * (1.0 + float(ref.get("annual_trend", 0.0))) ** (months / 12.0), 0.0)
    wf = data["workforce"]
    fte = fte_by_month(wf, start, M)
    per_fte = (1 - float(wf.get("vacancy_rate", 0.0))) * (1 - float(wf.get("leave_share", 0.0))) * float(wf["caseload_cap_per_fte"])
    iv = data["intervention"]
    shape, scale = _gamma_shape_scale(iv["duration_weeks"])
    mean_weeks = shape * scale
    rate = -math.log1p(-min(float(iv.get("disengagement_per_week", 0.0)), 0.999999))
    # P(disengage before the end) = 1 − E[exp(−rate·D)], D ~ gamma(shape, scale) (its Laplace transform).
    p_dis = 1.0 - (1.0 + rate * scale) ** (-shape)
    dur_m = mean_weeks * 7 / DAYS_PER_MONTH
    k = np.arange(M)
    open_after = np.clip(dur_m - k, 0.0, 1.0)       # a start occupies a place for its mean duration
    fin = data.get("finance") or {}
    staffed = R   # staff are paid while the contract runs; families open at its end are handed over
    # Vacant posts are not paid (they are what makes an underspend in a staffed service); the
    # bond's cohort model instead assumes vacancies covered by agency staff at the same cost.
    staff_cost = np.where(months < staffed, fte * (1 - float(wf.get("vacancy_rate", 0.0))) * float(wf["cost_per_fte_gbp_per_year"])
                          * (1 + float(fin.get("provider_overhead_share", 0.0))) / 12.0, 0.0)
    pay = data["payment"]
    dist = (data.get("outcomes") or {}).get("distance_travelled") or []
    threshold = float(pay.get("notable_progress_min_change", 0.0))
    if dist:
        d0 = dist[0]
        sign = 1.0 if float(d0["mean_change"]) >= 0 else -1.0   # a score that should fall (e.g. MACA) improves downwards
        p_prog = float(d0["follow_up_share"]) * _p_normal_above(sign * float(d0["mean_change"]), float(d0["sd_change"]), max(threshold, 1e-9))
    else:
        p_prog = 0.0
    p_prog = min(1.0, p_prog * float((effects or {}).get("progress_multiplier", 1.0)))
    uni = data.get("universal") or {}
    return FamilyParams(
        start_date=start, referral_months=R, months=M, per_month=per_month,
        acceptance=float(ref.get("acceptance_probability", 1.0)), capacity=fte * per_fte, duration_months=dur_m,
        open_after=open_after, p_disengage=p_dis, p_progress=p_prog, staff_cost=staff_cost,
        cost_per_case=float(wf.get("cost_per_case_gbp", 0.0)),
        universal_births=float(uni.get("births_per_year", 0.0)), universal_completion=float(uni.get("completion_probability", 0.0)),
        data=data,
    )


def draw_families(fp: FamilyParams, rng: np.random.Generator, candidate_factor: float = 0.0) -> Families:
    """One draw of referrals, starts, completions and notable progress by contract month.

    ``candidate_factor`` > 0 draws candidates at that multiple of the plan rate and keeps each
    with probability 1/factor (common random numbers when the volume moves).
    """
    M = fp.months
    factor = candidate_factor if candidate_factor > 0 else 1.0
    cand = rng.poisson(fp.per_month * factor)
    referred = rng.binomial(cand, 1.0 / factor) if factor != 1.0 else cand
    accepted = rng.binomial(referred, fp.acceptance)
    cap = fp.capacity.tolist()
    acc = accepted.tolist()
    span = int(math.ceil(fp.duration_months)) + 1
    occ = fp.open_after[:span].tolist()
    first = occ[0]
    load = [0.0] * (M + span)
    started_l = [0.0] * M
    for m in range(M):
        room = cap[m] - load[m]
        s = float(min(acc[m], math.floor(room / first))) if room > 0 else 0.0
        if s > 0:
            started_l[m] = s
            for j in range(span):
                load[m + j] += s * occ[j]
    started = np.asarray(started_l)
    load = np.asarray(load[:M])
    n = started.astype(np.int64)
    dis = rng.binomial(n, fp.p_disengage)
    comp_start = (n - dis).astype(float)
    ach_start = rng.binomial(n - dis, fp.p_progress).astype(float)
    # Completers finish after the mean duration (spread between the two whole months around it).
    lag = fp.duration_months
    lo, w = int(math.floor(lag)), lag - math.floor(lag)
    completed, achieved = np.zeros(M), np.zeros(M)
    for arr, src in ((completed, comp_start), (achieved, ach_start)):
        if lo < M:
            arr[lo:] += (1 - w) * src[: M - lo]
        if lo + 1 < M:
            arr[lo + 1:] += w * src[: M - lo - 1]
    serve = np.divide(started, accepted, out=np.ones(M), where=accepted > 0)
    uni_due = np.where(np.arange(M) < fp.referral_months, fp.universal_births / 12.0, 0.0)
    uni_done = uni_due * fp.universal_completion * np.minimum(1.0, serve)
    return Families(referred.astype(float), accepted.astype(float), started, accepted - started, completed, achieved,
                    load, fp.capacity, uni_due, uni_done)


def delivery_costs(fp: FamilyParams, fam: Families) -> np.ndarray:
    """£ delivery costs by month: staff (while staffed) plus the cost per case at each start."""
    return fp.staff_cost + fp.cost_per_case * fam.started


def contract_years(months: int) -> np.ndarray:
    """Contract year (0-based) of every contract month."""
    return np.arange(months) // 12
