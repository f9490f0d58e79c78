"""Shared building blocks of the scenario model: strict models and checked fractions."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Unknown keys are errors (a typo must never become a silent default) and scenarios are
# values: once validated they are not mutated, so stress tests copy them with overrides.
STRICT = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Strict(BaseModel):
    """Base of every scenario section: unknown keys rejected, immutable once built."""

    model_config = STRICT


Share = Annotated[float, Field(ge=0.0, le=1.0, description="a fraction between 0 and 1")]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Money = Annotated[float, Field(ge=0.0, description="pounds sterling (£)")]

SHARE_TOLERANCE = 1e-6


def shares_sum_to_one(values: dict[object, float] | list[float]) -> bool:
    """Return True when the shares add up to 1 within rounding of a YAML file."""
    items = list(values.values()) if isinstance(values, dict) else list(values)
    return abs(sum(items) - 1.0) <= 1e-3 if items else True


def require_shares(value: dict, what: str = "shares") -> dict:
    """Validator body: raise unless the mapping's values sum to 1 (``what`` names them)."""
    if not shares_sum_to_one(value):
        raise ValueError(f"{what} must sum to 1 (they sum to {sum(value.values()):.4g})")
    return value
