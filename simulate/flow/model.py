"""One replication of a scenario: draw the cases, run the caseload loop, draw the outcomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from ..calendar import WorkingCalendar
from ..scenario import Scenario
from .cases import Cases, draw_cases
from .engine import DONE, QueueResult, run_queue
from .engine_simpy import run_queue_simpy
from .errors import FlowError
from .invariants import check_replication
from .staffing import StaffingPlan, staffing_plan
from .streams import activity_streams
from .timelines import ChildTimelines, draw_timelines
from .universal import run_universal

_BACKENDS = {"heapq": run_queue, "simpy": run_queue_simpy}


@dataclass
class InitialState:
    """Today's snapshot: what a commissioner re-procuring has.

    Attributes
    ----------
    open_cases
        Cases open at the origin: columns ``district`` and ``start_date``, optionally
        ``end_date`` (when omitted, an end is drawn from the duration distribution and, if that
        falls before the origin, within two weeks of it).
    waiting
        The waiting list: columns ``district``, ``referral_date``, optionally ``sub_cohort``
        and ``need_level``.
    """

    open_cases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["district", "start_date"]))
    waiting: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["district", "referral_date"]))


@dataclass
class Replication:
    """Everything one replication produced.

    ``start``/``end``/``status``/``paused_days`` are per case (aligned with ``cases``);
    ``status`` uses :data:`simulate.flow.engine.STATUS_NAMES`. ``pool`` is the caseload pool of
    each case. ``timelines`` holds the engaged children's outcome timelines.
    """

    scenario: Scenario
    replication: int
    seed: int
    calendar: WorkingCalendar
    cases: Cases
    start: np.ndarray
    end: np.ndarray
    status: np.ndarray
    paused_days: np.ndarray
    pool: np.ndarray
    staffing: StaffingPlan
    t_referrals_end: float
    t_end: float
    initial_open: int
    timelines: ChildTimelines | None = None
    universal: object | None = None

    @property
    def origin(self) -> dt.date:
        return self.calendar.origin


@lru_cache(maxsize=16)
def calendar_for(origin: dt.date, end: dt.date) -> WorkingCalendar:
    """A cached working-day calendar for a horizon."""
    return WorkingCalendar(origin, end)


def run_replication(
    scenario: Scenario,
    seed: int,
    replication: int = 0,
    *,
    fte_scale: float = 1.0,
    fte_override: dict[str, float] | float | None = None,
    initial: InitialState | None = None,
    timelines: bool = True,
    check: bool = True,
    backend: Literal["heapq", "simpy"] = "simpy",
) -> Replication:
    """Simulate one replication of a scenario.

    Parameters
    ----------
    scenario
        A validated scenario.
    seed, replication
        The run's seed and this replication's number: the random streams are
        ``SeedSequence(seed).spawn(R)[replication]`` and one child per activity.
    fte_scale, fte_override
        Change the workforce (``cusp capacity plan``); see :func:`.staffing.staffing_plan`.
    initial
        Open cases and waiting list at the origin; the run starts empty when omitted.
    timelines
        Also draw care spells and scores per engaged child.
    check
        Assert conservation, Little's law, capacity and causality (:mod:`.invariants`).
    backend
        Event loop for the caseload queue: ``"simpy"`` (the default:
        :func:`.engine_simpy.run_queue_simpy`, callbacks on a ``simpy.Environment``) or ``"heapq"``
        (:func:`.engine.run_queue`, a bare heap loop about 1.2-1.9× faster); both give the same
        sample path (tested).

    Returns
    -------
    Replication
    """
    if backend not in _BACKENDS:
        raise FlowError(f"backend: unknown event loop {backend!r} (one of: {', '.join(_BACKENDS)})")
    h = scenario.horizon
    cal = calendar_for(h.start_date, h.contract_end)
    t_ref_end = float(cal.day_of(h.referral_end))
    t_end = float(cal.day_of(h.contract_end))
    streams = activity_streams(seed, replication)
    plan = staffing_plan(scenario, cal, fte_scale, fte_override)

    universal = None
    if scenario.referrals is None:
        if scenario.universal is not None:
            universal = run_universal(scenario, cal, plan, streams["universal"], t_ref_end, t_end)
        empty = draw_empty_cases(scenario)
        return Replication(scenario, replication, seed, cal, empty, np.empty(0), np.empty(0), np.empty(0, np.int8), np.empty(0), np.empty(0, np.int64), plan, t_ref_end, t_end, 0, None, universal)

    snapshot = initial.waiting if initial is not None else None
    cases = draw_cases(scenario, cal, streams, t_ref_end, snapshot)
    n = len(cases)
    pool = np.zeros(n, dtype=np.int64) if scenario.workforce.pooled else cases.district
    triage = scenario.triage
    if triage.policy == "priority":
        if triage.priority_ageing_weeks:
            rank = cases.ready - triage.priority_ageing_weeks * 7.0 * cases.need
        else:
            rank = -cases.need.astype(float)
    else:
        rank = np.zeros(n)

    initial_end = None
    n_open = 0
    if initial is not None and len(initial.open_cases):
        oc = initial.open_cases
        n_open = len(oc)
        starts = np.array([cal.day_of(pd.Timestamp(d).date()) for d in oc["start_date"]], dtype=float)
        if "end_date" in oc:
            ends = np.array([cal.day_of(pd.Timestamp(d).date()) for d in oc["end_date"]], dtype=float)
        else:
            rng = streams["initial"]
            ends = starts + scenario.intervention.duration_weeks.sample(rng, n_open) * 7.0
            ends = np.where(ends <= 0, rng.uniform(0, 14, n_open), ends)
        pools = np.zeros(n_open, dtype=np.int64) if scenario.workforce.pooled else np.array([scenario.district_names.index(d) for d in oc["district"]])
        initial_end = [ends[pools == p] for p in range(len(plan.pools))]

    idx = np.flatnonzero(cases.accepted)
    idx = idx[np.argsort(cases.ready[idx], kind="stable")]
    q: QueueResult = _BACKENDS[backend](
        cases.ready[idx],
        cases.support_days[idx],
        pool=pool[idx],
        rank=rank[idx],
        renege_at=cases.renege_at[idx],
        capacity=plan.slots0,
        capacity_times=plan.times,
        capacity_values=plan.slots,
        policy="no_waiting_list" if triage.policy == "no_waiting_list" else "queue",
        reduction=scenario.workforce.reduction_rule,
        initial_end=initial_end,
        t_end=t_end,
    )
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    status = np.full(n, -1, dtype=np.int8)  # -1: not accepted
    paused = np.zeros(n)
    start[idx], end[idx], status[idx], paused[idx] = q.start, q.end, q.status, q.paused_days
    if scenario.universal is not None:
        # targeted cases use practitioners' time first; universal contacts get what is left
        days = np.arange(int(np.ceil(t_end)) + 1, dtype=float)
        s_sorted = np.sort(start[np.isfinite(start)])
        e_sorted = np.sort(np.where(np.isfinite(end[np.isfinite(start)]), end[np.isfinite(start)], np.inf))
        open_per_day = np.searchsorted(s_sorted, days, side="right") - np.searchsorted(e_sorted, days, side="right")
        universal = run_universal(scenario, cal, plan, streams["universal"], t_ref_end, t_end, open_per_day)
    rep = Replication(scenario, replication, seed, cal, cases, start, end, status, paused, pool, plan, t_ref_end, t_end, n_open, None, universal)
    if check and n_open == 0:
        check_replication(cases.referral, cases.accepted, cases.ready, start, end, status, pool,
                          [_slots_fn(plan, p) for p in range(len(plan.pools))], t_end, q.reallocations > 0)
    if timelines:
        rep.timelines = draw_timelines(scenario, cases, start, np.where(status == DONE, end, np.nan), t_end, h.start_date, streams["care"], streams["scores"], streams["areas"])
    return rep


def draw_empty_cases(scenario: Scenario) -> Cases:
    """A case table with no rows (universal services have no referrals)."""
    e = np.empty(0)
    i = np.empty(0, dtype=np.int64)
    b = np.empty(0, dtype=bool)
    return Cases(e, i, i, i, i, b, e, e, e, e, e, b, e, np.empty(0, np.int8), e, e, b, scenario.district_names, [s.name for s in scenario.sub_cohorts], [])


def _slots_fn(plan: StaffingPlan, p: int):
    times = np.asarray(plan.times[p], dtype=float)
    values = np.asarray([plan.slots0[p], *plan.slots[p]], dtype=float)
    return lambda days: values[np.searchsorted(times, days, side="right")]
