"""The SimPy backend (``run_queue_simpy``): the same sample path as the heapq loop."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.flow.engine import DONE, IN_SERVICE, RENEGED, RETURNED, WAITING, run_queue
from simulate.flow.engine_simpy import run_queue_simpy
from simulate.flow.errors import FlowError
from simulate.flow.model import run_replication
from simulate.scenario import load_scenario

from .conftest import mm_arrivals

LAM, MU, C = 8.0, 1.0, 10  # rho = 0.8


def assert_same_path(kw: dict, ready, service) -> tuple:
    a = run_queue(ready, service, **kw)
    b = run_queue_simpy(ready, service, **kw)
    np.testing.assert_array_equal(a.start, b.start)  # NaNs compare equal here
    np.testing.assert_array_equal(a.end, b.end)
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_array_equal(a.paused_days, b.paused_days)
    assert a.reallocations == b.reallocations
    return a, b


def test_mmc_same_sample_path():
    rng = np.random.default_rng(5)
    ready, service = mm_arrivals(rng, LAM, MU, 20_000)
    a, _ = assert_same_path({"capacity": C}, ready, service)
    assert np.mean(a.start > ready) > 0.3  # the path really queued


def test_priority_and_reneging_same_sample_path():
    rng = np.random.default_rng(6)
    n = 20_000
    ready, service = mm_arrivals(rng, 11.0, MU, n)  # overloaded: a long list, many give up
    kw = {"capacity": C, "rank": -rng.integers(2, 5, n).astype(float), "renege_at": ready + rng.exponential(3.0, n)}
    a, _ = assert_same_path(kw, ready, service)
    assert (a.status == RENEGED).sum() > 1000 and (a.status == DONE).sum() > 1000
    # priority ageing: continuous ranks (the heap layout of the waiting list)
    kw["rank"] = ready - 5.0 * rng.integers(2, 5, n)
    assert_same_path(kw, ready, service)


def test_no_waiting_list_same_sample_path():
    rng = np.random.default_rng(7)
    ready, service = mm_arrivals(rng, LAM, MU, 20_000)
    a, _ = assert_same_path({"capacity": C, "policy": "no_waiting_list"}, ready, service)
    assert (a.status == RETURNED).sum() > 100


@pytest.mark.parametrize("rule", ["finish_with_worker", "reallocate"])
def test_staffing_cut_same_sample_path(rule):
    # two district pools, cuts and recruitment, cases open at day 0, a waiting list snapshot,
    # ties on whole days, and a finite horizon
    rng = np.random.default_rng(8)
    n = 5_000
    ready = np.sort(np.round(rng.uniform(-30, 1_000, n)))
    service = np.round(rng.exponential(30, n))
    kw = {
        "pool": rng.integers(0, 2, n),
        "rank": -rng.integers(2, 5, n).astype(float),
        "renege_at": ready + rng.exponential(60, n),
        "capacity": [160.0, 140.0],
        "capacity_times": [[200.0, 400.0, 700.0], [300.0, 650.0]],
        "capacity_values": [[90.0, 150.0, 60.0], [40.0, 120.0]],
        "initial_end": [rng.uniform(0, 90, 50), rng.uniform(0, 90, 30)],
        "reduction": rule,
        "t_end": 900.0,
    }
    a, _ = assert_same_path(kw, ready, service)
    if rule == "reallocate":
        assert a.reallocations > 0 and a.paused_days.sum() > 0
    assert {WAITING, IN_SERVICE, DONE, RENEGED} <= set(a.status.tolist())


@pytest.mark.parametrize("policy, status1, start1", [("no_waiting_list", RETURNED, np.nan), ("queue", DONE, 3.0)])
def test_arrival_is_handled_before_a_departure_at_the_same_instant(policy, status1, start1):
    # one place; case 0 holds it from day 1 to day 3; case 1 arrives on day 3. The arrival is
    # processed first, finds the place taken: returned (no list) or queued, then started on day 3
    res = run_queue_simpy(np.array([1.0, 3.0]), np.array([2.0, 1.0]), capacity=1, policy=policy)
    assert res.status.tolist() == [DONE, status1]
    np.testing.assert_array_equal(res.start, [1.0, start1])
    assert res.end[0] == 3.0


def test_arrival_lands_on_its_day_exactly():
    # 0.04 + (0.11 - 0.04) == 0.11000000000000001 in floating point: a chained relative delay misses
    res = run_queue_simpy(np.array([0.04, 0.11]), np.array([1.0, 1.0]), capacity=2)
    assert res.start[1] == 0.11 and res.end[1] == 0.11 + 1.0


def test_events_at_t_end_are_processed():
    # a departure and an arrival both on day 3 = t_end: both happen (as in the heapq loop)
    res = run_queue_simpy(np.array([1.0, 3.0, 3.5]), np.array([2.0, 5.0, 1.0]), capacity=1, t_end=3.0)
    assert res.status.tolist() == [DONE, IN_SERVICE, 0]  # case 2 (day 3.5) never arrives
    assert res.end[0] == 3.0 and res.start[1] == 3.0


# Erlang C on both backends: tests/simulate/flow/test_theory.py (parametrised by backend).


def test_replication_backends_agree_and_unknown_backend_is_an_error():
    sc = load_scenario("lancs-edge-of-care-004")
    a = run_replication(sc, 3, 1, timelines=False)
    b = run_replication(sc, 3, 1, timelines=False, backend="simpy")
    np.testing.assert_array_equal(a.start, b.start)
    np.testing.assert_array_equal(a.end, b.end)
    np.testing.assert_array_equal(a.status, b.status)
    assert np.isfinite(a.start).sum() > 50
    with pytest.raises(FlowError, match="backend"):
        run_replication(sc, 3, 1, backend="ciw")
