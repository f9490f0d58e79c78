"""Export in the shape of the INDIGO impact bond data standard (Government Outcomes Lab).

INDIGO (``INDIGO-Initiative/indigo-data-standard``, schema ``schema/project.json``, version 3)
describes an impact bond project as lists of items whose values sit in ``{"value": ...}``
objects. Cusp fills the parts a model can know:

- ``outcome_metrics`` and ``outcome_pricings`` (the prices of the 004 §9.2 metrics),
- ``outcome_payment_commitments`` (each outcome payer's maximum) and ``investments``,
- ``outcome_payment_plans`` (the contract period) and ``outcome_payments`` (monthly, by payer,
  ``type`` ``Planned`` for a model's expectation),
- ``transactions`` (capital drawn, capital repaid, surplus and outcome payments, with INDIGO's
  ``transaction_type`` codes).

Organisation identifiers are placeholders (``cusp-org-commissioner`` …): INDIGO's own
organisation identifiers are assigned by the GO Lab team. The project carries ``status``
``PRIVATE`` and every item ``SANDBOX`` so a modelled project is never mistaken for published
data. The output validates against the standard's ``schema/project.json`` (checked by hand with
``jsonschema``; the schema is not vendored here).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_text_atomic
from ..scenario import Scenario, SibEdgeOfCare, add_months
from .ledger import FinanceOutcome

ORGS = {
    "commissioner": "cusp-org-commissioner",
    "lcf": "cusp-org-life-chances-fund",
    "investor": "cusp-org-social-investor",
    "spv": "cusp-org-spv",
    "provider": "cusp-org-provider",
}
METRIC_TEXT = {
    "stability_milestone": "Child continuously at home for six months after engagement (diversion) or return home (reunification) (004 §9.2.1)",
    "stability_tariff": "Each day out of care over the 18 months after the stability milestone, paid monthly (004 §9.2.1)",
    "family_star_plus": "Improvement of X% in Family Star Plus from baseline to six months (004 §9.2.2)",
    "my_star": "Improvement of X% in My Star from baseline to six months (004 §9.2.2)",
    "education": "X% reduction in days of unauthorised absence over twelve months from engagement (004 §9.2.3)",
    "reading": "Reading age gain of Y years over six months beyond the school's forecast (004 §9.2.4)",
}


def _v(value: Any) -> dict:
    return {"value": value}


def prices(scenario: Scenario) -> pd.DataFrame:
    """Price of each outcome metric per child (£) by sub-cohort.

    Columns: ``sub_cohort, outcome_metric_id, unit, price_per_unit_gbp, maximum_price_gbp``;
    the tariff is priced per day out of care (its maximum over ``tariff_months``).
    """
    pay = scenario.payment
    if not isinstance(pay, SibEdgeOfCare):
        raise ValueError("INDIGO export of prices needs a sib_edge_of_care payment mechanism")
    rows = []
    for c in scenario.sub_cohorts:
        top = pay.max_per_child_by_sub_cohort_gbp.get(c.name, pay.max_per_child_gbp)
        stab = top * pay.metric_shares.get("stability", 0.0)
        tariff = stab * (1 - pay.milestone_share_of_stability)
        days = (add_months(dt.date(2001, 1, 1), pay.tariff_months) - dt.date(2001, 1, 1)).days
        ff = top * pay.metric_shares.get("family_functioning", 0.0) / 2
        for metric, unit, per_unit, maximum in (
            ("stability_milestone", "child", stab * pay.milestone_share_of_stability, stab * pay.milestone_share_of_stability),
            ("stability_tariff", "day out of care", tariff / days, tariff),
            ("family_star_plus", "child", ff, ff),
            ("my_star", "child", ff, ff),
            ("education", "child", top * pay.metric_shares.get("education", 0.0), top * pay.metric_shares.get("education", 0.0)),
            ("reading", "child", top * pay.metric_shares.get("reading", 0.0), top * pay.metric_shares.get("reading", 0.0)),
        ):
            rows.append({"sub_cohort": c.name, "outcome_metric_id": metric, "unit": unit,
                         "price_per_unit_gbp": per_unit, "maximum_price_gbp": maximum})
    return pd.DataFrame(rows)


def payments_table(out: FinanceOutcome, payment_type: str = "Planned") -> pd.DataFrame:
    """Monthly outcome payments by payer in INDIGO's terms.

    Columns: ``outcome_payment_plan_id, period_start, period_end, payer_organisation_id,
    recipient_organisation_id, type, currency, amount``.
    """
    rows = []
    for m, start in enumerate(add_months(out.terms.start_date, k) for k in range(out.terms.months)):
        end = out.terms.dates[m]
        for payer, amounts in (("commissioner", out.commissioner), ("lcf", out.lcf)):
            if amounts[m] > 0:
                rows.append({"outcome_payment_plan_id": "plan1", "period_start": start.isoformat(), "period_end": end.isoformat(),
                             "payer_organisation_id": ORGS[payer], "recipient_organisation_id": ORGS["spv"],
                             "type": payment_type, "currency": "GBP", "amount": float(amounts[m])})
    return pd.DataFrame(rows, columns=["outcome_payment_plan_id", "period_start", "period_end", "payer_organisation_id",
                                       "recipient_organisation_id", "type", "currency", "amount"])


def transactions_table(out: FinanceOutcome, capital_type: str = "Equity") -> pd.DataFrame:
    """Every money movement with an INDIGO ``transaction_type``.

    Capital drawn is ``capital_type`` (INDIGO codes: Debt, Equity, Debt and Equity, Grant);
    capital returned is ``Capital Repayment``; investor surplus ``Other``; outcome payments
    ``Outcome Payment``. Columns: ``date, investment_id, sending_organisation_id,
    receiving_organisation_id, transaction_type, currency, amount``.
    """
    s = out.spv
    flows = (
        ("investor", "spv", capital_type, s.capital_drawn, "investment1"),
        ("spv", "investor", "Capital Repayment", s.capital_returned, "investment1"),
        ("spv", "investor", "Other", s.investor_surplus, "investment1"),
        ("commissioner", "spv", "Outcome Payment", out.commissioner, ""),
        ("lcf", "spv", "Outcome Payment", out.lcf, ""),
    )
    rows = []
    for m, date in enumerate(out.terms.dates):
        for sender, receiver, kind, amounts, inv in flows:
            if amounts[m] > 0:
                rows.append({"date": date.isoformat(), "investment_id": inv, "sending_organisation_id": ORGS[sender],
                             "receiving_organisation_id": ORGS[receiver], "transaction_type": kind, "currency": "GBP",
                             "amount": float(amounts[m])})
    return pd.DataFrame(rows, columns=["date", "investment_id", "sending_organisation_id", "receiving_organisation_id",
                                       "transaction_type", "currency", "amount"])


def indigo_project(scenario: Scenario, out: FinanceOutcome | None = None, payment_type: str = "Planned") -> dict:
    """An INDIGO-shaped project document (a ``dict`` ready for JSON) for a scenario and, optionally, a run.

    Parameters
    ----------
    scenario
        An edge-of-care SIB scenario: gives the metrics, prices, payers, investment and plan.
    out
        A finance outcome (one replication or an expected case) whose payments and
        transactions are exported; None exports the plan only.
    payment_type
        INDIGO ``outcome_payments.type``: ``Planned`` (a model's expectation) or ``Actual``.
    """
    status = "SANDBOX"
    h, f = scenario.horizon, scenario.finance
    price = prices(scenario)
    first = price[price["sub_cohort"] == scenario.sub_cohorts[0].name]
    caps = scenario.payment.caps.total_gbp if isinstance(scenario.payment, SibEdgeOfCare) else None
    doc: dict[str, Any] = {
        "status": "PRIVATE",   # project level allows PUBLIC, PRIVATE, DISPUTED; items are SANDBOX
        "name": _v(scenario.service.name),
        "dates": {"anticipated_completion_date": _v((h.contract_end - dt.timedelta(days=1)).isoformat())},
        "outcome_metrics": [
            {"id": m, "definition": _v(METRIC_TEXT[m]), "target_population": _v(scenario.service.description or scenario.service.name),
             "unit_type_of_targeted_service_users_or_beneficiaries": _v("Individual"), "status": status}
            for m in METRIC_TEXT
        ],
        "outcome_pricings": [
            {"outcome_metric_id": _v(r.outcome_metric_id), "currency": _v("GBP"), "price_per_unit": {"amount": _v(round(r.price_per_unit_gbp, 2))},
             "maximum_price_if_all_targets_achieved": {"amount": _v(f"{r.maximum_price_gbp:.2f}")},
             "price_description": _v(f"per {r.unit}; same for every sub-cohort" if price.groupby("outcome_metric_id")["price_per_unit_gbp"].nunique().max() == 1 else f"per {r.unit} ({r.sub_cohort})"),
             "status": status}
            for r in first.itertuples()
        ],
        "outcome_payment_commitments": [
            {"organisation_id": _v(ORGS["commissioner"]), "organisation_role_category": _v("Government/Public Sector/Public Bank"),
             "maximum_potential_outcome_payment": {"currency": _v("GBP"), "amount": _v(None if caps is None else caps * (1 - f.lcf_top_up_share))}},
            {"organisation_id": _v(ORGS["lcf"]), "organisation_role_category": _v("Government/Public Sector/Public Bank"),
             "maximum_potential_outcome_payment": {"currency": _v("GBP"), "amount": _v(None if caps is None else caps * f.lcf_top_up_share)}},
        ],
        "investments": [
            {"id": "investment1", "organisation_id": _v(ORGS["investor"]), "organisation_role_category": _v("Impact Investor"),
             "investment_commitment": {"currency": _v("GBP"), "amount": {"exact": _v(f.capital_commitment_gbp)}}},
        ],
        "outcome_payment_plans": [
            {"id": _v("plan1"), "period": {"start_date": _v(h.start_date.isoformat()), "end_date": _v((h.contract_end - dt.timedelta(days=1)).isoformat())},
             "status": status, "notes": f"Modelled by Cusp; Life Chances Fund top-up {f.lcf_top_up_share:.0%} until {f.lcf_end_date}"},
        ],
    }
    if out is not None:
        doc["outcome_payments"] = [
            {"outcome_payment_plan_id": _v(r.outcome_payment_plan_id), "period": {"start_date": _v(r.period_start), "end_date": _v(r.period_end)},
             "payer_organisation_id": _v(r.payer_organisation_id), "recipient_organisation_id": _v(r.recipient_organisation_id),
             "type": _v(r.type), "money": {"currency": _v(r.currency), "amount": _v(round(r.amount, 2))}, "status": status}
            for r in payments_table(out, payment_type).itertuples()
        ]
        doc["transactions"] = [
            ({"investment_id": _v(r.investment_id)} if r.investment_id else {})
            | {"date": _v(r.date), "sending_organisation_id": _v(r.sending_organisation_id),
               "receiving_organisation_id": _v(r.receiving_organisation_id), "transaction_type": _v(r.transaction_type),
               "money": {"currency": _v(r.currency), "amount": _v(round(r.amount, 2))}, "status": status}
            for r in transactions_table(out).itertuples()
        ]
    return doc


def write_indigo(doc: dict, path: str | Path) -> Path:
    """Write an INDIGO-shaped document as JSON, atomically."""
    return write_text_atomic(path, json.dumps(doc, indent=2))
