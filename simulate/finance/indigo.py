"""Export in the shape of the INDIGO impact bond data standard (Government Outcomes Lab).

INDIGO (``INDIGO-Initiative/indigo-data-standard``, schema ``schema/project.json``, release
4.1.0, vendored as ``schemas/indigo-project-4.1.0.json``) describes an impact bond project as
lists of items whose values sit in ``{"value": ...}`` objects. Cusp fills the parts a model
can know:

- ``outcome_metrics`` and ``outcome_pricings`` (the prices of the 004 §9.2 metrics),
- ``outcome_payment_commitments`` (each outcome payer's maximum) and ``investments``,
- ``outcome_payment_plans`` (the contract period) and ``outcome_payments`` (monthly, by payer,
  ``type`` ``Planned`` for a model's expectation),
- ``transactions`` (capital drawn, capital repaid, surplus and outcome payments, with INDIGO's
  ``transaction_type`` codes);
- ``investment_details.internal_rate_of_return`` (``target``: the expected case's IRR),
  ``overall_project_finance`` and ``investments[].maximum_potential_loss`` (the capital at risk)
  and ``maximum_potential_return`` (IRR if outcome payments reach the total cap);
- ``results`` (outcomes achieved per metric group, ``Interim``) and ``provider_side_cost``
  (service delivery, vehicle and working-capital costs by contract year, ``planned``).
  ``outcome_payer_cost`` (the commissioner's own transaction costs) is not modelled.

Organisation identifiers are placeholders (``cusp-org-commissioner`` …): INDIGO's own
organisation identifiers are assigned by the GO Lab team. The project carries ``status``
``PRIVATE`` and every item ``SANDBOX`` so a modelled project is never mistaken for published
data. The output validates against the vendored schema (tests, with ``jsonschema``; no network).
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
    "co_funder": "cusp-org-co-funder",
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


RESULT_METRIC = {"stability": "stability_milestone"}
"""Cusp's result groups that are one INDIGO outcome metric (the stability £ include the tariff that follows the milestone)."""


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
    from .funders import split_funders

    f = out.funders if out.funders is not None else split_funders(out.spv)
    flows = (
        ("investor", "spv", capital_type, f.investor_drawn, "investment1"),
        ("spv", "investor", "Capital Repayment", f.investor_returned, "investment1"),
        ("spv", "investor", "Other", f.investor_surplus, "investment1"),
        ("co_funder", "spv", capital_type, f.co_drawn, "investment2"),
        ("spv", "co_funder", "Capital Repayment", f.co_returned, "investment2"),
        ("spv", "co_funder", "Other", f.co_surplus, "investment2"),
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


SCHEMA = Path(__file__).with_name("schemas") / "indigo-project-4.1.0.json"
INDIGO_VERSION = "4.1.0"


def schema() -> dict:
    """The vendored INDIGO 4.1.0 project schema."""
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def validation_errors(doc: dict) -> list[str]:
    """Every way ``doc`` breaks the INDIGO project schema, as ``key/path: message`` lines (empty when valid)."""
    import jsonschema

    validator = jsonschema.Draft7Validator(schema())
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in validator.iter_errors(doc)]


def _irr_text(value: float) -> str:
    return f"{value:.1%} IRR" if value == value else "not defined"


def provider_costs_table(out: FinanceOutcome) -> pd.DataFrame:
    """Provider-side costs by contract year in INDIGO's classification (``date`` = the year's last month end).

    Columns: ``date, classification, amount``: ``Service delivery costs`` (the provider's
    delivery costs), ``SPV set up and operational costs`` (the management fee) and ``Cost of
    working capital (Investor return - interest and surplus)`` (surplus paid to investors).
    """
    import numpy as np

    s = out.spv
    years = np.arange(out.terms.months) // 12
    rows = []
    for y in range(int(years.max()) + 1):
        last = int(np.nonzero(years == y)[0][-1])
        for name, amounts in (("Service delivery costs", out.costs), ("SPV set up and operational costs", s.management_fee),
                              ("Cost of working capital (Investor return - interest and surplus)", s.investor_surplus)):
            amount = float(amounts[years == y].sum())
            if amount > 0:
                rows.append({"date": out.terms.dates[last].isoformat(), "classification": name, "amount": amount})
    return pd.DataFrame(rows, columns=["date", "classification", "amount"])


