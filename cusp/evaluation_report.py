"""Which sections the annual evaluation holds for a service, and the service-specific tables.

The notebook ``notebooks/annual_evaluation.ipynb`` asks :func:`plan_sections` what the
service's data and specification support (no time-to-care section without care episodes, no
matched comparison without children to match, no distance travelled without paired scores) and
calls the builders here for the tables each service's specification asks for. Every table
leaves through :func:`cusp.presentation.disclosure.kpi_table` or
:func:`~cusp.presentation.disclosure.count_table` (disclosure control); the presentation layer
(:mod:`cusp.presentation.evaluation`) shapes and shows them. KPI values come from the registry
(:mod:`cusp.kpi_extracts`). The data helpers the notebook needs first (:func:`data_end_date`,
:func:`assessment_periods`), :func:`kpi_targets`, :func:`caliper_sensitivity` and
:func:`settle_payments` live here too.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from cusp import kpi_extracts as ke
from cusp import presentation as pr
from cusp.presentation.labels import OUTCOME_LABELS
from evaluation.intervals import wilson_interval
from simulate.calendar import WorkingCalendar
from simulate.kpis import REGISTRY

__all__ = ["Sections", "SHARE_GUARDS", "SHARE_HIDDEN", "TARGET_GUARDS", "TARGET_HIDDEN", "plan_sections", "report_origin", "working_day_waits", "kpi_status", "target_table",
           "quarterly_table", "long_share_table", "breakdown_rows", "keep_outcomes", "reconcile", "competing_risk_times", "reconciliation_input", "measure_changes", "MIN_GROUP",
           "data_end_date", "assessment_periods", "reconciliation_point", "kpi_targets", "caliper_sensitivity", "settle_payments"]

# fewest children on each side before a comparison is attempted (a matched design on fewer is noise)
MIN_GROUP = 10
_CARE_ROWS = ("care_within_6m", "care_within_12m", "care_within_24m")


@dataclass(frozen=True)
class Sections:
    """What the report holds; each flag names the data that decided it (``reasons``)."""

    distance: bool
    matched: bool
    care: bool
    spells: bool
    absence: bool
    reading: bool
    payments: bool
    reasons: dict[str, str] = field(default_factory=dict)

    def effect_outcomes(self) -> list[str]:
        """Outcome columns of :func:`evaluation.estimates.matched_effects` the report shows."""
        out = list(_CARE_ROWS) if self.care else []
        return out + (["absence_change"] if self.absence else []) + (["reading_gain"] if self.reading else [])


def plan_sections(scenario, frames: Mapping[str, pd.DataFrame], cohort: pd.DataFrame, pairs: pd.DataFrame) -> Sections:
    """Decide the report's sections from the extracts and the cohort.

    * distance travelled: at least one baseline/follow-up pair;
    * matched comparison: at least :data:`MIN_GROUP` served children and pool children sharing a sub-cohort;
    * time to care: care episodes recorded and at least one care entry among cohort children;
    * absence, reading: outcomes known for at least :data:`MIN_GROUP` served children;
    * payments: settled by the payment engine (a KPI-linked contract has its reconciliation instead; a
      block contract pays a fixed sum, so it has no outcome payments to settle).
    """
    reasons = {}
    served, pool = cohort[cohort["served"] == 1], cohort[cohort["served"] == 0]
    shared = set(served["sub_cohort"]) & set(pool["sub_cohort"])
    n_s = int(served["sub_cohort"].isin(shared).sum())
    n_p = int(pool["sub_cohort"].isin(shared).sum())
    matched = n_s >= MIN_GROUP and n_p >= MIN_GROUP
    if not matched:
        reasons["matched"] = f"fewer than {MIN_GROUP} served or comparison children share a sub-cohort"
    episodes = frames.get("care_episodes.csv")
    spells = episodes is not None and len(episodes) > 0
    care = spells and matched and int(cohort["care_event"].sum()) > 0
    if not care:
        reasons["care"] = "no care episodes in the extracts" if not spells else "no care entry among the children compared"
    distance = len(pairs) > 0
    if not distance:
        reasons["distance"] = "no baseline and follow-up pair of assessment scores"
    absence = matched and int(served["absence_change"].notna().sum()) >= MIN_GROUP
    reading = matched and int(served["reading_gain"].notna().sum()) >= MIN_GROUP
    if matched and not (care or absence or reading):
        matched = False
        reasons["matched"] = "no outcome (care entry, absence, reading) to compare"
    # a KPI-linked contract is settled by its year-end reconciliation (its own section), not by the payment engine
    kind = getattr(scenario.payment, "kind", "")
    payments = kind not in ("kpi_linked", "block")
    if kind == "kpi_linked":
        reasons["payments"] = "KPI-linked: see the year-end reconciliation"
    elif kind == "block":  # a fixed sum whatever the outcomes: there is nothing for outcomes to settle
        value = getattr(scenario.payment, "annual_value_gbp", None)
        reasons["payments"] = "a block contract" + (f" of {pr.gbp(value)} a year" if value else "") + ", not paid by outcomes"
    return Sections(distance, matched, care, spells, absence, reading, payments, reasons)


def report_origin(scenario, referrals: pd.DataFrame) -> dt.date:
    """Day 0 of the report's windows: the contract start, or the first referral if the data start earlier."""
    first = pd.to_datetime(referrals["referral_date"]).min().date()
    return min(scenario.horizon.start_date, first)


