"""Shared building blocks of the scenario model: strict models and bounded numbers.

Every number a scenario holds is finite, is a number (YAML's ``yes``/``no``/``on``/``off`` are
booleans and are never read as 1 or 0; ``"3"`` is text, not 3) and lies within what a real
service could be. The bounds are generous on purpose: they exist so that a value that
validates can never crash or exhaust memory later, not to second-guess an analyst. Every
bound is listed in ``docs/scenarios.md`` ("Bounds").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

# Unknown keys are errors (a typo must never become a silent default) and scenarios are
# values: once validated they are not mutated, so stress tests copy them with overrides.
STRICT = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Strict(BaseModel):
    """Base of every scenario section: unknown keys rejected, immutable once built."""

    model_config = STRICT


def number_not_bool(value: Any) -> Any:
    """Before-validator of every numeric field: refuse booleans and text.

    Pydantic's lax mode reads ``True`` as 1 and ``"3"`` as 3; YAML 1.1 reads ``yes``, ``on``
    and ``true`` as ``True``. A scenario saying ``cap_weeks: yes`` means something, but not
    "one week", so it is an error. Integers and NumPy numbers pass (``26`` for a float field).
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not the yes/no value {str(value).lower()} (YAML reads yes, no, on, off, true and false as yes/no)")
    if isinstance(value, (str, bytes)):
        raise ValueError("must be a number, not text (remove the quotes)")
    return value


_NUMBER = BeforeValidator(number_not_bool)


def number(ge: float | None = None, le: float | None = None, gt: float | None = None, description: str | None = None) -> Any:
    """``Annotated`` float: a finite number (not a boolean, not text) within the given bounds."""
    # constraints first, so pydantic-core checks them natively inside the before-validator
    return Annotated[float, Field(ge=ge, le=le, gt=gt, allow_inf_nan=False, description=description), _NUMBER]


def whole(ge: int | None = None, le: int | None = None, gt: int | None = None, description: str | None = None) -> Any:
    """``Annotated`` int within bounds; booleans and text are refused (``24.0`` is read as 24)."""
    return Annotated[int, Field(ge=ge, le=le, gt=gt, description=description), _NUMBER]


# -- generic -----------------------------------------------------------------------------------
Share = number(ge=0.0, le=1.0, description="a fraction between 0 and 1")
NonNegative = number(ge=0.0, le=1e9, description="a finite number from 0 to 1e9")
Positive = number(gt=0.0, le=1e9, description="a finite number above 0, at most 1e9")
Real = number(ge=-1e9, le=1e9, description="a finite number between -1e9 and 1e9")
Bool = StrictBool  # true/false only: 1 and 0 are numbers, not yes/no

# -- money (pounds sterling) -------------------------------------------------------------------
Money = number(ge=0.0, le=1e9, description="pounds sterling (£), at most £1bn")
Price = number(ge=0.0, le=1e6, description="pounds sterling (£) per child, case, FTE-year or week; at most £1m")

# -- volumes, staff and time -------------------------------------------------------------------
PerYearVolume = number(ge=0.0, le=100_000.0, description="referrals or births per year, at most 100,000")
Fte = number(ge=0.0, le=10_000.0, description="full-time equivalents, at most 10,000")
Caseload = number(gt=0.0, le=1_000.0, description="open cases one FTE holds, at most 1,000")
HoursPerWeek = number(gt=0.0, le=168.0, description="hours a week (there are 168)")
HazardPerYear = number(ge=0.0, le=100.0, description="events per child-year, at most 100")
Weeks = number(gt=0.0, le=520.0, description="weeks, above 0 and at most 520 (10 years)")
WeeksOrZero = number(ge=0.0, le=520.0, description="weeks, 0 to 520 (10 years)")
IntervalWeeks = number(ge=1.0, le=520.0, description="weeks between repeated events, 1 to 520")
Days = number(gt=0.0, le=3_653.0, description="days, above 0 and at most 3,653 (10 years)")
DaysOrZero = number(ge=0.0, le=3_653.0, description="days, 0 to 3,653 (10 years)")
IntDays = whole(ge=0, le=3_653, description="whole days, 0 to 3,653 (10 years)")
Months = whole(gt=0, le=240, description="whole months, 1 to 240 (20 years)")
DistributionValue = number(ge=0.0, le=100_000.0, description="a duration or score, 0 to 100,000 in the field's unit")
DistributionScale = number(gt=0.0, le=100_000.0, description="a mean or SD, above 0 and at most 100,000 in the field's unit")

# Contracts Cusp models run in this century; the bound keeps calendar arithmetic in range.
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
ContractDate = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]

# The most arrivals (referral candidates, or births of a universal service) one replication may
# draw: a day-by-day simulation holds a few arrays of this length (about 1 GB at the limit).
MAX_ARRIVALS_PER_REPLICATION = 5_000_000

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
