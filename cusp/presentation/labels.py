"""Human names for everything a reader sees: metrics, KPI targets, sub-cohorts, areas, parties, columns.

Pure Python (the command line imports it at start-up). :func:`label` is the one entry point: an
exact entry in :data:`LABELS` wins; otherwise a sub-cohort name with an age band
(``diversion_10_15``) reads "Diversion, aged 10–15"; any other ``snake_case`` key is turned into a
sentence ("share improved" → "Share improved"), with known abbreviations kept upper case.
"""

from __future__ import annotations

import re

#: Short labels of the flow metrics (the unit comes from :func:`metric_kind`).
METRICS: dict[str, str] = {
    "referrals": "referrals",
    "accepted": "referrals accepted",
    "rejected": "referrals rejected",
    "families_started": "families started",
    "families_worked_with": "families worked with",
    "mean_wait_to_contact_working_days": "mean wait to contact",
    "mean_wait_to_assessment_working_days": "mean wait to assessment",
    "longest_wait_to_assessment_working_days": "longest wait to assessment",
    "mean_wait_to_start_working_days": "mean wait to start",
    "p90_wait_to_start_working_days": "90th centile wait to start",
    "longest_wait_to_start_working_days": "longest wait to start",
    "share_started_within_target": "started within target",
    "share_contacted_within_target": "contacted within target",
    "share_assessed_within_target": "assessed within target",
    "waiting_list_at_end": "waiting at period end",
    "reneged": "left the list",
    "returned_unallocated": "returned unallocated",
    "utilisation": "utilisation",
    "caseload_per_fte": "caseload per FTE",
    "hours_delivered": "hours delivered",
    "direct_work_share": "direct work share",
    "completions": "completions",
    "disengagements": "disengagements",
    "care_entries": "care entries",
    "reviews": "plan reviews",
    "coverage_within_window": "contacts within window",
    "share_improved": "improved",
    "share_improved_all_areas": "improved in all areas",
    "share_improved_all_areas_child": "children improved in all areas",
    "share_improved_all_areas_family": "families improved in all areas",
    "share_out_of_care": "not in care at period end",
    "share_completed": "completed intervention",
    "share_completed_within_26_weeks": "completed within 26 weeks",
    "share_reviews_on_time": "plans reviewed on time",
    "share_exit_strategy": "with an exit strategy",
    "share_wellbeing_plan": "with a wellbeing plan",
    "share_positive_feedback": "positive feedback",
    "share_assessed": "assessed",
    "mean_duration_weeks": "mean intervention length",
    "open_cases": "open cases",
}

#: KPI targets named in the presets.
TARGETS: dict[str, str] = {
    "start_within_target": "Support started within target",
    "start_within_4_weeks": "Support started within 4 weeks",
    "referrals_on_plan": "Referrals on plan",
    "out_of_care": "Children not in care",
    "cyp_improved_all_areas": "Children and young people improved in all areas",
    "families_improved_all_areas": "Families improved in all areas",
    "families_supported": "Families supported",
    "mandated_contacts_coverage": "Mandated contacts made on time",
    "targeted_start_within_target": "Targeted support started within target",
    "targeted_improved": "Targeted families improved",
    "activity_maintained": "Activity maintained",
    "responded_within_timescale": "Responded within timescale",
    "completed_within_26_weeks": "Completed within 26 weeks",
    "completing_intervention": "Completing the intervention",
    "progress_towards_goals": "Progress towards goals",
    "plans_reviewed_on_time": "Plans reviewed on time",
    "exit_strategy": "Exit strategy in place",
    "wellbeing_plan": "Wellbeing plan in place",
    "sustainable_change": "Sustainable change",
    "direct_work": "Direct work",
    "reviews_per_quarter": "Reviews a quarter",
    "improved_distance_travelled": "Improved (distance travelled)",
    "improved_all_areas": "Improved in all areas",
    "all_assessed": "All assessed",
    "positive_feedback": "Positive feedback",
}

#: Sub-cohorts by their stem (the age band is added from the name).
COHORTS: dict[str, str] = {
    "diversion": "Diversion",
    "reunification": "Reunification",
    "cyp": "Children and young people",
    "families": "Families",
    "universal": "Universal",
    "targeted_family_support": "Targeted family support",
    "young_carers": "Young carers",
}

#: Parties to a contract, and payment lines.
PARTIES: dict[str, str] = {
    "commissioner": "Commissioner",
    "life_chances_fund": "Life Chances Fund",
    "investor": "Investor",
    "provider": "Provider",
    "stability_tariff": "Stability tariff",
    "stability_milestone": "Stability milestone",
    "milestone": "Six-month milestone",
    "tariff": "Monthly tariff",
    "education": "Education",
    "reading": "Reading",
    "my_star": "My Star",
    "family_star_plus": "Family Star Plus",
    "block": "Block payments",
    "upfront": "Up-front payments",
    "instalment": "Instalments",
    "maca_yc18": "MACA-YC18", "panoc_yc20": "PANOC-YC20", "cfw_radar": "CFW radar",  # assessment tools
}

