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

:func:`run_fifo_stage` serves cases first come first served by a team of ``F`` workers'
time (``F`` may be fractional): ``floor(F)`` whole servers working at speed 1 and, when ``F``
is not whole, one part-time server working at speed ``F − floor(F)`` (a worker with a fifth
of their week on this stage does a 1-day job in 5 days). The next case in line goes to the
server that would finish it first (a whole server on a tie), so adding staff never slows a
job: capacity is continuous in ``F`` and a whole ``F`` is exactly an M/G/c node's ``c``
servers. A cut follows "finish with worker", as the caseload engine does: a server removed
mid-job finishes it, and no case starts while as many jobs run as there are servers.

Two paths, same result: when no case ever finds every whole server busy (checked vectorised:
the number in service at each arrival is below ``floor(F)``), every case starts on arrival on
a whole server; otherwise cases are walked in arrival order with a heap of the whole servers'
free times (O(n log c)).
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


def run_fifo_stage(
    arrival: np.ndarray,
    work: np.ndarray,
    fte: float,
    change_times: list[float] | None = None,
    change_fte: list[float] | None = None,
) -> StageResult:
    """Serve cases first come first served on a staffed stage.

    Parameters
    ----------
    arrival
        Day each case joins the stage (any order; ties served in input order). NaN: the case
        never joins (start and departure NaN).
    work
        Service need of each case in days of one whole server (hours of work / hours a
        worker gives the stage per day).
    fte
        Servers (workers' time, may be fractional) at day 0 and before.
    change_times, change_fte
        Later staffing changes, in time order: from ``change_times[k]`` there are
        ``change_fte[k]`` servers.

    Returns
    -------
    StageResult
        ``start`` and ``depart`` days per case (input order); NaN for a case no server ever
        reaches (no staff from some day on).

    Examples
    --------
    Two servers, four cases arriving at days 0, 0, 0 and 1 needing 2, 3, 1 and 1 days: the
    third waits for the first server (free at day 2), the fourth for the next (day 3).

    >>> r = run_fifo_stage(np.array([0.0, 0, 0, 1]), np.array([2.0, 3, 1, 1]), 2)
    >>> r.start.tolist(), r.depart.tolist()
    ([0.0, 0.0, 2.0, 3.0], [2.0, 3.0, 3.0, 4.0])
    """
    arrival = np.asarray(arrival, dtype=float)
    work = np.asarray(work, dtype=float)
    n = arrival.size
    start = np.full(n, np.nan)
    depart = np.full(n, np.nan)
    times = [float(t) for t in (change_times or [])]
    levels = [float(f) for f in (change_fte or [])]
    joins = np.flatnonzero(np.isfinite(arrival))
    if joins.size == 0:
        return StageResult(start, depart)
    order = joins[np.argsort(arrival[joins], kind="stable")]
    a = arrival[order]
    w = work[order]

    # fast path: every case finds a whole server free on arrival
    whole_at = np.floor(np.asarray([fte, *levels], dtype=float) + 1e-9)[np.searchsorted(np.asarray(times), a, side="right")] if times else np.full(a.size, np.floor(fte + 1e-9))
    d_free = a + w
    in_service = np.arange(a.size) - np.searchsorted(np.sort(d_free), a, side="right")
    if np.all(in_service < whole_at):
        start[order] = a
        depart[order] = d_free
        return StageResult(start, depart)

    nan = math.nan
    s_out = [nan] * a.size
    d_out = [nan] * a.size
    inf = math.inf
    whole = int(math.floor(fte + 1e-9))
    heap = [-inf] * whole            # free times of the whole servers
    ghosts: list[float] = []         # jobs still running on servers removed by a cut
    part_speed = fte - whole         # the part-time server's speed (0: none)
    part_free = -inf
    k, n_changes = 0, len(times)
    next_change = times[0] if n_changes else inf
    heapreplace = heapq.heapreplace
    a_l, w_l = a.tolist(), w.tolist()
    for i in range(a.size):
        ai, wi = a_l[i], w_l[i]
        if heap and heap[0] <= ai < next_change:
            # a whole server is free on arrival (the usual case): it finishes first
            d = ai + wi
            heapreplace(heap, d)
            s_out[i] = ai
            d_out[i] = d
            continue
        while True:
            # start and finish on the first free whole server, and on the part-time server
            t_whole = (ai if heap[0] <= ai else heap[0]) if heap else inf
            f_whole = t_whole + wi
            if part_speed > 1e-9:
                t_part = ai if part_free <= ai else part_free
                f_part = t_part + wi / part_speed
            else:
                t_part = f_part = inf
            use_whole = f_whole <= f_part
            t = t_whole if use_whole else t_part
            if k < n_changes and next_change <= t:
                # a staffing change before this case could start
                # finish with worker: jobs in hand run on; the new servers are the latest-free
                # ones, so the next start waits until fewer jobs run than there are servers
                level = levels[k]
                new_whole = int(math.floor(level + 1e-9))
                running = sorted([x for x in heap if x > next_change] + [x for x in ghosts if x > next_change])
                keep = max(len(running) - new_whole, 0)
                ghosts = running[:keep]
                heap = running[keep:] + [next_change] * max(new_whole - len(running), 0)
                heapq.heapify(heap)
                part_speed = level - new_whole
                # nobody starts before the change (we are here because t >= it), on any server
                part_free = part_free if part_free > next_change else next_change
                k += 1
                next_change = times[k] if k < n_changes else inf
                continue
            break
        if t == inf:
            break  # no server now or later: the rest never start
        if use_whole:
            d = f_whole
            heapreplace(heap, d)
        else:
            d = f_part
            part_free = d
        s_out[i] = t
        d_out[i] = d
    start[order] = s_out
    depart[order] = d_out
    return StageResult(start, depart)