SHARE_GUARDS = [("count", "out of"), ("rest", "out of"), ("rest shown", "out of")]
SHARE_HIDDEN = ["count", "rest", "rest shown"]
TARGET_GUARDS = [("met by", "out of"), ("rest", "out of"), ("rest shown", "out of"), (None, "count")]
TARGET_HIDDEN = ["met by", "rest", "rest shown"]
"""Guards for :func:`target_table`: shares as :data:`SHARE_GUARDS` (numerator in hidden ``met by``);
a count KPI's value (families, reviews) in ``count``, rounded and suppressed as a count."""
"""Guards for a share table (:func:`target_table`, :func:`long_share_table`, :func:`breakdown_rows`):
a share is suppressed when those meeting it **or those not meeting it** are too few — the hidden
``rest`` (out of − count) and ``rest shown`` (the same from the rounded counts a reader sees) — so a
share near 0% or 100% cannot give back a small group. The numerator is not published beside the
share (share and base say it), so no product of a percentage and a count in one row can be read
as a count of people."""


def _rests(k, n, round_to: int | None) -> dict[str, np.ndarray]:
    """``rest`` = n − k and ``rest shown`` = rounded n − rounded k (NaN where either is missing)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    r = lambda x: np.array([_rounded(v, round_to) if np.isfinite(v) else np.nan for v in x])  # noqa: E731
    return {"rest": n - k, "rest shown": r(n) - r(k)}


# --------------------------------------------------------------------------- waits

def working_day_waits(referrals: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Waits from the referral (contact form) date, in working days (weekends and English bank holidays).

    A wait is the working days after the referral day up to and including the event's day
    (:meth:`simulate.calendar.WorkingCalendar.working_days_between`), for accepted referrals
    that reached the step. Index ``wait``; columns ``referrals`` (count), ``mean``, ``median``,
    ``longest`` (working days). The longest is a derived value: published unless the group it
    describes is too small under the policy.
    """
    acc = referrals[referrals["accepted"].fillna(False).astype(bool)]
    ref = pd.to_datetime(acc["referral_date"])
    origin = ref.min().date() if len(ref) else end
    cal = WorkingCalendar(origin, max(end, origin))
    day0 = ((ref - pd.Timestamp(origin)) / pd.Timedelta(days=1)).to_numpy(float)
    rows = {}
    for label, col in (("to first contact", "first_contact_date"), ("to assessment", "assessment_date"),
                       ("to start of support", "start_date")):
        ev = ((pd.to_datetime(acc[col]) - pd.Timestamp(origin)) / pd.Timedelta(days=1)).to_numpy(float)
        ok = np.isfinite(ev)
        w = cal.working_days_between(day0[ok], ev[ok]) if ok.any() else np.empty(0)
        rows[label] = (int(ok.sum()), float(np.mean(w)) if w.size else np.nan,
                       float(np.median(w)) if w.size else np.nan, float(np.max(w)) if w.size else np.nan)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["referrals", "mean", "median", "longest"])
    out.index.name = "wait (working days)"
    return out


# --------------------------------------------------------------------------- KPI targets via the registry

def kpi_status(metric: str, frames: Mapping[str, pd.DataFrame]) -> str:
    """Why a registry KPI cannot be measured from these extracts ('' when it can)."""
    d = REGISTRY.get(metric)
    ref = frames["referrals.csv"]
    if d is None or d.basis == "simulation":
        return "not in the per-case registry"
    if d.basis == "contacts":
        return "needs the universal contacts extract (not supplied)"
    needs = {"reviews": "plan_reviews.csv", "share_reviews_on_time": "plan_reviews.csv"}
    if metric in needs and needs[metric] not in frames:
        return f"needs {needs[metric]} (not supplied)"
    if metric in ("hours_delivered", "direct_work_share") and "hours.csv" not in frames and "hours_per_week" not in ref:
        return "needs hours.csv (not supplied)"
    cols = {"share_exit_strategy": "exit_strategy", "share_wellbeing_plan": "wellbeing_plan",
            "share_positive_feedback": "feedback_positive"}
    if metric in cols and cols[metric] not in ref:
        return f"needs column {cols[metric]} in referrals.csv (not supplied)"
    return ""


