"""Checks asserted on every replication: conservation, Little's law, capacity, causality.

They cost a few vectorised passes over the case arrays, so :func:`run_replication` runs them
every time; a failure is a bug in Cusp, raised as :class:`FlowInvariantError`.
"""

from __future__ import annotations

import numpy as np

from .engine import DONE, IN_SERVICE, PENDING, RENEGED, RETURNED, WAITING
from .errors import FlowInvariantError


def check_replication(referral: np.ndarray, accepted: np.ndarray, ready: np.ndarray, start: np.ndarray, end: np.ndarray,
                      status: np.ndarray, pool: np.ndarray, slots_at: list, t_end: float, reallocated: bool,
                      initial_end: list[np.ndarray] | None = None) -> dict[str, float]:
    """Assert the invariants of one replication; return the Little's-law quantities.

    Parameters
    ----------
    slots_at
        Per pool, a function ``f(days) -> slots`` giving capacity on those days; ``None``
        entries skip the capacity check for that pool.
    initial_end
        Per pool, the end days of the cases open at day 0 (today's snapshot): they hold
        places from day 0 and count in the capacity check.

    Returns
    -------
    dict
        ``mean_queue_length`` (time average over [0, t_end]), ``arrival_rate`` (joins per day),
        ``mean_wait`` (days, truncated at t_end): L = λW holds exactly on these.
    """
    n = referral.size
    counts = {name: int((status == code).sum()) for name, code in (("pending", PENDING), ("waiting", WAITING), ("in_service", IN_SERVICE), ("done", DONE), ("reneged", RENEGED), ("returned", RETURNED))}
    rejected = int((~accepted).sum())
    if n != rejected + sum(counts.values()):
        raise FlowInvariantError(f"conservation: {n} referred != {rejected} rejected + {counts}")
    started = np.isfinite(start)
    # a case waiting at day 0 (ready <= 0: today's list) can start from day 0; others from ready
    if np.any(start[started] < np.maximum(ready[started], 0.0) - 1e-9):
        raise FlowInvariantError("causality: a case started before it was ready")
    fin = started & np.isfinite(end)
    if np.any(end[fin] < start[fin] - 1e-9):
        raise FlowInvariantError("causality: a case ended before it started")
    # a started case is in service or done, or (after a reallocating cut) paused on the list
    allowed = (IN_SERVICE, DONE, WAITING) if reallocated else (IN_SERVICE, DONE)
    if np.any(started & ~np.isin(status, allowed)) or np.any(np.isin(status, (IN_SERVICE, DONE)) & ~started):
        raise FlowInvariantError("status: started cases must be in service or done")
    # Little's law on the waiting list over [0, t_end]: area under the queue-length path, from a
    # sweep over join/leave events, equals the sum of truncated waits.
    join = np.clip(np.where(accepted, ready, np.inf), 0.0, t_end)
    leave_raw = np.where(started, start, np.where(np.isfinite(end), end, np.inf))
    leave = np.clip(leave_raw, 0.0, t_end)
    joined = accepted & (ready <= t_end)
    waits = np.clip(leave[joined] - join[joined], 0.0, None)
    times = np.concatenate([join[joined], leave[joined]])
    steps = np.concatenate([np.ones(joined.sum()), -np.ones(joined.sum())])
    order = np.argsort(times, kind="stable")  # joins (first in the array) before leaves at the same instant
    times, steps = times[order], steps[order]
    level = np.cumsum(steps)
    area = float(np.sum(level[:-1] * np.diff(times))) if times.size else 0.0
    if not np.isclose(area, waits.sum(), rtol=1e-9, atol=1e-6):
        raise FlowInvariantError(f"Little's law: queue area {area} != total wait {waits.sum()}")
    if level.size and level.min() < -1e-9:
        raise FlowInvariantError("waiting list length went negative")
    # capacity: just after each allocation, open cases in the pool never exceed its slots
    if not reallocated:
        for p, slots in enumerate(slots_at):
            if slots is None:
                continue
            m = started & (pool == p)
            s = np.sort(start[m])
            e = np.where(np.isfinite(end[m]), end[m], np.inf)
            if initial_end is not None and p < len(initial_end) and len(initial_end[p]):
                # cases open today hold a place from day 0 until their end
                s = np.sort(np.concatenate([s, np.zeros(len(initial_end[p]))]))
                e = np.concatenate([e, initial_end[p]])
            e = np.sort(e)
            if s.size == 0:
                continue
            open_after = np.searchsorted(s, s, side="right") - np.searchsorted(e, s, side="right")
            # starts at the same instant count together, so compare the last start of each instant
            last = np.r_[s[1:] != s[:-1], True]
            if np.any(open_after[last] > slots(s[last]) + 1e-9):
                raise FlowInvariantError(f"capacity: pool {p} held more cases than its slots")
    horizon = max(t_end, 1e-12)
    return {"mean_queue_length": area / horizon, "arrival_rate": joined.sum() / horizon, "mean_wait": float(waits.sum() / max(joined.sum(), 1))}
