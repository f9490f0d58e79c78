"""The payments statement's sections for a KPI-linked contract (001), by envelope.

*"From Contract Year 2, a maximum percentage … of the total annual contract value for the ECC
financial envelope, (excluding the West CCG financial envelope), is dependent upon achieving
specific key performance indicators, and payment will be reconciled at financial year end"* (001
L383): instalments by contract year and envelope, the year-end reconciliation of the money at
risk (:func:`simulate.payments.kpi.reconcile_kpi`) for the years ended by the settlement date,
and the gain share (001 L388). All of it is paid for an envelope as a whole (no count of people).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pandas as pd

from . import presentation as pr
from .statement_base import Part, money_frame, year_label

__all__ = ["ENVELOPE", "UNMEASURED_NOTE", "kpi_instalment_table", "kpi_reconciliation_table", "kpi_gain_table", "unmeasured_note",
           "kpi_parts", "kpi_points"]

ENVELOPE = {"ecc": "ECC envelope", "west_ccg": "West CCG envelope"}
UNMEASURED_NOTE = ("{kpis}: not measured from a case-level extract ({why}), so each year's KPI results lack "
                   "{it} and the settlement reads {it} as not met: {its} weight ({weight} of the KPI weight) of the "
                   "at-risk money is withheld.")



def kpi_instalment_table(payments: pd.DataFrame) -> pd.DataFrame:
    """Instalments due to date (£) by contract year (rows, then ``Total``) and envelope (columns)."""
    inst = payments[payments["metric"] == "instalment"]
    table = inst.pivot_table(index="contract_year", columns="envelope", values="amount", aggfunc="sum", fill_value=0.0)
    table.columns = [f"{ENVELOPE.get(c, pr.label(c))} (£)" for c in table.columns]
    table.index = [year_label(y) for y in table.index]
    if len(table):
        table.loc["Total"] = table.sum()
    table.index.name = "contract year"
    return table


def kpi_reconciliation_table(reconciliation: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The year-end KPI reconciliation of the at-risk money, by envelope and contract year.

    Rows: contract years ended by ``as_of`` whose envelope has money at risk (a year still open
    is not reconciled, whatever an extract taken later says). Columns ``envelope``, ``year
    ended``, ``at risk (£)``, ``KPIs met``, ``KPI weight met (%)``, ``earned (£)``, ``withheld (£)``.
    """
    r = reconciliation[(reconciliation["at_risk"] > 0) & (pd.to_datetime(reconciliation["year_end"]).dt.date <= as_of)]
    met = [", ".join(pr.label(k.strip()) for k in str(m).split(",") if k.strip()) or "none" for m in r["kpis_met"]]
    ended = pd.to_datetime(r["year_end"])
    return pd.DataFrame({
        "envelope": [ENVELOPE.get(e, pr.label(e)) for e in r["envelope"]],
        "year ended": [f"{d:%d %b %Y}" for d in ended],
        "at risk (£)": r["at_risk"].to_numpy(), "KPIs met": met, "KPI weight met (%)": r["weight_met"].to_numpy(),
        "earned (£)": r["kpi_payment"].to_numpy(), "withheld (£)": r["withheld"].to_numpy(),
    }, index=pd.Index([year_label(y) for y in r["contract_year"]], name="contract year"))


def kpi_gain_table(reconciliation: pd.DataFrame, as_of: dt.date) -> pd.DataFrame | None:
    """The gain share of each envelope and contract year ended by ``as_of`` with spend reported (None without spend)."""
    r = reconciliation[reconciliation["spend"].notna() & (pd.to_datetime(reconciliation["year_end"]).dt.date <= as_of)]
    if r.empty:
        return None
    return pd.DataFrame({
        "envelope": [ENVELOPE.get(e, pr.label(e)) for e in r["envelope"]],
        "paid (£)": r["total_due"].to_numpy(), "provider spend (£)": r["spend"].astype(float).to_numpy(),
        "gain after planned efficiency (£)": r["gain"].to_numpy(), "retained by the provider (£)": r["provider_gain"].to_numpy(),
        "returned to the commissioner (£)": r["commissioner_gain"].to_numpy(),
    }, index=pd.Index([year_label(y) for y in r["contract_year"]], name="contract year"))