def target_table(scenario, frames: Mapping[str, pd.DataFrame], kpis: pd.DataFrame, end: dt.date,
                 fallback: pd.DataFrame | None = None, round_to: int | None = None, level: float = 0.95) -> pd.DataFrame:
    """The scenario's KPI targets in the report year: one row per target and window ending in the
    12 months to ``end`` (rolling windows: the worst, as the registry folds them).

    A share and its interval are worked out from its counts rounded to ``round_to`` (the
    disclosure policy's base), so the interval cannot give back an unrounded count.
    ``fallback`` (:func:`kpi_targets`) supplies rows for targets outside the
    per-case registry (004's share out of care on the data's end date).

    Index ``KPI``; columns ``window, target, value, ci_low, ci_high, count, out of, result,
    format, met by, rest, rest shown`` (for :data:`TARGET_GUARDS`; ``met by`` is a share's
    numerator, ``count`` a count KPI's value). A count KPI (families worked with, reviews) is in ``count`` so the policy rounds it. Shares get a Wilson interval; ``count``/``out of`` are the numerator and
    denominator the value rests on (blank for means, maxima and sums).
    """
    rows = []
    tr = ke.target_rows(scenario, kpis)
    year_ago = pd.Timestamp(end) - pd.DateOffset(years=1)
    for t in scenario.kpi_targets:
        why = kpi_status(t.metric, frames)
        sel = tr[tr["target"] == t.name]
        if len(sel):  # windows ending in the year to ``end`` (and the one ``end`` falls in)
            sel = sel[(pd.to_datetime(sel["last_day"]) > year_ago) & (pd.to_datetime(sel["first_day"]) <= pd.Timestamp(end))]
        d = REGISTRY.get(t.metric)
        fmt = "pct" if d is not None and d.kind == "share" else "1"
        words = _target_words(t)
        if why and fallback is not None and pr.label(t.name) in fallback.index \
                and fallback.loc[pr.label(t.name), "result"] in ("met", "not met"):
            f = fallback.loc[pr.label(t.name)]
            rows.append(dict(KPI=f.name, window=f.get("window", f"on {pd.Timestamp(end):%d %b %Y}"), target=f["target"], value=f["value"],
                             ci_low=np.nan, ci_high=np.nan, count=f["count"], **{"out of": f["out of"]},
                             result=f["result"], format=f["format"]))
            continue
        if why or sel.empty:
            rows.append(dict(KPI=pr.label(t.name), window=pr.label(t.period, capital=False),
                             target=words, value=np.nan, ci_low=np.nan, ci_high=np.nan,
                             count=np.nan, **{"out of": np.nan}, result=why or "no cases in the year", format=fmt))
            continue
        if t.period == "rolling_12_months":
            sel = sel.loc[[sel["value"].idxmin() if REGISTRY[t.metric].better == "higher" else sel["value"].idxmax()]] \
                if sel["value"].notna().any() else sel.tail(1)
        # a mean or a longest wait rests on the cases whose wait it summarises (the mean's denominator)
        base = t.metric.replace("longest_wait", "mean_wait")
        dens = kpis[(kpis["metric"] == base) & (kpis["period"] == t.period) & (kpis["district"] == (t.district or "all"))]
        dens = dens.set_index("label")["denominator"] if d is not None and d.kind in ("mean", "max") else pd.Series(dtype=float)
        for r in sel.itertuples():
            lo = hi = np.nan
            share = fmt == "pct" and np.isfinite(r.denominator) and r.denominator > 0
            value = r.value
            if share:
                k, n = _rounded(r.numerator, round_to), _rounded(r.denominator, round_to)
                value = k / n if n > 0 else np.nan
                lo, hi = wilson_interval(k, n, level) if n > 0 else (np.nan, np.nan)
            result = "no cases" if not np.isfinite(r.value) else ("met" if r.met else "not met")
            if d is not None and d.kind == "count":  # a count of families or reviews is published as a count (rounded)
                rows.append(dict(KPI=pr.label(t.name), window=r.label, target=words,
                                 value=np.nan, ci_low=np.nan, ci_high=np.nan, count=r.value, **{"out of": np.nan},
                                 result=result, format=fmt))
                continue
            rows.append(dict(KPI=pr.label(t.name), window=r.label, target=words,
                             value=value, ci_low=lo, ci_high=hi,
                             count=r.numerator if share else np.nan,
                             **{"out of": r.denominator if share else dens.get(r.label, np.nan)},
                             result=result, format=fmt))
    out = pd.DataFrame(rows).set_index("KPI")
    share_rows = out["out of"].notna()
    out["met by"] = out["count"].where(share_rows)
    out["count"] = out["count"].where(~share_rows)
    for c, v in _rests(out["met by"], out["out of"], round_to).items():
        out[c] = v
    return out


