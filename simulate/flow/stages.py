"""Staff-limited stages before support: multi-server first-come-first-served nodes, as Ciw's.

A **stage** is one activity that takes worker time — first contact, assessment — served by a
number of servers (workers' hours set aside for it) under its own waiting rule. The flow model
is a small feed-forward network::

    referral ─> [contact] ─> [assessment] ─> [caseload: start of support] ─> exit
                  FIFO          FIFO           priority list, reneging (engine.py)

Because the intake stages feed forward (no case comes back, no server is shared between two
stages) each stage can be run on its own, in order, on the departures of the one before: the
network's sample path is the same as one event loop over all stages would give, and each
stage costs one pass. The caseload stage keeps its own event loop (:mod:`.engine`), which
handles priority, reneging, the no-waiting-list policy and the reduction rules.

:func:`run_fifo_stage` serves cases first come first served on ``c(t)`` servers, each working
at ``speed(t)``: a case starting at ``s`` occupies a server for ``work / speed(s)`` days.
Fractional staffing (2.4 FTE of intake time) is ``ceil(2.4) = 3`` servers at speed 0.8, so
capacity is continuous in FTE and a whole number of FTE is that many unit-speed servers. A
cut in servers follows "finish with worker": a server removed mid-job finishes it.

Two paths, same result: when no case ever finds every server busy (checked vectorised: the
number in service at each arrival is below ``c``), every case starts on arrival; otherwise a
heap of server free times is walked in arrival order (O(n log c)).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np


@dataclass
class StageResult:
    """Start and departure day of each case at one stage (NaN: never started before the end)."""

    start: np.ndarray
    depart: np.ndarray


def servers_for(fte: float) -> tuple[int, float]:
    """Servers and speed for a fractional FTE: ``ceil(fte)`` servers at ``fte / ceil(fte)``.

    >>> servers_for(2.4)
    (3, 0.7999999999999999)
    >>> servers_for(0.0)
    (0, 1.0)
    """
    c = int(math.ceil(fte - 1e-9)) if fte > 1e-9 else 0
    return c, (fte / c if c else 1.0)


def run_fifo_stage(
    arrival: np.ndarray,
    work: np.ndarray,
    servers: int,
    speed: float = 1.0,
    change_times: list[float] | None = None,
    change_servers: list[int] | None = None,
    change_speeds: list[float] | None = None,
) -> StageResult:
    """Serve cases first come first served on a staffed stage.

    Parameters
    ----------
    arrival
        Day each case joins the stage (any order; ties served in input order). NaN: the case
        never joins (start and departure NaN).
    work
        Service need of each case in server-days at speed 1.
    servers, speed
        Servers at day 0 (and before) and their speed.
    change_times, change_servers, change_speeds
        Later staffing changes, in time order: from ``change_times[k]`` there are
        ``change_servers[k]`` servers at ``change_speeds[k]``.

    Returns
    -------
    StageResult
        ``start`` and ``depart`` days per case (input order).
    """
    arrival = np.asarray(arrival, dtype=float)
    work = np.asarray(work, dtype=float)
    n = arrival.size
    start = np.full(n, np.nan)
    depart = np.full(n, np.nan)
    times = list(change_times or [])
    c_list = list(change_servers or [])
    v_list = list(change_speeds or [])
    joins = np.flatnonzero(np.isfinite(arrival))
    if joins.size == 0:
        return StageResult(start, depart)
    order = joins[np.argsort(arrival[joins], kind="stable")]
    a = arrival[order]
    w = work[order]

    # servers and speed in force at each arrival
    if times:
        k = np.searchsorted(np.asarray(times, dtype=float), a, side="right")
        c_at = np.asarray([servers, *c_list], dtype=float)[k]
        v_at = np.asarray([speed, *v_list], dtype=float)[k]
    else:
        c_at = np.full(a.size, float(servers))
        v_at = np.full(a.size, float(speed))
    with np.errstate(divide="ignore", invalid="ignore"):
        d_free = a + np.where(c_at > 0, w / v_at, np.inf)
    # fast path: nobody ever waits if, at each arrival, fewer than c cases are in service
    in_service = np.arange(a.size) - np.searchsorted(np.sort(d_free), a, side="right")
    if np.all(in_service < c_at):
        start[order] = a
        depart[order] = d_free
        return StageResult(start, depart)

    s_out = np.full(a.size, np.nan)
    d_out = np.full(a.size, np.nan)
    inf = math.inf
    heap = [-inf] * servers
    v = speed
    k, n_changes = 0, len(times)
    heapreplace, heappush, heappop = heapq.heapreplace, heapq.heappush, heapq.heappop
    a_l, w_l = a.tolist(), w.tolist()
    for i in range(a.size):
        ai = a_l[i]
        while True:
            t = (ai if heap[0] <= ai else heap[0]) if heap else inf
            if k < n_changes and times[k] <= t:
                # a staffing change before this case could start
                tk, c_new = times[k], c_list[k]
                v = v_list[k]
                while len(heap) < c_new:
                    heappush(heap, tk)
                while len(heap) > c_new:
                    heappop(heap)  # finish with worker: the job in hand (if any) still ends
                k += 1
                continue
            break
        if t == inf:
            break  # no server now or later: the rest never start
        d = t + w_l[i] / v
        heapreplace(heap, d)
        s_out[i] = t
        d_out[i] = d
    start[order] = s_out
    depart[order] = d_out
    return StageResult(start, depart)
