"""Staff-limited stages (simulate/flow/stages.py): worked examples, the caseload engine, M/M/c in tandem."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.flow.engine import run_queue
from simulate.flow.stages import run_fifo_stage

from .conftest import ci_contains, erlang_c, mm_arrivals


def test_two_servers_worked_by_hand():
    # cases at days 0, 0, 0, 1 needing 2, 3, 1, 1 days on 2 servers: servers free at 2 and 3;
    # case 2 takes the one free at 2 (ends 3), case 3 the one free at 3 (ends 4)
    r = run_fifo_stage(np.array([0.0, 0.0, 0.0, 1.0]), np.array([2.0, 3.0, 1.0, 1.0]), 2)
    assert r.start.tolist() == [0.0, 0.0, 2.0, 3.0]
    assert r.depart.tolist() == [2.0, 3.0, 3.0, 4.0]


def test_part_time_server_works_at_its_share():
    # 0.25 of a worker: a 1-day job takes 4 days; the second case waits for the first
    r = run_fifo_stage(np.array([0.0, 1.0]), np.array([1.0, 1.0]), 0.25)
    assert r.depart.tolist() == [4.0, 8.0]
    # 1.5 workers: the whole server takes case 0 (done day 1); case 1 arrives at 0 too and the
    # part-time server would finish at 2 = whole server's 1 + 1: a tie goes to the whole server
    r = run_fifo_stage(np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0]), 1.5)
    assert r.depart.tolist() == [1.0, 2.0, 2.0]  # case 2: part-time server, 0 + 1 / 0.5 = 2


def test_staffing_change_adds_and_removes_servers():
    # no staff until day 5, then one server; two cases waiting from day 0 need 1 day each
    r = run_fifo_stage(np.array([0.0, 0.0]), np.array([1.0, 1.0]), 0.0, [5.0], [1.0])
    assert r.start.tolist() == [5.0, 6.0]
    # one server, then none from day 1.5: the job in hand ends (finish with worker), the next never starts
    r = run_fifo_stage(np.array([0.0, 0.5]), np.array([2.0, 1.0]), 1.0, [1.5], [0.0])
    assert r.depart[0] == 2.0 and np.isnan(r.start[1])


def test_nan_arrivals_never_join():
    r = run_fifo_stage(np.array([np.nan, 0.0]), np.array([1.0, 1.0]), 1)
    assert np.isnan(r.start[0]) and r.depart[1] == 1.0


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10_000), c=st.integers(1, 4), rho=st.floats(0.3, 1.3))
def test_same_sample_path_as_the_caseload_engine(seed, c, rho):
    # FIFO, no reneging, whole servers: a stage is the caseload engine's M/G/c queue
    rng = np.random.default_rng(seed)
    ready, service = mm_arrivals(rng, rho * c, 1.0, 300)
    times = sorted(rng.uniform(0, ready[-1], 3).tolist())
    levels = rng.integers(0, c + 2, 3).astype(float).tolist()
    stage = run_fifo_stage(ready, service, c, times, levels)
    queue = run_queue(ready, service, capacity=c, capacity_times=[times], capacity_values=[levels])
    np.testing.assert_array_equal(stage.start, queue.start)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), f=st.floats(0.2, 3.5), extra=st.floats(0.05, 1.5))
def test_more_staff_never_lengthens_mean_time_at_the_stage(seed, f, extra):
    rng = np.random.default_rng(seed)
    ready, work = mm_arrivals(rng, 0.8 * f, 1.0, 400)
    a = run_fifo_stage(ready, work, f)
    b = run_fifo_stage(ready, work, f + extra)
    assert np.mean(b.depart - ready) <= np.mean(a.depart - ready) + 1e-9


def test_tandem_mmc_mean_sojourn_is_the_sum_of_erlang_c_stages():
    # Two M/M/c stages in series (lambda = 2; c1 = 3, mu1 = 1; c2 = 4, mu2 = 0.8). By Burke's
    # theorem the departures of a stable M/M/c queue are Poisson(lambda), independent of its
    # current state, so stage 2 is M/M/c too and the mean time through both is
    # (Wq1 + 1/mu1) + (Wq2 + 1/mu2), each Wq from Erlang C.
    lam, (c1, mu1), (c2, mu2) = 2.0, (3, 1.0), (4, 0.8)
    exact = erlang_c(lam, mu1, c1)[1] + 1 / mu1 + erlang_c(lam, mu2, c2)[1] + 1 / mu2
    means = []
    for r in range(30):
        rng = np.random.default_rng(1000 + r)
        arrive, s1 = mm_arrivals(rng, lam, mu1, 20_000)
        s2 = rng.exponential(1 / mu2, arrive.size)
        first = run_fifo_stage(arrive, s1, c1)
        second = run_fifo_stage(first.depart, s2, c2)
        means.append(np.mean((second.depart - arrive)[2000:]))  # 10% warm-up from empty
    ok, mean, se = ci_contains(means, exact)
    assert ok, f"tandem sojourn {mean:.4f} ± {se:.4f} vs exact {exact:.4f}"


@pytest.mark.parametrize("c", [1, 3])
def test_single_stage_mean_wait_is_erlang_c(c):
    lam, mu = 0.8 * c, 1.0
    exact = erlang_c(lam, mu, c)[1]
    means = []
    for r in range(30):
        ready, work = mm_arrivals(np.random.default_rng(50 + r), lam, mu, 20_000)
        res = run_fifo_stage(ready, work, c)
        means.append(np.mean((res.start - ready)[2000:]))
    ok, mean, se = ci_contains(means, exact)
    assert ok, f"wait {mean:.4f} ± {se:.4f} vs Erlang C {exact:.4f}"


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), c=st.integers(1, 30), load=st.floats(0.05, 1.2), pools=st.integers(1, 3),
       reduction=st.sampled_from(["finish_with_worker", "reallocate"]), finite=st.booleans())
def test_vectorised_no_wait_path_equals_the_event_loop(seed, c, load, pools, reduction, finite):
    # the caseload engine skips its loop when no case ever finds its pool full; whenever it
    # does, the result must be the loop's, field by field (and the loop's own answer otherwise)
    from simulate.flow.engine_simpy import run_queue_simpy

    rng = np.random.default_rng(seed)
    ready, service = mm_arrivals(rng, load * c * pools / 5.0, 1 / 5.0, 400)
    ready = np.round(ready, 1)  # ties between arrivals, departures and staffing changes
    service = np.maximum(np.round(service, 1), 0.1)
    pool = rng.integers(0, pools, ready.size)
    times = [sorted(np.round(rng.uniform(0, ready[-1], 2), 1).tolist()) for _ in range(pools)]
    values = [rng.integers(max(c - 3, 0), c + 3, 2).astype(float).tolist() for _ in range(pools)]
    t_end = float(np.round(ready[-1] * 0.8, 1)) if finite else np.inf
    kw = dict(pool=pool, capacity=[float(c)] * pools, capacity_times=times, capacity_values=values, reduction=reduction, t_end=t_end)
    loop = run_queue(ready, service, vectorised=False, **kw)
    for run in (run_queue, run_queue_simpy):
        fast = run(ready, service, **kw)
        np.testing.assert_array_equal(fast.start, loop.start)
        np.testing.assert_array_equal(fast.end, loop.end)
        np.testing.assert_array_equal(fast.status, loop.status)
        np.testing.assert_array_equal(fast.paused_days, loop.paused_days)


def test_vectorised_path_is_taken_when_nobody_waits():
    from simulate.flow.engine import no_wait_path

    ready = np.array([1.0, 2.0, 3.0])
    # one place: case 1 arrives at 2 while case 0 (1 to 2) departs at 2: arrivals go first, so it is full
    assert no_wait_path(ready, np.array([1.0, 1.0, 1.0]), None, 1.0, None, None, "finish_with_worker", None, np.inf) is None
    res = no_wait_path(ready, np.array([0.5, 0.5, 0.5]), None, 1.0, None, None, "finish_with_worker", None, 3.2)
    assert res.start.tolist() == [1.0, 2.0, 3.0]
    assert res.end[:2].tolist() == [1.5, 2.5] and np.isnan(res.end[2])  # the third ends after t_end


def test_part_time_server_starts_no_earlier_than_its_staff_arrive():
    # no staff until day 10, then 0.5 of a worker: a 1-day job waiting since day 0 runs 10 to 12
    r = run_fifo_stage(np.array([0.0]), np.array([1.0]), 0.0, [10.0], [0.5])
    assert r.start.tolist() == [10.0] and r.depart.tolist() == [12.0]
