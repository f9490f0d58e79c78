"""The flow simulation's queue on SimPy's event loop: the same logic as :func:`.engine.run_queue`.

One ``simpy.Environment`` per replication and no generator process per case: every arrival,
departure and staffing change is a SimPy event whose callback does the work (the issue's
"callbacks instead of a process per case"). Allocation from the waiting list, reneging, the
no-waiting-list policy, the reduction rules for a cut, the day-0 snapshot and the final
statuses are the shared code of :class:`.engine._Core`, so both backends decide the same thing
for every case; ``tests/simulate/flow/test_engine_simpy.py`` checks that they give identical
start, end and status arrays.

Tie order (same as the heapq loop)
----------------------------------
SimPy processes events by ``(time, priority, insertion order)``. Arrivals are scheduled with
``URGENT`` priority and everything else with ``NORMAL``, so an arrival is handled before a
departure or staffing change at the same instant, exactly as the heapq loop does
(``ta <= te``); departures and staffing changes at one instant keep insertion order in both.
Arrivals are chained (each arrival schedules the next) at their exact day (``schedule_at``).
A finite ``t_end`` is a stop event with a priority after ``NORMAL``: events at ``t_end`` itself are processed, as
in the heapq loop.

Speed: SimPy's event objects and ``step`` cost several times the heapq loop's per-event work
(``benchmarks/des_throughput.py`` prints both); the heapq loop stays the default backend.
"""

from __future__ import annotations

import math
from heapq import heappush

import numpy as np
import simpy
from simpy.core import NORMAL, URGENT
from simpy.events import Event

from .engine import DONE, IN_SERVICE, RETURNED, WAITING, QueueResult, _Core, no_wait_path

# after NORMAL: the stop event at t_end runs once everything else due at t_end has been processed
_LAST = 2


class _Due(Event):
    """An event already triggered, with one callback and a payload (like ``simpy.Timeout``,
    but with a chosen priority; SimPy's own ``Initialize`` is built the same way)."""

    def __init__(self, env: simpy.Environment, callback, a: int = 0, b=0) -> None:
        self.env = env
        self.callbacks = [callback]
        self._ok = True
        self._value = None
        self.a = a
        self.b = b


class _Environment(simpy.Environment):
    """``simpy.Environment`` plus scheduling at an absolute time.

    ``schedule(event, priority, delay)`` puts the event at ``now + delay``, which for a chained
    arrival can miss ``ready[i]`` by an ulp (no float delay hits 0.11 from 0.04); arrivals are
    put at their exact day instead, on the same queue, with the same ``(time, priority, id)`` key.
    """

    def schedule_at(self, event: Event, priority: int, at: float) -> None:
        heappush(self._queue, (at, priority, next(self._eid), event))


def run_queue_simpy(
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
    """Run the caseload queue for one replication on a ``simpy.Environment``.

    Parameters and result are those of :func:`.engine.run_queue` (see its docstring and the
    semantics in :mod:`.engine`); the sample path is identical. With ``vectorised`` (the
    default) a run in which no case ever finds its pool full skips the event loop
    (:func:`.engine.no_wait_path`), as the heapq backend does.

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

    env = _Environment()
    schedule, schedule_at = env.schedule, env.schedule_at

    def on_departure(ev: _Due) -> None:
        a = ev.a
        if ev.b != token[a]:
            return  # stale: the case was paused by a reallocation
        p = pool_l[a]
        busy[p] -= 1
        status[a] = DONE
        end[a] = env.now
        if realloc:
            del open_cases[p][a]
        if waiting[p]:
            fill(p, env.now)

    def on_initial_departure(ev: _Due) -> None:
        p = ev.a
        busy[p] -= 1
        if waiting[p]:
            fill(p, env.now)

    def on_staffing(ev: _Due) -> None:
        set_capacity(ev.a, ev.b, env.now)

    def depart(dep: float, delay: float, j: int, tok: int) -> None:
        schedule(_Due(env, on_departure, j, tok), NORMAL, delay)

    i = 0

    def on_arrival(ev: _Due) -> None:
        nonlocal i
        ta = env.now
        p = pool_l[i]
        if busy[p] < cap[p]:
            start[i] = ta
            busy[p] += 1
            status[i] = IN_SERVICE
            delay = service_l[i]
            schedule(_Due(env, on_departure, i, 0), NORMAL, delay)
            if realloc:
                open_cases[p][i] = ta + delay
        elif no_list:
            status[i] = RETURNED
            end[i] = ta
        else:
            status[i] = WAITING
            lists[p].push(i, rank_l[i])
        i += 1
        if i < n and ready_l[i] < inf:
            schedule_at(_Due(env, on_arrival), URGENT, ready_l[i])

    # same insertion order as the heapq loop: staffing changes, initially open cases, day-0 allocations
    for t, p, v in core.staffing_changes(capacity_times, capacity_values):
        schedule_at(_Due(env, on_staffing, p, v), NORMAL, t)
    for t, p in core.open_initial(initial_end):
        schedule_at(_Due(env, on_initial_departure, p), NORMAL, t)
    core.bind(depart)
    fill, set_capacity = core.fill, core.set_capacity
    i = core.queue_snapshot()
    if i < n and ready_l[i] < inf:
        schedule_at(_Due(env, on_arrival), URGENT, ready_l[i])
    if math.isfinite(t_end):
        stop = _Due(env, lambda ev: None)
        schedule_at(stop, _LAST, t_end)
        env.run(until=stop)
    else:
        env.run()
    return core.result(t_end)
