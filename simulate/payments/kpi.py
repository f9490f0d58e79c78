"""KPI-linked payment and gain share (001 [FINANCIAL MODEL AND PAYMENT], L383 and L388), by envelope.

Readings (quoted in ``docs/payments.md`` and ``docs/finance.md``; the stress model
:mod:`simulate.stress.mechanisms.kpi` uses the same :func:`envelope_year`):

- two financial envelopes, "a clear separation of ECC and West CCG budgets" (L388): ECC's is
  ``annual_value_gbp − west_ccg_annual_value_gbp``, West CCG's ``west_ccg_annual_value_gbp``;
- "From Contract Year 2, a maximum percentage … of the total annual contract value for the ECC
  financial envelope, (excluding the West CCG financial envelope), is dependent upon achieving
  specific key performance indicators, and payment will be reconciled at financial year end"
  (L383): from ``at_risk_from_year`` the ECC envelope's ``at_risk_share`` depends on the KPIs
  (each KPI met earns its weight of it, the rest is withheld); West CCG's is never at risk;
- "the 50/50 gain share arrangement for ECC … is separate from the 50/50 gain share arrangement
  for West CCG" (L388): each envelope's underspend is what it actually paid in the year (after
  withholding) less what the provider spent on it, less the planned efficiency; the provider
  retains ``gain_share_provider`` of it (ring-fenced) and the rest is returned. Money withheld
  for missed KPIs is never an underspend. An overspend is the provider's risk. A ``spend.csv``
  without an ``envelope`` column is split between the envelopes in proportion to their values.

Inputs: ``kpi_results`` (contract_year, kpi, value) compared with the scenario's
``kpi_targets`` (comparison, threshold), and ``spend`` (contract_year, [envelope,] spend_gbp).
"""

from __future__ import annotations

import operator

import pandas as pd

from simulate.scenario import KpiLinked, Scenario

from .days import add_months_day, to_date, to_day
from .errors import PaymentDataError, PaymentScenarioError

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}

RECONCILIATION_COLUMNS = [
    "contract_year", "envelope", "year_end", "annual_value", "at_risk", "kpis_met", "weight_met", "kpi_payment", "withheld",
    "total_due", "spend", "underspend", "planned_efficiency", "gain", "provider_gain", "ring_fenced",
    "commissioner_gain", "commissioner_net_cost",
]
ENVELOPES = ("ecc", "west_ccg")


def envelope_year(value: float, months_in_year: int, at_risk: float, weight_met: float, spend: float,
                  efficiency: float, provider_share: float) -> dict[str, float]:
    """One envelope's contract year in £.

    ``value`` is the envelope's annual value (pro rata to ``months_in_year``); ``at_risk`` the
    share waiting on KPIs this year (0 for West CCG and before ``at_risk_from_year``);
    ``weight_met`` the summed weights of the KPIs met. ``paid`` = value − withheld; ``gain`` =
    max(0, paid − spend − efficiency × value), of which ``provider_share`` is retained.
    """
    v = value * months_in_year / 12.0
    risk = v * at_risk
    withheld = risk * (1.0 - weight_met)
    paid = v - withheld
    gain = max(0.0, paid - spend - efficiency * v)
    returned = gain * (1.0 - provider_share)
    return {"value": v, "instalments": v - risk, "at_risk": risk, "kpi_payment": risk - withheld, "withheld": withheld,
            "paid": paid, "spend": spend, "gain": gain, "gain_returned": returned, "gain_retained": gain - returned}


def reconcile_kpi(scenario: Scenario, kpi_results: pd.DataFrame, spend: pd.DataFrame | None = None) -> pd.DataFrame:
    """Year-end reconciliation of a KPI-linked contract, one row per contract year and envelope.

    Parameters
    ----------
    scenario
        A scenario whose payment is ``kpi_linked``.
    kpi_results
        Columns contract_year (1-based), kpi (a ``kpi_targets`` name), value.
    spend
        Columns contract_year, spend_gbp (£ the provider actually spent) and optionally
        envelope (``ecc`` or ``west_ccg``); optional.

    Returns
    -------
    DataFrame
        Columns :data:`RECONCILIATION_COLUMNS` (£), ``envelope`` ``ecc`` or ``west_ccg`` (the
        latter only when the scenario has a West CCG envelope): ``total_due`` = annual value −
        withheld; ``underspend`` = total_due − spend; ``gain`` = max(0, underspend − planned
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
    values = {"ecc": mech.annual_value_gbp - mech.west_ccg_annual_value_gbp, "west_ccg": mech.west_ccg_annual_value_gbp}
    envelopes = [e for e in ENVELOPES if values[e] > 0]
    total = sum(values.values())
    spent: dict[tuple[int, str], float] = {}
    if spend is not None:
        by_env = "envelope" in spend.columns
        if by_env:
            bad = ~spend["envelope"].astype(str).isin(ENVELOPES)
            if bad.any():
                raise PaymentDataError("spend.csv", (spend.index[bad] + 2).tolist(), "envelope must be ecc or west_ccg", "lines")
        for _, row in spend.iterrows():
            year, amount = int(row["contract_year"]), float(row["spend_gbp"])
            for env in envelopes:
                if by_env:
                    if str(row["envelope"]) == env:
                        spent[(year, env)] = spent.get((year, env), 0.0) + amount
                else:  # aligned budgets: the provider's spend split in proportion to the envelopes' values
                    spent[(year, env)] = spent.get((year, env), 0.0) + amount * values[env] / total
    start = to_day(scenario.horizon.start_date)
    years = sorted(set(kpi_results["contract_year"].astype(int)) | {y for y, _ in spent})
    rows = []
    for year in years:
        res = kpi_results[kpi_results["contract_year"].astype(int) == year]
        met = sorted({k for k, v in zip(res["kpi"].astype(str), res["value"].astype(float))
                      if _OPS[targets[k].comparison](v, targets[k].threshold)})
        weight = sum(mech.kpi_weights.get(k, 0.0) for k in met)
        for env in envelopes:
            at_risk = mech.at_risk_share if env == "ecc" and year >= mech.at_risk_from_year else 0.0
            sp = spent.get((year, env))
            e = envelope_year(values[env], 12, at_risk, weight, 0.0 if sp is None else sp, mech.planned_efficiency_share,
                              mech.gain_share_provider)
            gain = 0.0 if sp is None else e["gain"]
            provider = gain * mech.gain_share_provider
            rows.append({
                "contract_year": year, "envelope": env, "year_end": to_date(add_months_day(start, 12 * year) - 1),
                "annual_value": e["value"], "at_risk": e["at_risk"], "kpis_met": ", ".join(met) if at_risk else "",
                "weight_met": weight if at_risk else float("nan"), "kpi_payment": e["kpi_payment"], "withheld": e["withheld"],
                "total_due": e["paid"], "spend": sp, "underspend": None if sp is None else e["paid"] - sp,
                "planned_efficiency": e["value"] * mech.planned_efficiency_share, "gain": gain, "provider_gain": provider,
                "ring_fenced": mech.provider_gain_ring_fenced, "commissioner_gain": gain - provider,
                "commissioner_net_cost": e["paid"] - (gain - provider),
            })
    return pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)
