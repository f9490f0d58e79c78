"""Rules of the caseload engine worked through by hand: staffing cuts, initial state, the waiting list."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.flow.engine import DONE, IN_SERVICE, RENEGED, WAITING, run_queue
from simulate.flow.waiting_list import WaitingList

# two cases in service from day 0 (10 and 20 days of support), capacity cut from 2 to 1 on day 5,
# a third case ready on day 6 needing 1 day
READY = np.array([0.0, 0.0, 6.0])
SERVICE = np.array([10.0, 20.0, 1.0])


def _cut(rule: str):
    # ready 0.0 means "waiting at day 0": both start at day 0
    return run_queue(READY + np.array([1e-9, 2e-9, 0]), SERVICE, capacity=2, capacity_times=[[5.0]], capacity_values=[[1.0]], reduction=rule)


def test_cut_finish_with_worker():
    res = _cut("finish_with_worker")
    # both open cases run to their ends (10, 20); the new case waits until the caseload is below 1
    assert np.allclose(res.end[:2], [10 + 1e-9, 20 + 2e-9])
    assert np.isclose(res.start[2], 20 + 2e-9) and np.isclose(res.end[2], 21 + 2e-9)


def test_cut_reallocate_pauses_longest_and_puts_it_first():
    res = _cut("reallocate")
    # day 5: the case with most support left (15 days) is paused; it resumes on day 10 ahead of
    # the new case and ends on day 25; the new case starts on day 25
    assert np.isclose(res.end[0], 10 + 1e-9)
    assert np.isclose(res.paused_days[1], 5 - 1e-9, atol=1e-6) and np.isclose(res.end[1], 25, atol=1e-6)
    assert np.isclose(res.start[1], 2e-9)  # the start date is kept
    assert np.isclose(res.start[2], 25, atol=1e-6)


def test_capacity_increase_allocates_at_once():
    res = run_queue(np.array([1.0, 2.0]), np.array([100.0, 100.0]), capacity=1, capacity_times=[[30.0]], capacity_values=[[2.0]])
    assert res.start[1] == 30.0


def test_initial_state_open_cases_hold_slots_and_snapshot_queues_by_priority():
    # one slot, held by an open case until day 4; waiting list at day 0: a level-3 case referred
    # on day -50 and a level-4 case referred on day -10; level 4 goes first
    res = run_queue(np.array([-50.0, -10.0]), np.array([3.0, 3.0]), capacity=1, rank=np.array([-3.0, -4.0]), initial_end=[np.array([4.0])])
    assert res.start[1] == 4.0 and res.start[0] == 7.0


def test_reneging_is_exact_when_resolved_lazily():
    # one slot busy until day 10; case 1 gives up on day 3; case 2 (patient) starts on day 10
    res = run_queue(np.array([0.5, 1.0, 2.0]), np.array([9.5, 5.0, 5.0]), capacity=1, renege_at=np.array([np.inf, 3.0, np.inf]))
    assert res.status[1] == RENEGED and res.end[1] == 3.0
    assert res.start[2] == 10.0 and res.status[2] == DONE


def test_unfinished_cases_at_t_end():
    res = run_queue(np.array([1.0, 2.0, 50.0]), np.array([100.0, 5.0, 1.0]), capacity=1, t_end=20.0)
    assert list(res.status) == [IN_SERVICE, WAITING, 0]


@pytest.mark.parametrize("layout", ["heap", "buckets"])
def test_waiting_list_order_cancel_and_reinsert(layout):
    wl = WaitingList(layout)
    for case, rank in [(1, -3), (2, -4), (3, -3), (4, -4), (5, -2)]:
        wl.push(case, rank)
    wl.cancel(4)
    wl.cancel(99)  # not waiting: no-op
    assert len(wl) == 4 and 4 not in wl
    wl.push(4, -1)  # re-joins at the back with a low priority; its old entry must stay dead
    assert wl.cases() == [2, 1, 3, 5, 4]
    assert [wl.pop() for _ in range(5)] == [2, 1, 3, 5, 4]


@pytest.mark.parametrize(("layout", "levels"), [("heap", 3), ("buckets", 3), ("buckets", 40)])
def test_waiting_list_matches_sorted_order_at_scale(layout, levels):
    rng = np.random.default_rng(3)
    ranks = -rng.integers(1, levels + 1, 50_000).astype(float)
    wl = WaitingList(layout, max_buckets=16)
    for case, r in enumerate(ranks):
        wl.push(case, r)
    cancelled = set(rng.choice(50_000, 10_000, replace=False).tolist())
    for case in cancelled:
        wl.cancel(case)
    popped = [wl.pop() for _ in range(len(wl))]
    expected = [c for c in sorted(range(50_000), key=lambda c: (ranks[c], c)) if c not in cancelled]
    assert popped == expected
    if levels > 16:
        assert wl.layout == "heap"  # too many distinct ranks: the list turned itself into a heap


def test_priority_ageing_key_lets_a_long_wait_overtake():
    # ageing of 14 days per level: rank = ready - 14 x level. One slot busy until day 30.
    # a: level 3 ready day 0 -> rank -42; b: level 4 ready day 20 -> rank -36; a has waited
    # longer than one level's worth, so a goes first; without ageing (rank = -level) b would.
    ready = np.array([0.0, 0.0 + 1e-9, 20.0])
    service = np.array([30.0, 5.0, 5.0])
    aged = run_queue(ready[[0, 1, 2]], service, capacity=1, rank=np.array([-99.0, 1e-9 - 42.0, 20.0 - 56.0]))
    assert aged.start[1] == 30.0 and aged.start[2] == 35.0
    plain = run_queue(ready, service, capacity=1, rank=np.array([-5.0, -3.0, -4.0]))
    assert plain.start[2] == 30.0 and plain.start[1] == 35.0
