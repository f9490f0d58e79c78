"""The staff-limited intake stages of a scenario: first contact and assessment.

When ``triage.contact_hours`` (or ``assessment_hours``) is set, first contact (assessment) is
a stage of :mod:`.stages`: the referral first waits its fixed delay (``*_delay_working_days``,
Poisson working days: the time to reach the family, which no staffing shortens), then queues
first come first served for the intake team, and the contact (assessment) is done when a
worker has spent its hours on it.

Intake time per pool (pooled team, or each district's team) is
``FTE × (1 − vacancy) × (1 − leave) × workforce.intake_share``, split between the contact and
assessment stages in proportion to the hours each needs per referral (so both stages run at
the same utilisation); it follows the staffing schedule. A worker's hours
(``hours_per_fte_per_week``) are spread over the seven days of the week: one FTE does
``hours_per_fte_per_week / 7`` hours of work per calendar day.

Without hours, a stage is the fixed delay alone — the model before stages, draw for draw.
"""

from __future__ import annotations

import numpy as np

from ..calendar import WorkingCalendar
from ..scenario import Scenario
from .cases import Cases
from .staffing import StaffingPlan
from .stages import run_fifo_stage

STAGES = ("contact", "assessment")


def stage_fte(scenario: Scenario, fte: float, stage: str) -> float:
    """Effective FTE of intake time on one stage for a pool's (scheduled) FTE."""
    wf, tr = scenario.workforce, scenario.triage
    hours = {"contact": tr.contact_hours or 0.0, "assessment": tr.assessment_hours or 0.0}
    total = hours["contact"] + hours["assessment"]
    if total <= 0 or hours[stage] <= 0:
        return 0.0
    return fte * (1 - wf.vacancy_rate) * (1 - wf.leave_share) * (wf.intake_share or 0.0) * hours[stage] / total


def staged(scenario: Scenario) -> bool:
    """Whether contact or assessment takes staff time in this scenario."""
    tr = scenario.triage
    return tr.contact_hours is not None or tr.assessment_hours is not None


def run_intake(scenario: Scenario, calendar: WorkingCalendar, cases: Cases, plan: StaffingPlan, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contact and assessment days of every case after the intake stages.

    Parameters
    ----------
    cases
        The replication's cases; ``contact_delay``/``assessment_delay`` hold the fixed delays
        (working days) already drawn. Snapshot (already waiting) and rejected cases skip the
        stages and keep ``cases.contact``/``cases.assessment``.
    pool
        Pool (team) of each case.

    Returns
    -------
    (contact, assessment)
        Float days, one per case.
    """
    tr = scenario.triage
    day_work = scenario.workforce.hours_per_fte_per_week / 7.0  # hours one FTE works per calendar day
    contact = cases.contact.copy()
    assessment = cases.assessment.copy()
    go = cases.accepted & ~cases.snapshot
    if tr.contact_hours is not None:
        arrive = np.where(go, _after(calendar, cases.referral, cases.contact_delay), np.nan)
        contact = np.where(go, _serve(scenario, plan, pool, arrive, tr.contact_hours / day_work, "contact"), contact)
        assessment = np.where(go, _after(calendar, contact, cases.assessment_delay), assessment)
    if tr.assessment_hours is not None:
        arrive = np.where(go, _after(calendar, contact, cases.assessment_delay), np.nan)
        assessment = np.where(go, _serve(scenario, plan, pool, arrive, tr.assessment_hours / day_work, "assessment"), assessment)
    return contact, assessment


def _after(calendar: WorkingCalendar, t: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``calendar.add_working_days`` that passes non-finite days (never contacted) through as NaN."""
    ok = np.isfinite(t) & (t < calendar.n_days)
    return np.where(ok, calendar.add_working_days(np.where(ok, t, 0.0), n), np.nan)


def _serve(scenario: Scenario, plan: StaffingPlan, pool: np.ndarray, arrive: np.ndarray, work_days: float, stage: str) -> np.ndarray:
    out = np.full(arrive.size, np.nan)
    for p in range(len(plan.pools)):
        m = np.flatnonzero((pool == p) & np.isfinite(arrive))
        if m.size == 0:
            continue
        res = run_fifo_stage(arrive[m], np.full(m.size, work_days), stage_fte(scenario, plan.fte0[p], stage),
                             plan.times[p], [stage_fte(scenario, f, stage) for f in plan.fte[p]])
        out[m] = res.depart
    return out
