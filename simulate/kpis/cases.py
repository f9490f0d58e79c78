"""The per-case table every KPI is computed from: the contract between the KPI registry and its sources.

The simulation (:func:`simulate.flow.metrics.case_table`) and a real extract (converted by the
``cusp`` layer with :func:`case_table_from_frames`) produce the same arrays, so one definition
per KPI serves both. Days are float days from an origin date (day 0.0 = 00:00 on the origin);
``NaN`` means "did not happen (yet)". Columns of the tidy per-case frame (one row per referral;
a child referred twice is two rows):

=====================  ========  =============================================================
column                 type      meaning
=====================  ========  =============================================================
``district``           str       district of the referral
``referral_date``      date      day the referral (contact form) was received
``accepted``           bool      the referral was accepted (rejected referrals are in no
                                 denominator except ``referrals``)
``contact_date``       date      first contact with the family (002 "responded")
``assessment_date``    date      assessment done (003 KPI 2 and 4)
``start_date``         date      support started (first session)
``end_date``           date      support ended (NaN while open)
``left_date``          date      left the waiting list without starting (gave up, returned to
                                 the central team)
``exit_route``         str       completed / step_down / step_up / disengaged / care_entry, or
                                 empty while open or never started
``paused_days``        float     days support was paused (excluded from its length)
``hours_per_week``     float     worker hours per week while open (used when no hours events)
``direct_share``       float     share of those hours that are direct work
``exit_strategy``      0/1/NaN   an agreed exit strategy was in place before the end (002)
``wellbeing_plan``     0/1/NaN   a (Family) Wellbeing Plan was in place at the end (002)
``feedback_positive``  0/1/NaN   the family's feedback at the end was positive (003 KPI 21)
=====================  ========  =============================================================

Three event tables complete it: **reviews** (``case``, ``review_date``: a plan review or
reassessment done), **hours** (``case``, ``date``, ``hours``, ``direct``: worker time, optional:
without it hours accrue at ``hours_per_week`` while a case is open) and **assessments**, one row
per case, tool and area: ``case``, ``tool``, ``area``, ``respondent`` (``child`` or ``family``),
``baseline``, ``follow_up`` (NaN without a follow-up), ``follow_up_date``, ``higher_is_better``,
``min_score``, ``max_score``. A case's tools are the tools with rows for it: the KPIs judge each
child on the tool(s) used for that child.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

EXIT_ROUTES = ("completed", "step_down", "step_up", "disengaged", "care_entry")


def _f(n: int) -> np.ndarray:
    return np.full(n, np.nan)


@dataclass
class Assessments:
    """Per-area scores, one entry per (case, tool, area): see the module docstring."""

    case: np.ndarray
    tool: np.ndarray
    area: np.ndarray
    respondent: np.ndarray
    baseline: np.ndarray
    follow_up: np.ndarray
    follow_up_day: np.ndarray
    higher_is_better: np.ndarray
    min_score: np.ndarray
    max_score: np.ndarray

    def __len__(self) -> int:
        return int(self.case.size)

    @classmethod
    def empty(cls) -> "Assessments":
        e, o = np.empty(0), np.empty(0, dtype=object)
        return cls(np.empty(0, np.int64), o, o, o, e, e, e, np.empty(0, bool), e, e)

    def oriented_change(self) -> np.ndarray:
        """Follow-up minus baseline, signed so that positive is better (NaN without follow-up)."""
        return np.where(self.higher_is_better, 1.0, -1.0) * (self.follow_up - self.baseline)

    def at_best(self, scores: np.ndarray) -> np.ndarray:
        """Scores at the best end of their area's scale."""
        best = np.where(self.higher_is_better, self.max_score, self.min_score)
        return scores == best


