"""Output analysis: t confidence intervals, MSER-5 warm-up, the Hoad-Robinson-Davies replications algorithm."""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import stats


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-based confidence interval across replications.

    Returns
    -------
    (mean, low, high); low = high = mean with one value, NaNs with none.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    m = float(x.mean())
    if x.size == 1:
        return (m, m, m)
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return (m, m - half, m + half)


def mser5(series: np.ndarray) -> int:
    """Warm-up length by MSER-5 (White 1997): observations to delete from the start.

    The series is cut into batches of five; the truncation ``d`` (in batches, at most half the
    batches) minimises ``sum((Y_i - mean_d)^2) / (k - d)^2`` over the remaining batch means.

    Returns
    -------
    int
        Number of raw observations to discard (a multiple of 5).
    """
    x = np.asarray(series, dtype=float)
    k = x.size // 5
    if k < 2:
        return 0
    y = x[: k * 5].reshape(k, 5).mean(axis=1)
    # suffix sums give every truncation's mean and squared error in O(k)
    rev = y[::-1]
    n = np.arange(1, k + 1)
    s1 = np.cumsum(rev)[::-1]
    s2 = np.cumsum(rev**2)[::-1]
    remaining = n[::-1].astype(float)
    sse = s2 - s1**2 / remaining
    stat = sse / remaining**2
    d = int(np.argmin(stat[: k // 2 + 1]))
    return 5 * d


def replications_needed(
    run_one: Callable[[int], dict[str, float]],
    precision: float,
    *,
    level: float = 0.95,
    initial: int = 3,
    k_limit: int = 5,
    max_reps: int = 1000,
) -> tuple[int, dict[str, list[float]]]:
    """The replications algorithm of Hoad, Robinson & Davies (2010).

    Run replications one at a time until every KPI's relative half-width
    ``t * s / sqrt(n) / |mean|`` is within ``precision``, and stays within it for ``k_limit``
    further replications (the look-ahead that guards against a lucky early estimate).

    Parameters
    ----------
    run_one
        ``run_one(r)`` runs replication ``r`` and returns ``{kpi: value}``.
    precision
        Target relative half-width (0.05 = ±5% of the mean).

    Returns
    -------
    (n, values)
        The recommended number of replications and every value collected per KPI.
    """
    values: dict[str, list[float]] = {}

    def widths() -> dict[str, float]:
        out = {}
        for key, vals in values.items():
            m, lo, hi = t_interval(np.asarray(vals), level)
            out[key] = (hi - m) / abs(m) if m not in (0.0,) and np.isfinite(m) else (0.0 if hi == lo else np.inf)
        return out

    r = 0
    candidate: int | None = None
    while r < max_reps:
        for key, v in run_one(r).items():
            values.setdefault(key, []).append(v)
        r += 1
        if r < initial:
            continue
        ok = all(w <= precision for w in widths().values())
        if ok and candidate is None:
            candidate = r
        elif not ok:
            candidate = None
        if candidate is not None and r >= candidate + k_limit:
            return candidate, values
    return r, values
