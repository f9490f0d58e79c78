"""Property-based checks of the engine: any arrivals, durations, priorities, patience and staffing changes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.flow.engine import DONE, IN_SERVICE, RENEGED, RETURNED, WAITING, run_queue
from simulate.flow.invariants import check_replication


@st.composite
def instances(draw):
    n = draw(st.integers(1, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ready = np.sort(rng.uniform(0.001, 50, n))
    service = rng.exponential(draw(st.floats(0.5, 20)), n)
    levels = draw(st.integers(1, 4))
    rank = -rng.integers(1, levels + 1, n).astype(float)
    patience = rng.exponential(draw(st.floats(0.5, 30)), n) if draw(st.booleans()) else np.full(n, np.inf)
    cap0 = draw(st.integers(0, 6))
    changes = sorted(draw(st.lists(st.tuples(st.floats(1, 60), st.integers(0, 6)), max_size=3)))
    policy = draw(st.sampled_from(["queue", "no_waiting_list"]))
    reduction = draw(st.sampled_from(["finish_with_worker", "reallocate"]))
    return ready, service, rank, ready + patience, cap0, changes, policy, reduction


@settings(max_examples=150, deadline=None)
@given(instances())
def test_engine_invariants_hold_for_any_instance(inst):
    ready, service, rank, renege, cap0, changes, policy, reduction = inst
    times = [[float(t) for t, _ in changes]]
    values = [[float(v) for _, v in changes]]
    t_end = 80.0
    res = run_queue(ready, service, rank=rank, renege_at=renege, capacity=cap0, capacity_times=times, capacity_values=values,
                    policy=policy, reduction=reduction, t_end=t_end)
    n = ready.size
    slots = np.array([cap0, *values[0]], dtype=float)
    knots = np.array(times[0])
    check_replication(ready, np.ones(n, bool), ready, res.start, res.end, res.status, np.zeros(n, np.int64),
                      [lambda d: slots[np.searchsorted(knots, d, side="right")]], t_end, res.reallocations > 0)
    started = np.isfinite(res.start)
    assert np.all(res.start[started] >= ready[started] - 1e-12)
    if policy == "no_waiting_list":
        # only a case paused by a reallocating cut can be on the list
        assert not np.any((res.status == WAITING) & ~started) and not np.any(res.status == RENEGED)
    else:
        assert not np.any(res.status == RETURNED)
    # a reneged case left at its renege time, before it would have started
    r = res.status == RENEGED
    assert np.allclose(res.end[r], renege[r]) and not np.any(started[r])
    # finished cases received exactly their support (plus any pause after a reallocation)
    d = res.status == DONE
    assert np.allclose(res.end[d] - res.start[d], service[d] + res.paused_days[d])
    if reduction == "finish_with_worker":
        assert res.reallocations == 0 and not np.any(res.paused_days)
    assert set(np.unique(res.status)) <= {0, WAITING, IN_SERVICE, DONE, RENEGED, RETURNED}
