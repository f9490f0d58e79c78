"""The annual evaluation's tables, charts and summary, as a board reads them.

``notebooks/annual_evaluation.ipynb`` runs the evaluation methods (:mod:`evaluation`) and hands
their results here. The table shapers (:func:`sample_flow`, :func:`distance_kpis`, ...) turn them
into frames for :func:`.disclosure.kpi_table` / :func:`.disclosure.count_table`; :func:`show`
displays a disclosed table with the headers of :data:`HEADERS`; the chart helpers
(:mod:`.evaluation_charts`, re-exported here) draw from *published* values and return
``(figure, alt text)`` with the alt text written from the data;
:func:`summary_points` writes the one-screen summary (what was missed first, then the money due
and the findings) from published values only. Nothing here computes a new statistic.

Columns of every returned frame are documented where it is built.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from .evaluation_charts import _cap, cif_alt, covariate_label, effects_figure, forest, km_figure, love_alt
from .formats import MISSING, gbp
from .labels import OUTCOME_LABELS, label

if TYPE_CHECKING:
    from evaluation.disclosure import DisclosedTable

__all__ = ["HEADERS", "show", "sample_flow", "distance_kpis", "area_kpis", "balance_kpis", "covariate_label",
           "effect_rows", "effects_figure", "cox_rows", "at_risk_table", "missing_outcomes", "km_figure", "forest", "love_alt",
           "cif_alt", "summary_points", "contents", "EFFECT_GUARDS", "DISTANCE_GUARDS", "OUTCOME_LABELS"]

#: Column headers of the report's tables, with their units (others: :func:`.labels.label`, capitalised).
HEADERS: dict[str, str] = {
    "estimate": "Estimate", "ci_low": "95% CI, lower", "ci_high": "95% CI, upper",
    "served": "Served (children)", "comparison": "Comparison (children)",
    "events: served": "With the outcome, served (children)", "events: comparison": "With the outcome, comparison (children)",
    "denominator": "Paired (people)", "paired": "Paired (people)", "mean improvement": "Mean improvement (points)",
    "% improved": "Improved (%)", "referrals": "Referrals", "mean": "Mean (working days)",
    "median": "Median (working days)", "longest": "Longest (working days)", "value": "Value", "count": "Count",
    "out of": "Out of", "people": "People", "children": "Children", "known": "Known (children)",
    "missing": "Missing (children)", "no baseline": "No baseline (people)", "single reading": "Single reading (people)",
    "no follow up": "No follow-up (people)", "children paid": "Children paid", "max |SMD| after": "Largest |SMD| after matching",
    "SMD before": "SMD before", "SMD after": "SMD after", "variance ratio after": "Variance ratio after",
    "district": "District", "wait (working days)": "Wait", "KPI": "KPI target",
}


def _header(c: object) -> str:
    if not isinstance(c, str):
        return str(c)
    if c in HEADERS:
        return HEADERS[c]
    text = label(c)
    return text[:1].upper() + text[1:]


def show(table: "DisclosedTable", caption: str | None = None, wide: int = 7) -> None:
    """Display a disclosed table with the report's headers (:data:`HEADERS`) and no policy line under it.

    A table of more than ``wide`` columns is set in smaller type (class ``cusp-wide``) so it fits an A4 page.
    """
    from IPython.display import HTML, display

    from .disclosure import relabel
    from .tables import disclosed

    heads = {c: _header(c) for c in [*table.display.columns, table.display.index.name] if c is not None}
    out = disclosed(relabel(table, heads), caption)
    display(HTML(f'<div class="cusp-wide">{out.data}</div>') if len(table.display.columns) + 1 > wide else out)


# --------------------------------------------------------------------------- table shapers

def sample_flow(referrals: pd.DataFrame, cohort: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """Counts from referral to analysis: index ``stage``; columns ``served, comparison`` (children;
    blank where a stage has no comparison counterpart)."""
    served = cohort[cohort["served"] == 1]
    pool = cohort[cohort["served"] == 0]
    ms, mc = matched[matched["served"] == 1], matched[matched["served"] == 0]
    rows = [
        ("referrals received", referrals["case_id"].nunique(), np.nan),
        ("referrals accepted", int(referrals["accepted"].fillna(False).astype(bool).sum()), np.nan),
        ("children whose support started (evaluation cohort)", len(served), len(pool)),
        ("matched to a comparison child", len(ms), len(mc)),
        ("with 12 months' follow-up for care entry", int(ms["care_within_12m"].notna().sum()),
         int(mc["care_within_12m"].notna().sum())),
        ("with a school absence outcome", int(ms["absence_change"].notna().sum()),
         int(mc["absence_change"].notna().sum())),
        ("with a reading outcome", int(ms["reading_gain"].notna().sum()), int(mc["reading_gain"].notna().sum())),
    ]
    return pd.DataFrame(rows, columns=["stage", "served", "comparison"]).set_index("stage")


# "% improved" and "% reliably improved (RCI)" are the names cusp.report_summary.plain_summary reads
_MEASURES = {"mean_improvement": ("mean improvement (points)", "2"),
             "g_av": ("effect size, Hedges' g (average of the two SDs)", "2"),
             "pct_improved": ("% improved", "pct"), "pct_reliable_improvement": ("% reliably improved (RCI)", "pct"),
             "pct_improved_all_areas": ("% improved in every area", "pct")}


def distance_kpis(kpis: pd.DataFrame, tool: str) -> pd.DataFrame:
    """Overall KPIs of one tool: index ``measure``; ``estimate, ci_low, ci_high, numerator,
    denominator, format, rest`` (denominator − numerator, for a complement guard)."""
    k = kpis[(kpis["tool"] == tool) & (kpis["area"] == "overall") & kpis["measure"].isin(list(_MEASURES))]
    k = k.set_index("measure").reindex([m for m in _MEASURES if m in set(k["measure"])])
    out = k[["estimate", "ci_low", "ci_high", "numerator", "denominator"]].copy()
    out["format"] = [_MEASURES[m][1] for m in out.index]
    out["rest"] = out["denominator"] - out["numerator"]  # those not counted: guarded too, never published
    out.index = pd.Index([_MEASURES[m][0] for m in out.index], name="measure")
    return out


def area_kpis(kpis: pd.DataFrame, tool: str) -> pd.DataFrame:
    """Per area of one tool: index ``area assessed``; ``mean improvement, ci_low, ci_high, improved,
    paired, % improved, rest`` (paired − improved, for a complement guard)."""
    k = kpis[(kpis["tool"] == tool) & (kpis["area"] != "overall")]
    mean = k[k["measure"] == "mean_improvement"].set_index("area")
    share = k[k["measure"] == "pct_improved"].set_index("area")
    out = pd.DataFrame({"mean improvement": mean["estimate"], "ci_low": mean["ci_low"],
                        "ci_high": mean["ci_high"], "improved": share["numerator"], "paired": mean["denominator"],
                        "% improved": share["estimate"]})
    out["rest"] = out["paired"] - out["improved"]  # those not improved: guarded too, never published
    out.index = pd.Index([_cap(label(a)) for a in out.index], name="area assessed")
    return out


def balance_kpis(matcher, cohort: pd.DataFrame) -> pd.DataFrame:
    """Balance before and after matching, with the counts each mean rests on.

    Index ``covariate``; columns ``served mean, pool mean, matched comparison mean, SMD before,
    SMD after, variance ratio after`` and hidden count columns ``n_served, k_served, n_pool,
    k_pool, n_matched, k_matched`` (people; ``k_*`` people with a binary covariate's level,
    blank for numeric covariates).
    """
    before, after = matcher.balance_before_, matcher.balance_
    w = matcher.weights_.reindex(cohort.index).fillna(0).to_numpy()
    t = cohort["served"].to_numpy() == 1
    n1, n0, nm = int(t.sum()), int((~t).sum()), float(w[~t].sum())
    out = pd.DataFrame({"served mean": before["mean_treated"], "pool mean": before["mean_control"],
                        "matched comparison mean": after["mean_control"], "SMD before": before["smd"],
                        "SMD after": after["smd"], "variance ratio after": after["var_ratio"]})
    out["n_served"], out["n_pool"], out["n_matched"] = n1, n0, round(nm)
    binary = before["var_ratio"].isna() & before.index.to_series().ne("distance")
    for k, mean, n in (("k_served", before["mean_treated"], n1), ("k_pool", before["mean_control"], n0),
                       ("k_matched", after["mean_control"], nm)):
        out[k] = np.where(binary, (mean * n).round(), np.nan)
    out.index = pd.Index([covariate_label(i) for i in out.index], name="covariate")
    return out


_EFFECT_FORMATS = {"risk difference": "pp", "risk ratio": "2", "mean difference": "2"}


def effect_rows(effects: pd.DataFrame, matched: pd.DataFrame, label: str = "matched") -> pd.DataFrame:
    """Effects table with the counts they rest on.

    Index ``outcome`` (short label); columns ``measure`` (risk difference, risk ratio, mean
    difference), ``analysis`` (``label``), ``estimate, ci_low, ci_high``, ``served, comparison``
    (children), ``events: served, events: comparison`` (weighted children with the outcome;
    binary outcomes only) and ``format`` (risk differences in percentage points, not published).
    """
    rows = []
    for r in effects.itertuples():
        outcome = r.estimand.split(" in ")[-1]
        binary = outcome.startswith("care")
        kind = "risk ratio" if "ratio" in r.estimand else ("risk difference" if binary else "mean difference")
        d = matched[matched[outcome].notna()] if outcome in matched else matched.iloc[:0]
        w = d["weights"] if "weights" in d else pd.Series(1.0, index=d.index)
        ev1 = round(float((d[outcome] * w)[d["served"] == 1].sum())) if binary else np.nan
        ev0 = round(float((d[outcome] * w)[d["served"] == 0].sum())) if binary else np.nan
        rows.append({"outcome": OUTCOME_LABELS.get(outcome, outcome), "measure": kind, "analysis": label,
                     "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high,
                     "served": r.n_served, "comparison": r.n_comparison,
                     "events: served": ev1, "events: comparison": ev0, "format": _EFFECT_FORMATS[kind]})
    return pd.DataFrame(rows).set_index("outcome")


DISTANCE_GUARDS = [("numerator", "denominator"), ("rest", "denominator")]
"""Guards for :func:`.disclosure.kpi_table` on :func:`distance_kpis`: a share is suppressed when those counted or
those not counted are too few (hide ``numerator`` and ``rest``: the share and its base say it)."""

EFFECT_GUARDS = [("events: served", "served"), ("events: comparison", "comparison")]
"""Guards for :func:`.disclosure.kpi_table` on :func:`effect_rows` and :func:`cox_rows` tables."""


def cox_rows(hr: pd.DataFrame, matched: pd.DataFrame, label: str) -> pd.DataFrame:
    """One row per Cox model: index ``model``; ``hazard ratio, ci_low, ci_high, served,
    comparison, events: served, events: comparison`` (children)."""
    w = matched["weights"] if "weights" in matched else pd.Series(1.0, index=matched.index)
    s = matched["served"] == 1
    return pd.DataFrame([{"model": label, "hazard ratio": float(hr.loc["served", "hazard_ratio"]),
                          "ci_low": float(hr.loc["served", "hr_low"]), "ci_high": float(hr.loc["served", "hr_high"]),
                          "served": int(s.sum()), "comparison": int((~s).sum()),
                          "events: served": round(float((matched["care_event"] * w)[s].sum())),
                          "events: comparison": round(float((matched["care_event"] * w)[~s].sum()))}]).set_index("model")


def at_risk_table(curves: Mapping[str, pd.DataFrame], times: Sequence[float]) -> pd.DataFrame:
    """Numbers at risk (weighted, rounded to whole people) per curve (rows) at each time (columns,
    labelled ``day N``)."""
    rows = {}
    for name, km in curves.items():
        rows[name] = [round(float(km.loc[km["time"] >= t, "at_risk"].iloc[0])) if (km["time"] >= t).any() else 0
                      for t in times]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[f"day {t:g}" for t in times])
    out.index.name = "group"
    return out


def missing_outcomes(cohort: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and group (matched sample): ``known, missing`` (children)."""
    rows = {}
    for outcome, name in OUTCOME_LABELS.items():
        for s, group in ((1, "served"), (0, "matched comparison")):
            d = matched[matched["served"] == s]
            rows[f"{name} — {group}"] = [int(d[outcome].notna().sum()), int(d[outcome].isna().sum())]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["known", "missing"])
    out.index.name = "outcome"
    return out


