"""KPI targets and the registry of metrics the toolkit knows how to compute."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..kpis.definitions import REGISTRY
from .base import Real, Strict

# Every metric a target may name: the registry of KPI definitions (simulate/kpis/definitions.py),
# one definition per KPI, shared by the simulation and the evaluation of real extracts.
KPI_METRICS: dict[str, str] = {name: d.label for name, d in REGISTRY.items()}

# Reporting windows a target may be scored on (simulate/kpis/windows.py); "year" is the contract year.
PERIODS = ("month", "quarter", "year", "financial_year", "rolling_12_months", "contract")


class KpiTarget(Strict):
    """A target a commissioner sets: ``metric`` (a registry KPI) compared with ``threshold`` over ``period``.

    The definition (sentence, numerator, denominator, units) is ``REGISTRY[metric]``.
    """

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    metric: str
    comparison: Literal[">=", "<=", ">", "<"] = ">="
    threshold: Real
    period: Literal["month", "quarter", "year", "financial_year", "rolling_12_months", "contract"] = Field(
        default="year", description="window: calendar month, contract quarter, contract year, financial year (April-March), "
        "12 months ending on every day (rolling_12_months), or the whole contract (docs/kpis.md)")
    district: str | None = None
    source: str = Field(default="", description="where the target comes from (section of the specification)")

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KPI_METRICS:
            raise ValueError(f"unknown KPI metric {value!r}; known metrics: {', '.join(sorted(KPI_METRICS))}")
        return value

    @property
    def definition(self):
        """The registry's definition of the metric (:class:`simulate.kpis.KpiDefinition`)."""
        return REGISTRY[self.metric]

    def met(self, value: float) -> bool:
        """Return whether ``value`` meets the target."""
        return {
            ">=": value >= self.threshold,
            "<=": value <= self.threshold,
            ">": value > self.threshold,
            "<": value < self.threshold,
        }[self.comparison]