def unmeasured_note(scenario: Any, kpi_results: pd.DataFrame | None) -> str:
    """The sentence on KPIs without results (absent from ``kpi_results.csv``), or ''."""
    from .synthetic_kpis import NOT_MEASURABLE, unmeasured_targets

    reported = set(kpi_results["kpi"].astype(str)) if kpi_results is not None and len(kpi_results) else set()
    gone = [n for n in unmeasured_targets(scenario) if n not in reported]
    if not gone or kpi_results is None or not len(kpi_results):
        return ""
    weights = scenario.payment.kpi_weights
    one = len(gone) == 1
    return UNMEASURED_NOTE.format(kpis=", ".join(pr.label(g) for g in gone), why=NOT_MEASURABLE, it="it" if one else "them",
                                  its="its" if one else "their", weight=pr.pct(sum(weights.get(g, 0.0) for g in gone), 0))


def kpi_parts(scenario: Any, payments: pd.DataFrame, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date) -> list[Part]:
    mech = scenario.payment
    rec = reconciliation if reconciliation is not None else pd.DataFrame(columns=["at_risk", "spend", "year_end"])
    parts = [Part("Instalments", f"Each envelope's value not at risk is paid in equal {mech.payment_schedule} instalments in advance "
                  f"through the contract year; from year {mech.at_risk_from_year}, {pr.pct(mech.at_risk_share, 0)} of the ECC "
                  "envelope waits for the year-end KPI reconciliation (001 L383).",
                  [money_frame(kpi_instalment_table(payments), f"Instalments due to {as_of:%d %B %Y}, by contract year and envelope (£)")])]
    weights = ", ".join(f"{pr.label(k)} {pr.pct(v, 0)}" for k, v in mech.kpi_weights.items())
    note = unmeasured_note(scenario, frames.get("kpi_results.csv"))
    recon = kpi_reconciliation_table(rec, as_of) if len(rec) else None
    items = [money_frame(recon, f"Year-end KPI reconciliation of the money at risk, contract years ended by {as_of:%d %B %Y}",
                          {"KPI weight met (%)": "share"})] if recon is not None and len(recon) else \
        [f"<p>No contract year with money at risk ended by {as_of:%d %B %Y} with KPI results reported.</p>"]
    years = max(1, -(-scenario.horizon.referral_months // 12))
    done = 0 if recon is None else len(set(recon.index))
    first_open = max(mech.at_risk_from_year, done + mech.at_risk_from_year)
    if first_open <= years:
        at_risk = (mech.annual_value_gbp - mech.west_ccg_annual_value_gbp) * mech.at_risk_share
        items.append(f"<p>Contract years {first_open} to {years} end after the settlement date: {html.escape(pr.gbp(at_risk))} "
                     "a year is at risk in each, reconciled when the year ends (the reforecast below projects it).</p>")
    if note:
        items.append(f"<p>{html.escape(note)}</p>")
    parts.append(Part("Year-end KPI reconciliation", f"Each KPI met earns its weight of the year's money at risk ({weights}); "
                      "the rest is withheld.", items))
    gain = kpi_gain_table(rec, as_of) if len(rec) else None
    share = pr.pct(mech.gain_share_provider, 0)
    parts.append(Part("Gain share", f"Each envelope's underspend beyond the planned efficiency ({pr.pct(mech.planned_efficiency_share, 0)} "
                      f"of its value) is shared {share} to the provider (001 L388).",
                      [money_frame(gain, "Gain share by contract year and envelope (£)")] if gain is not None else
                      ["<p>No provider spend is reported (no spend.csv), so no gain share is worked out.</p>"]))
    return parts


def kpi_points(scenario: Any, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date) -> tuple[list[str], list[str]]:
    """The summary's sentences: year-end KPI money earned and withheld, the years off track, KPIs not measured."""
    points: list[str] = []
    missed: list[str] = []
    if reconciliation is None:
        return points, missed
    rec = reconciliation[(reconciliation["at_risk"] > 0) & (pd.to_datetime(reconciliation["year_end"]).dt.date <= as_of)]
    if len(rec):
        n = rec["contract_year"].nunique()
        points.append(f"Year-end KPI payments: {pr.gbp(rec['kpi_payment'].sum())} earned of {pr.gbp(rec['at_risk'].sum())} "
                      f"at risk in {n} reconciled contract year{'s' if n != 1 else ''}; {pr.gbp(rec['withheld'].sum())} withheld.")
        for r in rec.itertuples():
            if r.weight_met < 1:
                missed.append(f"Year {r.contract_year}: KPIs met carry {pr.pct(r.weight_met, 0)} of the weight, so "
                              f"{pr.gbp(r.withheld)} of the money at risk is withheld.")
    else:
        points.append("No contract year with money at risk has been reconciled yet.")
    note = unmeasured_note(scenario, frames.get("kpi_results.csv"))
    if note:
        points.append(note)
    return points, missed
