"""Names and number formats of the stress test's inputs and figures, as a board reads them.

The stress engine (:mod:`simulate.stress`) names an uncertain input by its scenario path
(``referrals.volume_multiplier``) and a figure by a key (``provider_net_p5_gbp``); the report
shows "referral volume (× plan)" and "Provider's net, 5th percentile (£)". Pure Python, no pandas.

Kinds of value: ``gbp`` (pounds), ``share`` (a fraction shown as %), ``multiple`` (times a
reference, two decimals), ``count`` (whole things), ``number`` (one decimal, unit in the label).
"""

from __future__ import annotations

import re
from typing import Any

from . import presentation as pr
from .presentation.formats import MISSING

__all__ = ["MECHANISMS", "input_label", "input_kind", "input_value", "figure_label", "figure_kind", "figure_value", "fmt"]

#: The contract each payment mechanism settles, in words.
MECHANISMS: dict[str, str] = {
    "sib_edge_of_care": "social impact bond",
    "payment_by_results": "payment-by-results contract",
    "kpi_linked": "KPI-linked contract with a gain share",
    "block": "block contract",
}

#: Uncertain inputs and reverse-stress parameters: (label, kind); a multiple's value reads with :data:`TIMES`.
INPUTS: dict[str, tuple[str, str]] = {
    "referrals.volume_multiplier": ("referral volume (× plan)", "multiple"),
    "referrals.acceptance_probability": ("share of referrals accepted", "share"),
    "workforce.vacancy_rate": ("staff vacancy rate", "share"),
    "payment.at_risk_share": ("share of the contract value at risk on KPIs", "share"),
    "payment.planned_efficiency_share": ("planned efficiency (share of contract value)", "share"),
    "universal.births_per_year": ("births a year (number)", "count"),
    "intervention.hours_per_week": ("support hours a week per family", "number"),
    "intervention.disengagement_per_week": ("weekly chance a family disengages", "share"),
    "intervention.duration_weeks.mean": ("mean length of support (weeks)", "number"),
    "outcomes.distance_travelled.0.mean_change": ("mean change in the distance-travelled score (points)", "number"),
    "care_hazard_multiplier": ("care-entry rate (× the scenario's)", "multiple"),
    "progress_multiplier": ("notable-progress rate (× plan)", "multiple"),
    "stability_success_multiplier": ("stability success rate (× plan)", "multiple"),
}
#: What a multiple multiplies: ``1.20 × plan``.
TIMES: dict[str, str] = {"referrals.volume_multiplier": "× plan", "care_hazard_multiplier": "× the scenario's care-entry rate",
                         "progress_multiplier": "× plan", "stability_success_multiplier": "× plan"}
_HAZARD = re.compile(r"^outcomes\.care\.(?P<cohort>[a-z0-9_]+)\.hazard_(?P<when>[a-z_]+)_per_year$")

#: Parts of figure keys, read from the left: the thing measured (statistic and unit suffixes apart).
SUBJECTS: dict[str, tuple[str, str]] = {
    "draws": ("parameter draws (number)", "count"),
    "irr": ("investor's IRR (% a year)", "share"),
    "irr_not_defined_draws": ("draws with no defined IRR (number)", "count"),
    "money_multiple": ("investor's money multiple (× capital)", "multiple"),
    "multiple": ("investor's money multiple (× capital)", "multiple"),
    "pooled_multiple": ("investor's money multiple (× capital, mean cash flow)", "multiple"),
    "pooled_net": ("net over the contract (£, mean cash flow)", "gbp"),
    "provider_net": ("provider's net over the contract", "gbp"),
    "net": ("net over the contract", "gbp"),
    "provider_income": ("provider's income", "gbp"),
    "provider_costs": ("provider's delivery cost", "gbp"),
    "outcome_payments": ("outcome payments", "gbp"),
    "payments": ("outcome payments", "gbp"),
    "peak_capital": ("peak capital drawn", "gbp"),
    "savings_pv": ("savings from care avoided, present value", "gbp"),
    "commissioner_payments_pv": ("commissioner's payments, present value", "gbp"),
    "cost_per_child_diverted": ("cost per child diverted from care", "gbp"),
    "deadweight_payment_share": ("share of payments for deadweight (%)", "share"),
    "capital_unreturned": ("investor capital never returned", "gbp"),
    "co_funder_net": ("co-funder's net", "gbp"),
    "families_achieving": ("families achieving the outcome (number)", "count"),
    "families_to_break_even": ("families needed to break even (number)", "count"),
    "cap_cut": ("payments cut by the cap", "gbp"),
    "utilisation": ("caseload utilisation (%)", "share"),
    "utilisation_mean_share": ("caseload utilisation, mean (%)", "share"),
    "commissioner_cost_per_family_achieving": ("commissioner's cost per family achieving", "gbp"),
    "cost_per_family_started": ("cost per family started", "gbp"),
    "cost_per_family": ("cost per family started", "gbp"),
    "cost_per_family_achieving": ("cost per family achieving", "gbp"),
    "families_turned_away": ("families turned away (number)", "count"),
    "turned_away": ("families turned away (number)", "count"),
    "withheld": ("KPI money withheld", "gbp"),
    "at_risk": ("contract value at risk on KPIs", "gbp"),
    "gain_returned": ("gain share returned to the commissioners", "gbp"),
    "ecc_gain_returned": ("gain share returned to ECC", "gbp"),
    "west_ccg_gain_returned": ("gain share returned to West CCG", "gbp"),
    "commissioner_net_cost": ("commissioners' net cost", "gbp"),
}

