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
from .intake import run_intake, staged
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
        ``end_date`` (where omitted or blank, an end is drawn from the duration distribution
        and, if that falls before the origin, within two weeks of it).
    waiting
        The waiting list: columns ``district``, ``referral_date``, optionally ``sub_cohort``
        and ``need_level``. These families are already contacted and assessed; their wait is
        counted from ``referral_date``.
    patience_from
        How long a family already waiting today will go on waiting. ``"snapshot"`` (the
        default): a fresh patience drawn from today — exponential patience is memoryless, so a
        family still on the list today has the same remaining patience as a new one, whatever
        it has waited. ``"referral"``: patience counted from the referral date; a family whose
        patience has already run out leaves the list at day 0 (a stale list being cleaned).
    """

    open_cases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["district", "start_date"]))
    waiting: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["district", "referral_date"]))
    patience_from: Literal["snapshot", "referral"] = "snapshot"


# worker-time activities, the columns of Replication.hours, and whether each is direct work
HOUR_ACTIVITIES: tuple[str, ...] = ("contact", "assessment", "support_direct", "support_indirect", "review")
HOUR_DIRECT: tuple[bool, ...] = (True, True, True, False, True)


@dataclass
class Replication:
    """Everything one replication produced.

    Per-case arrays, length ``n = len(cases)``, aligned with ``cases`` (index = case id, in
    referral order; snapshot cases first). Days are float days since ``origin``; NaN means
    "did not happen (by the end of the run)".

    ================================  =============  ===================================================
    ``contact_day``                   float (n)      first contact (NaN: rejected at screening; for a
                                                     snapshot case, its referral day)
    ``assessment_day``                float (n)      assessment done (NaN: rejected; snapshot: referral)
    ``start`` (= ``start_day``)       float (n)      support started (NaN: never)
    ``end``                           float (n)      left the service: support ended, reneged or
                                                     returned unallocated (see ``status``)
    ``support_end_day``               float (n)      support ended (``end`` where ``status`` is done)
    ``status``                        int8 (n)       :data:`.engine.STATUS_NAMES` code; -1 rejected
    ``paused_days``                   float (n)      days paused after a ``reallocate`` cut
    ``pool``                          int64 (n)      caseload pool (team) of each case
    ``review_offsets``                int64 (n + 1)  CSR offsets: case ``i``'s plan reviews are
                                                     ``review_day[review_offsets[i]:review_offsets[i+1]]``
    ``review_day``                    float (m)      plan review days, ascending within each case:
                                                     every ``review_interval_weeks`` of support, before
                                                     support ended (or ``t_end``)
    ``hours``                         float (n, 5)   worker hours spent on each case up to ``t_end`` by
                                                     activity, columns :data:`HOUR_ACTIVITIES`
                                                     (contact, assessment, support_direct,
                                                     support_indirect, review); direct work where
                                                     :data:`HOUR_DIRECT` is True
    ``support_direct_per_week``       float (n)      direct support hours per week of support of
                                                     each case (``support_indirect_per_week``: the
                                                     rest), to spread support hours over periods
    ================================  =============  ===================================================

    Contact and assessment hours count on ``contact_day``/``assessment_day`` (only when the
    stage takes staff time: ``triage.contact_hours``/``assessment_hours``), review hours on
    each review day, support hours at a constant weekly rate over ``[start, end)`` less
    ``paused_days``. ``timelines`` holds the engaged children's outcome timelines.
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
    contact_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    assessment_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    review_offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    review_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    hours: np.ndarray = field(default_factory=lambda: np.empty((0, len(HOUR_ACTIVITIES))))
    support_direct_per_week: np.ndarray = field(default_factory=lambda: np.empty(0))
    support_indirect_per_week: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def origin(self) -> dt.date:
        return self.calendar.origin

    @property
    def start_day(self) -> np.ndarray:
        """Day support started per case (NaN: never); the same array as ``start``."""
        return self.start

    @property
    def support_end_day(self) -> np.ndarray:
        """Day support ended per case (NaN: never started, still open, or left without support)."""
        return np.where(self.status == DONE, self.end, np.nan)


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
    if staged(scenario):
        # contact and assessment take staff time: run the intake stages, then wait for support
        cases.contact, cases.assessment = run_intake(scenario, cal, cases, plan, pool)
        cases.ready = np.where(np.isfinite(cases.assessment), cases.assessment, np.inf)
        cases.renege_at = cases.ready + cases.patience
    if cases.snapshot.any():
        # families on today's list: patience from today (memoryless) or from their referral
        snap = cases.snapshot
        if initial is None or initial.patience_from == "snapshot":
            cases.renege_at[snap] = cases.patience[snap]
        else:
            cases.renege_at[snap] = np.maximum(cases.referral[snap] + cases.patience[snap], 0.0)
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
        # an end is drawn from the duration distribution where the snapshot gives none (a
        # blank cell or no end_date column); one falling before today moves within two weeks of it
        rng = streams["initial"]
        drawn = starts + scenario.intervention.duration_weeks.sample(rng, n_open) * 7.0
        drawn = np.where(drawn <= 0, rng.uniform(0, 14, n_open), drawn)
        if "end_date" in oc:
            given = pd.to_datetime(oc["end_date"])
            ends = np.array([cal.day_of(d.date()) if not pd.isna(d) else np.nan for d in given], dtype=float)
            ends = np.where(np.isnan(ends), drawn, ends)
        else:
            ends = drawn
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
    _work(rep)
    if check:
        opened = None
        if initial_end is not None:
            opened = [np.asarray(e, dtype=float) for e in initial_end]
        check_replication(cases.referral, cases.accepted, cases.ready, start, end, status, pool,
                          [_slots_fn(plan, p) for p in range(len(plan.pools))], t_end, q.reallocations > 0,
                          initial_end=opened)
    if timelines:
        rep.timelines = draw_timelines(scenario, cases, start, np.where(status == DONE, end, np.nan), t_end, h.start_date, streams["care"], streams["scores"], streams["areas"])
    return rep


