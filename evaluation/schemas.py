"""Data contracts for the CSV extracts an evaluator receives, and the column checks that apply them.

Each extract is declared once as a :class:`FileSchema` of :class:`Column` s (type, nullability,
allowed values, range, meaning) plus its unique key and date-order rules. :func:`check_frame`
applies one schema to a frame read as text and returns the typed frame and **every** failing
cell; the checks are vectorised (1,000,000 assessment rows in about a second). Rules that span
rows or files (referential integrity, overlapping care spells, tool areas) live in
:mod:`evaluation.extracts`. The meaning of every column is in ``docs/data-contracts.md``.

Row numbers in issues are as a spreadsheet shows them: the header is row 1, the first data
row is row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .readers.convert import Encodings, convert, date_reason, duplicated_rows, parse_dates  # noqa: F401 - re-exported

DType = Literal["str", "int", "float", "date", "bool"]
TRUE_FALSE = ("true", "false")
SEXES = ("female", "male", "other", "not_known")
ETHNICITIES = ("white", "mixed", "asian", "black", "other", "not_known")  # ONS 2021 high-level groups
END_REASONS = ("completed", "disengaged", "entered_care", "moved_away", "stepped_down", "other")
TIMEPOINTS = ("baseline", "six_month", "exit")
EPISODE_TYPES = ("care", "remand", "short_break")  # short_break: respite (SSDA903 V3/V4), not a period away from home
MEASURES = ("exclusions", "attainment", "sdq_total", "high_risk_behaviours", "my_star_mean", "absence_rate")  # 004 §4 non-payment metrics
ROLES = ("served", "sibling")
DELIVERY_MODES = ("one_to_one", "group", "online")  # 003 §6 breakdown by delivery mode; 002 one-to-one or group work
LEGAL_STATUSES = ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")  # SSDA903 LS codes
ISSUE_COLUMNS = ["file", "row", "column", "reason"]


@dataclass(frozen=True)
class Column:
    """One column of an extract: type, whether blanks are allowed, allowed values, range, meaning."""

    name: str
    dtype: DType
    description: str
    nullable: bool = False
    required: bool = True
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class FileSchema:
    """One extract file: its columns, unique key and date-order rules.

    ``order`` holds ``(earlier, later)`` column pairs: where both are present the later may not
    precede the earlier (equal is allowed).
    """

    file: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    order: tuple[tuple[str, str], ...] = ()
    required: bool = True
    child_columns: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, dtype: DType, description: str, **kw: object) -> Column:
    return Column(name, dtype, description, **kw)  # type: ignore[arg-type]


_COVARIATES = (
    _c("district", "str", "district of the child's home address (a scenario district)"),
    _c("sub_cohort", "str", "sub-cohort the child is eligible for (a scenario sub-cohort name)"),
    _c("need_level", "int", "Continuum of Need level at referral (1-4)", min=1, max=4),
    _c("date_of_birth", "date", "child's date of birth"),
    _c("sex", "str", "recorded sex", allowed=SEXES),
    _c("ethnicity", "str", "ethnic group (ONS high-level)", allowed=ETHNICITIES),
    _c("risk_factors", "int", "number of the specification's risk factors recorded at referral (004 §2.1.1-2.1.2)", min=0, max=12),
    _c("prior_care_episodes", "int", "care episodes before the referral (or index) date", min=0, max=50),
)

REFERRALS = FileSchema(
    file="referrals.csv",
    description="one row per referral (case) to the service",
    key=("case_id",),
    order=(("referral_date", "first_contact_date"), ("referral_date", "assessment_date"),
           ("referral_date", "start_date"), ("start_date", "end_date"), ("date_of_birth", "referral_date")),
    columns=(
        _c("case_id", "str", "unique identifier of the referral"),
        _c("child_id", "str", "pseudonymous child identifier (never printed in reports)"),
        _c("family_id", "str", "pseudonymous family identifier"),
        *_COVARIATES[:3],
        _c("referral_date", "date", "date the referral was received"),
        _c("referral_source", "str", "who referred (e.g. childrens_social_care, early_help, school, self)"),
        _c("accepted", "bool", "whether the referral was accepted (true/false)", allowed=TRUE_FALSE),
        _c("first_contact_date", "date", "first contact with the family; blank if none yet", nullable=True),
        _c("assessment_date", "date", "service assessment; blank if none yet", nullable=True),
        _c("start_date", "date", "engagement: support started; blank if not started", nullable=True),
        _c("end_date", "date", "support ended; blank while open", nullable=True),
        _c("end_reason", "str", "why support ended; blank while open", nullable=True, allowed=END_REASONS),
        _c("return_home_date", "date", "reunification cohorts: the day the child went home; blank otherwise or not yet", nullable=True),
        *_COVARIATES[3:],
        _c("age_at_referral", "int", "age in whole years on the referral date", required=False, min=0, max=25),
        _c("action_plan_agreed", "bool", "000 PbR: a jointly agreed action plan exists; blank while unknown", nullable=True, required=False, allowed=TRUE_FALSE),
        _c("outcomes_achieved_at_exit", "bool", "000 PbR: outcomes agreed as achieved at exit; blank while open", nullable=True, required=False, allowed=TRUE_FALSE),
        _c("referral_reason", "str", "main reason for the referral, as the service records it (003 breakdown)", nullable=True, required=False),
        _c("delivery_mode", "str", "how support was mainly delivered: one_to_one, group or online; blank if not started", nullable=True, required=False, allowed=DELIVERY_MODES),
        _c("refugee_or_asylum", "bool", "003 breakdown: the child or family is a refugee or asylum seeker", nullable=True, required=False, allowed=TRUE_FALSE),
        _c("rural", "bool", "003 breakdown: the home address is rural (ONS rural-urban classification)", nullable=True, required=False, allowed=TRUE_FALSE),
        _c("hours_per_week", "float", "002: worker hours a week while support is open (all work for the family)", nullable=True, required=False, min=0, max=80),
        _c("direct_share", "float", "002: share of those hours that is direct work with the family (0-1)", nullable=True, required=False, min=0, max=1),
        _c("exit_strategy", "bool", "002: an agreed exit strategy was in place before support ended; blank while open", nullable=True, required=False, allowed=TRUE_FALSE),
        _c("wellbeing_plan", "bool", "002: a (Family) Wellbeing Plan was in place at the end of support; blank while open", nullable=True, required=False, allowed=TRUE_FALSE),
        _c("feedback_positive", "bool", "003 KPI 21: the family's feedback at the end of support was positive; blank if none given", nullable=True, required=False, allowed=TRUE_FALSE),
    ),
)

PLAN_REVIEWS = FileSchema(
    file="plan_reviews.csv",
    description="one row per plan review or reassessment done (003 KPI 8; 002 plans reviewed on time); optional",
    key=("case_id", "review_date"),
    required=False,
    columns=(
        _c("case_id", "str", "referral (case) reviewed (must be in referrals)"),
        _c("review_date", "date", "date the review was done"),
    ),
)

ASSESSMENTS = FileSchema(
    file="assessments.csv",
    description="long table: one row per person, tool, area and timepoint",
    key=("person_id", "tool", "area", "timepoint"),
    columns=(
        _c("person_id", "str", "child_id (child tools) or family_id (family and parent tools)"),
        _c("tool", "str", "assessment tool (evaluation.tools registry)"),
        _c("area", "str", "area of the tool (evaluation.tools registry)"),
        _c("timepoint", "str", "baseline, six_month (second assessment six months later) or exit", allowed=TIMEPOINTS),
        _c("assessment_date", "date", "date the assessment was completed"),
        _c("score", "int", "score on the area's scale (range per tool and area in evaluation.tools)"),
    ),
)

CARE_EPISODES = FileSchema(
    file="care_episodes.csv",
    description="one row per spell away from home: in local-authority care or on remand",
    key=("episode_id",),
    order=(("start_date", "end_date"), ("start_date", "recorded_date")),
    child_columns=("child_id",),
    columns=(
        _c("episode_id", "str", "unique identifier of the spell"),
        _c("child_id", "str", "child away from home (must be in referrals or the comparison pool)"),
        _c("start_date", "date", "first day away from home"),
        _c("end_date", "date", "day the child was home again; blank while ongoing", nullable=True),
        _c("episode_type", "str", "care, remand or short_break (respite while living at home: excluded from periods away from home)", allowed=EPISODE_TYPES),
        _c("recorded_date", "date", "date the spell was entered in the system (late recording)", nullable=True, required=False),
        _c("legal_status", "str", "SSDA903 legal status (LS) of the row; J1-J3 remand, V3/V4 short breaks", nullable=True, required=False, allowed=LEGAL_STATUSES),
    ),
)

SCHOOL = FileSchema(
    file="school.csv",
    description="attendance per child and period (e.g. term or year)",
    key=("child_id", "period_start"),
    order=(("period_start", "period_end"),),
    child_columns=("child_id",),
    columns=(
        _c("child_id", "str", "child (must be in referrals or the comparison pool)"),
        _c("period_start", "date", "first day of the period"),
        _c("period_end", "date", "last day of the period"),
        _c("unauthorised_absence_days", "float", "days of unauthorised absence in the period", min=0),
        _c("possible_days", "float", "possible school days (sessions / 2) in the period", min=0, max=366),
    ),
)

READING = FileSchema(
    file="reading.csv",
    description="reading-age assessments with the school's forecast",
    key=("child_id", "assessment_date"),
    child_columns=("child_id",),
    columns=(
        _c("child_id", "str", "child (must be in referrals or the comparison pool)"),
        _c("assessment_date", "date", "date of the reading assessment"),
        _c("reading_age", "float", "assessed reading age in years", min=3, max=20),
        _c("forecast_reading_age", "float", "reading age the school forecast for this date, in years; blank if none", nullable=True, min=3, max=20),
    ),
)

COMPARISON_POOL = FileSchema(
    file="comparison_pool.csv",
    description="eligible children not served by the service, with the same covariates",
    key=("child_id",),
    order=(("date_of_birth", "index_date"),),
    columns=(
        _c("child_id", "str", "pseudonymous child identifier (not in referrals)"),
        _c("family_id", "str", "pseudonymous family identifier"),
        *_COVARIATES[:3],
        _c("index_date", "date", "date the child met the eligibility criteria (comparable to start_date)"),
        *_COVARIATES[3:],
    ),
)

CHILD_MEASURES = FileSchema(
    file="child_measures.csv",
    description="004 non-payment metrics of served children and their siblings at the start and end of support; optional",
    key=("person_id", "measure", "timepoint"),
    required=False,
    columns=(
        _c("person_id", "str", "served child (child_id) or a sibling (the service's own sibling identifier)"),
        _c("family_id", "str", "family of the served child (must be in referrals)"),
        _c("role", "str", "served (the referred child) or sibling", allowed=ROLES),
        _c("measure", "str", "exclusions (fixed-term, last 6 months), attainment (points), sdq_total (0-40, lower better), high_risk_behaviours (count), my_star_mean (1-10), absence_rate (0-1)", allowed=MEASURES),
        _c("timepoint", "str", "baseline (start of support) or exit (end of support)", allowed=("baseline", "exit")),
        _c("measure_date", "date", "date the measure was taken"),
        _c("value", "float", "the measure's value in its units"),
    ),
)

SCHEMAS: dict[str, FileSchema] = {s.file: s for s in (REFERRALS, ASSESSMENTS, CARE_EPISODES, SCHOOL, READING, COMPARISON_POOL,
                                                       PLAN_REVIEWS, CHILD_MEASURES)}
"""Every extract by file name, in the order they are read."""


def _issues(file: str, rows: np.ndarray, column: str, reasons: object) -> pd.DataFrame:
    """Issue rows for positional ``rows`` (0-based data positions → spreadsheet rows)."""
    return pd.DataFrame({"file": file, "row": rows.astype("int64") + 2, "column": column, "reason": reasons})


def check_frame(raw: pd.DataFrame, schema: FileSchema, *, dayfirst: bool = False,
                encodings: Encodings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check a frame read as text (blanks as NaN) against ``schema``.

    Parameters
    ----------
    raw
        The file as read with every column as ``str`` and blank cells as missing, with a
        default ``RangeIndex``.
    schema
        The file's contract.
    dayfirst
        Also accept dates written ``dd/mm/yyyy`` (UK style); ISO ``YYYY-MM-DD`` is always
        accepted. Without it a ``dd/mm/yyyy`` date is an issue, never read month-first.
    encodings
        Shared dictionary encodings of text columns (keyed ``(file, column)``), so the
        cross-file checks reuse them; a new one by default.

    Returns
    -------
    typed : pandas.DataFrame
        The schema's columns converted: ``date`` → ``datetime64``, ``int``/``float`` →
        ``float64`` (missing as NaN), ``bool`` → ``boolean``, ``str`` → pandas ``str`` (Arrow
        strings, as read). Cells that failed are missing.
    issues : pandas.DataFrame
        Columns ``file``, ``row`` (header = row 1), ``column``, ``reason``; one row per failing
        cell, plus file-level issues (``row`` = -1) for missing columns.
    """
    encodings = encodings if encodings is not None else Encodings()
    found: list[pd.DataFrame] = []
    typed: dict[str, pd.Series] = {}
    n = len(raw)
    for col in schema.columns:
        if col.name not in raw.columns:
            if col.required:
                found.append(pd.DataFrame([{"file": schema.file, "row": -1, "column": col.name, "reason": "required column is missing"}]))
            continue
        values, bad = convert(raw[col.name], col, dayfirst, lambda c=col.name: encodings.get((schema.file, c), raw[c]))
        for mask, reason in bad:
            idx = np.flatnonzero(mask)
            if len(idx):
                text = reason(raw[col.name].iloc[idx].tolist()) if callable(reason) else reason
                found.append(_issues(schema.file, idx, col.name, text))
        typed[col.name] = values
    frame = pd.DataFrame(typed, index=raw.index) if typed else pd.DataFrame(index=raw.index)
    if n and schema.key and all(k in frame.columns for k in schema.key):
        idx = np.flatnonzero(duplicated_rows([encodings.get((schema.file, k), raw[k]) for k in schema.key], n))
        if len(idx):
            found.append(_issues(schema.file, idx, "+".join(schema.key), f"duplicate key ({', '.join(schema.key)}) already on an earlier row"))
    for early, late in schema.order:
        if early in frame.columns and late in frame.columns:
            idx = np.flatnonzero((frame[late] < frame[early]).to_numpy())
            if len(idx):
                found.append(_issues(schema.file, idx, late, f"{late} is before {early}"))
    issues = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=ISSUE_COLUMNS)
    return frame, issues
