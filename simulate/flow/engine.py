"""The event loop of the flow simulation: caseload slots, a waiting list, reneging, staffing changes.

Two backends. The issue asks for the simulation on SimPy's event loop, with callbacks instead
of a process per case where faster. Everything that does not depend on capacity (arrival times,
screening, contact and assessment dates, durations, disengagement, care entry during support,
outcomes) is drawn vectorised before the loop (:mod:`.cases`), so the only events left are *a
case becomes ready to start*, *a case's support ends* and *a staffing change*.
:func:`run_queue` (the default, ``backend="heapq"``) runs them in a plain ``heapq`` loop with
integer event kinds and callbacks-by-branch, no object per case;
:func:`.engine_simpy.run_queue_simpy` (``backend="simpy"``) runs the same logic on a
``simpy.Environment``, one callback event per arrival, departure and staffing change. Both use
:class:`_Core` (inputs, waiting lists, allocation, staffing changes, final statuses) and give
identical results; speeds are measured in ``benchmarks/des_throughput.py``.

Time is in days (floats) from the simulation origin. Each case is an index into arrays.

Semantics
---------
* **Pools**: one pool per district (``workforce.fte_by_district``) or a single pooled team.
  A pool's capacity is a number of caseload slots (FTE × availability × cap per FTE, floored)
  that changes at the times of ``capacity_times``/``capacity_values``.
* **Ready**: a case joins its pool's waiting list at ``ready[i]`` (referral + contact +
  assessment, already converted from working days). Cases must be sorted by ``ready``.
* **Allocation**: if a slot is free the case starts at once; otherwise it waits. The list
  serves the lowest ``rank`` first, first come first served within a rank.
* **Reneging** (disengagement while waiting): a case still waiting at ``renege_at[i]`` leaves
  at that time. Reneging is resolved lazily — a waiting case whose time has passed is skipped
  when it reaches the head of the list. This is exact for a work-conserving list (a case is
  only ever waiting while every slot is taken) and costs no event per case.
* **No waiting list** (``policy="no_waiting_list"``): a case that finds no free slot is
  returned to the central team at once (status ``RETURNED``).
* **A staffing cut** below the number of open cases follows ``reduction``:
  ``"finish_with_worker"`` — open cases run to their end and no case is allocated until the
  caseload falls below the new capacity; ``"reallocate"`` — the cases with the most support
  still to run are paused and put at the head of the waiting list (ahead of every new case,
  in order of pausing), resuming with their remaining time when a slot frees.
* **Initial state**: ``initial_end`` gives cases already open at day 0 (they hold a slot
  until that day); cases with ``ready <= 0`` are the waiting list snapshot, queued by rank at
  day 0 before any allocation.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

import numpy as np

from .waiting_list import WaitingList

# case status codes at the end of the run
PENDING, WAITING, IN_SERVICE, DONE, RENEGED, RETURNED = 0, 1, 2, 3, 4, 5
STATUS_NAMES = ("pending", "waiting", "in_service", "done", "reneged", "returned")


@dataclass
class QueueResult:
    """What the loop decided for each case (arrays aligned with the inputs).

    Attributes
    ----------
    start : float array
        Day support started (NaN if it never did).
    end : float array
        Day the case left: support ended, reneged, or returned (NaN if still in the system).
    status : int8 array
        One of ``PENDING, WAITING, IN_SERVICE, DONE, RENEGED, RETURNED``.
    paused_days : float array
        Days a case spent paused after a ``reallocate`` cut (0 otherwise; a case still paused
        at ``t_end`` counts its pause up to ``t_end``).
    reallocations : int
        Cases paused by ``reallocate`` cuts during the run.
    """

    start: np.ndarray
    end: np.ndarray
    status: np.ndarray
    paused_days: np.ndarray
    t_end: float
    reallocations: int = 0


class _Core:
    """Inputs as Python lists and the queue state both engines share (one replication).

    The heapq loop (:func:`run_queue`) and the SimPy backend (:mod:`.engine_simpy`) differ only in
    how events are scheduled; allocation from the waiting list (``fill``), staffing changes
    (``set_capacity``), the day-0 snapshot and the final statuses live here.
    """

    def __init__(self, ready, service, pool, rank, renege_at, capacity, policy, reduction) -> None:
        n = self.n = len(ready)
        self.ready = np.asarray(ready, dtype=float).tolist()
        self.service = np.asarray(service, dtype=float).tolist()
        self.pool = [0] * n if pool is None else np.asarray(pool, dtype=np.int64).tolist()
        self.rank = [0.0] * n if rank is None else np.asarray(rank, dtype=float).tolist()
        inf = float("inf")
        self.renege = [inf] * n if renege_at is None else np.asarray(renege_at, dtype=float).tolist()
        n_pools = (max(self.pool) + 1 if n else 1) if pool is not None else 1
        if np.ndim(capacity) == 0:
            self.cap = [float(capacity)] * n_pools
        else:
            self.cap = [float(c) for c in capacity]
            n_pools = max(n_pools, len(self.cap))
        self.n_pools = n_pools
        self.busy = [0] * n_pools
        # a few discrete need levels: O(1) FIFO buckets; continuous ranks (priority ageing): a heap
        layout = "buckets" if rank is None or np.unique(np.asarray(rank)).size <= 8 else "heap"
        self.lists = [WaitingList(layout) for _ in range(n_pools)]
        self.waiting = [wl.live for wl in self.lists]  # truthy while a pool has anyone waiting
        self.start = [float("nan")] * n
        self.end = [float("nan")] * n
        self.status = [PENDING] * n
        self.paused_days = [0.0] * n
        self.token = [0] * n
        self.no_list = policy == "no_waiting_list"
        self.realloc = reduction == "reallocate"
        # reallocation bookkeeping: open case -> departure day, per pool; paused case -> (pause day, remaining)
        self.open_cases: list[dict[int, float]] = [dict() for _ in range(n_pools)]
        self.paused: dict[int, tuple[float, float]] = {}
        self.reallocations = 0
        self.fill = self.set_capacity = None

    def bind(self, schedule) -> None:
        """Build ``fill(p, now)`` and ``set_capacity(p, value, now)`` around an engine's scheduler.

        ``schedule(day, delay, case, token)`` must make ``case`` depart at ``day`` (= now + delay).
        """
        lists, busy, cap, paused, paused_days = self.lists, self.busy, self.cap, self.paused, self.paused_days
        renege, status, end, start, service, token = self.renege, self.status, self.end, self.start, self.service, self.token
        realloc, open_cases = self.realloc, self.open_cases

        def fill(p: int, now: float) -> None:
            wl = lists[p]
            live = wl.live
            while live and busy[p] < cap[p]:
                j = wl.pop()
                if j in paused:
                    paused_at, delay = paused.pop(j)
                    paused_days[j] += now - paused_at
                elif renege[j] <= now:
                    status[j] = RENEGED
                    end[j] = renege[j]
                    continue
                else:
                    start[j] = now
                    delay = service[j]
                dep = now + delay
                busy[p] += 1
                status[j] = IN_SERVICE
                schedule(dep, delay, j, token[j])
                if realloc:
                    open_cases[p][j] = dep

        def set_capacity(p: int, value: float, now: float) -> None:
            old = cap[p]
            cap[p] = value
            if value > old:
                fill(p, now)
            elif realloc and busy[p] > value:
                excess = int(busy[p] - value)
                # pause the cases with the most support still to run (initially open cases are not moved)
                movable = sorted(open_cases[p].items(), key=lambda kv: -kv[1])[:excess]
                self.reallocations += len(movable)
                for j, dep in movable:
                    del open_cases[p][j]
                    token[j] += 1
                    busy[p] -= 1
                    status[j] = WAITING
                    paused[j] = (now, dep - now)
                    lists[p].push(j, -float("inf"))

        self.fill, self.set_capacity = fill, set_capacity

    def staffing_changes(self, capacity_times, capacity_values):
        """``(day, pool, slots)`` of every scheduled staffing change, in input order."""
        if capacity_times is None:
            return []
        return [(float(t), p, float(v)) for p, (times, values) in enumerate(zip(capacity_times, capacity_values)) for t, v in zip(times, values)]

    def open_initial(self, initial_end) -> list[tuple[float, int]]:
        """Occupy a slot for each case open at day 0; returns ``(end day, pool)`` in input order."""
        out = []
        if initial_end is not None:
            for p, ends in enumerate(initial_end):
                for t in np.asarray(ends, dtype=float).tolist():
                    self.busy[p] += 1
                    out.append((t, p))
        return out

    def queue_snapshot(self) -> int:
        """Queue every case ready at or before day 0, allocate at day 0; returns the first later case."""
        i, n, ready = 0, self.n, self.ready
        while i < n and ready[i] <= 0.0:
            self.status[i] = WAITING
            self.lists[self.pool[i]].push(i, self.rank[i])
            i += 1
        for p in range(self.n_pools):
            self.fill(p, 0.0)
        return i

    def result(self, t_end: float) -> QueueResult:
        """Final statuses: lazily reneged cases still listed at the end left at their renege day."""
        result_status = np.asarray(self.status, dtype=np.int8)
        end_arr = np.asarray(self.end, dtype=float)
        renege_arr = np.asarray(self.renege, dtype=float)
        late = (result_status == WAITING) & (renege_arr <= t_end)
        paused_days = self.paused_days
        if self.paused:
            late[list(self.paused)] = False
            if np.isfinite(t_end):
                for j, (paused_at, _) in self.paused.items():
                    paused_days[j] += t_end - paused_at
        result_status[late] = RENEGED
        end_arr[late] = renege_arr[late]
        return QueueResult(
            start=np.asarray(self.start, dtype=float),
            end=end_arr,
            status=result_status,
            paused_days=np.asarray(paused_days, dtype=float),
            t_end=float(t_end),
            reallocations=self.reallocations,
        )


def no_wait_path(ready, service, pool, capacity, capacity_times, capacity_values, reduction, initial_end, t_end) -> QueueResult | None:
    """The queue's result, vectorised, when no case ever finds its pool full; else None.

    If at every arrival the cases still in support in its pool (counting a departure at the
    same instant as still there, as the loop does: arrivals first) are fewer than the pool's
    places, every case starts on arrival and the event loop would decide nothing: start =
    ready, end = ready + service. Checked in O(n log n) per pool. Not used with today's
    snapshot (cases ready at or before day 0, or open at day 0), and under ``reallocate`` only
    if no cut ever leaves a pool with more open cases than places.
    """
    ready = np.asarray(ready, dtype=float)
    service = np.asarray(service, dtype=float)
    n = ready.size
    if n == 0 or ready[0] <= 0.0 or np.any(service <= 0):
        return None
    if initial_end is not None and any(len(e) for e in initial_end):
        return None
    pool_arr = np.zeros(n, dtype=np.int64) if pool is None else np.asarray(pool, dtype=np.int64)
    n_pools = int(pool_arr.max()) + 1
    caps = [float(capacity)] * n_pools if np.ndim(capacity) == 0 else [float(c) for c in capacity]
    if len(caps) < n_pools:
        return None
    live = np.isfinite(ready) & (ready <= t_end)
    depart = ready + service
    for p in range(n_pools):
        m = (pool_arr == p) & live
        r = ready[m]
        if r.size == 0:
            continue
        ends = np.sort(depart[m])
        in_service = np.arange(r.size) - np.searchsorted(ends, r, side="left")
        times = np.asarray(capacity_times[p] if capacity_times else [], dtype=float)
        values = np.asarray([caps[p], *(capacity_values[p] if capacity_values else [])], dtype=float)
        if np.any(in_service >= values[np.searchsorted(times, r, side="left")]):
            return None
        if reduction == "reallocate" and times.size:
            # open cases at each cut (arrivals at that instant in, departures at it not yet out)
            busy = np.searchsorted(r, times, side="right") - np.searchsorted(ends, times, side="left")
            if np.any(busy > values[1:]):
                return None
    start = np.where(live, ready, np.nan)
    done = live & (depart <= t_end)
    end = np.where(done, depart, np.nan)
    status = np.where(done, DONE, np.where(live, IN_SERVICE, PENDING)).astype(np.int8)
    return QueueResult(start=start, end=end, status=status, paused_days=np.zeros(n), t_end=float(t_end))


def run_queue(
    ready: np.ndarray,
    service: np.ndarray,
    *,
    pool: np.ndarray | None = None,
    rank: np.ndarray | None = None,
    renege_at: np.ndarray | None = None,
    capacity_times: list[list[float]] | None = None,
    capacity_values: list[list[float]] | None = None,
    capacity: float | list[float] = np.inf,
    policy: str = "queue",
    reduction: str = "finish_with_worker",
    initial_end: list[np.ndarray] | None = None,
    t_end: float = np.inf,
    vectorised: bool = True,
) -> QueueResult:
    """Run the caseload queue for one replication.

    Parameters
    ----------
    ready
        Day each case is ready to start (sorted ascending), length n.
    service
        Days of support each case receives once started (already including caps,
        extensions, disengagement and care entry), length n.
    pool
        Pool (district) index of each case; all 0 when omitted.
    rank
        Waiting-list priority (lower first); all 0 (first come first served) when omitted.
    renege_at
        Day a waiting case gives up; ``inf`` (never) when omitted.
    capacity
        Slots per pool at day 0 (a number, or one per pool); ``inf`` for unlimited.
    capacity_times, capacity_values
        Per pool, the days of later staffing changes and the new slot counts.
    policy
        ``"queue"`` (a waiting list) or ``"no_waiting_list"``.
    reduction
        ``"finish_with_worker"`` or ``"reallocate"`` (see the module docstring).
    initial_end
        Per pool, end days of the cases open at day 0.
    t_end
        Stop at this day; cases not finished are left ``WAITING``/``IN_SERVICE``/``PENDING``.
    vectorised
        Skip the event loop when no case ever finds its pool full (:func:`no_wait_path`;
        same result).

    Returns
    -------
    QueueResult
    """
    if vectorised:
        fast = no_wait_path(ready, service, pool, capacity, capacity_times, capacity_values, reduction, initial_end, t_end)
        if fast is not None:
            return fast
    core = _Core(ready, service, pool, rank, renege_at, capacity, policy, reduction)
    n, ready_l, service_l, pool_l, rank_l = core.n, core.ready, core.service, core.pool, core.rank
    busy, cap, lists, waiting, start, end, status, token = core.busy, core.cap, core.lists, core.waiting, core.start, core.end, core.status, core.token
    no_list, realloc, open_cases = core.no_list, core.realloc, core.open_cases
    inf = float("inf")

    events: list[tuple] = []  # (day, seq, kind, a, b): kind 0 departure(case, token), 1 capacity(pool, value), 2 initial departure(pool)
    seq = itertools.count()
    push = heapq.heappush
    pop = heapq.heappop
    for t, p, v in core.staffing_changes(capacity_times, capacity_values):
        push(events, (t, next(seq), 1, p, v))
    for t, p in core.open_initial(initial_end):
        push(events, (t, next(seq), 2, p, 0))

    def schedule(dep: float, delay: float, j: int, tok: int) -> None:
        push(events, (dep, next(seq), 0, j, tok))

    core.bind(schedule)
    fill, set_capacity = core.fill, core.set_capacity
    # the waiting-list snapshot: every case ready at or before day 0 is queued, then allocated
    i = core.queue_snapshot()

    while True:
        ta = ready_l[i] if i < n else inf
        te = events[0][0] if events else inf
        if ta <= te:
            if ta > t_end or ta == inf:
                break
            p = pool_l[i]
            if busy[p] < cap[p]:
                start[i] = ta
                busy[p] += 1
                status[i] = IN_SERVICE
                dep = ta + service_l[i]
                push(events, (dep, next(seq), 0, i, 0))
                if realloc:
                    open_cases[p][i] = dep
            elif no_list:
                status[i] = RETURNED
                end[i] = ta
            else:
                status[i] = WAITING
                lists[p].push(i, rank_l[i])
            i += 1
            continue
        if te > t_end:
            break
        now, _, kind, a, b = pop(events)
        if kind == 0:
            if b != token[a]:
                continue  # stale: the case was paused by a reallocation
            p = pool_l[a]
            busy[p] -= 1
            status[a] = DONE
            end[a] = now
            if realloc:
                del open_cases[p][a]
            if waiting[p]:
                fill(p, now)
        elif kind == 2:
            busy[a] -= 1
            if waiting[a]:
                fill(a, now)
        else:
            set_capacity(a, b, now)
    return core.result(t_end)
