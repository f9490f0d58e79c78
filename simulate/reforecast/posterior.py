"""Conjugate gamma–Poisson updates: the scenario's rate as the prior, the data so far as evidence.

A Poisson count ``n`` over an exposure ``E`` (days, or expected events) with a Gamma(shape
``a``, rate ``b``) prior on the rate gives a Gamma(``a + n``, ``b + E``) posterior. The prior's
strength is stated as the exposure it is worth: ``b``. A prior worth ``k`` months of referrals
at the planned rate ``λ0`` per day is Gamma(``λ0 · k · 30.44``, ``k · 30.44``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class GammaRate:
    """A gamma distribution on a rate: ``shape`` and ``rate`` (mean = shape / rate)."""

    shape: float
    rate: float

    @property
    def mean(self) -> float:
        return self.shape / self.rate

    @property
    def sd(self) -> float:
        return float(np.sqrt(self.shape) / self.rate)

    def update(self, events: float, exposure: float) -> "GammaRate":
        """The posterior after ``events`` Poisson events over ``exposure``."""
        return GammaRate(self.shape + float(events), self.rate + float(exposure))

    def draw(self, rng: np.random.Generator) -> float:
        """One rate drawn from the distribution (0 when the shape is 0)."""
        return float(rng.gamma(self.shape, 1.0 / self.rate)) if self.shape > 0 else 0.0


def rate_prior(rate_per_day: float, months: float) -> GammaRate:
    """A prior on a rate per day centred on ``rate_per_day``, worth ``months`` months of exposure."""
    days = months * DAYS_PER_MONTH
    return GammaRate(rate_per_day * days, days)


def multiplier_prior(expected_events: float) -> GammaRate:
    """A prior on a hazard multiplier centred on 1, worth ``expected_events`` expected events.

    Evidence is then (observed events, events the scenario's hazard expected over the same
    exposure): the posterior mean is ``(k + observed) / (k + expected)``.
    """
    return GammaRate(expected_events, expected_events)


__all__ = ["DAYS_PER_MONTH", "GammaRate", "multiplier_prior", "rate_prior"]
