"""KPI-linked payment and gain share (001 [FINANCIAL MODEL AND PAYMENT], L383 and L388).

Readings (quoted in ``docs/payments.md``):

- from contract year ``at_risk_from_year`` (2), ``at_risk_share`` of the annual value depends on
  the KPIs: each KPI met earns its weight of the at-risk sum; the rest is withheld. Earlier
  years are paid in full. The reconciliation falls due at the contract year's end;
- an underspend (annual value minus the provider's actual spend) above the planned efficiency
  (``planned_efficiency_share`` of annual value) is shared: ``gain_share_provider`` (50%) is
  retained by the provider — ring-fenced for reinvestment in the outcomes and KPIs — and the
  rest returned to the commissioner. An overspend is the provider's risk.

Inputs: ``kpi_results`` (contract_year, kpi, value) compared with the scenario's
``kpi_targets`` (comparison, threshold), and ``spend`` (contract_year, spend_gbp).
"""

from __future__ import annotations

import operator

import pandas as pd

from simulate.scenario import KpiLinked, Scenario

from .days import add_months_day, to_date, to_day
from .errors import PaymentDataError, PaymentScenarioError

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}

RECONCILIATION_COLUMNS = [
    "contract_year", "year_end", "annual_value", "at_risk", "kpis_met", "weight_met", "kpi_payment", "withheld",
    "total_due", "spend", "underspend", "planned_efficiency", "gain", "provider_gain", "ring_fenced",
    "commissioner_gain", "commissioner_net_cost",
]


def reconcile_kpi(scenario: Scenario, kpi_results: pd.DataFrame, spend: pd.DataFrame | None = None) -> pd.DataFrame:
    """Year-end reconciliation table of a KPI-linked contract.

    Parameters
    ----------
    scenario
        A scenario whose payment is ``kpi_linked``.
    kpi_results
        Columns contract_year (1-based), kpi (a ``kpi_targets`` name), value.
    spend
        Columns contract_year, spend_gbp (£ the provider actually spent); optional.

    Returns
    -------
    DataFrame
        One row per contract year with results (columns :data:`RECONCILIATION_COLUMNS`, £):
        ``total_due`` = annual value − withheld; ``gain`` = max(0, underspend − planned
        efficiency); ``commissioner_net_cost`` = total_due − commissioner_gain.
    """
    mech = scenario.payment
    if not isinstance(mech, KpiLinked):
        raise PaymentScenarioError(f"payment.kind: {mech.kind!r} is not kpi_linked")
    targets = {t.name: t for t in scenario.kpi_targets}
    unknown = sorted(set(kpi_results["kpi"].astype(str)) - set(targets))
    if unknown:
        rows = (kpi_results.index[kpi_results["kpi"].astype(str).isin(unknown)] + 2).tolist()
        raise PaymentDataError("kpi_results.csv", rows, f"unknown KPI {unknown[0]!r}", "lines")
    spent = {} if spend is None else dict(zip(spend["contract_year"].astype(int), spend["spend_gbp"].astype(float)))
    start = to_day(scenario.horizon.start_date)
    value = mech.annual_value_gbp
    rows = []
    for year in sorted(set(kpi_results["contract_year"].astype(int)) | set(spent)):
        res = kpi_results[kpi_results["contract_year"].astype(int) == year]
        met = [k for k, v in zip(res["kpi"].astype(str), res["value"].astype(float))
               if _OPS[targets[k].comparison](v, targets[k].threshold)]
        at_risk = value * mech.at_risk_share if year >= mech.at_risk_from_year else 0.0
        weight = sum(mech.kpi_weights.get(k, 0.0) for k in set(met))
        kpi_payment = at_risk * weight
        withheld = at_risk - kpi_payment
        total_due = value - withheld
        sp = spent.get(year)
        under = None if sp is None else value - sp
        planned = value * mech.planned_efficiency_share
        gain = 0.0 if under is None else max(0.0, under - planned)
        provider = gain * mech.gain_share_provider
        rows.append({
            "contract_year": year, "year_end": to_date(add_months_day(start, 12 * year) - 1), "annual_value": value,
            "at_risk": at_risk, "kpis_met": ", ".join(sorted(set(met))), "weight_met": weight,
            "kpi_payment": kpi_payment, "withheld": withheld, "total_due": total_due, "spend": sp,
            "underspend": under, "planned_efficiency": planned, "gain": gain,
            "provider_gain": provider, "ring_fenced": mech.provider_gain_ring_fenced,
            "commissioner_gain": gain - provider, "commissioner_net_cost": total_due - (gain - provider),
        })
    return pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)
