"""Probability distributions a scenario can name for durations and scores.

Parameters are unitless; the field that holds a distribution names the unit
(``duration_weeks``, ``spell_days``). Each distribution samples from a caller's
:class:`numpy.random.Generator`, never from global state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import Field, model_validator

from .base import DistributionScale, DistributionValue, Strict

if TYPE_CHECKING:  # numpy is imported where a draw is made: `cusp scenario list` starts without it
    import numpy as np


class Fixed(Strict):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: DistributionValue

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        return np.full(size, float(self.value))


class _ByMean(Strict):
    """A distribution given by its mean (the YAML key ``mean``)."""

    mean_value: DistributionScale = Field(alias="mean")

    model_config = Strict.model_config | {"populate_by_name": True}

    @property
    def mean(self) -> float:
        return self.mean_value


class _ByMeanSd(_ByMean):
    """A distribution given by its mean and standard deviation."""

    sd: DistributionScale

    @model_validator(mode="after")
    def _spread(self) -> "_ByMeanSd":
        # A gamma's shape is (mean / sd)²: outside this band it overflows or collapses to 0.
        if not self.mean_value / 1000 <= self.sd <= self.mean_value * 1000:
            raise ValueError("sd must lie between mean / 1000 and mean × 1000")
        return self


class Exponential(_ByMean):
    """Memoryless durations with the given mean."""

    dist: Literal["exponential"] = "exponential"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_value, size)


class Gamma(_ByMeanSd):
    """Right-skewed durations given by mean and standard deviation."""

    dist: Literal["gamma"] = "gamma"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = (self.mean_value / self.sd) ** 2
        return rng.gamma(shape, self.mean_value / shape, size)


class LogNormal(_ByMeanSd):
    """Durations whose logarithm is normal, given by the mean and SD on the natural scale."""

    dist: Literal["lognormal"] = "lognormal"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        sigma2 = np.log1p((self.sd / self.mean_value) ** 2)
        mu = np.log(self.mean_value) - sigma2 / 2
        return rng.lognormal(mu, np.sqrt(sigma2), size)


class Uniform(Strict):
    """Equally likely between low and high."""

    dist: Literal["uniform"] = "uniform"
    low: DistributionValue
    high: DistributionValue

    @model_validator(mode="after")
    def _ordered(self) -> "Uniform":
        if self.high < self.low:
            raise ValueError("high must not be below low")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


class Triangular(Strict):
    """Three-point estimate: low, most likely, high."""

    dist: Literal["triangular"] = "triangular"
    low: DistributionValue
    mode: DistributionValue
    high: DistributionValue

    @model_validator(mode="after")
    def _ordered(self) -> "Triangular":
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)


Distribution = Annotated[
    Union[Fixed, Exponential, Gamma, LogNormal, Uniform, Triangular],
    Field(discriminator="dist"),
]
