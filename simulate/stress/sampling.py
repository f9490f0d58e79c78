"""Draws of a scenario's uncertain inputs and the random stream of every draw.

Each draw ``i`` of a run with seed ``s`` has its own stream, ``SeedSequence(s, spawn_key=(1, i))``
(the ``i``-th child of the run's seed, built directly so a draw never depends on how many draws
came before it or which worker runs it); the design of input values uses
``SeedSequence(s, spawn_key=(0,))``. Results are therefore identical for any number of jobs and
on a cluster.
"""

from __future__ import annotations

import numpy as np

from ..finance.errors import StressError
from ..scenario import Scenario, UncertainRange, with_overrides


def draw_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The independent seed sequence of draw ``index`` of a run seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(1, int(index)))


def draw_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of draw ``index`` (PCG64 on :func:`draw_seed`)."""
    return np.random.Generator(np.random.PCG64(draw_seed(seed, index)))


def to_values(u: np.ndarray, ranges: list[UncertainRange]) -> np.ndarray:
    """Map points of the unit cube (``draws × inputs``) to input values by each range's distribution."""
    from scipy.stats import triang

    out = np.empty_like(u, dtype=float)
    for j, r in enumerate(ranges):
        width = r.high - r.low
        if r.distribution == "triangular" and width > 0:
            out[:, j] = triang.ppf(u[:, j], (r.mode - r.low) / width, loc=r.low, scale=width)
        else:
            out[:, j] = r.low + u[:, j] * width
    return out


METHODS = ("lhs", "mc", "sobol")


def design(ranges: list[UncertainRange], draws: int, seed: int, method: str = "lhs", start: int = 0) -> np.ndarray:
    """Input values of draws ``start .. start + draws - 1`` (``draws × len(ranges)``).

    Parameters
    ----------
    method
        ``lhs`` (Latin hypercube, :class:`scipy.stats.qmc.LatinHypercube`), ``mc`` (plain
        Monte Carlo) or ``sobol`` (scrambled Sobol' points, :class:`scipy.stats.qmc.Sobol`).
        With ``mc`` and ``sobol`` draw ``i`` depends only on the seed and ``i`` (row ``i`` of
        the same stream or sequence whatever the number of draws), so a run can be extended
        (``start`` > 0); a Latin hypercube is stratified over the run's own number of draws
        and cannot be.
    """
    if draws < 1:
        raise StressError(f"--draws: must be at least 1 (got {draws})")
    if method not in METHODS:
        raise StressError(f"--method: {method!r} is not one of {', '.join(METHODS)}")
    if start and method == "lhs":
        raise StressError("--resume: a Latin hypercube run cannot be extended; run with --method mc or sobol")
    if not ranges:
        return np.empty((draws, 0))
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,))))
    from scipy.stats import qmc

    if method == "lhs":
        u = qmc.LatinHypercube(d=len(ranges), rng=rng).random(draws)
    elif method == "mc":
        u = rng.random((start + draws, len(ranges)))[start:]
    else:
        import warnings

        with warnings.catch_warnings():     # balance properties want powers of two; any count is valid
            warnings.simplefilter("ignore", UserWarning)
            u = qmc.Sobol(d=len(ranges), scramble=True, rng=rng).random(start + draws)[start:]
    return to_values(u, ranges)


def check_ranges(scenario: Scenario, ranges: list[UncertainRange]) -> None:
    """Validate each range once at its low and high ends through the scenario model.

    Raises
    ------
    simulate.errors.ScenarioError
        Naming the key path when an end of a range makes the scenario invalid.
    """
    for r in ranges:
        for value in (r.low, r.high):
            with_overrides(scenario, {r.parameter: value})