def _target_words(t) -> str:
    """A target's threshold in words with its unit: ``at least 90.0%``, ``under 20 working days``."""
    d = REGISTRY.get(t.metric)  # the registry knows a share ending "_26_weeks" is a share, not weeks
    kind = "share" if (d is not None and d.kind == "share") or t.metric.startswith("share_") else pr.metric_kind(t.metric)
    return pr.target_text(t.comparison, t.threshold, kind if kind in ("share", "wait", "weeks") else "count")


def _rounded(x: float, base: int | None) -> int:
    """``x`` rounded half up to ``base`` (unchanged without one)."""
    return int(x) if not base else int(np.floor(x / base + 0.5) * base)


def quarterly_table(kpis: pd.DataFrame, metric: str, period: str = "quarter") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A share KPI by district (rows) and window (columns): ``(values, denominators)`` wide frames."""
    k = kpis[(kpis["metric"] == metric) & (kpis["period"] == period)]
    order = list(dict.fromkeys(k["label"]))
    val = k.pivot_table(index="district", columns="label", values="value", aggfunc="first", dropna=False).reindex(columns=order)
    den = k.pivot_table(index="district", columns="label", values="denominator", aggfunc="first", dropna=False).reindex(columns=order)
    return val, den


def _share_from_rounded(k: np.ndarray, n: np.ndarray, round_to: int | None) -> np.ndarray:
    """k / n with both rounded to the policy's base first (so the share gives back no unrounded count)."""
    kr = np.array([_rounded(x, round_to) if np.isfinite(x) else np.nan for x in np.asarray(k, float)])
    nr = np.array([_rounded(x, round_to) if np.isfinite(x) else np.nan for x in np.asarray(n, float)])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(nr > 0, kr / np.where(nr > 0, nr, 1.0), np.nan)


def long_share_table(kpis: pd.DataFrame, metric: str, period: str = "quarter", windows: int = 4,
                     round_to: int | None = None) -> pd.DataFrame:
    """A share KPI by district and window (the last ``windows`` rows), long: index ``district — window``;
    columns ``value, count, out of, rest`` (for :func:`cusp.presentation.disclosure.kpi_table` with
    :data:`SHARE_GUARDS`); the value is worked
    out from counts rounded to ``round_to``."""
    k = kpis[(kpis["metric"] == metric) & (kpis["period"] == period)]
    keep = list(dict.fromkeys(k["label"]))[-windows:]
    k = k[k["label"].isin(keep)]
    out = pd.DataFrame({"value": _share_from_rounded(k["numerator"], k["denominator"], round_to), "count": k["numerator"].to_numpy(),
                        "out of": k["denominator"].to_numpy(), **_rests(k["numerator"], k["denominator"], round_to)},
                       index=pd.Index([f"{d} — {w}" for d, w in zip(k["district"], k["label"])], name="district — window"))
    return out


# --------------------------------------------------------------------------- breakdowns (003)

BREAKDOWNS_003 = ("age_band", "sex", "ethnicity", "district", "referral_reason", "need_level", "refugee_or_asylum",
                  "rural", "delivery_mode", "quarter")
"""003 §6: "by age, gender, ethnicity, district, referral reason, need level; refugees, asylum seekers, rural"
(delivery mode and quarter as well); a column the extract lacks is left out."""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _group_words(group: object) -> str:
    """A breakdown's group as a reader says it: yes/no for a flag, 2 for a level read as 2.0."""
    text = str(group)
    if text in ("True", "False", "true", "false"):
        return "yes" if text.lower() == "true" else "no"
    try:
        number = float(text)
    except ValueError:
        return pr.label(text, capital=False)
    return f"{number:.0f}" if number.is_integer() else text


