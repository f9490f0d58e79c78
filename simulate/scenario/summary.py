"""Readable summaries of a scenario: the tables ``cusp scenario show`` prints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .mechanisms import Block, KpiLinked, PaymentByResults, SibEdgeOfCare
from .model import Scenario

if TYPE_CHECKING:  # pandas is imported inside the functions: `cusp scenario list` starts without it
    import pandas as pd


def annual_referrals(scenario: Scenario) -> pd.DataFrame:
    """Expected referrals per year by district, sub-cohort and age band.

    Streams that name no district are split by the districts' ``referral_share``; the
    scenario's ``volume_multiplier`` is applied; trend and seasonality are not (this is the
    plan's first year).

    Returns
    -------
    pandas.DataFrame
        Columns ``district``, ``sub_cohort``, ``ages`` (``"5-7"`` or the sub-cohort's range),
        ``per_year`` (expected referrals in a year).
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    if scenario.referrals is None:
        return pd.DataFrame(columns=["district", "sub_cohort", "ages", "per_year"])
    multiplier = scenario.referrals.volume_multiplier
    single = len(scenario.districts) == 1
    for stream in scenario.referrals.streams:
        ages = str(stream.ages or scenario.sub_cohort(stream.sub_cohort).ages)
        if stream.district is not None:
            targets = [(stream.district, 1.0)]
        elif single:
            targets = [(scenario.districts[0].name, 1.0)]
        else:
            targets = [(d.name, d.referral_share or 0.0) for d in scenario.districts]
        for district, share in targets:
            rows.append({"district": district, "sub_cohort": stream.sub_cohort, "ages": ages, "per_year": stream.per_year * share * multiplier})
    return pd.DataFrame(rows)


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    """Key numbers of a scenario, grouped by section, as plain values.

    Returns
    -------
    dict
        ``horizon``, ``cohorts`` (DataFrame: sub-cohort, kind, ages, referrals per year),
        ``districts`` (DataFrame), ``workforce``, ``intervention``, ``payment``, ``kpis``
        (DataFrame).
    """
    import pandas as pd

    h = scenario.horizon
    refs = annual_referrals(scenario)
    cohorts = pd.DataFrame(
        [
            {
                "sub_cohort": s.name,
                "kind": s.kind,
                "ages": str(s.ages),
                "referrals_per_year": float(refs.loc[refs.sub_cohort == s.name, "per_year"].sum()) if len(refs) else 0.0,
            }
            for s in scenario.sub_cohorts
        ]
    )
    wf = scenario.workforce
    districts = pd.DataFrame(
        [
            {
                "district": d.name,
                "referrals_per_year": float(refs.loc[refs.district == d.name, "per_year"].sum()) if len(refs) else 0.0,
                "capacity_families_per_year": d.capacity_families_per_year,
                "annual_value_gbp": d.annual_value_gbp,
                "fte": (wf.fte_by_district or {}).get(d.name) if not wf.pooled else None,
            }
            for d in scenario.districts
        ]
    )
    kpis = pd.DataFrame(
        [
            {"name": t.name, "metric": t.metric, "target": f"{t.comparison} {t.threshold:g}", "period": t.period, "district": t.district or "all", "source": t.source}
            for t in scenario.kpi_targets
        ],
        columns=["name", "metric", "target", "period", "district", "source"],
    )
    return {
        "service": scenario.service.name,
        "horizon": {
            "start_date": h.start_date.isoformat(),
            "referral_window": f"{h.referral_months} months (to {h.referral_end.isoformat()})",
            "tracking_tail": f"{h.tracking_months} months",
            "contract_end": h.contract_end.isoformat(),
        },
        "cohorts": cohorts,
        "districts": districts,
        "workforce": {
            "fte": f"{wf.total_fte:g} ({'pooled' if wf.pooled else 'by district'})",
            "caseload_cap_per_fte": wf.caseload_cap_per_fte,
            "hours_per_fte_per_week": wf.hours_per_fte_per_week,
            "direct_work_share": wf.direct_work_share,
            "vacancy_rate": wf.vacancy_rate,
            "staffing_changes": len(wf.schedule),
            "cost_per_fte_gbp_per_year": wf.cost_per_fte_gbp_per_year,
        },
        "payment": describe_payment(scenario),
        "kpis": kpis,
    }


def describe_payment(scenario: Scenario) -> str:
    """One sentence naming the payment mechanism and its key numbers."""
    p = scenario.payment
    if isinstance(p, SibEdgeOfCare):
        shares = ", ".join(f"{k} {v:.0%}" for k, v in p.metric_shares.items())
        return (
            f"Social Impact Bond, 100% payment by results: up to £{p.max_per_child_gbp:,.0f} per child "
            f"({shares}); stability milestone {p.milestone_share_of_stability:.0%} at {p.milestone_months} months, "
            f"daily tariff over {p.tariff_months} months; Life Chances Fund top-up {scenario.finance.lcf_top_up_share:.0%}"
        )
    if isinstance(p, PaymentByResults):
        total = sum(d.annual_value_gbp or 0 for d in scenario.districts)
        return (
            f"Payment by results: {p.upfront_share:.0%} of £{total:,.0f} a year up front ({p.upfront_schedule.replace('_', ' ')}), "
            f"{1 - p.upfront_share:.0%} per family completing with outcomes achieved, quarterly in arrears"
        )
    if isinstance(p, KpiLinked):
        return (
            f"KPI-linked: £{p.annual_value_gbp:,.0f} a year, up to {p.at_risk_share:.0%} at risk against "
            f"{len(p.kpi_weights)} weighted KPIs from year {p.at_risk_from_year}; underspend beyond "
            f"{p.planned_efficiency_share:.0%} planned efficiency shared {p.gain_share_provider:.0%} to the provider"
        )
    assert isinstance(p, Block)
    return f"Block contract: £{p.annual_value_gbp:,.0f} a year, paid {p.payment_schedule}; no outcome element"
