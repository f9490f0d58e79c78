"""Helpers for the flow tests: analytic queueing formulas written out by hand."""

from __future__ import annotations

import math

import numpy as np


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait > 0) and mean wait in queue of M/M/c (Erlang C)."""
    a = lam / mu
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    p_wait = tail / (head + tail)
    return p_wait, p_wait / (c * mu - lam)


def erlang_b(lam: float, mu: float, c: int) -> float:
    """Blocking probability of M/M/c/c."""
    a = lam / mu
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_a_abandon(lam: float, mu: float, c: int, theta: float, n_max: int = 400) -> float:
    """P(abandon) of M/M/c+M from the birth-death chain: theta * E[queue] / lambda."""
    p = np.zeros(n_max)
    p[0] = 1.0
    for n in range(1, n_max):
        death = min(n, c) * mu + max(n - c, 0) * theta
        p[n] = p[n - 1] * lam / death
    p /= p.sum()
    queue = np.maximum(np.arange(n_max) - c, 0)
    return theta * float((p * queue).sum()) / lam


def mm_arrivals(rng: np.random.Generator, lam: float, mu: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Arrival days and exponential service days of n customers."""
    return np.cumsum(rng.exponential(1 / lam, n)), rng.exponential(1 / mu, n)


def ci_contains(values, target: float, z: float = 3.3) -> tuple[bool, float, float]:
    """Whether a t-style interval (mean ± z·SE, z=3.3 ≈ 99.9%) across replications contains target."""
    v = np.asarray(values, dtype=float)
    m = v.mean()
    se = v.std(ddof=1) / math.sqrt(v.size)
    return abs(m - target) <= z * se, m, se
