"""Money around the service: investor, provider costs, Life Chances Fund, discounting, care costs."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from .base import ContractDate, Money, Price, Share, Strict, whole, require_shares


class PlacementCosts(Strict):
    """Weekly unit costs of care placements and the mix a child entering care would have."""

    weekly_gbp: dict[str, Price] = Field(
        default_factory=lambda: {"fostering": 625.0, "residential": 4500.0}
    )
    mix: dict[str, Share] = Field(default_factory=lambda: {"fostering": 0.8, "residential": 0.2})

    @field_validator("mix")
    @classmethod
    def _mix(cls, value: dict[str, float]) -> dict[str, float]:
        return require_shares(value)

    @property
    def mean_weekly_gbp(self) -> float:
        return sum(self.weekly_gbp.get(kind, 0.0) * share for kind, share in self.mix.items())


class Finance(Strict):
    """Funding structure and the assumptions used to value it.

    ``investor_share`` is the share of up-front funding from the social investor (004 §6.3:
    at least 50.1% for a SIB). ``lcf_top_up_share`` is the share of each outcome payment the
    Life Chances Fund pays; it pays nothing due on or after ``lcf_end_date`` and nothing beyond
    ``lcf_grant_cap_gbp`` in all. The rest of the funding comes from a co-funder on
    ``co_funder_terms``. ``early_termination_year`` stops the contract at the end of that year.
    """

    investor_share: Share | None = None
    capital_commitment_gbp: Money | None = None
    management_fee_gbp_per_year: Money = 0.0
    provider_performance_share: Share = 0.0
    lcf_top_up_share: Share = 0.0
    lcf_end_date: ContractDate | None = None
    discount_rate_real: Share = Field(default=0.035, description="Green Book: 3.5% real")
    optimism_bias: Share = Field(default=0.0, description="Green Book uplift on costs / cut on benefits")
    deadweight_share: Share = Field(default=0.0, description="share of care avoided that would have happened anyway")
    placement_costs: PlacementCosts = Field(default_factory=PlacementCosts)
    provider_overhead_share: Share = Field(default=0.15, description="overheads on top of staff costs")
    provider_fee_margin: Share = Field(default=0.0, description="provider's margin on its fee for service from the investor")
    investor_surplus_share: Share = Field(default=1.0, description="investor's share of surplus after capital is returned (the rest to the provider)")
    distribution_interval_months: whole(gt=0, le=120) = Field(default=12, description="months between distributions of surplus cash")
    co_funder_terms: Literal["pari_passu", "first_loss"] = Field(
        default="pari_passu", description="terms of the funding the social investor does not provide (004 §6.3): pari passu or first loss"
    )
    lcf_grant_cap_gbp: Money | None = Field(default=None, description="the Life Chances Fund's grant: the most its top-up pays in all")
    early_termination_year: whole(gt=0, le=50) | None = Field(
        default=None, description="the contract stops at the end of this contract year: no referrals, payments or costs after it"
    )
    savings_horizon_months: whole(gt=0, le=600) | None = Field(
        default=None, description="months from the start of tracking over which care days avoided count; default the tracking window"
    )