@dataclass
class CaseTable:
    """Per-case arrays (index = case) plus event arrays; see the module docstring for each column.

    ``exit_route`` holds indices into :data:`EXIT_ROUTES` (−1 while open or never started).
    ``review_case``/``review_day`` and ``hours_case``/``hours_day``/``hours``/``hours_direct``
    are flat event arrays; ``hours`` is ``None`` when hours accrue at ``hours_per_week``.
    """

    district: np.ndarray
    referral_day: np.ndarray
    accepted: np.ndarray
    contact_day: np.ndarray
    assessment_day: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    left_day: np.ndarray
    exit_route: np.ndarray
    paused_days: np.ndarray
    hours_per_week: np.ndarray
    direct_share: np.ndarray
    exit_strategy: np.ndarray
    wellbeing_plan: np.ndarray
    feedback_positive: np.ndarray
    district_names: list[str]
    review_case: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    review_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    hours_case: np.ndarray | None = None
    hours_day: np.ndarray | None = None
    hours: np.ndarray | None = None
    hours_direct: np.ndarray | None = None
    assessments: Assessments = field(default_factory=Assessments.empty)

    def __len__(self) -> int:
        return int(self.referral_day.size)

    @classmethod
    def build(cls, district_names: list[str], district: np.ndarray, referral_day: np.ndarray, **columns) -> "CaseTable":
        """A table from the columns given; the others default to "did not happen" / unknown."""
        n = np.asarray(referral_day).size
        defaults = dict(
            accepted=np.ones(n, bool), contact_day=_f(n), assessment_day=_f(n), start_day=_f(n), end_day=_f(n),
            left_day=_f(n), exit_route=np.full(n, -1, np.int64), paused_days=np.zeros(n), hours_per_week=np.zeros(n),
            direct_share=np.zeros(n), exit_strategy=_f(n), wellbeing_plan=_f(n), feedback_positive=_f(n),
        )
        defaults.update(columns)
        arrays = {k: (np.asarray(v, dtype=float) if k.endswith("_day") or k in ("paused_days", "hours_per_week", "direct_share", "exit_strategy", "wellbeing_plan", "feedback_positive") else v) for k, v in defaults.items()}
        return cls(district=np.asarray(district, np.int64), referral_day=np.asarray(referral_day, float), district_names=list(district_names), **arrays)


def _days(series: pd.Series, origin: dt.date) -> np.ndarray:
    d = pd.to_datetime(series, errors="coerce")
    return ((d - pd.Timestamp(origin)) / pd.Timedelta(days=1)).to_numpy(float)


def case_table_from_frames(cases: pd.DataFrame, origin: dt.date, district_names: list[str] | None = None,
                           reviews: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None,
                           hours: pd.DataFrame | None = None) -> CaseTable:
    """Convert the tidy per-case frame (module docstring) and its event tables into a :class:`CaseTable`.

    ``cases`` is indexed 0..n−1 in row order; ``reviews``, ``assessments`` and ``hours`` name
    cases by that row number in column ``case``. Missing optional columns mean "not recorded"
    (NaN), never "did not happen" for a required one: ``district`` and ``referral_date`` are
    required.
    """
    for col in ("district", "referral_date"):
        if col not in cases.columns:
            raise KeyError(f"per-case table: missing column {col!r}")
    names = list(district_names) if district_names is not None else sorted(cases["district"].astype(str).unique())
    code = cases["district"].astype(str).map({d: i for i, d in enumerate(names)})
    if code.isna().any():
        raise KeyError(f"per-case table: unknown district {cases['district'][code.isna()].iloc[0]!r}")
    n = len(cases)
    cols: dict = {}
    for name, col in (("contact_day", "contact_date"), ("assessment_day", "assessment_date"), ("start_day", "start_date"),
                      ("end_day", "end_date"), ("left_day", "left_date")):
        if col in cases.columns:
            cols[name] = _days(cases[col], origin)
    for col in ("paused_days", "hours_per_week", "direct_share", "exit_strategy", "wellbeing_plan", "feedback_positive"):
        if col in cases.columns:
            cols[col] = pd.to_numeric(cases[col], errors="coerce").to_numpy(float)
    if "accepted" in cases.columns:
        cols["accepted"] = cases["accepted"].astype(bool).to_numpy()
    if "exit_route" in cases.columns:
        cols["exit_route"] = cases["exit_route"].map({r: i for i, r in enumerate(EXIT_ROUTES)}).fillna(-1).to_numpy(np.int64)
    t = CaseTable.build(names, code.to_numpy(np.int64), _days(cases["referral_date"], origin), **cols)
    if reviews is not None and len(reviews):
        t.review_case = reviews["case"].to_numpy(np.int64)
        t.review_day = _days(reviews["review_date"], origin)
    if hours is not None and len(hours):
        t.hours_case = hours["case"].to_numpy(np.int64)
        t.hours_day = _days(hours["date"], origin)
        t.hours = hours["hours"].to_numpy(float)
        t.hours_direct = hours["direct"].astype(bool).to_numpy()
    if assessments is not None and len(assessments):
        a = assessments
        t.assessments = Assessments(
            a["case"].to_numpy(np.int64), a["tool"].to_numpy(object), a["area"].to_numpy(object),
            a["respondent"].to_numpy(object), a["baseline"].to_numpy(float), a["follow_up"].to_numpy(float),
            _days(a["follow_up_date"], origin), a["higher_is_better"].astype(bool).to_numpy(),
            a["min_score"].to_numpy(float), a["max_score"].to_numpy(float))
    assert len(t) == n
    return t