def breakdown_rows(table: pd.DataFrame, round_to: int | None = None) -> pd.DataFrame:
    """Shares improved by group from :func:`evaluation.distance.breakdowns` (overall area only).

    Index ``breakdown: group — tool``; columns ``value, count, out of, rest`` (people); the value is
    worked out from counts rounded to ``round_to``.
    """
    t = table[(table["area"] == "overall") & (table["measure"] == "pct_improved")]
    idx = [f"{_capital(pr.label(b))}: {_group_words(g)} — {pr.label(tool)}" for b, g, tool in zip(t["breakdown"], t["group"], t["tool"])]
    return pd.DataFrame({"value": _share_from_rounded(t["numerator"], t["denominator"], round_to), "count": t["numerator"].to_numpy(),
                         "out of": t["denominator"].to_numpy(), **_rests(t["numerator"], t["denominator"], round_to)},
                        index=pd.Index(idx, name="group"))


# --------------------------------------------------------------------------- 004 competing risks

def competing_risk_times(cohort: pd.DataFrame, episodes: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Days from the index date to the first care entry (cause 1) or the first remand (cause 2, competing), else censored at ``end``.

    Columns ``served, time, event`` (event 0 censored, 1 care, 2 remand).
    """
    idx = pd.to_datetime(cohort["index_date"])
    out = cohort[["served"]].copy()
    time = pd.Series((pd.Timestamp(end) - idx).dt.days.astype(float).to_numpy(), index=cohort.index)
    event = pd.Series(0, index=cohort.index)
    ep = episodes.assign(start=pd.to_datetime(episodes["start_date"]))
    for code, kind in ((1, "care"), (2, "remand")):
        first = ep[ep["episode_type"] == kind].merge(cohort[["child_id", "index_date"]].reset_index(), on="child_id")
        first = first[first["start"] > pd.to_datetime(first["index_date"])].groupby("index")["start"].min()
        d = pd.Series((first - idx.reindex(first.index)).dt.days.astype(float), index=first.index)
        sooner = d < time.reindex(d.index)
        time.loc[d.index[sooner]] = d[sooner]
        event.loc[d.index[sooner]] = code
    out["time"] = np.maximum(time.to_numpy(), 0.0)
    out["event"] = event.to_numpy()
    return out


# --------------------------------------------------------------------------- 004 non-payment metrics

MEASURE_LABELS = {"exclusions": "fixed-term exclusions (last 6 months)", "attainment": "attainment (points)",
                  "sdq_total": "SDQ total difficulties (lower is better)", "high_risk_behaviours": "high-risk behaviours (count)",
                  "my_star_mean": "siblings: My Star mean score", "absence_rate": "siblings: school absence (share of sessions)"}


def measure_changes(measures: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Change from the start to the end of support per measure (``child_measures.csv``), people with both.

    Index ``measure``; columns ``people`` (count with both readings), ``baseline mean``,
    ``exit mean``, ``mean change``, ``ci_low``, ``ci_high`` (Student t), ``format`` (decimals
    per row, not published). A before-and-after
    comparison (Maryland level 1): it describes change, not its cause.
    """
    from evaluation.intervals import mean_interval

    wide = measures.pivot_table(index=["person_id", "measure"], columns="timepoint", values="value", aggfunc="first")
    rows = {}
    for m in [m for m in MEASURE_LABELS if m in set(measures["measure"])]:
        w = wide.xs(m, level="measure").dropna(subset=[c for c in ("baseline", "exit") if c in wide]) if "exit" in wide else wide.iloc[:0]
        d = (w["exit"] - w["baseline"]).to_numpy(float) if len(w) else np.empty(0)
        mean, lo, hi = mean_interval(d, level) if d.size else (np.nan, np.nan, np.nan)
        rows[MEASURE_LABELS[m]] = (int(d.size), float(w["baseline"].mean()) if len(w) else np.nan,
                                   float(w["exit"].mean()) if len(w) else np.nan, mean, lo, hi)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["people", "baseline mean", "exit mean", "mean change", "ci_low", "ci_high"])
    out["format"] = ["3" if "share" in label else "2" for label in out.index]  # a share of sessions needs 3 decimals
    out.index.name = "measure"
    return out


# --------------------------------------------------------------------------- 001 reconciliation

def reconciliation_input(scenario, kpis: pd.DataFrame) -> pd.DataFrame:
    """Measured KPI values per contract year for :func:`simulate.payments.kpi.reconcile_kpi`.

    Columns ``contract_year, kpi, value``; a target whose KPI cannot be measured from the
    extracts (the touchpoint coverage without a contacts extract) is left out, and its
    omission is reported beside the reconciliation.
    """
    rows = []
    years = kpis[kpis["period"] == "year"]
    for t in scenario.kpi_targets:
        k = years[(years["metric"] == t.metric) & (years["district"] == (t.district or "all"))]
        for i, r in enumerate(k.itertuples(), start=1):
            if np.isfinite(r.value):
                rows.append((i, t.name, float(r.value)))
    return pd.DataFrame(rows, columns=["contract_year", "kpi", "value"])