#: Probabilities (``p_<event>``), as the event in words.
EVENTS: dict[str, str] = {
    "loss": "of a loss", "provider_loss": "the provider loses money", "investor_loss": "the investor loses money",
    "cap_reached": "the payment cap is reached", "kpi_money_withheld": "KPI money is withheld",
    "withheld": "KPI money is withheld", "capacity_binds": "capacity turns families away",
    "capital_over_commitment": "capital is needed beyond the commitment", "payments_exceed_savings": "payments exceed savings",
}
_STATS = {"p5": "5th percentile", "p95": "95th percentile", "median": "median", "mean": "mean"}


def _cohort(name: str) -> str:
    return pr.label(name, capital=False)


def input_label(path: str) -> str:
    """A reader's name for an uncertain input or reverse-stress parameter (scenario path or effect)."""
    path = path.removeprefix("in:").removeprefix("effect:")
    if path in INPUTS:
        return INPUTS[path][0]
    if m := _HAZARD.match(path):
        return f"care-entry rate {m['when'].replace('_', ' ')}, {_cohort(m['cohort'])} (a year)"
    leaf = [p for p in path.split(".") if not p.isdigit()][-2:]
    return pr.words(" ".join(pr.label(p, capital=False) for p in leaf))


def input_kind(path: str) -> str:
    """The kind of an input's values (``share``, ``multiple``, ``count``, ``number``)."""
    path = path.removeprefix("in:").removeprefix("effect:")
    if path in INPUTS:
        return INPUTS[path][1]
    return "number"


def fmt(v: Any, kind: str) -> str:
    """``v`` in its kind: ``gbp`` £1,234; ``share`` 12.3%; ``multiple`` 1.28; ``count`` 1,234; else 12.3."""
    if kind == "multiple":
        return pr.value(v, "number", 2)
    if kind == "number":
        return pr.value(v, "number", 1 if v != v or abs(float(v)) >= 10 else 2)
    return pr.value(v, kind)


def input_value(path: str, v: Any) -> str:
    """An input's value in its kind (a vacancy rate 0.0298 → 3.0%; a referral volume 1.2 → 1.20 × plan)."""
    path = path.removeprefix("in:").removeprefix("effect:")
    text = fmt(v, input_kind(path))
    return f"{text} {TIMES[path]}" if path in TIMES and text != MISSING else text


def _parse(key: str) -> tuple[str, str, str]:
    """``(subject label, statistic, kind)`` of a figure key."""
    k = key.removesuffix("_gbp")
    money = k != key
    if k in SUBJECTS:
        subject, kind = SUBJECTS[k]
        return subject, "", kind
    if k.startswith("p_"):
        event = k[2:]
        return f"chance {EVENTS.get(event, pr.label(event, capital=False))} (%)", "", "share"
    stat = ""
    for suffix, words in _STATS.items():
        if k.endswith("_" + suffix):
            k, stat = k.removesuffix("_" + suffix), words
            break
    subject, kind = SUBJECTS.get(k, (pr.label(k, capital=False), "gbp" if money else "number"))
    return subject, stat, kind


def figure_label(key: str) -> str:
    """``provider_net_p5_gbp`` → "Provider's net over the contract, 5th percentile (£)"."""
    subject, stat, kind = _parse(key)
    unit = ""
    if kind == "gbp" and "(£" not in subject:
        subject, unit = subject, " (£)"
    m = re.match(r"^(.*?)( \([^)]*\))?$", subject)
    head, paren = m.group(1), (m.group(2) or "")
    text = head + (f", {stat}" if stat else "") + paren + unit
    return text[:1].upper() + text[1:]


def figure_kind(key: str) -> str:
    """The kind of a figure (``gbp``, ``share``, ``multiple``, ``count``, ``number``)."""
    return _parse(key)[2]


def figure_value(key: str, v: Any) -> str:
    """A figure's value in its kind."""
    return fmt(v, figure_kind(key))
