"""The caseload engine against queueing theory, with confidence intervals (never pinned numbers).

Each test runs independent replications of a long M/M/c-type queue, discards a warm-up, and
checks that the analytic value lies in the ~99.9% interval across replication means.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulate.flow.engine import RENEGED, RETURNED, run_queue
from simulate.flow.engine_simpy import run_queue_simpy

from .conftest import ci_contains, erlang_a_abandon, erlang_b, erlang_c, mm_arrivals

LAM, MU, C = 8.0, 1.0, 10  # rho = 0.8
N, WARM, REPS = 30_000, 3_000, 12


@pytest.mark.parametrize("engine", [run_queue, run_queue_simpy], ids=["heapq", "simpy"])
def test_erlang_c_mean_wait_and_probability_of_waiting(engine) -> None:
    p_wait, wq = erlang_c(LAM, MU, C)
    # by hand: a = 8, P(wait) = 0.40918, Wq = 0.20459 days
    assert abs(p_wait - 0.40918) < 1e-4 and abs(wq - 0.20459) < 1e-4
    rng = np.random.default_rng(11)
    means, probs = [], []
    for _ in range(REPS):
        ready, service = mm_arrivals(rng, LAM, MU, N)
        res = engine(ready, service, capacity=C)
        w = (res.start - ready)[WARM:]
        means.append(w.mean())
        probs.append((w > 1e-12).mean())
    ok, m, se = ci_contains(means, wq)
    assert ok, f"mean wait {m:.4f} ± {se:.4f} vs Erlang C {wq:.4f}"
    ok, m, se = ci_contains(probs, p_wait)
    assert ok, f"P(wait) {m:.4f} ± {se:.4f} vs Erlang C {p_wait:.4f}"


def test_erlang_a_abandonment_with_exponential_patience():
    theta = 0.5  # mean patience 2 days
    target = erlang_a_abandon(LAM, MU, C, theta)
    assert 0.02 < target < 0.2
    rng = np.random.default_rng(12)
    shares = []
    for _ in range(REPS):
        ready, service = mm_arrivals(rng, LAM, MU, N)
        patience = rng.exponential(1 / theta, N)
        res = run_queue(ready, service, capacity=C, renege_at=ready + patience, t_end=ready[-1] + 1000)
        shares.append((res.status[WARM:] == RENEGED).mean())
    ok, m, se = ci_contains(shares, target)
    assert ok, f"P(abandon) {m:.4f} ± {se:.4f} vs Erlang A {target:.4f}"


def test_two_class_nonpreemptive_priority_mm1():
    lam1, lam2, mu = 0.3, 0.4, 1.0
    # Cobham: W0 = sum(lam_i E[S^2]) / 2 = 0.7 * 2 / 2 = 0.7; Wq1 = W0/(1-0.3) = 1.0; Wq2 = W0/((1-0.3)(1-0.7)) = 3.333
    w1, w2 = 1.0, 0.7 / (0.7 * 0.3)
    rng = np.random.default_rng(13)
    m1, m2 = [], []
    for _ in range(REPS):
        ready, service = mm_arrivals(rng, lam1 + lam2, mu, 40_000)
        high = rng.random(ready.size) < lam1 / (lam1 + lam2)
        res = run_queue(ready, service, capacity=1, rank=np.where(high, -4.0, -3.0))
        w = res.start - ready
        keep = np.arange(ready.size) >= 4_000
        m1.append(w[keep & high].mean())
        m2.append(w[keep & ~high].mean())
    ok, m, se = ci_contains(m1, w1)
    assert ok, f"class 1 wait {m:.3f} ± {se:.3f} vs {w1:.3f}"
    ok, m, se = ci_contains(m2, w2)
    assert ok, f"class 2 wait {m:.3f} ± {se:.3f} vs {w2:.3f}"


def test_m_m_infinity_no_waits_and_poisson_occupancy():
    rng = np.random.default_rng(14)
    occupancy = []
    for _ in range(REPS):
        ready, service = mm_arrivals(rng, LAM, MU, N)
        res = run_queue(ready, service, capacity=np.inf)
        assert np.array_equal(res.start, ready)  # unlimited capacity: nobody waits
        grid = np.linspace(ready[WARM], ready[-1] - 20, 500)
        busy = np.searchsorted(np.sort(res.start), grid, side="right") - np.searchsorted(np.sort(res.end), grid, side="right")
        occupancy.append(busy.mean())
    ok, m, se = ci_contains(occupancy, LAM / MU)
    assert ok, f"mean number in service {m:.3f} ± {se:.3f} vs lambda/mu = 8"


def test_no_waiting_list_blocking_is_erlang_b():
    target = erlang_b(LAM, MU, C)  # ~0.1217
    rng = np.random.default_rng(15)
    shares = []
    for _ in range(REPS):
        ready, service = mm_arrivals(rng, LAM, MU, N)
        res = run_queue(ready, service, capacity=C, policy="no_waiting_list")
        assert not np.any(res.status == 1)  # nobody ever waits
        shares.append((res.status[WARM:] == RETURNED).mean())
    ok, m, se = ci_contains(shares, target)
    assert ok, f"P(returned) {m:.4f} ± {se:.4f} vs Erlang B {target:.4f}"


def test_zero_capacity_queue_grows_linearly():
    rng = np.random.default_rng(16)
    ready, service = mm_arrivals(rng, 2.0, 1.0, 4_000)
    res = run_queue(ready, service, capacity=0, t_end=ready[-1])
    assert np.all(res.status == 1) and np.all(np.isnan(res.start))
    t = np.linspace(100, ready[-1], 20)
    queue = np.searchsorted(ready, t, side="right")
    slope = np.polyfit(t, queue, 1)[0]
    assert abs(slope - 2.0) < 0.15  # arrivals per day; SE of a Poisson count slope over ~2,000 days is ~0.03


def test_priority_classes_served_in_order():
    rng = np.random.default_rng(17)
    ready, service = mm_arrivals(rng, 1.8, 1.0, 3_000)
    rank = -rng.integers(2, 5, ready.size).astype(float)
    res = run_queue(ready, service, capacity=2, rank=rank)
    s = res.start
    # whenever a case starts, nobody of strictly higher priority was waiting, and nobody of the
    # same priority who was ready earlier
    for i in np.flatnonzero(s > ready + 1e-12):
        waiting = (ready < s[i]) & (s > s[i])
        assert not np.any(waiting & (rank < rank[i]))
        assert not np.any(waiting & (rank == rank[i]) & (ready < ready[i]))


def test_more_servers_never_lengthen_fifo_waits_pathwise():
    rng = np.random.default_rng(18)
    ready, service = mm_arrivals(rng, 3.5, 1.0, 5_000)
    waits = [run_queue(ready, service, capacity=c).start - ready for c in (4, 5, 6)]
    assert np.all(waits[1] <= waits[0] + 1e-9) and np.all(waits[2] <= waits[1] + 1e-9)
    assert waits[0].mean() > waits[1].mean() > waits[2].mean()


@pytest.mark.slow
def test_confidence_interval_coverage_erlang_c():
    """About 95% of replications' 95% batch-means intervals contain the Erlang C mean wait."""
    from scipy import stats

    _, wq = erlang_c(LAM, MU, C)
    rng = np.random.default_rng(19)
    hits, runs = 0, 200
    for _ in range(runs):
        ready, service = mm_arrivals(rng, LAM, MU, 60_000)
        w = (run_queue(ready, service, capacity=C).start - ready)[5_000:]
        batches = w[: 50 * (w.size // 50)].reshape(50, -1).mean(axis=1)
        half = stats.t.ppf(0.975, 49) * batches.std(ddof=1) / np.sqrt(50)
        hits += abs(batches.mean() - wq) <= half
    # binomial(200, 0.95): 3 SDs is about ±0.046
    assert 0.88 <= hits / runs <= 0.995, hits / runs
