"""A scenario compiled to plain numbers for the fast cohort model, and cheap overrides.

Validating a pydantic scenario for every one of 10,000 draws would cost more than the draw
itself, so the stress engine validates each uncertainty range once (at its low and high ends,
through :func:`simulate.scenario.with_overrides`) and then sets drawn values directly in the
scenario's dumped dictionary (copy-on-write along the key path) before compiling it here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..finance.errors import StressError
from ..finance.calendar import month_edges, month_starts
from ..finance.savings import care_cost_per_day
from ..finance.spv import SpvTerms
from ..finance.terms import FinanceTerms, lcf_end_month, termination_month
from ..scenario import Scenario

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class CohortParams:
    """Plain-number inputs of one draw of the fast cohort model (days, £, shares, per-year rates)."""

    start_date: dt.date
    referral_months: int
    months: int
    edges: np.ndarray
    stream_cohort: np.ndarray
    stream_per_year: np.ndarray
    volume: float
    trend: float
    seasonality: np.ndarray          # by contract month, mean 1 over a year
    acceptance: float
    reunification: np.ndarray        # by sub-cohort
    h_during: np.ndarray             # per year, by sub-cohort
    h_after: np.ndarray
    h_counterfactual: np.ndarray
    spell: tuple[dict, ...]          # spell_days distribution by sub-cohort
    return_home: tuple[dict | None, ...]
    duration: dict                   # support duration distribution (weeks)
    cap_weeks: float
    extension_probability: float
    extension_weeks: float
    disengagement_per_week: float
    delay_days: float
    fte_by_month: np.ndarray
    capacity_per_fte: float          # open cases one FTE holds after vacancy and leave
    staffed_months: int
    cost_per_fte_month: float
    cost_per_case: float
    price: np.ndarray                # max £ per child by sub-cohort
    shares: dict[str, float]
    milestone_share: float
    milestone_months: int
    tariff_months: int
    resume_days: float
    failing_spell: int
    p_metric: dict[str, float]       # probability each one-off metric is paid
    finance: FinanceTerms
    cohort_names: tuple[str, ...]
    savings_months: float = 24.0     # months from t0 over which care days avoided count
    stability_success: float = 1.0
    hazard_multiplier: float = 1.0
    engine: str = "payments"         # stability settlement: the payment engine, or "cusp" (own rules)


def set_path(data: Any, path: str, value: Any) -> Any:
    """Return a copy of ``data`` with a dotted key path set, copying only the containers on the path."""
    head, _, rest = path.partition(".")
    if isinstance(data, dict):
        if head not in data:
            raise StressError(f"{path}: does not name a value in the scenario")
        out = dict(data)
        out[head] = set_path(data[head], rest, value) if rest else value
        return out
    if isinstance(data, list):
        idx = int(head) if head.isdigit() else next((i for i, x in enumerate(data) if isinstance(x, dict) and x.get("name") == head), None)
        if idx is None or idx >= len(data):
            raise StressError(f"{path}: does not name a value in the scenario")
        out = list(data)
        out[idx] = set_path(data[idx], rest, value) if rest else value
        return out
    raise StressError(f"{path}: does not name a value in the scenario")


def scenario_data(scenario: Scenario) -> dict:
    """The scenario as a plain dictionary (by alias), the form overrides are applied to."""
    return scenario.model_dump(by_alias=True)


def override_data(data: dict, overrides: Mapping[str, Any]) -> dict:
    """Apply ``{key path: value}`` overrides to a scenario dictionary (no validation)."""
    for path, value in overrides.items():
        data = set_path(data, path, value)
    return data


def _care(outcomes: dict, name: str) -> dict:
    care = outcomes["care"]
    if name in care:
        return care[name]
    if "all" in care:
        return care["all"]
    return {"hazard_during_support_per_year": 0.0, "hazard_after_support_per_year": 0.0, "counterfactual_hazard_per_year": 0.0, "spell_days": {"dist": "fixed", "value": 0.0}, "days_to_return_home": None}


def _p_normal_above(mean: float, sd: float, threshold: float) -> float:
    return 0.5 * math.erfc((threshold - mean) / (sd * math.sqrt(2.0))) if sd > 0 else float(mean >= threshold)


# Assumed baselines and spreads for the one-off metrics (docs/finance.md, "simplified model").
STAR_BASELINE = {"family_star_plus": 40.0, "my_star": 32.0}
ABSENCE_REDUCTION_SD = 0.25
READING_GAIN_SD = 0.4


def compile_params(data: dict, effects: Mapping[str, float] | None = None, engine: str = "payments") -> CohortParams:
    """Compile a scenario dictionary (see :func:`scenario_data`) to :class:`CohortParams`.

    ``engine`` chooses who settles stability payments: ``payments`` (the payment engine's
    vectorised path) or ``cusp`` (the stress engine's own rules, about twice as fast).

    Raises
    ------
    StressError
        When the scenario's payment mechanism is not an edge-of-care Social Impact Bond.
    """
    if engine not in ("payments", "cusp"):
        raise StressError(f"--engine: {engine!r} is not one of payments, cusp")
    pay = data["payment"]
    if pay.get("kind") != "sib_edge_of_care":
        raise StressError(f"payment.kind: stress tests need a sib_edge_of_care mechanism, not {pay.get('kind')!r}")
    h = data["horizon"]
    start = h["start_date"] if isinstance(h["start_date"], dt.date) else dt.date.fromisoformat(str(h["start_date"]))
    R, M = int(h["referral_months"]), int(h["referral_months"]) + int(h["tracking_months"])
    end_month = termination_month(data["finance"].get("early_termination_year"), M)
    if end_month is not None:
        R = min(R, end_month + 1)     # no referrals after the break
    names = tuple(c["name"] for c in data["sub_cohorts"])
    idx = {n: i for i, n in enumerate(names)}
    ref = data["referrals"]
    seas12 = np.asarray(ref.get("seasonality") or [1.0] * 12, float)
    seas = seas12[[d.month - 1 for d in month_starts(start, M)]]
    out = data["outcomes"]
    cares = [_care(out, n) for n in names]
    wf = data["workforce"]
    fte = fte_by_month(wf, start, M)
    iv = data["intervention"]
    tr = data["triage"]
    fin = data["finance"]
    cap_weeks = float(iv.get("cap_weeks") or 52.0)
    staffed = min(M, R + math.ceil((cap_weeks + float(iv.get("extension_weeks") or 0.0)) * 7 / DAYS_PER_MONTH))
    dist = {d["tool"]: d for d in out.get("distance_travelled", [])}
    p_metric = {}
    for tool, base in STAR_BASELINE.items():
        d = dist.get(tool)
        p_metric[tool] = 0.0 if d is None else d["follow_up_share"] * _p_normal_above(d["mean_change"], d["sd_change"], pay["family_functioning_improvement"] * base)
    p_metric["education"] = _p_normal_above(out.get("unauthorised_absence_reduction", 0.0), ABSENCE_REDUCTION_SD, pay["absence_reduction"])
    p_metric["reading"] = _p_normal_above(out.get("reading_gain_beyond_forecast_years", 0.0), READING_GAIN_SD, pay["reading_gain_years"])
    caps = pay.get("caps") or {}
    lcf_end = fin.get("lcf_end_date")
    if lcf_end is not None and not isinstance(lcf_end, dt.date):
        lcf_end = dt.date.fromisoformat(str(lcf_end))
    pc = fin["placement_costs"]
    spv = SpvTerms(
        capital_commitment=float(fin.get("capital_commitment_gbp") or 0.0),
        management_fee_per_month=float(fin.get("management_fee_gbp_per_year", 0.0)) / 12.0,
        provider_margin=float(fin.get("provider_fee_margin", 0.0)),
        provider_performance_share=float(fin.get("provider_performance_share", 0.0)),
        investor_surplus_share=float(fin.get("investor_surplus_share", 1.0)),
        distribution_interval_months=int(fin.get("distribution_interval_months", 12)),
    )
    terms = FinanceTerms(
        start_date=start, months=M, spv=spv, lcf_share=float(fin.get("lcf_top_up_share", 0.0)),
        lcf_end_month=lcf_end_month(start, M, lcf_end), total_cap=caps.get("total_gbp"),
        per_year_cap=caps.get("per_contract_year_gbp"), discount_rate=float(fin.get("discount_rate_real", 0.035)),
        care_cost_per_day=care_cost_per_day(pc["weekly_gbp"], pc["mix"]), deadweight=float(fin.get("deadweight_share", 0.0)),
        optimism_bias=float(fin.get("optimism_bias", 0.0)),
        investor_share=float(fin["investor_share"]) if fin.get("investor_share") is not None else 1.0,
        co_funder_terms=str(fin.get("co_funder_terms") or "pari_passu"), lcf_grant_cap=fin.get("lcf_grant_cap_gbp"),
        end_month=end_month,
    )
    by_cohort = pay.get("max_per_child_by_sub_cohort_gbp") or {}
    effects = dict(effects or {})
    return CohortParams(
        start_date=start, referral_months=R, months=M, edges=month_edges(start, M),
        stream_cohort=np.array([idx[s["sub_cohort"]] for s in ref["streams"]]),
        stream_per_year=np.array([float(s["per_year"]) for s in ref["streams"]]),
        volume=float(ref.get("volume_multiplier", 1.0)), trend=float(ref.get("annual_trend", 0.0)),
        seasonality=seas, acceptance=float(ref.get("acceptance_probability", 1.0)),
        reunification=np.array([c["kind"] == "reunification" for c in data["sub_cohorts"]]),
        h_during=np.array([float(c["hazard_during_support_per_year"]) for c in cares]),
        h_after=np.array([float(c["hazard_after_support_per_year"]) for c in cares]),
        h_counterfactual=np.array([float(c["counterfactual_hazard_per_year"]) for c in cares]),
        spell=tuple(c["spell_days"] for c in cares), return_home=tuple(c.get("days_to_return_home") for c in cares),
        duration=iv["duration_weeks"], cap_weeks=cap_weeks,
        extension_probability=float(iv.get("extension_probability", 0.0)), extension_weeks=float(iv.get("extension_weeks", 0.0)),
        disengagement_per_week=float(iv.get("disengagement_per_week", 0.0)),
        delay_days=(float(tr.get("contact_delay_working_days", 0.0)) + float(tr.get("assessment_delay_working_days", 0.0))) * 7 / 5,
        fte_by_month=fte,
        capacity_per_fte=(1 - float(wf.get("vacancy_rate", 0.0))) * (1 - float(wf.get("leave_share", 0.0))) * float(wf["caseload_cap_per_fte"]),
        staffed_months=staffed,
        cost_per_fte_month=float(wf["cost_per_fte_gbp_per_year"]) * (1 + float(fin.get("provider_overhead_share", 0.0))) / 12.0,
        cost_per_case=float(wf.get("cost_per_case_gbp", 0.0)),
        price=np.array([float(by_cohort.get(n, pay["max_per_child_gbp"])) for n in names]),
        shares=dict(pay["metric_shares"]), milestone_share=float(pay["milestone_share_of_stability"]),
        milestone_months=int(pay["milestone_months"]), tariff_months=int(pay["tariff_months"]),
        resume_days=float(pay["max_spell_days_to_resume"]), failing_spell=int(pay["failing_spell_number"]),
        p_metric=p_metric, finance=terms, cohort_names=names,
        savings_months=float(fin.get("savings_horizon_months") or (int(pay["milestone_months"]) + int(pay["tariff_months"]))),
        stability_success=float(effects.get("stability_success_multiplier", 1.0)),
        hazard_multiplier=float(effects.get("care_hazard_multiplier", 1.0)),
        engine=engine,
    )


def fte_by_month(wf: Mapping[str, Any], start: dt.date, months: int) -> np.ndarray:
    """FTE in post by contract month: the scenario's pooled or summed district FTE, with its
    staffing schedule applied from the month of each change (``fte`` sets, ``fte_change`` adds)."""
    fte = np.full(months, float(wf["pooled_fte"] if wf.get("pooled_fte") is not None else sum((wf.get("fte_by_district") or {}).values())))
    for change in wf.get("schedule") or []:
        d = change["date"] if isinstance(change["date"], dt.date) else dt.date.fromisoformat(str(change["date"]))
        k = max(0, (d.year - start.year) * 12 + d.month - start.month)
        fte[k:] = change["fte"] if change.get("fte") is not None else fte[k:] + change["fte_change"]
    return fte