# --------------------------------------------------------------------------- glue the notebook calls

EMPTY_KPIS = pd.DataFrame(columns=["tool", "area", "measure", "estimate", "ci_low", "ci_high", "numerator", "denominator"])


def service_code(scenario) -> str:
    """The specification the scenario reads (``"000"`` … ``"004"``)."""
    return str(scenario.service.specification)


def wants(scenario, metric: str) -> bool:
    """The scenario sets a target on ``metric``."""
    return any(t.metric == metric for t in scenario.kpi_targets)


def report_metrics(scenario) -> list[str]:
    """Registry KPIs the report evaluates: every target's metric (a longest wait with its mean) and the referrals count."""
    ms = [t.metric for t in scenario.kpi_targets]
    return list(dict.fromkeys(ms + [m.replace("longest_wait", "mean_wait") for m in ms] + ["referrals"]))


def report_periods(scenario) -> list[str]:
    """Window kinds the report evaluates: every target's, plus quarters and contract years."""
    return list(dict.fromkeys([t.period for t in scenario.kpi_targets] + ["quarter", "year"]))


def target_caption(scenario) -> str:
    """Caption of the KPI target table (002: the outcomes matrix of the lot)."""
    if service_code(scenario) == "002":
        return f"Outcomes matrix: {scenario.service.name} (target, value, 95% Wilson interval, met or not)"
    return "KPI targets (registry values; 95% Wilson intervals for shares)"


def keep_outcomes(effects: pd.DataFrame, sections: Sections) -> pd.DataFrame:
    """Rows of an effects table (``estimand`` ending ``in <outcome>``) for the outcomes the report shows."""
    outcome = effects["estimand"].str.split(" in ").str[-1]
    return effects[outcome.isin(sections.effect_outcomes())]


def keep_outcome_rows(table: pd.DataFrame, sections: Sections) -> pd.DataFrame:
    """Rows of a table indexed by outcome label (:data:`cusp.presentation.labels.OUTCOME_LABELS`) the report shows."""
    return table[table.index.isin([OUTCOME_LABELS[o] for o in sections.effect_outcomes()])]


def breakdown_periods(referrals: pd.DataFrame) -> pd.DataFrame:
    """Support periods per person (child and family tools) with the columns 003 breaks down by."""
    started = referrals[referrals["start_date"].notna()].sort_values("start_date", kind="stable")
    keep = ["start_date", "end_date", "date_of_birth", "sex", "ethnicity", "district", "need_level",
            *[c for c in ("referral_reason", "refugee_or_asylum", "rural", "delivery_mode") if c in referrals]]
    parts = [started[[who, *keep]].rename(columns={who: "person_id"}) for who in ("child_id", "family_id")]
    return pd.concat(parts).drop_duplicates("person_id").reset_index(drop=True)


