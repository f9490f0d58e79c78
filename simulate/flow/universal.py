"""Universal touchpoints (001): a birth cohort due for mandated contacts, each in a due window.

The Essex pre-birth-to-19 service is universal: its flow is not referrals but every child born
in the county coming due for the mandated contacts (pre-birth, within 14 days of birth, the
national 6–8-week and 1-year reviews, the 2–2½ year integrated review, the staged reviews). The
KPI is coverage — the share of contacts done within their window — scored against the
specification's 100% (``coverage_within_window`` in :mod:`simulate.kpis`).

Model (vectorised; no event per contact)
-----------------------------------------
* Births are a Poisson process at ``universal.births_per_year`` from early enough that every
  contact falling due during the contract is generated (children born before the contract
  still come due for their later reviews). Each birth is assigned a district by
  ``referral_share`` (equal shares when none).
* Each contact opens on the first working day of its window (practitioners book as early as
  they can); a share ``1 − completion_probability`` of families never attend (no time used).
* Practitioner time per working day is the workforce's direct time (FTE × (1 − vacancy) ×
  (1 − leave) × hours per week × direct-work share / 5) minus the hours the targeted caseload
  uses that day (open cases × hours per family per week / 5). Contacts are served first come
  first served (by opening day, then by window end) by a discrete-time fluid queue: with daily
  demand ``a_d`` and capacity ``c_d``, the cumulative minutes served by day ``d`` is
  ``S_d = A_d − B_d`` where the backlog follows Lindley's recursion ``B_d = max(0, B_{d−1} + a_d − c_d)``;
  a contact is done on the first day ``S_d`` reaches the cumulative demand up to it.
* A contact is *covered* when done on or before the last day of its window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..calendar import WorkingCalendar
from ..scenario import Scenario
from .staffing import StaffingPlan


@dataclass
class UniversalResult:
    """Per-contact arrays (only contacts whose window ends within the contract).

    ``due_from``/``due_to``: window in days from the origin; ``done``: day done (NaN when the
    family did not attend, ``inf`` when not reached by the contract end); ``covered``: done
    within the window; ``contact``: index into ``names``; ``district``: index into the
    scenario's districts; ``minutes``: practitioner time.
    """

    names: list[str]
    contact: np.ndarray
    district: np.ndarray
    due_from: np.ndarray
    due_to: np.ndarray
    done: np.ndarray
    covered: np.ndarray
    minutes: np.ndarray
    capacity_minutes_per_day: np.ndarray


def run_universal(scenario: Scenario, calendar: WorkingCalendar, plan: StaffingPlan, rng: np.random.Generator,
                  t_ref_end: float, t_end: float, targeted_open: np.ndarray | None = None) -> UniversalResult:
    """Simulate the mandated contacts of one replication.

    Parameters
    ----------
    targeted_open
        Targeted cases open on each calendar day from day 0 (their hours are taken from the
        practitioners' time first); zeros when omitted.
    """
    uni = scenario.universal
    wf = scenario.workforce
    contacts = uni.contacts
    earliest = min(c.due_from_days for c in contacts)
    latest = max(c.due_to_days for c in contacts)
    # births whose contacts can fall due in [0, t_ref_end)
    b0, b1 = -float(latest) - 1.0, t_ref_end - float(earliest)
    n_births = rng.poisson(uni.births_per_year / 365.25 * (b1 - b0))
    births = np.sort(rng.uniform(b0, b1, n_births))
    shares = np.array([d.referral_share if d.referral_share is not None else 1.0 for d in scenario.districts], dtype=float)
    district_of_birth = rng.choice(shares.size, size=n_births, p=shares / shares.sum())
    k = len(contacts)
    lo = np.array([c.due_from_days for c in contacts], dtype=float)
    hi = np.array([c.due_to_days for c in contacts], dtype=float)
    mins = np.array([c.minutes for c in contacts], dtype=float)
    due_from = (births[:, None] + lo[None, :]).ravel()
    due_to = (births[:, None] + hi[None, :] + 1.0).ravel()  # exclusive end: the whole last day counts
    kind = np.tile(np.arange(k), n_births)
    district = np.repeat(district_of_birth, k)
    keep = (due_to > 0.0) & (due_from < t_ref_end)
    due_from, due_to, kind, district = due_from[keep], due_to[keep], kind[keep], district[keep]
    attends = rng.random(due_from.size) < uni.completion_probability
    minutes = mins[kind]

    # practitioner minutes per calendar day (working days only)
    n_days = int(np.ceil(t_end)) + 1
    days = np.arange(n_days, dtype=float)
    fte = np.full(n_days, plan.fte0[0] if len(plan.fte0) == 1 else sum(plan.fte0))
    for p in range(len(plan.pools)):
        for t, v in zip(plan.times[p], plan.fte[p]):
            if len(plan.pools) == 1:
                fte[days >= t] = v
            else:
                fte[days >= t] += v - plan.fte_at(p, t - 1e-9)
    direct = fte * (1 - wf.vacancy_rate) * (1 - wf.leave_share) * wf.hours_per_fte_per_week * wf.direct_work_share / 5.0 * 60.0
    if targeted_open is not None:
        direct = direct - targeted_open[:n_days] * scenario.intervention.hours_per_week / 5.0 * 60.0
    working = calendar.is_working[:n_days]
    cap = np.where(working, np.maximum(direct, 0.0), 0.0)

    # open on the first working day on or after the window opens (day 0 for windows already open)
    open_day = np.floor(calendar.add_working_days(np.maximum(due_from, 0.0), 0)).astype(np.int64)
    order = np.lexsort((due_to, open_day))
    served = np.full(due_from.size, np.nan)
    att = order[attends[order]]
    demand = np.bincount(np.clip(open_day[att], 0, n_days - 1), weights=minutes[att], minlength=n_days)
    # Lindley recursion in closed form: B_d = X_d - min(0, min_{j<=d} X_j), X = cumsum(a - c)
    x = np.cumsum(demand - cap)
    backlog = x - np.minimum(0.0, np.minimum.accumulate(x))
    served_cum = np.cumsum(demand) - backlog
    need = np.cumsum(minutes[att])
    day_done = np.searchsorted(served_cum, need - 1e-6, side="left").astype(float)
    day_done = np.maximum(day_done, open_day[att])
    day_done[day_done >= n_days] = np.inf
    served[att] = day_done
    covered = np.isfinite(served) & (served < due_to)
    return UniversalResult(
        names=[c.name for c in contacts], contact=kind, district=district, due_from=due_from, due_to=due_to,
        done=served, covered=covered, minutes=minutes, capacity_minutes_per_day=cap,
    )


def universal_kpis(u: UniversalResult, windows, n_districts: int, n_days: int) -> dict:
    """Coverage within window (by the window in which each due window closes), contacts due and done, hours.

    A thin call of :func:`simulate.kpis.compute_contacts` (the registry's definitions).
    """
    from ..kpis import compute_contacts

    return compute_contacts(u.district, u.due_to - 1.0, u.covered, u.done, u.minutes, n_districts, windows, n_days)
