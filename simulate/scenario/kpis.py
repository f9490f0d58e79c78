"""KPI targets and the registry of metrics the toolkit knows how to compute."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import Real, Strict

# Every metric a target may name: what it measures and its unit. The flow simulation and the
# evaluation compute these by name, so a target naming anything else is a scenario error.
KPI_METRICS: dict[str, str] = {
    "referrals": "referrals received (count)",
    "families_started": "families starting support (count)",
    "share_contacted_within_target": "share first contacted within the contact target (fraction)",
    "share_assessed_within_target": "share assessed within the assessment target (fraction)",
    "share_started_within_target": "share starting support within the start target (fraction)",
    "mean_wait_to_assessment_working_days": "mean wait from referral to assessment (working days)",
    "longest_wait_to_assessment_working_days": "longest wait from referral to assessment (working days)",
    "mean_wait_to_start_working_days": "mean wait from referral to start of support (working days)",
    "longest_wait_to_start_working_days": "longest wait from referral to start (working days)",
    "hours_delivered": "worker hours delivered (hours)",
    "direct_work_share": "share of hours that are direct work (fraction)",
    "share_completed": "share of exits that completed the intervention (fraction)",
    "mean_duration_weeks": "mean intervention length (weeks)",
    "reviews": "plan reviews done (count)",
    "share_improved": "share improved on distance travelled (fraction)",
    "share_improved_all_areas": "share improved in every area (fraction)",
    "utilisation": "open cases over capacity (fraction)",
    "coverage_within_window": "share of mandated contacts done within their window (fraction)",
    "share_out_of_care": "share of children not in care at the period's end (fraction)",
}


class KpiTarget(Strict):
    """A target a commissioner sets: ``metric`` compared with ``threshold`` over ``period``."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    metric: str
    comparison: Literal[">=", "<=", ">", "<"] = ">="
    threshold: Real
    period: Literal["quarter", "year", "rolling_12_months", "contract"] = "year"
    district: str | None = None
    source: str = Field(default="", description="where the target comes from (section of the specification)")

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KPI_METRICS:
            raise ValueError(f"unknown KPI metric {value!r}; known metrics: {', '.join(sorted(KPI_METRICS))}")
        return value

    def met(self, value: float) -> bool:
        """Return whether ``value`` meets the target."""
        return {
            ">=": value >= self.threshold,
            "<=": value <= self.threshold,
            ">": value > self.threshold,
            "<": value < self.threshold,
        }[self.comparison]
