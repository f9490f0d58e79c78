"""The summary of the capacity planning report: what a commissioner's board reads first.

``notebooks/capacity_planning.ipynb`` runs the flow simulation and the staffing plan
(:mod:`simulate.flow`) and hands their results here; :func:`summary_points` turns them into the
sentences of :func:`cusp.presentation.summary`: the KPI targets likely to be missed first, then the
ones met, the mean wait with its interval, and the smallest workforce meeting the planning target.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import presentation as pr

__all__ = ["target_words", "summary_points"]


def target_words(targets: pd.DataFrame) -> dict[str, str]:
    """Each KPI target's threshold in words ("at least 90.0%", "under 20 working days"), by target name.

    ``targets`` is :meth:`simulate.flow.runner.Replications.target_probabilities`' table.
    """
    every = targets[targets["label"] == "every"]
    return {r.target: pr.target_text(r.comparison, r.threshold, pr.metric_kind(r.metric)) for r in every.itertuples()}


def summary_points(sc: Any, targets: pd.DataFrame, cases: pd.DataFrame, plan: Any, confidence: float,
                   reps: int, seed: int) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Sentences for the summary block: ``(points, missed, figures)``.

    Parameters
    ----------
    sc
        The scenario.
    targets
        Probabilities of each KPI target being met (``label == "every"``: in every period).
    cases
        One row per family and replication, with ``wait_to_start_working_days`` (working days).
    plan
        :func:`simulate.flow.plan.plan_fte`'s result (``answer`` in FTE, ``interval``, ``reason``).
    confidence
        The probability of meeting a target the commissioner asks for (0-1).
    """
    every = targets[targets["label"] == "every"]
    wanted = target_words(targets)
    missed = [f"{pr.label(r.target)} ({wanted[r.target]}): met in every period in only {pr.pct(r.probability)} of futures, "
              f"below the {pr.pct(confidence)} asked for." for r in every.itertuples() if r.probability < confidence]
    points = [f"{pr.label(r.target)} ({wanted[r.target]}): met in every period in {pr.pct(r.probability)} of futures."
              for r in every.itertuples() if r.probability >= confidence]
    started = cases[cases["start_day"].notna()]
    mean, low, high = pr.mean_interval(started.groupby("replication")["wait_to_start_working_days"].mean())
    t = sc.triage
    target_wd = t.start_target_working_days or (t.start_target_weeks * 5 if t.start_target_weeks else None)
    low = max(0.0, low) if low == low else low  # a wait is never negative: the t interval is clipped at 0
    points.append(f"Families wait on average {pr.interval(mean, low, high)} working days from referral to the start of support"
                  + (f"; the target is {target_wd:g} working days." if target_wd else "."))
    wf = sc.workforce
    goal = pr.label(plan.target, capital=False)
    if plan.answer is None:
        reason = pr.words(plan.reason)
        points.append(reason[:1].upper() + reason[1:])
    else:
        points.append(f"The smallest workforce meeting {goal} with probability {pr.pct(confidence)} is {plan.answer:.1f} FTE "
                      f"(95% interval {plan.interval[0]:.1f} to {plan.interval[1]:.1f}; about "
                      f"{pr.gbp(plan.answer * wf.cost_per_fte_gbp_per_year)} a year), against {wf.total_fte:g} FTE in the scenario.")
    figures = [("Service", f"{sc.service.name} ({sc.service.local_authority})"),
               ("Workforce", f"{wf.total_fte:g} FTE, caseload cap {wf.caseload_cap_per_fte:g} per FTE, "
                             f"vacancies {pr.pct(wf.vacancy_rate)}, leave {pr.pct(wf.leave_share)}"),
               ("Futures simulated", f"{reps} replications (seed {seed}); modelled figures from the scenario's assumptions, not records of children")]
    return points, missed, figures
