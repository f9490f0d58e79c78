"""Caseload slots over time from the scenario's workforce and staffing schedule."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..calendar import WorkingCalendar
from ..scenario import Scenario


@dataclass
class StaffingPlan:
    """FTE and caseload slots per pool, at day 0 and at each later change.

    Attributes
    ----------
    pools : list of str
        Pool names: ``["pooled"]`` or the district names.
    fte0, slots0 : list of float
        FTE and slots per pool at day 0.
    times, fte, slots : list of lists
        Per pool, the days of later changes and the FTE and slots from that day.
    """

    pools: list[str]
    fte0: list[float]
    slots0: list[float]
    times: list[list[float]]
    fte: list[list[float]]
    slots: list[list[float]]
    slots_per_fte: float

    def fte_at(self, pool: int, day: float) -> float:
        """FTE of a pool on a day."""
        value = self.fte0[pool]
        for t, v in zip(self.times[pool], self.fte[pool]):
            if t <= day:
                value = v
        return value


def slots_for(fte: float, scenario: Scenario) -> float:
    """Caseload slots for an FTE: FTE × (1 − vacancy) × (1 − leave) × cap, rounded down."""
    wf = scenario.workforce
    return float(math.floor(fte * (1 - wf.vacancy_rate) * (1 - wf.leave_share) * wf.caseload_cap_per_fte + 1e-9))


def staffing_plan(scenario: Scenario, calendar: WorkingCalendar, fte_scale: float = 1.0, fte_override: dict[str, float] | float | None = None) -> StaffingPlan:
    """Build the slots schedule.

    Parameters
    ----------
    fte_scale
        Multiplies every FTE figure (initial levels and scheduled levels/changes); used by
        ``cusp capacity plan``.
    fte_override
        Replaces the initial FTE: a number for a pooled workforce, or a mapping by district.
    """
    wf = scenario.workforce
    if wf.pooled:
        pools = ["pooled"]
        fte0 = [wf.pooled_fte]
    else:
        pools = scenario.district_names
        fte0 = [wf.fte_by_district.get(d, 0.0) for d in pools]
    if fte_override is not None:
        if isinstance(fte_override, dict):
            fte0 = [fte_override.get(p, f) for p, f in zip(pools, fte0)]
        else:
            fte0 = [float(fte_override)] if wf.pooled else [float(fte_override) * f / max(sum(fte0), 1e-12) for f in fte0]
    fte0 = [f * fte_scale for f in fte0]
    times: list[list[float]] = [[] for _ in pools]
    ftes: list[list[float]] = [[] for _ in pools]
    current = list(fte0)
    for change in wf.schedule:
        p = 0 if wf.pooled else pools.index(change.district)
        new = change.fte * fte_scale if change.fte is not None else current[p] + change.fte_change * fte_scale
        current[p] = max(0.0, new)
        times[p].append(float(calendar.day_of(change.date)))
        ftes[p].append(current[p])
    slots_per_fte = (1 - wf.vacancy_rate) * (1 - wf.leave_share) * wf.caseload_cap_per_fte
    return StaffingPlan(
        pools=pools,
        fte0=fte0,
        slots0=[slots_for(f, scenario) for f in fte0],
        times=times,
        fte=ftes,
        slots=[[slots_for(f, scenario) for f in fs] for fs in ftes],
        slots_per_fte=slots_per_fte,
    )
