"""Who does the work: FTE, caseload caps, hours, vacancies, a staffing schedule and unit costs."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from .base import Caseload, ContractDate, Fte, HoursPerWeek, Price, Share, Strict, number


class StaffingChange(Strict):
    """A change to the workforce on a date: recruitment, a team lost, a restructure.

    Give either ``fte`` (the new level) or ``fte_change`` (added or, when negative, removed).
    ``district`` is omitted for a pooled workforce.
    """

    date: ContractDate
    district: str | None = None
    fte: Fte | None = None
    fte_change: number(ge=-10_000.0, le=10_000.0) | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_of(self) -> "StaffingChange":
        if (self.fte is None) == (self.fte_change is None):
            raise ValueError("give exactly one of fte and fte_change")
        return self


class Workforce(Strict):
    """The staff that hold cases.

    Either ``pooled_fte`` (one team serving every district) or ``fte_by_district``. Effective
    capacity is FTE × (1 − vacancy rate) × (1 − leave share) × caseload cap per FTE.
    ``reduction_rule`` says what happens to open cases when FTE falls below the caseload:
    ``finish_with_worker`` lets them run to completion (no new allocations until below the
    cap), ``reallocate`` moves them to remaining staff, queueing at the head of the list.

    ``intake_share`` of the available hours (FTE × (1 − vacancy) × (1 − leave) ×
    ``hours_per_fte_per_week``) serves the staff-limited contact and assessment stages; the
    caseload cap is taken to be net of it.
    """

    pooled_fte: Fte | None = None
    fte_by_district: dict[str, Fte] | None = None
    caseload_cap_per_fte: Caseload = Field(description="open cases one FTE can hold")
    hours_per_fte_per_week: HoursPerWeek = 37.0
    direct_work_share: Share = Field(default=0.75, description="share of hours spent with families")
    intake_share: Share | None = Field(
        default=None,
        description="share of the team's available hours set aside for first contacts and "
        "assessments (duty/intake); needed when triage.contact_hours or assessment_hours is set",
    )
    vacancy_rate: Share = 0.0
    leave_share: Share = Field(default=0.0, description="share of time lost to leave and sickness")
    schedule: list[StaffingChange] = Field(default_factory=list)
    reduction_rule: Literal["finish_with_worker", "reallocate"] = "finish_with_worker"
    cost_per_fte_gbp_per_year: Price = Field(description="salary, on-costs and overheads per FTE")
    cost_per_case_gbp: Price = 0.0

    @model_validator(mode="after")
    def _pooled_or_by_district(self) -> "Workforce":
        if (self.pooled_fte is None) == (self.fte_by_district is None):
            raise ValueError("give exactly one of pooled_fte and fte_by_district")
        dates = [change.date for change in self.schedule]
        if dates != sorted(dates):
            raise ValueError("schedule dates must be in order")
        return self

    @property
    def pooled(self) -> bool:
        return self.pooled_fte is not None

    @property
    def total_fte(self) -> float:
        return self.pooled_fte if self.pooled_fte is not None else sum(self.fte_by_district.values())
