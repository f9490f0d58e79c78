"""Differential test: Cusp's engine and a minimal reference event loop give the same sample path."""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from simulate.flow.engine import run_queue


def reference_mmc(interarrival: np.ndarray, service: np.ndarray, c: int) -> np.ndarray:
    """A textbook M/M/c event loop (events: arrival, departure; FIFO deque). Returns start times."""
    n = interarrival.size
    start = np.full(n, np.nan)
    events = [(float(interarrival[0]), 0, "arrival", 0)]
    seq, free, queue, nxt = 1, c, deque(), 1
    while events:
        t, _, kind, i = heapq.heappop(events)
        if kind == "arrival":
            if nxt < n:
                heapq.heappush(events, (t + float(interarrival[nxt]), seq, "arrival", nxt))
                seq += 1
                nxt += 1
            if free:
                free -= 1
                start[i] = t
                heapq.heappush(events, (t + float(service[i]), seq, "departure", i))
                seq += 1
            else:
                queue.append(i)
        else:
            if queue:
                j = queue.popleft()
                start[j] = t
                heapq.heappush(events, (t + float(service[j]), seq, "departure", j))
                seq += 1
            else:
                free += 1
    return start


def test_same_random_stream_same_sample_path():
    rng = np.random.default_rng(2024)
    interarrival = rng.exponential(1 / 8.0, 20_000)
    service = rng.exponential(1.0, 20_000)
    expected = reference_mmc(interarrival, service, 10)
    got = run_queue(np.cumsum(interarrival), service, capacity=10).start
    assert np.allclose(got, expected, rtol=0, atol=1e-9)
    assert np.mean(got > np.cumsum(interarrival)) > 0.3  # the path really queued