# --------------------------------------------------------------------------- summary and contents

_BULLET = re.compile(r"^- \*\*(?P<head>[^*]+?)\.?\*\*\s*(?P<body>.*)$")


def _plain(markdown: str) -> list[str]:
    """The findings of :func:`cusp.report_summary.plain_summary` as plain sentences ("Heading: text")."""
    out = []
    for line in markdown.splitlines():
        m = _BULLET.match(line.strip())
        if m:
            out.append(f"{m['head']}: {m['body'].replace('**', '')}")
    return out


def _target_lines(targets: "DisclosedTable") -> tuple[list[str], list[str]]:
    """(missed, met) sentences from the published KPI target table."""
    d = targets.display
    missed, met = [], []
    for kpi in dict.fromkeys(d.index):
        rows = d.loc[[kpi]]
        target = str(rows["target"].iloc[0])
        done = rows[rows["result"] == "met"]
        bad = rows[rows["result"] == "not met"]
        if len(bad):
            unit = " working days" if target.endswith("working days") else ""
            vals = [(str(w), _cell(_value(targets, i))) for w, i in zip(bad["window"], np.flatnonzero((d.index == kpi) & (d["result"] == "not met")))]
            vals = [(w, v + unit if v[:1].isdigit() and not v.endswith("%") else v) for w, v in vals]
            hidden = [w for w, v in vals if v.startswith("suppressed")]
            what = "; ".join([f"{v} {w}" if w.startswith("on ") else f"{w} {v}" for w, v in vals if not v.startswith("suppressed")]
                             + ([f"{', '.join(hidden)} suppressed (small counts)"] if hidden else []))
            n = f" in {len(bad)} of {len(rows)} windows" if len(rows) > 1 else ""
            missed.append(f"{kpi}: target {target} not met{n} ({what}).")
        elif len(done):
            met.append(f"{kpi} ({target})")
    return missed, met