def reconcile(scenario, kpis: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The year-end reconciliation of a KPI-linked contract on the measured KPIs.

    Calls :func:`simulate.payments.kpi.reconcile_kpi` with :func:`reconciliation_input`; adds
    ``referrals`` (the count each year rests on). Returns the table and the targets left out.
    """
    from simulate.payments.kpi import reconcile_kpi

    measured = reconciliation_input(scenario, kpis)
    left_out = [pr.label(t.name) for t in scenario.kpi_targets if t.name not in set(measured["kpi"])]
    rec = reconcile_kpi(scenario, measured)
    refs = kpis[(kpis["period"] == "year") & (kpis["metric"] == "referrals") & (kpis["district"] == "all")]["value"].to_numpy()
    rec = rec[rec["contract_year"] <= refs.size].copy()
    rec["referrals"] = refs[rec["contract_year"].to_numpy() - 1]
    envelope = {"ecc": scenario.service.local_authority.split(" with ")[0], "west_ccg": "West Essex CCG"}
    rec.index = pd.Index([f"Year {y}" + (f", {envelope.get(e, e)}" if rec["envelope"].nunique() > 1 else "")
                          for y, e in zip(rec["contract_year"], rec["envelope"])], name="contract year")
    keep = [c for c in RECONCILIATION_HEADERS if c in rec]
    return rec[keep + ["referrals"]].rename(columns=RECONCILIATION_HEADERS), left_out


#: What a board reads of the reconciliation (the gain-share columns are zero unless spend is supplied),
#: and the format of each column for :func:`cusp.presentation.disclosure.kpi_table`.
RECONCILIATION_HEADERS = {"annual_value": "annual value (£)", "at_risk": "at risk (£)", "weight_met": "KPI weight met (%)",
                          "kpi_payment": "KPI payment (£)", "withheld": "withheld (£)", "total_due": "total due (£)",
                          "commissioner_net_cost": "commissioner net cost (£)"}
RECONCILIATION_FORMATS = {h: ("pct" if h.endswith("(%)") else "gbp") for h in RECONCILIATION_HEADERS.values()}


def reconciliation_point(rec: pd.DataFrame) -> str:
    """One sentence for the summary: £ due and £ withheld over the reconciled contract years (published values)."""
    years = sorted({int(str(i).split()[1].rstrip(",")) for i in rec.index})
    span = f"contract year {years[0]}" if len(years) == 1 else f"contract years {years[0]}–{years[-1]}"
    return (f"KPI year-end reconciliation, {span}: {pr.gbp(rec['total due (£)'].sum())} due, "
            f"{pr.gbp(rec['withheld (£)'].sum())} withheld for KPIs missed.")


def published_targets(table) -> list[dict]:
    """The KPI target rows as published (suppressed values blank) for ``results.json``."""
    v = table.values
    return [{"kpi": str(k), "window": str(r["window"]), "value": None if pd.isna(r["value"]) else float(r["value"]),
             "result": str(r["result"])} for k, r in v.iterrows()]


# --------------------------------------------------------------------------- data, cohort, targets, payments

def data_end_date(data_dir: str | Path, frames: Mapping[str, pd.DataFrame], given: str = "") -> pd.Timestamp:
    """The data's end date: ``given`` if set, else the extract date in ``truth.json`` (synthetic
    data), else the latest date found in the extracts."""
    if given:
        return pd.Timestamp(given)
    truth = Path(data_dir) / "truth.json"
    if truth.exists():
        return pd.Timestamp(json.loads(truth.read_text())["generator"]["extract_date"])
    dates = [pd.to_datetime(f[c], errors="coerce").max() for f in frames.values() for c in f.columns
             if c.endswith("_date") or c == "period_end"]
    return pd.Timestamp(max(d for d in dates if pd.notna(d)))


def data_seed(data_dir: str | Path) -> int | None:
    """The generator's seed when ``data_dir`` holds synthetic data (its ``truth.json``), else None."""
    truth = Path(data_dir) / "truth.json"
    return json.loads(truth.read_text())["generator"]["seed"] if truth.exists() else None


def assessment_periods(referrals: pd.DataFrame) -> pd.DataFrame:
    """``person_id, start_date, end_date`` for child tools (child_id) and family tools (family_id)."""
    started = referrals[referrals["start_date"].notna()].sort_values("start_date", kind="stable")
    cols = ["start_date", "end_date"]
    kids = started[["child_id", *cols]].rename(columns={"child_id": "person_id"})
    fams = started[["family_id", *cols]].rename(columns={"family_id": "person_id"})
    return pd.concat([kids, fams]).drop_duplicates("person_id").reset_index(drop=True)


def kpi_targets(scenario, referrals: pd.DataFrame, cohort: pd.DataFrame, kpis: pd.DataFrame,
                episodes: pd.DataFrame, end_date: pd.Timestamp) -> pd.DataFrame:
    """The scenario's KPI targets, measured from the extracts where they can be.

    Index ``KPI`` (the target's label); columns ``target`` (in words), ``value, count, out of,
    result, format, window`` (the day the share out of care is measured on, ``end_date``). Referrals are counted over the 12 months to the latest referral (``count``,
    published rounded); the share out of care is of served children on the data's end date;
    shares improved come from the tool with most pairs. Other targets are listed as not measurable.
    """
    last = pd.to_datetime(referrals["referral_date"]).max()
    year = referrals[pd.to_datetime(referrals["referral_date"]) > last - pd.DateOffset(years=1)]
    served = cohort[cohort["served"] == 1]
    care = episodes[episodes["episode_type"] == "care"]
    in_care = care[(pd.to_datetime(care["start_date"]) <= end_date)
                   & (care["end_date"].isna() | (pd.to_datetime(care["end_date"]) > end_date))]
    n_in = int(served["child_id"].isin(in_care["child_id"]).sum())
    overall = kpis[kpis["area"] == "overall"]
    rows = []
    for t in scenario.kpi_targets:
        num, den, val, raw, fmt = np.nan, np.nan, np.nan, np.nan, "pct"
        if t.metric == "referrals":
            num = raw = len(year)
        elif t.metric == "share_out_of_care" and len(served):
            num, den = len(served) - n_in, len(served)
            val = raw = num / den
        elif t.metric in ("share_improved", "share_improved_all_areas"):
            m = "pct_improved" if t.metric == "share_improved" else "pct_improved_all_areas"
            r = overall[overall["measure"] == m].sort_values("denominator").iloc[-1]
            num, den, val, raw = r["numerator"], r["denominator"], r["estimate"], r["estimate"]
        result = "not measurable from the extracts" if pd.isna(raw) else ("met" if t.met(raw) else "not met")
        rows.append(dict(KPI=pr.label(t.name), target=_target_words(t), value=val, count=num, **{"out of": den},
                         result=result, format=fmt, window=f"on {pd.Timestamp(end_date):%d %b %Y}"))
    return pd.DataFrame(rows).set_index("KPI")