#: Table columns and other keys.
COLUMNS: dict[str, str] = {
    "ci_low": "95% CI, lower",
    "ci_high": "95% CI, upper",
    "mean": "Mean",
    "sub_cohort": "Sub-cohort",
    "district": "Area",
    "all": "All areas",
    "kind": "Kind",
    "ages": "Ages",
    "referrals_per_year": "Referrals a year",
    "capacity_families_per_year": "Capacity (families a year)",
    "annual_value_gbp": "Annual value (£)",
    "fte": "Staff (FTE)",
    "per_year": "Referrals a year",
    "probability": "Probability met (%)",
    "mean_value": "Mean value",
    "cost_gbp_per_year": "Cost (£ a year)",
    "threshold": "Threshold",
    "comparison": "Comparison",
    "target": "Target",
    "every": "Every period",
    "amount": "Amount (£)",
    "payer": "Payer",
    "metric": "Payment line",
    "status": "Status",
    "not_yet_due": "not yet due",
    "not_achieved": "not achieved",
    "not_eligible": "not eligible",
    "start_date": "Start",
    "referral_window": "Referral window",
    "tracking_tail": "Tracking after referrals close",
    "contract_end": "Contract end",
    "referral_months": "Referral months",
}

#: Outcomes of the annual evaluation's matched comparison, with their units.
OUTCOME_LABELS: dict[str, str] = {
    "care_within_6m": "care within 6 months", "care_within_12m": "care within 12 months",
    "care_within_24m": "care within 24 months", "absence_change": "unauthorised absence (% points)",
    "reading_gain": "reading beyond forecast (years)",
}

#: Every label in one dictionary; :func:`label` is how callers read it.
LABELS: dict[str, str] = {**METRICS, **{k: v for k, v in TARGETS.items()}, **PARTIES, **COLUMNS}

UNITS = {"wait": "working days", "weeks": "weeks", "hours": "hours", "share": "%"}

_AGES = re.compile(r"^(?P<stem>[a-z_]+?)_(?P<lo>\d+)_(?P<hi>\d+)$")
_UPPER = {"fte": "FTE", "kpi": "KPI", "ci": "CI", "gbp": "£", "rag": "RAG", "lcf": "LCF", "irr": "IRR", "npv": "NPV"}


def label(key: object, capital: bool = True) -> str:
    """A reader's name for a key: metric, KPI target, sub-cohort, area, party or column.

    >>> label("diversion_10_15")
    'Diversion, aged 10–15'
    >>> label("ci_low")
    '95% CI, lower'
    """
    if not isinstance(key, str):
        return str(key)
    if key in TARGETS:
        text = TARGETS[key]
    elif key in LABELS:
        text = LABELS[key]
    elif (m := _AGES.match(key)) and "_" not in key.removeprefix(m["stem"]).strip("_0123456789"):
        stem = COHORTS.get(m["stem"], m["stem"].replace("_", " "))
        text = f"{stem}, aged {m['lo']}–{m['hi']}"
    elif key in COHORTS:
        text = COHORTS[key]
    elif "_" in key:
        text = " ".join(_UPPER.get(w, w) for w in key.removesuffix("_working_days").split("_") if w)
    else:
        return key
    if capital:
        return text[:1].upper() + text[1:]
    return text if text[:2].isupper() else text[:1].lower() + text[1:]  # "FTE" stays, "Support" → "support"


def metric_kind(name: str) -> str:
    """The kind of a metric, from its name: ``count``, ``share``, ``wait``, ``weeks``, ``hours`` or ``ratio``.

    Waits are in working days (``*_working_days``); shares are fractions shown as %; counts are
    whole things (families, referrals, reviews) and never negative.
    """
    if name.endswith("_working_days") or name.endswith("_wait_working_days"):
        return "wait"
    if name.endswith("_weeks"):
        return "weeks"
    if name.startswith("hours") or name.endswith("_hours"):
        return "hours"
    if name.startswith("share_") or name.endswith("_share") or name in ("utilisation", "coverage_within_window", "probability"):
        return "share"
    if name in ("caseload_per_fte",) or name.startswith("mean_") or name.startswith("rate_"):
        return "ratio"
    return "count"


def metric_label(name: str, unit: bool = True) -> str:
    """A reader's label for a metric, with its unit: ``mean wait to start (working days)``."""
    kind = metric_kind(name)
    text = METRICS.get(name) or name.removesuffix("_working_days").replace("_", " ")
    if unit and kind in ("wait", "weeks", "hours"):
        text = f"{text} ({UNITS[kind]})"
    elif unit and kind == "share":
        text = f"{text} (%)"
    return text


_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def words(text: str) -> str:
    """``text`` with every ``snake_case`` key replaced by its label (lower case, as in a sentence)."""
    return _SNAKE.sub(lambda m: label(m.group(0), capital=False), text)
