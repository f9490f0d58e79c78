"""Payment mechanisms: how the commissioner pays for the service (a tagged union on ``kind``).

- ``sib_edge_of_care``: 100% payment by results per referred child (004 §9);
- ``payment_by_results``: an up-front share plus a per-family outcome payment (000 Appendix 1);
- ``kpi_linked``: a share of annual value at risk against weighted KPIs, with gain share (001);
- ``block``: a fixed annual value, no outcome element (002, 003).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from .base import Bool, IntDays, Money, Months, Price, Share, Strict, number, whole, require_shares

SIB_METRICS = ("stability", "family_functioning", "education", "reading")


class Caps(Strict):
    """Limits on outcome payments, applied in due-date order; what they cut is reported."""

    per_child_gbp: Price | None = None
    per_metric_gbp: dict[str, Money] = Field(default_factory=dict)
    per_contract_year_gbp: Money | None = None
    total_gbp: Money | None = None


class SibEdgeOfCare(Strict):
    """Edge-of-care Social Impact Bond payments per referred child (004 §9.2).

    ``max_per_child_gbp`` is the most one child can earn across all metrics;
    ``metric_shares`` splits it between stability (85%), family functioning, educational
    engagement and reading (5% each). The stability price is split into the six-month
    milestone (40%) and a daily tariff over the following 18 months (60%).
    """

    kind: Literal["sib_edge_of_care"] = "sib_edge_of_care"
    max_per_child_gbp: Price
    max_per_child_by_sub_cohort_gbp: dict[str, Price] = Field(default_factory=dict)
    metric_shares: dict[str, Share] = Field(
        default_factory=lambda: {"stability": 0.85, "family_functioning": 0.05, "education": 0.05, "reading": 0.05}
    )
    milestone_share_of_stability: Share = 0.40
    milestone_months: Months = 6
    tariff_months: Months = 18
    max_spell_days_to_resume: IntDays = Field(default=56, description="8 weeks: a longer spell ends tracking")
    failing_spell_number: whole(ge=1, le=100) = Field(default=3, description="the spell that makes the intervention 'failed'")
    short_breaks_away_from_home: bool = Field(
        default=False,
        description="count short-break episodes (episode_type short_break; SSDA903 legal status V3/V4) as time away "
        "from home; by default they are respite while living at home and are left out",
    )
    family_functioning_improvement: Share = Field(description="X: fractional rise in Star total score required")
    assessment_tolerance_days: IntDays = 42
    assessment_early_days: IntDays = Field(
        default=0, description="days before e + 6 months a Star follow-up may fall (0: 'at least 6 months after')"
    )
    absence_reduction: Share = Field(description="X: fractional fall in unauthorised absence required")
    absence_measure: Literal["days", "rate"] = "days"
    reading_gain_years: number(ge=0.0, le=20.0) = Field(description="Y: reading-age gain beyond the school's forecast")
    reading_tolerance_days: IntDays = 42
    deadweight_by_sub_cohort: dict[str, Share] = Field(default_factory=dict)
    caps: Caps = Field(default_factory=Caps)

    @field_validator("metric_shares")
    @classmethod
    def _metrics(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(SIB_METRICS))
        if unknown:
            raise ValueError(f"unknown metric {unknown[0]!r}; expected one of {', '.join(SIB_METRICS)}")
        return require_shares(value)


class PaymentByResults(Strict):
    """Up-front payment plus a per-family outcome payment (000 Appendix 1).

    Each district is paid ``upfront_share`` of its annual value on ``upfront_schedule``; the
    rest divided by the district's capacity is the price per family that completes with all
    three conditions met, paid quarterly in arrears and never beyond the annual value.
    ``notable_progress_min_areas_share`` is the share of self-assessment areas that must
    improve for 'notable positive progress'.
    """

    kind: Literal["payment_by_results"] = "payment_by_results"
    upfront_share: Share = 0.60
    upfront_schedule: Literal["annual_in_advance", "quarterly_in_advance", "monthly_in_advance"] = "quarterly_in_advance"
    notable_progress_min_areas_share: Share = 1.0
    notable_progress_min_change: number(ge=0.0, le=1000.0) = Field(default=1.0, description="points on the tool's scale")


class KpiLinked(Strict):
    """A share of annual value at risk against weighted KPIs, with gain share (001).

    ``annual_value_gbp`` is the total annual contract value, both financial envelopes;
    ``west_ccg_annual_value_gbp`` is the part that is West Essex CCG's envelope: never at risk
    ("excluding the West CCG financial envelope", L383) and with its own gain share (L388).
    ``payment_schedule`` says how the annual value is paid during the year (instalments in
    advance); the at-risk part waits for the year-end reconciliation.
    """

    kind: Literal["kpi_linked"] = "kpi_linked"
    annual_value_gbp: Money
    west_ccg_annual_value_gbp: Money = 0.0
    payment_schedule: Literal["monthly", "quarterly"] = "monthly"
    at_risk_share: Share = Field(description="maximum share of annual value depending on KPIs")
    at_risk_from_year: whole(ge=1, le=50) = 2
    kpi_weights: dict[str, Share] = Field(min_length=1, description="KPI target name → weight")
    planned_efficiency_share: Share = 0.0
    gain_share_provider: Share = 0.5
    provider_gain_ring_fenced: Bool = True

    @field_validator("kpi_weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        return require_shares(value, "weights")

    @model_validator(mode="after")
    def _envelopes(self) -> "KpiLinked":
        if self.west_ccg_annual_value_gbp > self.annual_value_gbp:
            raise ValueError("west_ccg_annual_value_gbp: the West CCG envelope cannot exceed the total annual value")
        return self


class Block(Strict):
    """A fixed annual value with no outcome element."""

    kind: Literal["block"] = "block"
    annual_value_gbp: Money
    payment_schedule: Literal["monthly", "quarterly"] = "monthly"


PaymentMechanism = Annotated[
    Union[SibEdgeOfCare, PaymentByResults, KpiLinked, Block],
    Field(discriminator="kind"),
]
