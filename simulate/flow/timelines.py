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
``higher_is_better`` (length ``n_tools``) gives each column's direction, from the tool's areas
in the scenario (``outcomes.distance_travelled[k].areas``), never from the sign of the
expected change. ``score_change`` is the latent (continuous) change of the entry's total.

Per-area scores (``areas``, a :class:`simulate.kpis.Assessments` keyed by case id): one row per
child, tool entry and area for every tool used for the child (``use_share``; tools with a
share below 1 are alternatives, one per child). Baselines are whole points drawn around
``baseline_mean`` (default the scale's midpoint, SD a sixth of the range); the entry's total
change is shared out as ``total / n + e_j − mean(e)`` with ``e_j`` independent normal of
variance ``s² (1 − ρ)``, where ``s = sd_change / sqrt(n (1 + (n − 1) ρ))`` is the per-area SD
that gives the total its ``sd_change``; follow-up scores are rounded and kept on the scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..kpis.cases import Assessments
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
    areas: Assessments | None = None

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


def draw_timelines(scenario: Scenario, cases: Cases, start: np.ndarray, end: np.ndarray, horizon_day: float, origin: dt.date, rng: np.random.Generator, rng_scores: np.random.Generator,
                   rng_areas: np.random.Generator | None = None) -> ChildTimelines:
    """Draw care spells and assessment scores for every engaged child.

    Parameters
    ----------
    start, end
        Engagement and end-of-support days from the event loop (NaN where none).
    horizon_day
        Day tracking stops (the contract end).
    rng
        The ``care`` stream; ``rng_scores`` the ``scores`` stream; ``rng_areas`` the ``areas``
        stream (tools used, per-area scores; none drawn when omitted).
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
    entries = scenario.outcomes.distance_travelled
    for k, d in enumerate(entries):
        has = (rng_scores.random(n) < d.follow_up_share) & np.isfinite(s_end)
        draw = rng_scores.normal(d.mean_change, d.sd_change, n)
        follow[has, k] = s_end[has]
        change[has, k] = draw[has]
    areas = None
    if rng_areas is not None and t:
        used = tools_used(entries, rng_areas, n)
        follow[~used] = np.nan
        change[~used] = np.nan
        areas = draw_area_scores(entries, engaged.astype(np.int64), used, follow, change, rng_areas)
    return ChildTimelines(
        origin=origin, horizon_day=float(horizon_day), case=engaged.astype(np.int64), district=cases.district[engaged],
        sub_cohort=sc, kind=kind, referral_day=cases.referral[engaged], engagement_day=eng, support_end_day=s_end,
        exit_route=route, return_home_day=rh, tracking_start_day=tracking, spell_offsets=offsets,
        spell_start=spell_start, spell_end=spell_end, spell_remand=spell_remand, tools=tools,
        baseline_day=baseline, follow_up_day=follow, score_change=change,
        higher_is_better=np.array([d.higher_is_better for d in entries], dtype=bool),
        district_names=cases.district_names, sub_cohort_names=cases.sub_cohort_names, areas=areas,
    )


def tools_used(entries, rng: np.random.Generator, n: int) -> np.ndarray:
    """Boolean (n, n_entries): the entry's tool is used for the child.

    Tools with ``use_share`` 1 are used for every child; the others are alternatives: one
    uniform draw per child picks at most one of them (shares laid end to end in order of
    first appearance).
    """
    u = rng.random(n)
    shares: dict[str, float] = {}
    for d in entries:
        shares.setdefault(d.tool, d.use_share)
    lo, acc = {}, 0.0
    for tool, share in shares.items():
        if share < 1.0:
            lo[tool] = acc
            acc += share
    out = np.ones((n, len(entries)), dtype=bool)
    for k, d in enumerate(entries):
        if d.use_share < 1.0:
            out[:, k] = (u >= lo[d.tool]) & (u < lo[d.tool] + d.use_share)
    return out


def draw_area_scores(entries, case: np.ndarray, used: np.ndarray, follow_day: np.ndarray, change: np.ndarray,
                     rng: np.random.Generator) -> Assessments:
    """Per-area baseline and follow-up scores of every used tool (format in the module docstring).

    ``tool``, ``area`` and ``respondent`` are :class:`pandas.Categorical` columns built from
    small integer codes: hundreds of thousands of rows per replication would otherwise cost a
    Python reference (or a padded string) each; they compare, index and iterate as strings.
    """
    tools = list(dict.fromkeys(d.tool for d in entries))
    area_names = list(dict.fromkeys(a.name for d in entries for a in d.areas))
    respondents = ["child", "family"]
    if not entries:
        return Assessments.empty()
    # every column is written in place, entry after entry (no per-entry arrays to concatenate)
    sizes = [int(used[:, k].sum()) * len(d.areas) for k, d in enumerate(entries)]
    total_rows = sum(sizes)
    cat = dict(case=np.empty(total_rows, np.int64), tool=np.empty(total_rows, np.int16), area=np.empty(total_rows, np.int16),
               respondent=np.empty(total_rows, np.int8), baseline=np.empty(total_rows), follow_up=np.empty(total_rows),
               follow_up_day=np.empty(total_rows), higher_is_better=np.empty(total_rows, bool), min_score=np.empty(total_rows),
               max_score=np.empty(total_rows))
    at = 0
    for k, d in enumerate(entries):
        rows = np.flatnonzero(used[:, k])
        m, na = rows.size, len(d.areas)
        lo = np.array([a.min_score for a in d.areas], float)
        hi = np.array([a.max_score for a in d.areas], float)
        centre = np.full(na, d.baseline_mean) if d.baseline_mean is not None else (lo + hi) / 2.0
        spread = np.full(na, d.baseline_sd) if d.baseline_sd is not None else (hi - lo) / 6.0
        base = np.clip(np.rint(centre + spread * rng.standard_normal((m, na))), lo, hi)
        rho = d.area_correlation
        s = d.sd_change / np.sqrt(na * (1.0 + (na - 1) * rho))
        e = rng.normal(0.0, s * np.sqrt(1.0 - rho), (m, na)) if na > 1 else np.zeros((m, 1))
        total = change[rows, k]
        area_change = total[:, None] / na + e - e.mean(axis=1, keepdims=True)
        fu = np.where(np.isfinite(total)[:, None], np.clip(np.rint(base + area_change), lo, hi), np.nan)
        sl = slice(at, at + m * na)
        at += m * na
        cat["case"][sl] = np.repeat(case[rows], na)
        cat["tool"][sl] = tools.index(d.tool)
        cat["area"][sl].reshape(m, na)[:] = [area_names.index(a.name) for a in d.areas]
        cat["respondent"][sl] = respondents.index(d.respondent)
        cat["baseline"][sl] = base.ravel()
        cat["follow_up"][sl] = fu.ravel()
        cat["follow_up_day"][sl].reshape(m, na)[:] = follow_day[rows, k][:, None]
        cat["higher_is_better"][sl].reshape(m, na)[:] = [a.higher_is_better for a in d.areas]
        cat["min_score"][sl].reshape(m, na)[:] = lo
        cat["max_score"][sl].reshape(m, na)[:] = hi
    for key, names in (("tool", tools), ("area", area_names), ("respondent", respondents)):
        cat[key] = pd.Categorical.from_codes(cat[key], categories=names, validate=False)
    return Assessments(**cat)
