"""The root scenario model: sections plus the checks that span them."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from .base import MAX_ARRIVALS_PER_REPLICATION, Strict, shares_sum_to_one
from .finance import Finance
from .intervention import Intervention, Outcomes
from .kpis import KpiTarget
from .mechanisms import KpiLinked, PaymentMechanism, SibEdgeOfCare
from .service import District, Horizon, Referrals, SubCohort, Triage
from .uncertainty import Stress, UncertainRange, Universal
from .workforce import Workforce


class ServiceInfo(Strict):
    """What the service is and where its numbers come from."""

    name: str
    local_authority: str
    specification: str = Field(description="the specification file the preset encodes")
    description: str = ""


class Scenario(Strict):
    """A complete, validated description of one commissioned service.

    Built from YAML by :func:`simulate.scenario.load_scenario`; see ``docs/scenarios.md``
    for every field.
    """

    service: ServiceInfo
    horizon: Horizon
    sub_cohorts: list[SubCohort] = Field(min_length=1)
    districts: list[District] = Field(min_length=1)
    referrals: Referrals | None = None
    universal: Universal | None = None
    triage: Triage = Field(default_factory=Triage)
    workforce: Workforce
    intervention: Intervention = Field(default_factory=Intervention)
    outcomes: Outcomes = Field(default_factory=Outcomes)
    payment: PaymentMechanism
    finance: Finance = Field(default_factory=Finance)
    kpi_targets: list[KpiTarget] = Field(default_factory=list)
    uncertainty: list[UncertainRange] = Field(default_factory=list)
    stresses: list[Stress] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        errors: list[tuple[str, str]] = []
        for check in (_names_unique, _references, _district_shares, _workforce_dates, _payment_rules, _parameters, _volumes, _stages):
            errors.extend(check(self))
        if errors:
            # Raised as one ValueError whose lines carry their own key paths; io.py splits it.
            raise ValueError("\n".join(f"@{path}|{reason}" for path, reason in errors))
        return self

    def sub_cohort(self, name: str) -> SubCohort:
        """Return the sub-cohort called ``name``."""
        return next(s for s in self.sub_cohorts if s.name == name)

    @property
    def district_names(self) -> list[str]:
        return [d.name for d in self.districts]


def _names_unique(sc: Scenario) -> list[tuple[str, str]]:
    out = []
    for section, items in (("sub_cohorts", sc.sub_cohorts), ("districts", sc.districts), ("kpi_targets", sc.kpi_targets), ("stresses", sc.stresses)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.name in seen:
                out.append((f"{section}[{i}].name", f"duplicate name {item.name!r}"))
            seen.add(item.name)
    return out


def _references(sc: Scenario) -> list[tuple[str, str]]:
    out = []
    cohorts = {s.name: s for s in sc.sub_cohorts}
    districts = set(sc.district_names)
    if sc.referrals is None and sc.universal is None:
        out.append(("referrals", "a scenario needs referrals (or, for a universal service, universal)"))
    for i, stream in enumerate(sc.referrals.streams if sc.referrals else []):
        if stream.sub_cohort not in cohorts:
            out.append((f"referrals.streams[{i}].sub_cohort", f"unknown sub-cohort {stream.sub_cohort!r}"))
        elif stream.ages and not cohorts[stream.sub_cohort].ages.contains(stream.ages):
            out.append((f"referrals.streams[{i}].ages", f"ages {stream.ages} fall outside sub-cohort {stream.sub_cohort!r} ({cohorts[stream.sub_cohort].ages})"))
        if stream.district is not None and stream.district not in districts:
            out.append((f"referrals.streams[{i}].district", f"unknown district {stream.district!r}"))
    for key in sc.outcomes.care:
        if key != "all" and key not in cohorts:
            out.append((f"outcomes.care.{key}", f"unknown sub-cohort {key!r} (use a sub-cohort name or 'all')"))
    for name in sc.workforce.fte_by_district or {}:
        if name not in districts:
            out.append((f"workforce.fte_by_district.{name}", f"unknown district {name!r}"))
    for i, change in enumerate(sc.workforce.schedule):
        if change.district is not None and change.district not in districts:
            out.append((f"workforce.schedule[{i}].district", f"unknown district {change.district!r}"))
        if change.district is None and not sc.workforce.pooled:
            out.append((f"workforce.schedule[{i}].district", "name the district: the workforce is by district"))
    for i, target in enumerate(sc.kpi_targets):
        if target.district is not None and target.district not in districts:
            out.append((f"kpi_targets[{i}].district", f"unknown district {target.district!r}"))
    targets = {t.name for t in sc.kpi_targets}
    if isinstance(sc.payment, KpiLinked):
        for name in sc.payment.kpi_weights:
            if name not in targets:
                out.append((f"payment.kpi_weights.{name}", f"unknown KPI {name!r}; targets are {', '.join(sorted(targets)) or 'none'}"))
    if isinstance(sc.payment, SibEdgeOfCare):
        for field in ("max_per_child_by_sub_cohort_gbp", "deadweight_by_sub_cohort"):
            for key in getattr(sc.payment, field):
                if key not in cohorts:
                    out.append((f"payment.{field}.{key}", f"unknown sub-cohort {key!r}"))
    return out


def _district_shares(sc: Scenario) -> list[tuple[str, str]]:
    if sc.referrals is None or all(s.district is not None for s in sc.referrals.streams):
        return []
    shares = [d.referral_share for d in sc.districts]
    if len(sc.districts) == 1 and shares[0] is None:
        return []
    missing = [i for i, s in enumerate(shares) if s is None]
    if missing:
        return [(f"districts[{missing[0]}].referral_share", "needed: some referral streams name no district")]
    if not shares_sum_to_one(shares):
        return [("districts", f"referral_share must sum to 1 across districts (it sums to {sum(shares):.4g})")]
    return []


def _workforce_dates(sc: Scenario) -> list[tuple[str, str]]:
    out = []
    for i, change in enumerate(sc.workforce.schedule):
        if not sc.horizon.start_date <= change.date < sc.horizon.contract_end:
            out.append((f"workforce.schedule[{i}].date", f"{change.date} is outside the contract ({sc.horizon.start_date} to {sc.horizon.contract_end})"))
    if sc.finance.lcf_end_date is not None and sc.finance.lcf_end_date <= sc.horizon.start_date:
        out.append(("finance.lcf_end_date", "must be after horizon.start_date"))
    return out


def _payment_rules(sc: Scenario) -> list[tuple[str, str]]:
    out = []
    if isinstance(sc.payment, SibEdgeOfCare):
        if sc.finance.investor_share is None or sc.finance.investor_share < 0.501:
            out.append(("finance.investor_share", "a Social Impact Bond needs an investor share of at least 0.501 (004 §6.3)"))
        if sc.finance.capital_commitment_gbp is None:
            out.append(("finance.capital_commitment_gbp", "a Social Impact Bond needs the investor's capital commitment"))
    return out


def _parameters(sc: Scenario) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not sc.uncertainty and not sc.stresses:
        return out  # nothing to resolve: skip the dump (what-if copies have neither)
    data = sc.model_dump(by_alias=True)
    for i, rng in enumerate(sc.uncertainty):
        value = resolve(data, rng.parameter)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append((f"uncertainty[{i}].parameter", f"{rng.parameter!r} does not name a number in the scenario"))
    for i, stress in enumerate(sc.stresses):
        for path in stress.overrides:
            if resolve(data, path) is _MISSING:
                out.append((f"stresses[{i}].overrides.{path}", f"{path!r} does not name a value in the scenario"))
    return out


def _volumes(sc: Scenario) -> list[tuple[str, str]]:
    """Bound what one replication draws, so a valid scenario cannot exhaust memory.

    Arrivals are drawn by thinning at the peak rate (volume × trend at its highest × busiest
    month) over the whole referral window; births of a universal service over the window plus
    the last contact's age.
    """
    out = []
    years = sc.horizon.referral_months / 12
    if sc.referrals is not None:
        r = sc.referrals
        growth = max(1.0, (1.0 + r.annual_trend) ** years)
        season = max(r.seasonality) if r.seasonality else 1.0
        peak = sum(s.per_year for s in r.streams) * r.volume_multiplier * growth * season * years
        if peak > MAX_ARRIVALS_PER_REPLICATION:
            out.append(("referrals", f"streams × volume_multiplier × trend × seasonality imply {peak:,.0f} referrals to draw over the referral window; at most {MAX_ARRIVALS_PER_REPLICATION:,} are supported"))
    if sc.universal is not None:
        latest = max(c.due_to_days for c in sc.universal.contacts) / 365.25
        births = sc.universal.births_per_year * (years + latest + 1)
        if births > MAX_ARRIVALS_PER_REPLICATION:
            out.append(("universal.births_per_year", f"implies {births:,.0f} births to draw; at most {MAX_ARRIVALS_PER_REPLICATION:,} are supported"))
    return out


def _stages(sc: Scenario) -> list[tuple[str, str]]:
    """A staff-limited contact or assessment stage needs intake time to be served from."""
    staffed = [f"triage.{k}" for k in ("contact_hours", "assessment_hours") if getattr(sc.triage, k) is not None]
    if staffed and not sc.workforce.intake_share:
        return [("workforce.intake_share", f"needed (a share above 0) because {' and '.join(staffed)} make contact/assessment staff time")]
    return []


_MISSING: Any = object()


def resolve(data: Any, path: str) -> Any:
    """Return the value at a dotted key path (``districts.0.capacity``) or a sentinel."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, list) and any(isinstance(x, dict) and x.get("name") == part for x in node):
            node = next(x for x in node if isinstance(x, dict) and x.get("name") == part)
        else:
            return _MISSING
    return node