def _value(targets: "DisclosedTable", i: int) -> str:
    """Row ``i``'s published value: a share as published, a count (families, hours) with separators."""
    d, v = targets.display.iloc[i], targets.values.iloc[i]
    if str(d.get("value", "")) not in ("", "nan", "None"):
        return str(d["value"])
    shown = str(d.get("count", ""))
    if shown in ("*", "c", "", "nan", "None") or "count" not in v or pd.isna(v["count"]):
        return shown
    return f"{float(v['count']):,.0f}"


def _cell(v: object) -> str:
    s = str(v)
    return "suppressed (small count)" if s in ("*", "c") else (MISSING if s in ("", "nan", "None") else s)


def summary_points(service: str, flow: "DisclosedTable", targets: "DisclosedTable", findings: str,
                   due: "DisclosedTable | None", payers: Sequence[str], end: pd.Timestamp, *,
                   reasons: Mapping[str, str] | None = None, seed: int | None = None,
                   policy: str = "") -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """What a board reads first, from published values: ``(points, missed, figures)``.

    Parameters
    ----------
    flow, targets, due
        The disclosed sample flow, KPI target table and payments-due table (``None`` when the
        contract has no payments section); money in £ in the ``payers`` columns of ``due``.
    findings
        :func:`cusp.report_summary.plain_summary`'s Markdown bullets.
    reasons
        Sections left out and why (:class:`cusp.evaluation_report.Sections`' ``reasons``).
    """
    missed, met = _target_lines(targets)
    points = []
    total = None
    if due is not None and payers and due.values[list(payers)].notna().any().any():
        money = due.values[list(payers)]
        total = float(money.sum(min_count=1).sum()) if money.notna().any().any() else float("nan")
        by = money.sum(min_count=1)
        points.append(f"{gbp(total)} is due under the contract to {end:%d %B %Y}: "
                      + ", ".join(f"{str(p).removesuffix(' (£)')} {gbp(v)}" for p, v in by.items() if pd.notna(v))
                      + (" (published amounts; lines resting on few children are suppressed)." if due.suppressed[list(payers)].any().any() else "."))
    elif due is not None and payers:
        points.append("Payments are due, but every line rests on too few children to publish its amount.")
    if met:
        points.append("Targets met: " + "; ".join(met) + ".")
    points += _plain(findings)
    if reasons:
        points.append("Not in this report: " + "; ".join(f"{label(k, capital=False)} ({v})" for k, v in reasons.items()) + ".")
    started = flow.display.loc["children whose support started (evaluation cohort)", "served"]
    figures = [("Service", service), ("Data", f"to {end:%d %B %Y}" + (f"; synthetic, seed {seed}" if seed is not None else "")),
               ("Children whose support started", _cell(started))]
    if total is not None:
        figures.append(("Payments due", gbp(total)))
    if policy:
        figures.append(("Disclosure control", f"{policy} policy on every table and figure"))
    return points, missed, figures


def contents(sections) -> list[str]:
    """The report's ``##`` headings in order, for :func:`.tables.contents` (those the data support)."""
    heads = ["The service, the data and the design", "KPI targets", "Sample flow: from referral to analysis"]
    heads += ["Distance travelled"] if sections.distance else []
    heads += ["Matched comparison", "Effects on the matched sample"] if sections.matched else []
    heads += ["Time to care entry"] if sections.care else []
    heads += ["Sensitivity analyses"] if sections.matched else []
    heads += ["Missing data and attrition"]
    heads += ["Payments due"] if sections.payments else []
    return heads + ["Disclosure control applied"]
