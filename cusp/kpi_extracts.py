"""Real extracts → the KPI registry's per-case table, and the scenario's KPI targets evaluated on it.

The simulation and the annual evaluation read every KPI through the same code
(:mod:`simulate.kpis`): this module only converts the validated extracts (``referrals.csv``,
``assessments.csv`` and, where present, ``plan_reviews.csv``, ``hours.csv``) into the tidy
per-case frame documented in :mod:`simulate.kpis.cases`, then calls
:func:`simulate.kpis.case_table_from_frames` and :func:`simulate.kpis.evaluate`. Waits are
in working days on the English calendar (:class:`simulate.calendar.WorkingCalendar`), counted
from the referral (contact form) date in ``referrals.csv``.

Columns of the frames returned are documented on each function.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import numpy as np
import pandas as pd

from evaluation.distance import pair_assessments
from evaluation.tools import get_tool
from simulate.calendar import WorkingCalendar
from simulate.flow.metrics import kpi_params
from simulate.kpis import REGISTRY, CaseTable, case_table_from_frames, evaluate, make_windows

__all__ = ["EXIT_ROUTE_OF", "case_frame", "assessment_rows", "extract_case_table", "registry_kpis", "target_rows"]

# referrals.csv end_reason → the registry's exit routes (moved away / other: an exit, not a completion)
EXIT_ROUTE_OF = {"completed": "completed", "stepped_down": "step_down", "disengaged": "disengaged",
                 "entered_care": "care_entry"}
_OPTIONAL = ("exit_strategy", "wellbeing_plan", "feedback_positive", "hours_per_week", "direct_share")


def case_frame(referrals: pd.DataFrame) -> pd.DataFrame:
    """The registry's tidy per-case frame, one row per referral (a child referred twice is two rows).

    Columns: ``district, referral_date, accepted, contact_date, assessment_date, start_date,
    end_date, exit_route`` and any of ``exit_strategy, wellbeing_plan, feedback_positive,
    hours_per_week, direct_share`` the extract records (blank = not recorded).
    """
    r = referrals.reset_index(drop=True)
    out = pd.DataFrame({
        "district": r["district"].astype(str),
        "referral_date": pd.to_datetime(r["referral_date"]),
        "accepted": r["accepted"].fillna(False).astype(bool),
        "contact_date": pd.to_datetime(r.get("first_contact_date")),
        "assessment_date": pd.to_datetime(r.get("assessment_date")),
        "start_date": pd.to_datetime(r.get("start_date")),
        "end_date": pd.to_datetime(r.get("end_date")),
    })
    # an end without a start is not a support episode the registry can time
    out.loc[out["start_date"].isna(), "end_date"] = pd.NaT
    reason = r["end_reason"] if "end_reason" in r else pd.Series(np.nan, index=r.index)
    out["exit_route"] = reason.map(EXIT_ROUTE_OF).where(out["end_date"].notna(), "").fillna("")
    for col in _OPTIONAL:
        if col in r:
            out[col] = pd.array(r[col], dtype="Float64").to_numpy(dtype=float, na_value=np.nan)  # true/false → 1/0
    return out


def assessment_rows(referrals: pd.DataFrame, assessments: pd.DataFrame, follow_up: str = "six_month",
                    baseline_grace_days: int = 14) -> pd.DataFrame:
    """The registry's assessment table: one row per case, tool and area.

    Scores are paired by :func:`evaluation.distance.pair_assessments` (baseline on or before the
    start of support, up to ``baseline_grace_days`` after; the ``follow_up`` timepoint). A child
    tool is the child's; a family (or parent) tool the family's; each person's scores belong to
    their first referral whose support started (case = row number in ``referrals``). People
    with a baseline but no follow-up have ``follow_up`` NaN (the registry keeps them out of
    the denominator until paired).

    Columns: ``case, tool, area, respondent, baseline, follow_up, follow_up_date,
    higher_is_better, min_score, max_score``.
    """
    r = referrals.reset_index(drop=True)
    started = r[r["start_date"].notna()].sort_values("start_date", kind="stable")
    rows = []
    for who in ("child_id", "family_id"):
        p = started[[who, "start_date", "end_date"]].rename(columns={who: "person_id"}).drop_duplicates("person_id")
        rows.append(p.assign(case=p.index.to_numpy(), key=who))
    periods = pd.concat(rows, ignore_index=True)
    cols = ["case", "tool", "area", "respondent", "baseline", "follow_up", "follow_up_date", "higher_is_better",
            "min_score", "max_score"]
    if assessments is None or assessments.empty or periods.empty:
        return pd.DataFrame(columns=cols)
    pairs, _ = pair_assessments(assessments, periods[["person_id", "start_date", "end_date"]].drop_duplicates("person_id"),
                                follow_up=follow_up, baseline_grace_days=baseline_grace_days)
    base = _baselines_only(assessments, pairs, periods)
    allp = pd.concat([pairs[["person_id", "tool", "area", "baseline", "follow_up", "follow_up_date"]], base], ignore_index=True)
    meta = []
    for tool in allp["tool"].unique():
        t = get_tool(tool)
        resp = "child" if t.respondent == "child" else "family"
        for a in t.areas:
            meta.append((tool, a.name, resp, a.higher_is_better, float(a.min_score), float(a.max_score)))
    meta_df = pd.DataFrame(meta, columns=["tool", "area", "respondent", "higher_is_better", "min_score", "max_score"])
    out = allp.merge(meta_df, on=["tool", "area"], how="inner")
    parts = [out[out["respondent"] == resp].merge(periods.loc[periods["key"] == who, ["person_id", "case"]], on="person_id")
             for resp, who in (("child", "child_id"), ("family", "family_id"))]
    out = pd.concat(parts, ignore_index=True)
    return out[cols].sort_values(["case", "tool", "area"], kind="stable").reset_index(drop=True)


def _baselines_only(assessments: pd.DataFrame, pairs: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Baselines of people with no follow-up yet (their ``follow_up`` is NaN)."""
    a = assessments[(assessments["timepoint"] == "baseline") & assessments["person_id"].isin(periods["person_id"])]
    a = a.sort_values("assessment_date", kind="stable").drop_duplicates(["person_id", "tool", "area"])
    done = pd.MultiIndex.from_frame(pairs[["person_id", "tool", "area"]]) if len(pairs) else None
    if done is not None:
        a = a[~pd.MultiIndex.from_frame(a[["person_id", "tool", "area"]]).isin(done)]
    return pd.DataFrame({"person_id": a["person_id"], "tool": a["tool"], "area": a["area"], "baseline": a["score"].astype(float),
                         "follow_up": np.nan, "follow_up_date": pd.NaT})