def caliper_sensitivity(cohort: pd.DataFrame, covariates: Sequence[str], calipers: Sequence[float | None],
                        exact: Sequence[str] = ("sub_cohort",)) -> pd.DataFrame:
    """Matched estimates under each caliper (SD of the logit propensity score; None = no caliper).

    Returns :func:`cusp.presentation.evaluation.effect_rows` rows for the risk difference in care
    within 12 months, absence and reading, plus ``max |SMD| after`` matching, ``analysis`` naming
    the caliper; grouped by outcome.
    """
    from cusp.presentation.evaluation import effect_rows
    from evaluation.estimates import matched_effects
    from evaluation.matching import NearestNeighborMatch

    parts = []
    for cal in calipers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = NearestNeighborMatch(link="linear.logit", caliper=cal, exact=list(exact)).fit(
                cohort, "served", covariates)
        matched = m.matched_data(cohort)
        eff = matched_effects(matched)
        eff = eff[~eff["estimand"].str.contains("ratio") & ~eff["estimand"].str.contains("_6m|_24m")]
        name = "no caliper" if cal is None else f"caliper {cal:g} SD"
        rows = effect_rows(eff, matched, name)
        rows["max |SMD| after"] = float(m.balance_["smd"].abs().max())
        parts.append(rows)
    out = pd.concat(parts)
    return out.iloc[np.argsort(pd.Categorical(out.index, list(dict.fromkeys(out.index))).codes, kind="stable")]


def settle_payments(scenario, frames: Mapping[str, pd.DataFrame], as_of, allow_no_return_home: bool = True):
    """Settle the scenario's payment mechanism on the extracts, as ``cusp payments settle`` does.

    ``frames`` are the report's validated extracts (:func:`evaluation.extracts.read_extracts`); a file
    the mechanism needs and the folder lacks is an error from the payment engine naming the file.
    Tool directions (which way is better on each CFW radar area) come from :mod:`evaluation.tools`,
    as the command reads them; reports never import the command line.

    Returns
    -------
    (due, statuses, total)
        ``due``: index ``payment line``; ``children paid`` (blank for a line paid for no child, such
        as an up-front payment) and £ per payer (columns "<Payer> (£)") and ``total (£)``. ``statuses``: cases per payment line (rows) and audit status (columns).
        ``total``: £ due overall.
    """
    from evaluation.tools import get_tool
    from simulate.payments.settle import settle_scenario

    day = pd.Timestamp(as_of).date() if not isinstance(as_of, dt.date) else as_of
    directions = {a.name: a.higher_is_better for a in get_tool("cfw_radar").areas}
    result, _ = settle_scenario(scenario, dict(frames), day, directions, allow_no_return_home)
    pay, audit = result.payments, result.audit
    due = pay.pivot_table(index="metric", columns="payer", values="amount", aggfunc="sum", fill_value=0.0)
    due.columns = [f"{pr.label(c)} (£)" for c in due.columns]
    due["total (£)"] = due.sum(axis=1)
    child = pay["child_id"].replace("", np.nan) if "child_id" in pay else pd.Series(np.nan, index=pay.index)
    kids = child.groupby(pay["metric"]).nunique()
    due.insert(0, "children paid", kids.where(kids > 0))  # a contract-level line (up-front payment) is paid for no child
    due.index = pd.Index([pr.label(m) for m in due.index], name="payment line")
    statuses = (audit.groupby(["metric", "status"]).size().unstack(fill_value=0)
                if {"metric", "status"} <= set(audit.columns) else pd.DataFrame())
    statuses.index = pd.Index([pr.label(m) for m in statuses.index], name="payment line")
    return due, statuses, float(pay["amount"].sum())
