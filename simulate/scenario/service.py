"""Who the service is for and how they arrive: horizon, sub-cohorts, districts, referrals, triage."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import ContractDate, Days, DaysOrZero, Money, PerYearVolume, Share, Strict, Weeks, number, whole, require_shares


class Horizon(Strict):
    """When the service runs.

    Referrals are accepted for ``referral_months`` from ``start_date``; outcomes are then
    tracked for a further ``tracking_months`` (004 §1.9: five years of referrals and two more
    years for outcomes to be realised).
    """

    start_date: ContractDate = Field(description="operational start of the contract")
    referral_months: whole(gt=0, le=240) = Field(description="months during which referrals are accepted")
    tracking_months: whole(ge=0, le=120) = Field(description="months of outcome tracking after referrals close")

    @property
    def referral_end(self) -> dt.date:
        """First day after the referral window (exclusive end)."""
        return add_months(self.start_date, self.referral_months)

    @property
    def contract_end(self) -> dt.date:
        """First day after the contract (exclusive end): nothing falls due on or after it."""
        return add_months(self.start_date, self.referral_months + self.tracking_months)

    @property
    def total_months(self) -> int:
        return self.referral_months + self.tracking_months


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class AgeRange(Strict):
    """Inclusive range of ages in whole years."""

    min_years: whole(ge=0, le=25)
    max_years: whole(ge=0, le=25)

    @model_validator(mode="after")
    def _ordered(self) -> "AgeRange":
        if self.max_years < self.min_years:
            raise ValueError("max_years must not be below min_years")
        return self

    def contains(self, other: "AgeRange") -> bool:
        return self.min_years <= other.min_years and other.max_years <= self.max_years

    def __str__(self) -> str:
        return f"{self.min_years}-{self.max_years}"


class SubCohort(Strict):
    """A group the service is commissioned for, with its own referral rate and outcomes.

    ``kind`` decides when outcome tracking starts: at engagement for ``diversion`` and
    ``general`` cohorts, at the return home for ``reunification`` cohorts (004 §9.2.1).
    """

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: Literal["diversion", "reunification", "general", "universal"] = "general"
    ages: AgeRange
    description: str = ""


class District(Strict):
    """A geographical area the service covers.

    ``referral_share`` splits referral streams that do not name a district; the indicative
    ``capacity_families_per_year`` and ``annual_value_gbp`` come from specifications that
    give them per district (000 §3 table).
    """

    name: str
    referral_share: Share | None = None
    capacity_families_per_year: PerYearVolume | None = None
    annual_value_gbp: Money | None = None
    ethnicity_mix: dict[str, Share] | None = Field(
        default=None, description="share of referred children by ethnic group; sums to 1"
    )

    @field_validator("ethnicity_mix")
    @classmethod
    def _mix_sums(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return value if value is None else require_shares(value)


class ReferralStream(Strict):
    """Expected referrals per year for one sub-cohort (and age band, and district if named).

    A stream with no ``district`` is split across districts by their ``referral_share``.
    """

    sub_cohort: str
    per_year: PerYearVolume = Field(description="expected referrals per year")
    ages: AgeRange | None = Field(default=None, description="age band within the sub-cohort")
    district: str | None = None


class Referrals(Strict):
    """How referrals arrive and are screened.

    ``seasonality`` holds twelve monthly multipliers (January first) whose mean is 1, so the
    annual rate is kept while August can be quiet. ``annual_trend`` is the fractional change
    in the rate per year (0.05 = 5% more each year).
    """

    streams: list[ReferralStream] = Field(min_length=1)
    volume_multiplier: number(ge=0.0, le=1_000.0) = Field(
        default=1.0, description="scales every stream: 0.7 is referrals 30% below plan"
    )
    annual_trend: number(ge=-0.5, le=1.0) = 0.0
    seasonality: list[number(ge=0.0, le=12.0)] | None = Field(default=None, min_length=12, max_length=12)
    acceptance_probability: Share = 1.0
    sources: dict[str, Share] = Field(default_factory=lambda: {"any": 1.0})
    need_mix: dict[Literal[2, 3, 4], Share] = Field(
        default_factory=lambda: {3: 1.0},
        description="share of referrals at each Continuum of Need level (2, 3, 4)",
    )

    @field_validator("seasonality")
    @classmethod
    def _mean_one(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and abs(sum(value) / 12 - 1.0) > 1e-3:
            raise ValueError(f"monthly multipliers must average 1 (they average {sum(value) / 12:.4g})")
        return value

    @field_validator("sources", "need_mix")
    @classmethod
    def _shares(cls, value: dict) -> dict:
        if not value:
            raise ValueError("must name at least one entry")
        return require_shares(value)


class Triage(Strict):
    """Triage, waiting and response targets.

    ``policy``: ``priority`` serves the highest Continuum of Need level first, first come first
    served within a level; ``fifo`` ignores need; ``no_waiting_list`` returns a referral that
    finds no capacity to the central team, counted as unallocated (002 §4.9 "no waiting list").
    Targets are in working days (weekends and English bank holidays excluded) unless the field
    says weeks.

    First contact and assessment are each either a fixed random delay (Poisson working days,
    ``*_delay_working_days``: today's model, no staff time) or, when ``contact_hours`` /
    ``assessment_hours`` is set, a **staff-limited stage**: the referral waits the fixed delay
    (the time to reach the family, which no staffing shortens), then queues first come first
    served for the intake team (``workforce.intake_share`` of the team's hours), and the contact
    or assessment is done when a worker has spent its hours on it (see ``docs/flow.md``).
    """

    policy: Literal["priority", "fifo", "no_waiting_list"] = "priority"
    priority_ageing_weeks: Weeks | None = Field(
        default=None, description="a waiting case rises one need level per this many weeks"
    )
    patience_days: Days | None = Field(
        default=None, description="mean days a family waits before disengaging (exponential)"
    )
    contact_target_working_days: Days | None = None
    assessment_target_working_days: Days | None = None
    start_target_working_days: Days | None = None
    start_target_weeks: Weeks | None = None
    contact_delay_working_days: DaysOrZero = Field(
        default=2.0, description="typical working days from referral to first contact"
    )
    assessment_delay_working_days: DaysOrZero = Field(
        default=5.0, description="typical working days from first contact to assessment"
    )
    contact_hours: number(gt=0.0, le=1000.0) | None = Field(
        default=None,
        description="worker hours per first contact; when set, contact is a staff-limited stage "
        "served from the intake share of the workforce (None: a fixed delay, not staff time)",
    )
    assessment_hours: number(gt=0.0, le=1000.0) | None = Field(
        default=None,
        description="worker hours per assessment; when set, assessment is a staff-limited stage",
    )
