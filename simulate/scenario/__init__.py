"""The scenario model: a typed, validated description of a commissioned service.

>>> from simulate.scenario import load_scenario
>>> sc = load_scenario("lancs-edge-of-care-004")       # doctest: +SKIP
>>> sc.horizon.referral_months, sc.horizon.tracking_months  # doctest: +SKIP
(60, 24)
"""

from .base import Strict
from .distributions import Distribution, Exponential, Fixed, Gamma, LogNormal, Triangular, Uniform
from .finance import Finance, PlacementCosts
from .intervention import CareOutcome, DistanceChange, Intervention, Outcomes, ToolArea
from .io import (
    issues_from_validation,
    list_presets,
    load_scenario,
    preset_dir,
    read_yaml,
    resolve_scenario_path,
    scenario_from_dict,
)
from .kpis import KPI_METRICS, KpiTarget
from .mechanisms import Block, Caps, KpiLinked, PaymentByResults, PaymentMechanism, SibEdgeOfCare
from .model import Scenario, ServiceInfo, resolve
from .service import AgeRange, District, Horizon, ReferralStream, Referrals, SubCohort, Triage, add_months
from .summary import annual_referrals, scenario_summary
from .diff import diff_scenarios
from .overrides import with_overrides
from .uncertainty import Stress, Touchpoint, UncertainRange, Universal
from .workforce import StaffingChange, Workforce

__all__ = [
    "AgeRange", "Block", "CareOutcome", "Caps", "DistanceChange", "Distribution", "District",
    "Exponential", "Finance", "Fixed", "Gamma", "Horizon", "Intervention", "KPI_METRICS",
    "KpiLinked", "KpiTarget", "LogNormal", "Outcomes", "PaymentByResults", "PaymentMechanism",
    "PlacementCosts", "ReferralStream", "Referrals", "Scenario", "ServiceInfo", "SibEdgeOfCare",
    "StaffingChange", "Strict", "Stress", "SubCohort", "ToolArea", "Touchpoint", "Triage", "Triangular",
    "UncertainRange", "Uniform", "Universal", "Workforce", "add_months", "annual_referrals",
    "diff_scenarios", "issues_from_validation", "list_presets", "load_scenario", "preset_dir",
    "read_yaml", "resolve", "resolve_scenario_path", "scenario_from_dict", "scenario_summary",
    "with_overrides",
]