def extract_case_table(frames: Mapping[str, pd.DataFrame], origin: dt.date, district_names: list[str]) -> CaseTable:
    """The registry's :class:`~simulate.kpis.CaseTable` of the extracts (days from ``origin``).

    Reads ``referrals.csv`` and ``assessments.csv``; ``plan_reviews.csv`` (``case_id,
    review_date``) and ``hours.csv`` (``case_id, date, hours, direct``) when present.
    """
    referrals = frames["referrals.csv"].reset_index(drop=True)
    row_of = pd.Series(np.arange(len(referrals)), index=referrals["case_id"].astype(str))
    events = {}
    for name, file, cols in (("reviews", "plan_reviews.csv", ["review_date"]), ("hours", "hours.csv", ["date", "hours", "direct"])):
        f = frames.get(file)
        if f is not None and len(f):
            events[name] = f[cols].assign(case=f["case_id"].astype(str).map(row_of)).dropna(subset=["case"])
    return case_table_from_frames(case_frame(referrals), origin, district_names,
                                  reviews=events.get("reviews"), hours=events.get("hours"),
                                  assessments=assessment_rows(referrals, frames.get("assessments.csv", pd.DataFrame())))


def registry_kpis(scenario, table: CaseTable, origin: dt.date, end: dt.date, metrics: list[str], periods: list[str]) -> pd.DataFrame:
    """Registry KPIs of the extracts for each kind of window, by district (tidy).

    ``origin`` is day 0 and the first day observed, ``end`` the data's last day (inclusive):
    windows run from ``origin`` and events after ``end`` fall in none.

    Returns columns ``period, label, first_day, last_day`` (the row's first and last day), ``complete, district, metric, value, numerator,
    denominator`` (district ``all`` = every district).
    """
    cal = WorkingCalendar(origin, end)
    n_days = (end - origin).days + 1
    params = kpi_params(scenario)
    names = [m for m in metrics if m in REGISTRY and REGISTRY[m].basis == "cases"]
    rows = []
    for period in periods:
        w = make_windows(period, origin, origin, end + dt.timedelta(days=1))
        if w.n_rows == 0:
            continue
        vals = evaluate(table, w, cal, params, n_days, names)
        row_lo, row_hi = w.row_bounds()
        first = [origin + dt.timedelta(days=int(lo)) for lo in row_lo]
        last = [origin + dt.timedelta(days=int(h) - 1) for h in row_hi]
        districts = [*table.district_names, "all"]
        for m, v in vals.items():
            if m not in names:
                continue
            for i, label in enumerate(w.labels):
                for k, d in enumerate(districts):
                    rows.append((period, label, first[i], last[i], bool(w.complete[i]), d, m, float(v.value[i, k]),
                                 np.nan if v.numerator is None else float(v.numerator[i, k]),
                                 np.nan if v.denominator is None else float(v.denominator[i, k])))
    return pd.DataFrame(rows, columns=["period", "label", "first_day", "last_day", "complete", "district", "metric", "value", "numerator", "denominator"])


def target_rows(scenario, kpis: pd.DataFrame) -> pd.DataFrame:
    """Each KPI target of the scenario in each report row (district ``all``, or the target's).

    Returns columns ``target, metric, period, label, first_day, last_day, complete, comparison, threshold, value,
    numerator, denominator, met`` (``met`` NaN where the value is not measurable).
    """
    out = []
    for t in scenario.kpi_targets:
        sel = kpis[(kpis["metric"] == t.metric) & (kpis["period"] == t.period) & (kpis["district"] == (t.district or "all"))]
        for r in sel.itertuples():
            met = bool(t.met(r.value)) if np.isfinite(r.value) else np.nan
            out.append((t.name, t.metric, t.period, r.label, r.first_day, r.last_day, r.complete, t.comparison, float(t.threshold), r.value,
                        r.numerator, r.denominator, met))
    return pd.DataFrame(out, columns=["target", "metric", "period", "label", "first_day", "last_day", "complete", "comparison", "threshold", "value",
                                      "numerator", "denominator", "met"])
