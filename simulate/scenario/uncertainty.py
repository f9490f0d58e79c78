"""Uncertainty ranges and named stresses for stress tests.

A ``parameter`` is a dotted key path into the scenario (``referrals.volume_multiplier``,
``outcomes.care.all.hazard_after_support_per_year``); the scenario checks that it names a
number that exists.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .base import Strict


class UncertainRange(Strict):
    """A range an uncertain input is drawn from in stress tests."""

    parameter: str
    low: float
    high: float
    mode: float | None = None
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
    effects: dict[Literal["stability_success_multiplier", "care_hazard_multiplier"], float] = Field(
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
    due_from_days: int
    due_to_days: int
    minutes: float = Field(gt=0, description="practitioner time per contact")

    @model_validator(mode="after")
    def _ordered(self) -> "Touchpoint":
        if self.due_to_days < self.due_from_days:
            raise ValueError("due_to_days must not be before due_from_days")
        return self


class Universal(Strict):
    """A universal service's birth cohort and its mandated contacts (001)."""

    births_per_year: float = Field(gt=0)
    contacts: list[Touchpoint] = Field(min_length=1)
    completion_probability: float = Field(default=0.95, ge=0, le=1)