def _work(rep: Replication) -> None:
    """Fill the contact/assessment days, plan reviews and worker hours of a replication."""
    sc, c = rep.scenario, rep.cases
    iv, tr = sc.intervention, sc.triage
    n = len(c)
    acc = c.accepted
    rep.contact_day = np.where(acc, c.contact, np.nan)
    rep.assessment_day = np.where(acc, c.assessment, np.nan)
    started = np.isfinite(rep.start)
    s0 = np.where(started, rep.start, np.inf)
    s1 = np.where(started, np.where(np.isfinite(rep.end) & (rep.status == DONE), rep.end, rep.t_end), np.inf)
    # plan reviews every k weeks of support, strictly before support ends
    if iv.review_interval_weeks:
        step = iv.review_interval_weeks * 7.0
        with np.errstate(invalid="ignore"):
            length = np.where(started, s1 - s0, 0.0)
        n_rev = np.floor(np.maximum(length, 0) / step).astype(np.int64)
        owner = np.repeat(np.arange(n), n_rev)
        j = np.arange(owner.size) - np.repeat(np.cumsum(n_rev) - n_rev, n_rev) + 1
        rday = s0[owner] + j * step
        keep = rday < s1[owner]
        counts = np.bincount(owner[keep], minlength=n)
        rep.review_day = rday[keep]
        rep.review_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    else:
        counts = np.zeros(n, dtype=np.int64)
        rep.review_offsets = np.zeros(n + 1, dtype=np.int64)
    weekly = iv.support_hours_per_week
    rep.support_direct_per_week = weekly * c.direct_share
    rep.support_indirect_per_week = weekly - rep.support_direct_per_week
    with np.errstate(invalid="ignore"):
        weeks = np.where(started, np.maximum(s1 - s0 - rep.paused_days, 0.0), 0.0) / 7.0
    hours = np.zeros((n, len(HOUR_ACTIVITIES)))
    fresh = acc & ~c.snapshot
    if tr.contact_hours is not None:
        hours[:, 0] = np.where(fresh & (rep.contact_day <= rep.t_end), tr.contact_hours, 0.0)
    if tr.assessment_hours is not None:
        hours[:, 1] = np.where(fresh & (rep.assessment_day <= rep.t_end), tr.assessment_hours, 0.0)
    hours[:, 2] = rep.support_direct_per_week * weeks
    hours[:, 3] = rep.support_indirect_per_week * weeks
    hours[:, 4] = counts * iv.review_hours
    rep.hours = hours


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
