"""The finance layer's inputs taken from a scenario once, as plain numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..scenario import Scenario, SibEdgeOfCare
from .calendar import month_ends
from .savings import care_cost_per_day
from .spv import SpvTerms


@dataclass(frozen=True)
class FinanceTerms:
    """Everything the finance layer needs besides the monthly flows.

    Attributes
    ----------
    start_date, months
        The contract's first day and its length in months (referrals + tracking).
    spv
        The investor vehicle's terms.
    lcf_share, lcf_end_month
        Life Chances Fund top-up share and the first month index it no longer pays.
    total_cap, per_year_cap
        Caps on outcome payments (£) or None.
    discount_rate
        Real annual rate for present values (Green Book 3.5%).
    care_cost_per_day, deadweight, optimism_bias
        Valuation of care avoided (£/day for the placement mix; shares).
    investor_share, co_funder_terms
        The social investor's share of the capital and the co-funder's terms
        (:mod:`simulate.finance.funders`).
    lcf_grant_cap
        The most the Life Chances Fund pays in all (£), or None.
    end_month
        Last contract month the contract runs when it is terminated early (None: it runs to the end).
    """

    start_date: dt.date
    months: int
    spv: SpvTerms
    lcf_share: float = 0.0
    lcf_end_month: int | None = None
    total_cap: float | None = None
    per_year_cap: float | None = None
    discount_rate: float = 0.035
    care_cost_per_day: float = 0.0
    deadweight: float = 0.0
    optimism_bias: float = 0.0
    investor_share: float = 1.0
    co_funder_terms: str = "pari_passu"
    lcf_grant_cap: float | None = None
    end_month: int | None = None

    @property
    def dates(self) -> list[dt.date]:
        """Month-end dates, the dates flows carry for XIRR."""
        return month_ends(self.start_date, self.months)


def lcf_end_month(start: dt.date, months: int, end: dt.date | None) -> int | None:
    """First month whose month-end date is on or after the fund's end date (it pays nothing then)."""
    if end is None:
        return None
    ends = month_ends(start, months)
    later = [k for k, d in enumerate(ends) if d >= end]
    return later[0] if later else None


def finance_terms(scenario: Scenario) -> FinanceTerms:
    """Build :class:`FinanceTerms` from a validated scenario."""
    f = scenario.finance
    h = scenario.horizon
    caps = scenario.payment.caps if isinstance(scenario.payment, SibEdgeOfCare) else None
    spv = SpvTerms(
        capital_commitment=f.capital_commitment_gbp or 0.0,
        management_fee_per_month=f.management_fee_gbp_per_year / 12.0,
        provider_margin=getattr(f, "provider_fee_margin", 0.0),
        provider_performance_share=f.provider_performance_share,
        investor_surplus_share=getattr(f, "investor_surplus_share", 1.0),
        distribution_interval_months=getattr(f, "distribution_interval_months", 12),
    )
    return FinanceTerms(
        start_date=h.start_date,
        months=h.total_months,
        spv=spv,
        lcf_share=f.lcf_top_up_share,
        lcf_end_month=lcf_end_month(h.start_date, h.total_months, f.lcf_end_date),
        total_cap=caps.total_gbp if caps else None,
        per_year_cap=caps.per_contract_year_gbp if caps else None,
        discount_rate=f.discount_rate_real,
        care_cost_per_day=care_cost_per_day(dict(f.placement_costs.weekly_gbp), dict(f.placement_costs.mix)),
        deadweight=f.deadweight_share,
        optimism_bias=f.optimism_bias,
        investor_share=f.investor_share if f.investor_share is not None else 1.0,
        co_funder_terms=f.co_funder_terms,
        lcf_grant_cap=f.lcf_grant_cap_gbp,
        end_month=termination_month(f.early_termination_year, h.total_months),
    )


def termination_month(year: int | None, months: int) -> int | None:
    """Last month of a contract stopped at the end of contract year ``year`` (None: not stopped)."""
    if year is None:
        return None
    return min(months, 12 * int(year)) - 1


