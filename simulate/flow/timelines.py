"""Per-child timelines in array form, for the payment engine (``simulate/payments``).

Outcome processes that do not depend on capacity — care spells after support, assessment
scores — are drawn here, vectorised across children, once the event loop has fixed each
child's engagement and end of support.

Array format (the contract with the payment engine)
---------------------------------------------------
All days are float days since ``origin`` (a ``datetime.date``; day 0.0 is the origin) and
``NaN`` means "did not happen". Arrays of length ``n`` (one entry per child, in case-id order)
cover every *engaged* child of one replication — a child is engaged when support started:

``case``              int64   case id within the replication (index into the case table)
``district``          int64   index into ``district_names``
``sub_cohort``        int64   index into ``sub_cohort_names``
``kind``              object  sub-cohort kind: diversion / reunification / general / universal
``referral_day``      float   day of referral
``engagement_day``    float   day support started (always finite here)
``support_end_day``   float   day support ended (NaN if still open at ``horizon_day``)
``exit_route``        object  completed / step_down / step_up / disengaged / care_entry / open
``return_home_day``   float   reunification: day the child returned home (NaN otherwise, or
                              if not yet home by ``horizon_day``)
``tracking_start_day`` float  engagement (diversion, general) or return home (reunification)

Care spells are a ragged array in CSR form: the spells of child ``i`` are
``spell_start[spell_offsets[i]:spell_offsets[i+1]]`` (and the same slice of ``spell_end``,
``spell_remand``), in time order. ``spell_offsets`` has length ``n + 1`` and starts at 0.

``spell_start``       float   day the child entered care (or remand)
``spell_end``         float   day the child returned home; ``inf`` if still in care at ``horizon_day``
``spell_remand``      bool    the spell is remand rather than care

Assessments (distance travelled), shape ``(n, n_tools)`` with ``tools`` naming the columns:
``baseline_day`` (= engagement day), ``follow_up_day`` (the end of support, NaN when there was
no follow-up assessment), ``score_change`` (follow-up minus baseline, NaN when no follow-up).
``higher_is_better`` (length ``n_tools``) gives each column's direction: the scenario's expected
change points the way of improvement (MACA and PANOC-negative scores fall as things improve,
and their ``mean_change`` is negative), so a child improved when ``score_change`` has the sign
of ``mean_change`` (positive when it is 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..scenario import Scenario
from .cases import DAYS_PER_YEAR, EXIT_CARE, EXIT_NAMES, Cases


@dataclass
class ChildTimelines:
    """Engaged children's timelines of one replication (format in the module docstring)."""

    origin: dt.date
    horizon_day: float
    case: np.ndarray
    district: np.ndarray
    sub_cohort: np.ndarray
    kind: np.ndarray
    referral_day: np.ndarray
    engagement_day: np.ndarray
    support_end_day: np.ndarray
    exit_route: np.ndarray
    return_home_day: np.ndarray
    tracking_start_day: np.ndarray
    spell_offsets: np.ndarray
    spell_start: np.ndarray
    spell_end: np.ndarray
    spell_remand: np.ndarray
    tools: list[str]
    baseline_day: np.ndarray
    follow_up_day: np.ndarray
    score_change: np.ndarray
    higher_is_better: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    district_names: list[str] = field(default_factory=list)
    sub_cohort_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return self.case.size

    def improved(self) -> np.ndarray:
        """Boolean (n, n_tools): the follow-up score moved in the better direction (False without follow-up)."""
        sign = np.where(self.higher_is_better, 1.0, -1.0)
        return np.isfinite(self.score_change) & (self.score_change * sign > 0)

    def spells(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Start and end days of child ``i``'s care spells (row ``i``, not case id)."""
        a, b = self.spell_offsets[i], self.spell_offsets[i + 1]
        return self.spell_start[a:b], self.spell_end[a:b]

    def in_care_at(self, day: float) -> np.ndarray:
        """Boolean per child: in care (or on remand) on ``day``."""
        inside = (self.spell_start <= day) & (day < self.spell_end)
        owner = np.repeat(np.arange(len(self)), np.diff(self.spell_offsets))
        out = np.zeros(len(self), dtype=bool)
        out[owner[inside]] = True
        return out

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Tidy tables: ``children`` (one row per child), ``spells`` and ``assessments``."""
        to_date = lambda days: pd.to_datetime(self.origin) + pd.to_timedelta(np.where(np.isfinite(days), days, np.nan), unit="D")  # noqa: E731
        children = pd.DataFrame({
            "case": self.case,
            "district": np.asarray(self.district_names, dtype=object)[self.district] if len(self) else [],
            "sub_cohort": np.asarray(self.sub_cohort_names, dtype=object)[self.sub_cohort] if len(self) else [],
            "kind": self.kind,
            "referral_date": to_date(self.referral_day),
            "engagement_date": to_date(self.engagement_day),
            "support_end_date": to_date(self.support_end_day),
            "exit_route": self.exit_route,
            "return_home_date": to_date(self.return_home_day),
            "tracking_start_date": to_date(self.tracking_start_day),
        })
        owner = np.repeat(self.case, np.diff(self.spell_offsets))
        spells = pd.DataFrame({"case": owner, "start_date": to_date(self.spell_start), "end_date": to_date(self.spell_end), "remand": self.spell_remand})
        rows = []
        for k, tool in enumerate(self.tools):
            rows.append(pd.DataFrame({"case": self.case, "tool": tool, "baseline_date": to_date(self.baseline_day[:, k]), "follow_up_date": to_date(self.follow_up_day[:, k]), "score_change": self.score_change[:, k], "improved": self.improved()[:, k]}))
        assessments = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["case", "tool", "baseline_date", "follow_up_date", "score_change", "improved"])
        return {"children": children, "spells": spells, "assessments": assessments}


def draw_timelines(scenario: Scenario, cases: Cases, start: np.ndarray, end: np.ndarray, horizon_day: float, origin: dt.date, rng: np.random.Generator, rng_scores: np.random.Generator) -> ChildTimelines:
    """Draw care spells and assessment scores for every engaged child.

    Parameters
    ----------
    start, end
        Engagement and end-of-support days from the event loop (NaN where none).
    horizon_day
        Day tracking stops (the contract end).
    rng
        The ``care`` stream; ``rng_scores`` the ``scores`` stream.
    """
    engaged = np.flatnonzero(np.isfinite(start))
    n = engaged.size
    kinds = np.array([s.kind for s in scenario.sub_cohorts], dtype=object)
    sc = cases.sub_cohort[engaged]
    kind = kinds[sc] if n else np.empty(0, dtype=object)
    eng = start[engaged]
    s_end = end[engaged]
    exit_code = cases.exit_code[engaged]
    route = np.where(np.isfinite(s_end), np.asarray(EXIT_NAMES, dtype=object)[exit_code], "open") if n else np.empty(0, dtype=object)
    rh = eng + cases.return_home_offset[engaged]
    reunification = (kinds == "reunification")[sc] if n else np.zeros(0, dtype=bool)  # booleans, not string compares
    rh = np.where(reunification, rh, np.nan)
    rh = np.where(rh < horizon_day, rh, np.nan)
    tracking = np.where(reunification, rh, eng)

    # care spells: the first may be the care entry that ended support; later ones follow the
    # after-support hazard until the horizon, each ended by a spell length draw
    hazard_after = np.zeros(n)
    spell_dists = {}
    remand_share = np.zeros(n)
    for k, cohort in enumerate(scenario.sub_cohorts):
        outcome = scenario.outcomes.care.get(cohort.name) or scenario.outcomes.care.get("all")
        if outcome is None:
            continue
        mask = sc == k
        hazard_after[mask] = outcome.hazard_after_support_per_year
        remand_share[mask] = outcome.remand_share
        spell_dists[k] = outcome.spell_days
    owners: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    # time from which the after-support hazard runs
    clock = np.where(np.isfinite(s_end), s_end, np.inf)
    first = (exit_code == EXIT_CARE) & np.isfinite(s_end)
    entry = np.where(first, s_end, np.inf)
    with np.errstate(divide="ignore"):
        gap = np.where(hazard_after > 0, DAYS_PER_YEAR / np.where(hazard_after > 0, hazard_after, 1.0), np.inf)
    later = clock + rng.exponential(1.0, n) * gap
    entry = np.where(first, entry, later)
    active = np.isfinite(entry) & (entry < horizon_day)
    for _ in range(50):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        length = np.empty(idx.size)
        for k, dist in spell_dists.items():
            m = sc[idx] == k
            if m.any():
                length[m] = dist.sample(rng, int(m.sum()))
        leave = entry[idx] + np.maximum(length, 1.0)
        owners.append(idx)
        starts.append(entry[idx])
        ends.append(np.where(leave < horizon_day, leave, np.inf))
        entry[idx] = leave + rng.exponential(1.0, idx.size) * gap[idx]
        active = np.zeros(n, dtype=bool)
        active[idx] = np.isfinite(entry[idx]) & (entry[idx] < horizon_day) & (leave < horizon_day)
    if owners:
        owner = np.concatenate(owners)
        # each pass adds every active child's next (later) spell, so a stable sort by child
        # keeps each child's spells in time order (the same order as sorting by (child, start))
        order = np.argsort(owner, kind="stable")
        owner = owner[order]
        spell_start = np.concatenate(starts)[order]
        spell_end = np.concatenate(ends)[order]
    else:
        owner = np.empty(0, dtype=np.int64)
        spell_start = spell_end = np.empty(0)
    spell_remand = rng.random(owner.size) < remand_share[owner]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n))]).astype(np.int64)

    tools = [f"{d.tool}:{d.area}" for d in scenario.outcomes.distance_travelled]
    t = len(tools)
    baseline = np.repeat(eng[:, None], t, axis=1)
    follow = np.full((n, t), np.nan)
    change = np.full((n, t), np.nan)
    for k, d in enumerate(scenario.outcomes.distance_travelled):
        has = (rng_scores.random(n) < d.follow_up_share) & np.isfinite(s_end)
        draw = rng_scores.normal(d.mean_change, d.sd_change, n)
        follow[has, k] = s_end[has]
        change[has, k] = draw[has]
    return ChildTimelines(
        origin=origin, horizon_day=float(horizon_day), case=engaged.astype(np.int64), district=cases.district[engaged],
        sub_cohort=sc, kind=kind, referral_day=cases.referral[engaged], engagement_day=eng, support_end_day=s_end,
        exit_route=route, return_home_day=rh, tracking_start_day=tracking, spell_offsets=offsets,
        spell_start=spell_start, spell_end=spell_end, spell_remand=spell_remand, tools=tools,
        baseline_day=baseline, follow_up_day=follow, score_change=change,
        higher_is_better=np.array([d.mean_change >= 0 for d in scenario.outcomes.distance_travelled], dtype=bool),
        district_names=cases.district_names, sub_cohort_names=cases.sub_cohort_names,
    )