def indigo_project(scenario: Scenario, out: FinanceOutcome | None = None, payment_type: str = "Planned",
                   returns: dict | None = None, results: pd.DataFrame | None = None) -> dict:
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
    returns
        ``{"irr_target": float, "irr_at_cap": float}``: the expected case's IRR and the IRR if
        outcome payments reach the total cap (:func:`simulate.stress.analysis.indigo_returns`).
    results
        Outcomes achieved per metric group (:func:`simulate.stress.analysis.expected_vs_achieved`):
        columns ``outcome_metric_id, period_start, period_end, children_engaged, children_achieved,
        payments_gbp``.
    """
    status = "SANDBOX"
    h, f = scenario.horizon, scenario.finance
    price = prices(scenario)
    first = price[price["sub_cohort"] == scenario.sub_cohorts[0].name]
    caps = scenario.payment.caps.total_gbp if isinstance(scenario.payment, SibEdgeOfCare) else None
    share = f.investor_share if f.investor_share is not None else 1.0
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
             "maximum_potential_outcome_payment": {"currency": _v("GBP"), "amount": _v(_lcf_max(caps, f))}},
        ],
        "overall_project_finance": {
            "total_investment_commitment": {"currency": _v("GBP"), "amount": {"exact": _v(f.capital_commitment_gbp)}},
            "maximum_potential_loss": _v(f"all capital committed: £{(f.capital_commitment_gbp or 0):,.0f}"),
            "maximum_potential_return_type": _v("IRR"),
            "maximum_potential_return": _v(_irr_text((returns or {}).get("irr_at_cap", float("nan")))),
        },
        "investments": [
            {"id": "investment1", "organisation_id": _v(ORGS["investor"]), "organisation_role_category": _v("Impact Investor"),
             "investment_commitment": {"currency": _v("GBP"), "amount": {"exact": _v((f.capital_commitment_gbp or 0.0) * share)}},
             "maximum_potential_loss": _v(f"£{(f.capital_commitment_gbp or 0.0) * share:,.0f} (its {share:.1%} of the capital)"),
             "maximum_potential_return_type": _v("IRR"),
             **({"maximum_potential_return": _v(round(returns["irr_at_cap"], 4))} if returns and returns.get("irr_at_cap") == returns.get("irr_at_cap") else {}),
             "status": status},
        ] + ([
            {"id": "investment2", "organisation_id": _v(ORGS["co_funder"]), "organisation_role_category": _v("Nonprofit/NGO"),
             "investment_commitment": {"currency": _v("GBP"), "amount": {"exact": _v((f.capital_commitment_gbp or 0.0) * (1 - share))}},
             "maximum_potential_loss": _v(f"£{(f.capital_commitment_gbp or 0.0) * (1 - share):,.0f} ({f.co_funder_terms.replace('_', ' ')})"),
             "status": status},
        ] if share < 1 else []),
        "outcome_payment_plans": [
            {"id": _v("plan1"), "period": {"start_date": _v(h.start_date.isoformat()), "end_date": _v((h.contract_end - dt.timedelta(days=1)).isoformat())},
             "status": status, "notes": f"Modelled by Cusp; Life Chances Fund top-up {f.lcf_top_up_share:.0%} until {f.lcf_end_date}"},
        ],
    }
    if returns:
        doc["investment_details"] = {"internal_rate_of_return": {"target": _v(_irr_text(returns.get("irr_target", float("nan"))))},
                                     "notes": "Modelled by Cusp: the target is the expected case's IRR for the social investor"}
    if results is not None:
        doc["results"] = [
            ({"outcome_metric_id": _v(RESULT_METRIC[r.outcome_metric_id]), "result_level": _v("Outcome level")}
             if r.outcome_metric_id in RESULT_METRIC else {"result_level": _v("Project level"),
                                                           "other_description_of_result": _v(r.outcome_metric_id.replace("_", " "))})
            | {"result_type": _v("Interim"),
             "period": {"start_date": _v(r.period_start), "end_date": _v(r.period_end)},
             "outcomes_achieved": _v(f"£{r.payments_gbp:,.0f} due" + (f"; {r.children_achieved:,.0f} children" if r.children_achieved == r.children_achieved else "")),
             "number_engaged_in_impact_bond": _v(float(r.children_engaged)),
             **({"number_with_positive_social_outcomes": _v(float(r.children_achieved))} if r.children_achieved == r.children_achieved else {}),
             "status": status}
            for r in results.itertuples()
        ]
    if out is not None:
        doc["provider_side_cost"] = [
            {"date": _v(r.date), "phase": _v("Operational and management"), "classification": _v(r.classification),
             "type": _v("Purchased or spent"), "payment": {"currency": _v("GBP"), "planned": _v(round(r.amount, 2))},
             "incurred_by": _v(ORGS["provider"] if r.classification == "Service delivery costs" else ORGS["spv"]), "status": status}
            for r in provider_costs_table(out).itertuples()
        ]
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


def _lcf_max(caps: float | None, f: Any) -> float | None:
    """The most the Life Chances Fund can pay: its share of the cap, within its grant."""
    top = None if caps is None else caps * f.lcf_top_up_share
    if f.lcf_grant_cap_gbp is not None:
        top = f.lcf_grant_cap_gbp if top is None else min(top, f.lcf_grant_cap_gbp)
    return top


def write_indigo(doc: dict, path: str | Path) -> Path:
    """Write an INDIGO-shaped document as JSON, atomically."""
    return write_text_atomic(path, json.dumps(doc, indent=2))
