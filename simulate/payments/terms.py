"""The settlement terms of an edge-of-care SIB, read once from a scenario.

:class:`SibTerms` holds plain numbers (day numbers, £, shares) so that the per-child rules
and the vectorised rules use exactly the same values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from simulate.scenario import Scenario, SibEdgeOfCare

from .days import to_day
from .errors import PaymentScenarioError

METRICS = ("stability_milestone", "stability_tariff", "family_star_plus", "my_star", "education", "reading")
"""Payment lines per child (004 §9.2): stability is split into the milestone and the tariff;
family functioning into Family Star Plus (family) and My Star (child)."""

STATUSES = ("paid", "not yet due", "not achieved", "not eligible", "stopped", "failed", "capped")
"""Audit statuses; vectorised results use their index as a status code."""
PAID, NOT_YET_DUE, NOT_ACHIEVED, NOT_ELIGIBLE, STOPPED, FAILED, CAPPED = range(7)


@dataclass(frozen=True)
class Prices:
    """£ price of each payment line for one child (before deadweight and caps)."""

    milestone: float
    tariff: float
    family_star_plus: float
    my_star: float
    education: float
    reading: float

    @property
    def maximum(self) -> float:
        return self.milestone + self.tariff + self.family_star_plus + self.my_star + self.education + self.reading

    def of(self, metric: str) -> float:
        return {"stability_milestone": self.milestone, "stability_tariff": self.tariff}.get(metric) or getattr(self, metric)


@dataclass(frozen=True)
class SibTerms:
    """Everything the SIB rules need, as day numbers and floats.

    Day numbers count from 1970-01-01; ``referral_end`` and ``contract_end`` are exclusive.
    """

    mechanism: SibEdgeOfCare
    start: int
    referral_end: int
    contract_end: int
    cohort_kind: dict[str, str]
    lcf_share: float = 0.0
    lcf_end: int | None = None
    prices_by_cohort: dict[str, Prices] = field(default_factory=dict)

    @property
    def milestone_months(self) -> int:
        return self.mechanism.milestone_months

    @property
    def tracking_end_months(self) -> int:
        return self.mechanism.milestone_months + self.mechanism.tariff_months

    @property
    def max_spell_days(self) -> int:
        return self.mechanism.max_spell_days_to_resume

    @property
    def failing_spell(self) -> int:
        return self.mechanism.failing_spell_number

    def prices(self, sub_cohort: str) -> Prices:
        """Prices for a child of ``sub_cohort`` (the scenario default if it has none)."""
        return self.prices_by_cohort.get(sub_cohort) or _prices(self.mechanism, self.mechanism.max_per_child_gbp)

    def deadweight(self, sub_cohort: str) -> float:
        """Share of each payment deducted as deadweight for ``sub_cohort`` (0 if none set)."""
        return self.mechanism.deadweight_by_sub_cohort.get(sub_cohort, 0.0)

    def is_reunification(self, sub_cohort: str) -> bool:
        return self.cohort_kind.get(sub_cohort) == "reunification"


def _prices(mech: SibEdgeOfCare, maximum: float) -> Prices:
    shares = {"stability": 0.0, "family_functioning": 0.0, "education": 0.0, "reading": 0.0, **mech.metric_shares}
    stability = maximum * shares["stability"]
    family = maximum * shares["family_functioning"]
    return Prices(
        milestone=stability * mech.milestone_share_of_stability,
        tariff=stability * (1.0 - mech.milestone_share_of_stability),
        family_star_plus=family / 2.0,
        my_star=family / 2.0,
        education=maximum * shares["education"],
        reading=maximum * shares["reading"],
    )


def sib_terms(scenario: Scenario) -> SibTerms:
    """Read the SIB settlement terms from a scenario.

    Raises
    ------
    PaymentScenarioError
        If the scenario's payment mechanism is not ``sib_edge_of_care``.
    """
    mech = scenario.payment
    if not isinstance(mech, SibEdgeOfCare):
        raise PaymentScenarioError(f"payment.kind: {mech.kind!r} is not sib_edge_of_care")
    horizon = scenario.horizon
    lcf_end = scenario.finance.lcf_end_date
    return SibTerms(
        mechanism=mech,
        start=to_day(horizon.start_date),
        referral_end=to_day(horizon.referral_end),
        contract_end=to_day(horizon.contract_end),
        cohort_kind={s.name: s.kind for s in scenario.sub_cohorts},
        lcf_share=scenario.finance.lcf_top_up_share,
        lcf_end=to_day(lcf_end) if isinstance(lcf_end, dt.date) else None,
        prices_by_cohort={
            name: _prices(mech, value) for name, value in mech.max_per_child_by_sub_cohort_gbp.items()
        }
        | {s.name: _prices(mech, mech.max_per_child_by_sub_cohort_gbp.get(s.name, mech.max_per_child_gbp)) for s in scenario.sub_cohorts},
    )
