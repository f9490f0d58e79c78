"""The registry of KPI definitions: one per KPI, with the specification's sentence.

Each :class:`KpiDefinition` states what is counted (numerator), out of what (denominator), its
units (working or calendar days, hours, families), when an event falls in a window
(``attributed``) and which direction is better. :mod:`.compute` evaluates them on the per-case
table (:mod:`.cases`) for any windows (:mod:`.windows`); ``docs/kpis.md`` quotes the same
sentences. Scenario targets name these definitions (``KpiTarget.metric``).

``basis`` says what the KPI needs: ``cases`` (the per-case table: simulation or a real
extract), ``contacts`` (universal touchpoints, 001) or ``simulation`` (a quantity only the
simulation knows, such as utilisation of modelled capacity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Better = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI.

    Attributes
    ----------
    name
        Identifier (the ``metric`` of targets and KPI tables).
    label
        Short description with its unit, for tables.
    kind
        ``count``, ``share`` (numerator / denominator, a fraction), ``mean``, ``max`` or ``sum``.
    units
        Unit of the value.
    numerator, denominator
        What is counted, and out of what (the denominator is empty for counts and sums).
    attributed
        The day that places a case or event in a window.
    better
        ``higher``, ``lower`` or ``None`` (a count with no good direction).
    sources
        ``(section, quoted sentence)`` pairs from the specifications.
    basis
        ``cases``, ``contacts`` or ``simulation``.
    """

    name: str
    label: str
    kind: str
    units: str
    numerator: str
    denominator: str
    attributed: str
    better: Better
    sources: tuple[tuple[str, str], ...] = ()
    basis: str = "cases"
    note: str = ""


_WAIT_003 = ("003 §6 KPI 4", "Average and longest waiting time from referral to: assessment and start of support. | <20 working days | Quarterly")
_IMPROVE_000_CYP = ("000 §3.11 outcomes table", "% CYP with improved self-assessment (using the agreed outcome measure) reporting distance travelled in all areas | Min 75% | Quarterly")
_IMPROVE_000_FAM = ("000 §3.11 outcomes table", "% families with improved family self assessment (using the agreed outcomes measure) reporting distance travelled in all areas | Min 75% | Quarterly")
_ALL_AREAS_RULE = (
    "per case, over every area of every tool used for that case (rows in the assessments table "
    "with the respondent filter): each area improved (oriented change > 0); an area at the best "
    "score at baseline counts only if it worsens (then the case is not improved); at least one "
    "area improved"
)

DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition("referrals", "referrals received (count)", "count", "referrals", "referrals received", "", "referral day", None,
                  (("003 §6 KPI 5", "Number and percentage of new referrals received in period"),)),
    KpiDefinition("accepted", "referrals accepted (count)", "count", "referrals", "referrals accepted", "", "referral day", None,
                  (("002 App 2/3 outcomes matrix", "Number of accepted referrals | 70"),)),
    KpiDefinition("families_started", "families starting support (count)", "count", "families", "families whose support started", "", "start day", "higher",
                  (("000 §3.3", "indicative capacity (families per year, by district)"), ("001 §29.5", "a KPI which requires maintenance of previous contract activity levels"))),
    KpiDefinition("families_worked_with", "families worked with: open at any time in the window (count)", "count", "families",
                  "families whose support was open on at least one day of the window (started before its end, not ended before its start)", "",
                  "open interval [start, end) overlapping the window", "higher",
                  (("002 App 2 §1.8", "A minimum of 70 families will be worked with in any 12 month period within this contract"),
                   ("002 App 3 §2.8", "A minimum of 70 families will be worked with in any 12 month period within this contract and all will meet at least 2 of the Families First criteria."))),
    KpiDefinition("share_contacted_within_target", "share contacted within the contact target (fraction)", "share", "fraction",
                  "accepted referrals first contacted within the target (working days, referral day excluded)",
                  "accepted referrals whose outcome is known in the window: contacted in time, or past the target's last day still uncontacted, or left the list uncontacted",
                  "contact day if in time, else the day after the target's last day, or the day they left if earlier", "higher",
                  (("002 App 2 §1.5 / App 3 §2.5", "Contact should be made with the family within 5 working days of receiving a referral"),
                   ("002 outcomes matrix", "% of referrals responded to within timescale | 100%"))),
    KpiDefinition("mean_wait_to_contact_working_days", "mean wait from referral to first contact (working days)", "mean", "working days",
                  "sum of working days from referral to contact", "referrals contacted in the window", "contact day", "lower"),
    KpiDefinition("share_assessed", "share of accepted referrals assessed (fraction)", "share", "fraction",
                  "accepted referrals assessed", "accepted referrals assessed in the window or leaving the list unassessed in the window",
                  "assessment day, or the day they left unassessed", "higher",
                  (("003 §6 KPI 2", "Number of children receiving a Young Carers Assessment by the Service | 100% | Quarterly"),)),
    KpiDefinition("share_assessed_within_target", "share assessed within the assessment target (fraction)", "share", "fraction",
                  "accepted referrals assessed within the target (working days)",
                  "accepted referrals whose outcome is known in the window (as share_contacted_within_target)",
                  "assessment day if in time, else the day after the target's last day, or the day they left", "higher", (_WAIT_003,)),
    KpiDefinition("mean_wait_to_assessment_working_days", "mean wait from referral to assessment (working days)", "mean", "working days",
                  "sum of working days from referral to assessment", "referrals assessed in the window", "assessment day", "lower", (_WAIT_003,)),
    KpiDefinition("longest_wait_to_assessment_working_days", "longest wait from referral to assessment (working days)", "max", "working days",
                  "the longest wait: completed waits of referrals assessed in the window, and the wait so far of every family still waiting for assessment on the window's last day",
                  "", "assessment day; still waiting: the window's last day", "lower", (_WAIT_003,)),
    KpiDefinition("mean_wait_to_start_working_days", "mean wait from referral to start of support (working days)", "mean", "working days",
                  "sum of working days from referral to start", "families starting in the window", "start day", "lower", (_WAIT_003,)),
    KpiDefinition("longest_wait_to_start_working_days", "longest wait from referral to start of support (working days)", "max", "working days",
                  "the longest wait: completed waits of families starting in the window, and the wait so far of every accepted family still waiting to start on the window's last day",
                  "", "start day; still waiting: the window's last day", "lower", (_WAIT_003,)),
    KpiDefinition("share_started_within_target", "share starting support within the start target (fraction)", "share", "fraction",
                  "accepted referrals whose support started within the target (working days, or calendar days for a target in weeks)",
                  "accepted referrals whose outcome is known in the window: started in time, or past the target's last day not started (still waiting or started late), or left the list before the target",
                  "start day if in time, else the day after the target's last day, or the day they left if earlier", "higher",
                  (("000 §3.4.2.3", "It is expected that waiting times will be kept to a minimum and interventions will begin with a family within 4 weeks of receipt of the Contact Form."), _WAIT_003)),
    KpiDefinition("exits", "support ended (count)", "count", "families", "families whose support ended", "", "end day", None),
    KpiDefinition("completions", "support completed (count)", "count", "families", "families ending by completion or step down", "", "end day", "higher"),
    KpiDefinition("share_completed", "share of exits that completed the intervention (fraction)", "share", "fraction",
                  "families ending by completion or step down to universal services", "families whose support ended in the window (every route)", "end day", "higher",
                  (("002 outcomes matrix", "% of families completing the intervention | 90%"),)),
    KpiDefinition("share_completed_within_26_weeks", "share of interventions closed within 26 weeks (fraction)", "share", "fraction",
                  "interventions closed (any route) within 26 weeks (182 calendar days, paused days excluded) of the start",
                  "interventions closed within 26 weeks in the window, and interventions reaching 26 weeks still open in the window",
                  "end day if within 26 weeks, else the day 26 weeks after the start", "higher",
                  (("002 outcomes matrix", "Proportion of interventions completed within an average of 26 weeks | 90%"),
                   ("002 App 2 §1.6", "It is expected that support will be for no more than 26 weeks, however in exceptional cases this can be extended on approval of the Early Help Team.")),
                  note="a share of interventions: the '90%' is the share closed within 26 weeks, not a mean length"),
    KpiDefinition("mean_duration_weeks", "mean intervention length (weeks)", "mean", "calendar weeks", "sum of support lengths (paused days excluded)", "families whose support ended in the window", "end day", None),
    KpiDefinition("reviews", "plan reviews and reassessments done (count)", "count", "reviews", "reviews done", "", "review day", "higher",
                  (("003 §6 KPI 8", "Number of reassessments and reviews completed in period. | >25 reviews per quarter | Quarterly"),)),
    KpiDefinition("share_reviews_on_time", "share of plan reviews done within the review interval (fraction)", "share", "fraction",
                  "reviews falling due (interval after the start or the previous review, while support is open) done by the due day",
                  "reviews falling due whose outcome is known in the window", "review day if on time, else the day after the due day", "higher",
                  (("002 App 2 §1.7", "Plans must be reviewed approximately every six weeks and programmes of support adjusted accordingly."),
                   ("002 App 3 §2.7", "Plans must be reviewed within six weeks and programmes of support adjusted accordingly."))),
    KpiDefinition("hours_delivered", "worker hours delivered (hours)", "sum", "hours", "worker hours", "", "the day the hours are worked", "higher",
                  (("002 App 2 §1.10", "A minimum of 5,000 hrs must be provided of which 75% must be direct intervention work"),
                   ("002 App 3 §2.10", "A minimum of 3,500 hrs must be provided of which 75% must be direct intervention work"))),
    KpiDefinition("direct_work_share", "share of hours that are direct work (fraction)", "share", "fraction", "direct-work hours", "all worker hours", "the day the hours are worked", "higher",
                  (("002 App 2 §1.10 / App 3 §2.10", "... of which 75% must be direct intervention work"),)),
    KpiDefinition("share_exit_strategy", "share of families ending with an agreed exit strategy (fraction)", "share", "fraction",
                  "families with an agreed exit strategy in place before the end", "families whose support ended in the window with the item recorded", "end day", "higher",
                  (("002 outcomes matrix", "% of families with agreed exit strategy in place prior to ending intervention | 90% (mentoring), 100% (befriending)"),)),
    KpiDefinition("share_wellbeing_plan", "share of completing families with a wellbeing support plan (fraction)", "share", "fraction",
                  "completing families with a (Family) Wellbeing Plan in place", "families completing (completion or step down) in the window with the item recorded", "end day", "higher",
                  (("002 outcomes matrix", "% of families completing intervention that have an wellbeing support plan in place | 100%"),)),
    KpiDefinition("share_positive_feedback", "share of families giving positive feedback (fraction)", "share", "fraction",
                  "families whose feedback at the end was positive", "families whose support ended in the window and who gave feedback", "end day", "higher",
                  (("003 §6 KPI 21", "Percentage of Young Carers and/or families who feedback positively about the support services they have received. | >70% | End of year"),)),
    KpiDefinition("share_improved", "share improved overall on distance travelled (fraction)", "share", "fraction",
                  "cases whose oriented change, summed over every area of every tool used for them (each area scaled by its score range), is above 0",
                  "cases with a follow-up in every area of their tools, whose last follow-up falls in the window", "last follow-up day", "higher",
                  (("003 §6 KPI 18", "Number and percentage of Young Carers with an improvement in assessed need/distance travelled (using appropriate tools). | >70% with measured improvement | Quarterly"),
                   ("002 outcomes matrix", "% of families showing progress towards agreed goals | 90%"),
                   ("002 App 2 §1.9 / App 3 §2.9", "Of the 70 families, 50% will be expected to have achieved sustainable change within the year against those Families First outcomes identified in their support plan."))),
    KpiDefinition("share_improved_all_areas", "share improved in all areas of the tools used for them (fraction)", "share", "fraction",
                  _ALL_AREAS_RULE, "cases with a follow-up in every area of their tools, whose last follow-up falls in the window", "last follow-up day", "higher",
                  (("003 §6 KPI 27", "Percentage of Young Carers with improved distance travelled across all areas (using appropriate outcome tool e.g. PANOC, MACA, Outcome Star) | >70% with measured improvement | End of Year"),)),
    KpiDefinition("share_improved_all_areas_child", "share of children improved in all areas of their self-assessment (fraction)", "share", "fraction",
                  _ALL_AREAS_RULE + " (child-respondent tools only)", "cases with a child self-assessment follow-up in every area, last follow-up in the window", "last follow-up day", "higher",
                  (_IMPROVE_000_CYP,)),
    KpiDefinition("share_improved_all_areas_family", "share of families improved in all areas of their family self-assessment (fraction)", "share", "fraction",
                  _ALL_AREAS_RULE + " (family-respondent tools only)", "cases with a family self-assessment follow-up in every area, last follow-up in the window", "last follow-up day", "higher",
                  (_IMPROVE_000_FAM,)),
    KpiDefinition("coverage_within_window", "share of mandated contacts done within their window (fraction)", "share", "fraction",
                  "mandated contacts done by the last day of their due window", "mandated contacts whose due window closes in the window", "last day of the due window", "higher",
                  (("001 [Transforming mandated touchpoints]", "All of the checks below demand universal coverage: i.e. that 100% of children, young people and families have engagement at this point."),),
                  basis="contacts"),
    KpiDefinition("contacts_due", "mandated contacts falling due (count)", "count", "contacts", "mandated contacts whose window closes", "", "last day of the due window", None, basis="contacts"),
    KpiDefinition("contacts_done_in_window", "mandated contacts done in their window (count)", "count", "contacts", "mandated contacts done in time", "", "last day of the due window", "higher", basis="contacts"),
    KpiDefinition("universal_hours", "practitioner hours on mandated contacts (hours)", "sum", "hours", "practitioner hours on contacts done", "", "day done", None, basis="contacts"),
    # quantities of the simulation (capacity, waiting list, care): no extract holds them as such
    KpiDefinition("rejected", "referrals not accepted (count)", "count", "referrals", "referrals not accepted", "", "referral day", None),
    KpiDefinition("reneged", "families leaving the waiting list (count)", "count", "families", "families who gave up waiting", "", "day they left", "lower"),
    KpiDefinition("returned_unallocated", "referrals returned unallocated (count)", "count", "referrals", "referrals returned with no capacity (no waiting list, 002 §4.9)", "", "day returned", "lower"),
    KpiDefinition("disengagements", "families disengaging during support (count)", "count", "families", "exits by disengagement", "", "end day", "lower"),
    KpiDefinition("care_entries_during_support", "care entries ending support (count)", "count", "children", "exits by care entry", "", "end day", "lower"),
    KpiDefinition("p90_wait_to_start_working_days", "90th percentile wait to start (working days)", "quantile", "working days", "90th percentile of waits", "families starting in the window", "start day", "lower",
                  basis="simulation", note="computed for quarters and contract years only"),
    KpiDefinition("waiting_list_at_end", "families waiting at the window's end (count)", "count", "families", "accepted families waiting on the window's last day", "", "window end", "lower", basis="simulation"),
    KpiDefinition("utilisation", "open cases over caseload capacity (fraction)", "share", "fraction", "open-case days", "caseload slot days", "each day", None, basis="simulation"),
    KpiDefinition("caseload_per_fte", "open cases per FTE (cases)", "mean", "cases per FTE", "open-case days", "FTE days", "each day", None, basis="simulation"),
    KpiDefinition("care_entries", "care entries during and after support (count)", "count", "children", "care spells starting", "", "spell start", "lower", basis="simulation"),
    KpiDefinition("share_out_of_care", "share of children not in care at the window's end (fraction)", "share", "fraction",
                  "tracked children not in care on the window's last day", "children tracked by then", "window end", "higher",
                  (("004 §9.2", "children remaining out of care (the bond's outcome)"),), basis="simulation"),
)

REGISTRY: dict[str, KpiDefinition] = {d.name: d for d in DEFINITIONS}
"""Every KPI by name."""


def get_kpi(name: str) -> KpiDefinition:
    """The definition called ``name`` (``KeyError`` naming the known ones otherwise)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown KPI {name!r}; known KPIs: {', '.join(sorted(REGISTRY))}") from None


def registry_table():
    """The registry as one tidy table, one row per KPI (for reports and ``cusp``).

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi``, ``label``, ``kind``, ``units``, ``numerator``, ``denominator``,
        ``attributed``, ``better``, ``basis``, ``sources`` (``section: "sentence"``, joined by
        `` / ``), ``note``.
    """
    import pandas as pd

    return pd.DataFrame([
        {"kpi": d.name, "label": d.label, "kind": d.kind, "units": d.units, "numerator": d.numerator,
         "denominator": d.denominator, "attributed": d.attributed, "better": d.better or "", "basis": d.basis,
         "sources": " / ".join(f'{s}: "{q}"' for s, q in d.sources), "note": d.note}
        for d in DEFINITIONS
    ])
