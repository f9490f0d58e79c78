"""What happens once a family is allocated: the intervention, and the outcomes it changes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import HazardPerYear, HoursPerWeek, IntervalWeeks, Real, Share, Strict, Weeks, WeeksOrZero, number, whole
from .distributions import Distribution, Gamma


class Intervention(Strict):
    """The support a family receives.

    Durations are drawn from ``duration_weeks`` and cut at ``cap_weeks`` (002: 26 weeks),
    unless an extension is approved (``extension_probability``), which adds ``extension_weeks``.
    ``disengagement_per_week`` is the weekly hazard that a family stops engaging.

    Worker time: ``direct_hours_per_week`` + ``indirect_hours_per_week`` when given (which then
    replace ``hours_per_week``); otherwise ``hours_per_week`` split per family around
    ``workforce.direct_work_share``. Plan reviews fall every ``review_interval_weeks`` of
    support and take ``review_hours`` each, by the worker who holds the case.
    """

    duration_weeks: Distribution = Field(default_factory=lambda: Gamma(mean=20, sd=8))
    cap_weeks: Weeks | None = None
    extension_probability: Share = 0.0
    extension_weeks: WeeksOrZero = 0.0
    review_interval_weeks: IntervalWeeks | None = None
    disengagement_per_week: Share = 0.0
    hours_per_week: HoursPerWeek = Field(default=3.0, description="worker hours per family per week")
    direct_hours_per_week: number(ge=0.0, le=168.0) | None = Field(
        default=None, description="direct (face-to-face) worker hours per family per week of support"
    )
    indirect_hours_per_week: number(ge=0.0, le=168.0) | None = Field(
        default=None, description="indirect worker hours (travel, recording, planning) per family per week"
    )
    review_hours: number(ge=0.0, le=100.0) = Field(default=0.0, description="worker hours per plan review (direct work)")
    step_up_share: Share = Field(default=0.0, description="share of exits stepped up to statutory care")
    step_down_share: Share = Field(default=0.0, description="share of exits stepped down to universal services")

    @model_validator(mode="after")
    def _hours_split(self) -> "Intervention":
        if (self.direct_hours_per_week is None) != (self.indirect_hours_per_week is None):
            raise ValueError("give both direct_hours_per_week and indirect_hours_per_week, or neither")
        if self.direct_hours_per_week is not None and self.direct_hours_per_week + self.indirect_hours_per_week <= 0:
            raise ValueError("direct_hours_per_week + indirect_hours_per_week must be positive")
        return self

    @property
    def support_hours_per_week(self) -> float:
        """Worker hours per family per week of support: direct + indirect when split, else ``hours_per_week``."""
        if self.direct_hours_per_week is not None:
            return self.direct_hours_per_week + self.indirect_hours_per_week
        return self.hours_per_week


class CareOutcome(Strict):
    """Care entry for one sub-cohort (edge-of-care services).

    Hazards are annual rates of entering care (or remand). The counterfactual hazard is the
    rate without the service: savings from care avoided are measured against it.
    """

    hazard_during_support_per_year: HazardPerYear = 0.0
    hazard_after_support_per_year: HazardPerYear = 0.0
    counterfactual_hazard_per_year: HazardPerYear = 0.0
    spell_days: Distribution = Field(default_factory=lambda: Gamma(mean=120, sd=150))
    remand_share: Share = Field(default=0.05, description="share of spells that are remand")
    days_to_return_home: Distribution | None = Field(
        default=None, description="reunification: days from engagement to the return home"
    )


class ToolArea(Strict):
    """One scored area of an assessment tool, as ``evaluation/tools.py`` registers it.

    The simulation cannot import the evaluation's tool registry, so each scenario carries its
    tools' areas; ``tests/simulate/kpis/test_scenario_tools.py`` checks they agree with it.
    """

    name: str
    higher_is_better: bool
    min_score: whole(ge=-1000, le=1000)
    max_score: whole(ge=-1000, le=1000)


class DistanceChange(Strict):
    """Expected change in one assessment tool (its total over ``areas``, or one named area).

    ``mean_change``/``sd_change`` are follow-up minus baseline in raw score points (MACA falls
    as things improve, so its improvement is a negative change); the direction of improvement
    is each area's ``higher_is_better``, never the sign of ``mean_change``. Per-area scores:
    baselines are drawn around ``baseline_mean`` (default: the scale's midpoint), the total
    change is shared out across the areas with correlation ``area_correlation``, and scores
    are whole points within the scale (docs/kpis.md). ``use_share`` is the share of children
    for whom the tool is used (entries naming the same tool share one draw); ``respondent``
    says whether the child or the family fills it in (000 reports them separately).
    """

    tool: str
    area: str = "total"
    mean_change: number(ge=-1000.0, le=1000.0, description="points on the tool's scale")
    sd_change: number(gt=0.0, le=1000.0, description="points on the tool's scale")
    follow_up_share: Share = Field(default=0.8, description="share with a follow-up assessment")
    respondent: Literal["child", "family"] = "child"
    use_share: Share = Field(default=1.0, description="share of children assessed with this tool")
    areas: list[ToolArea] = Field(default_factory=list, description="the tool's areas (or the one named area) with their direction and scale")
    baseline_mean: number(ge=-1000.0, le=1000.0) | None = Field(default=None, description="mean baseline score per area (points; default the scale's midpoint)")
    baseline_sd: number(gt=0.0, le=1000.0) | None = Field(default=None, description="SD of baseline scores per area (points; default a sixth of the range)")
    area_correlation: float = Field(default=0.5, ge=0.0, lt=1.0, description="correlation of the areas' changes")

    @model_validator(mode="after")
    def _areas(self) -> "DistanceChange":
        if not self.areas:
            raise ValueError(f"tool {self.tool!r}: list its areas with higher_is_better, min_score and max_score "
                             "(the direction of improvement belongs to the tool, not to the sign of mean_change)")
        if self.area != "total" and [a.name for a in self.areas] != [self.area]:
            raise ValueError(f"area {self.area!r}: list exactly that area under areas")
        if len({a.higher_is_better for a in self.areas}) > 1:
            raise ValueError(f"tool {self.tool!r}: its areas improve in different directions; give one entry per area")
        return self

    @property
    def higher_is_better(self) -> bool:
        """Direction of the entry's total (every area shares it)."""
        return self.areas[0].higher_is_better


class Outcomes(Strict):
    """Outcome processes: care entry by sub-cohort (or ``all``), and distance travelled."""

    care: dict[str, CareOutcome] = Field(default_factory=dict)
    distance_travelled: list[DistanceChange] = Field(default_factory=list)
    unauthorised_absence_reduction: Share = Field(
        default=0.0, description="expected fractional fall in unauthorised absence days"
    )
    reading_gain_beyond_forecast_years: number(ge=-20.0, le=20.0, description="years of reading age") = 0.0
    exit_strategy_probability: Share | None = Field(
        default=None, description="per family ending support: an agreed exit strategy was in place (002 matrix); not modelled when omitted")
    wellbeing_plan_probability: Share | None = Field(
        default=None, description="per family completing: a Family Wellbeing Plan was in place (002 matrix); not modelled when omitted")
    positive_feedback_probability: Share | None = Field(
        default=None, description="per family ending support: its feedback is positive (003 KPI 21); not modelled when omitted")

    @model_validator(mode="after")
    def _tool_use(self) -> "Outcomes":
        shares: dict[str, float] = {}
        for d in self.distance_travelled:
            if shares.setdefault(d.tool, d.use_share) != d.use_share:
                raise ValueError(f"distance_travelled: entries of tool {d.tool!r} give different use_share values")
        partial = sum(v for v in shares.values() if v < 1.0)
        if partial > 1.0 + 1e-9:
            raise ValueError(f"distance_travelled: tools with use_share below 1 are alternatives (one per child) and their shares sum to {partial:.3g} > 1")
        return self
