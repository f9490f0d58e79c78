"""Confidence intervals used across the evaluation: Wilson proportions and t intervals for means.

Every function is pure and vectorised where it matters; nothing here reads files or random state.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["wilson_interval", "mean_interval", "noncentral_t_interval"]


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes (0 <= successes <= n).
    n : int
        Denominator (number of people). ``n == 0`` gives ``(nan, nan)``.
    level : float
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        Lower and upper bound, as proportions in [0, 1].
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return (math.nan, math.nan)
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its Student-t confidence interval.

    Parameters
    ----------
    values : array-like
        Observations; NaN values are dropped.
    level : float
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        ``(mean, lower, upper)``; bounds are NaN with fewer than two observations.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return (math.nan, math.nan, math.nan)
    m = float(x.mean())
    if n < 2:
        return (m, math.nan, math.nan)
    se = float(x.std(ddof=1)) / math.sqrt(n)
    q = stats.t.ppf(0.5 + level / 2, n - 1)
    return (m, m - q * se, m + q * se)


def noncentral_t_interval(t_obs: float, df: float, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for the noncentrality parameter of a t statistic.

    Inverts the noncentral t distribution (Steiger & Fouladi 1997): the lower bound is the
    noncentrality under which ``t_obs`` is the upper ``(1-level)/2`` quantile, and vice versa.

    Parameters
    ----------
    t_obs : float
        Observed t statistic.
    df : float
        Degrees of freedom.
    level : float
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        ``(lower, upper)`` bounds for the noncentrality parameter.
    """
    from scipy.optimize import brentq

    if not np.isfinite(t_obs):
        return (math.nan, math.nan)
    alpha = 1 - level
    span = 10 + 2 * abs(t_obs)

    def cdf(ncp: float) -> float:
        # scipy's nct.cdf returns NaN in patches of (t, ncp); the survival function does not
        v = stats.nct.cdf(t_obs, df, ncp)
        return float(v) if np.isfinite(v) else float(1.0 - stats.nct.sf(t_obs, df, ncp))

    def bound(prob: float) -> float:
        return brentq(lambda ncp: cdf(ncp) - prob, t_obs - span, t_obs + span, xtol=1e-10)

    return (bound(1 - alpha / 2), bound(alpha / 2))
