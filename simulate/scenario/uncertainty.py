"""Uncertainty ranges and named stresses for stress tests.

A ``parameter`` is a dotted key path into the scenario (``referrals.volume_multiplier``,
``outcomes.care.all.hazard_after_support_per_year``); the scenario checks that it names a
number that exists.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .base import Real, Strict, number, whole


class UncertainRange(Strict):
    """A range an uncertain input is drawn from in stress tests."""

    parameter: str
    low: Real
    high: Real
    mode: Real | None = None
    distribution: Literal["uniform", "triangular"] = "uniform"
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "UncertainRange":
        if self.high < self.low:
            raise ValueError("high must not be below low")
        if self.distribution == "triangular" and (self.mode is None or not self.low <= self.mode <= self.high):
            raise ValueError("a triangular range needs low <= mode <= high")
        return self


class Stress(Strict):
    """A named what-if an investor asks about: key paths set to new values."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)
    effects: dict[Literal["stability_success_multiplier", "care_hazard_multiplier"], number(ge=0.0, le=10.0)] = Field(
        default_factory=dict,
        description="stress-engine effects that are not scenario values: 0.8 = stability success 20% lower",
    )

    @model_validator(mode="after")
    def _something(self) -> "Stress":
        if not self.overrides and not self.effects:
            raise ValueError("a stress needs overrides or effects")
        return self


class Touchpoint(Strict):
    """A mandated universal contact (001): due between ``due_from_days`` and ``due_to_days`` of age."""

    name: str
    due_from_days: whole(ge=-280, le=7_000) = Field(description="age in days; negative = before birth")
    due_to_days: whole(ge=-280, le=7_000)
    minutes: number(gt=0.0, le=1_440.0) = Field( description="practitioner time per contact")

    @model_validator(mode="after")
    def _ordered(self) -> "Touchpoint":
        if self.due_to_days < self.due_from_days:
            raise ValueError("due_to_days must not be before due_from_days")
        return self


class Universal(Strict):
    """A universal service's birth cohort and its mandated contacts (001)."""

    births_per_year: number(gt=0.0, le=100_000.0) = Field(description="births per year, at most 100,000")
    contacts: list[Touchpoint] = Field(min_length=1)
    completion_probability: number(ge=0.0, le=1.0) = 0.95
