"""Draws from a scenario's distributions, unconditionally or given that a value already exceeds
a bound (a period away that has lasted ``a`` days continues with ``L | L > a``).

Distributions are the scenario's dumped dictionaries (``{"dist": "gamma", "mean": .., "sd": ..}``),
parametrised as :mod:`simulate.stress.cohort` reads them (gamma by mean and sd, lognormal by the
mean and sd of the value).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats


def frozen(dist: dict):
    """The scipy distribution of a scenario distribution dictionary (built once per distinct one:
    freezing a scipy distribution costs more than drawing from it)."""
    return _frozen(tuple(sorted((k, v) for k, v in dist.items() if not isinstance(v, (dict, list)))))


@lru_cache(maxsize=64)
def _frozen(items: tuple):
    dist = dict(items)
    kind = dist["dist"]
    if kind == "fixed":
        return None
    if kind == "exponential":
        return stats.expon(scale=dist["mean"])
    if kind == "gamma":
        shape = (dist["mean"] / dist["sd"]) ** 2
        return stats.gamma(shape, scale=dist["mean"] / shape)
    if kind == "lognormal":
        s2 = np.log1p((dist["sd"] / dist["mean"]) ** 2)
        return stats.lognorm(np.sqrt(s2), scale=np.exp(np.log(dist["mean"]) - s2 / 2))
    if kind == "uniform":
        return stats.uniform(dist["low"], dist["high"] - dist["low"])
    if kind == "triangular":
        width = dist["high"] - dist["low"]
        return stats.triang((dist["mode"] - dist["low"]) / width if width > 0 else 0.5, loc=dist["low"], scale=width)
    raise ValueError(f"unknown distribution {kind!r}")


def draw(dist: dict | None, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` values (0 for ``None``)."""
    if dist is None:
        return np.zeros(size)
    if dist["dist"] == "fixed":
        return np.full(size, float(dist["value"]))
    if dist["dist"] == "gamma":
        shape = (dist["mean"] / dist["sd"]) ** 2
        return rng.gamma(shape, dist["mean"] / shape, size)
    return frozen(dist).rvs(size=size, random_state=rng)


def draw_above(dist: dict | None, above: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One value per bound, each drawn given it exceeds ``above[i]`` (inverse CDF on the tail).

    A fixed value already passed (or a tail of probability zero) gives the bound itself: the
    period ends at once.
    """
    above = np.asarray(above, float)
    if dist is None:
        return above.copy()
    if dist["dist"] == "fixed":
        return np.maximum(float(dist["value"]), above)
    d = frozen(dist)
    lo = d.cdf(above)
    u = rng.random(len(above))
    out = d.ppf(lo + u * (1.0 - lo))
    return np.where(np.isfinite(out) & (out >= above), out, above)


__all__ = ["draw", "draw_above", "frozen"]
