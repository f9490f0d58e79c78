"""Tables for the annual evaluation report, each passed through disclosure control.

The notebook ``notebooks/annual_evaluation.ipynb`` only orchestrates: it calls the evaluation
methods and these helpers, which shape their results into publishable tables and hand every one
to :func:`evaluation.disclosure.disclose`.  Nothing here computes a new statistic.

* :func:`show` displays a :class:`~evaluation.disclosure.DisclosedTable` (its HTML carries class
  ``cusp-disclosed`` and the policy line); ``cusp render`` fails a report holding any other table.
* :func:`kpi_table` discloses a table of derived values (means, percentages, estimates) resting on
  counts, formatting derived values with a decimal point so no estimate can be mistaken for a count.
  Several (numerator, denominator) pairs may guard the same row: a row is blanked if any pair breaks
  the policy.
* :func:`count_table` discloses a cross-tabulation of counts (primary and secondary suppression).

Columns of every returned frame are documented where they are built.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.disclosure import DisclosedTable, disclose

__all__ = ["show", "kpi_table", "count_table", "data_end_date", "assessment_periods", "sample_flow",
           "distance_kpis", "area_kpis", "kpi_targets", "balance_kpis", "effect_rows", "cox_rows",
           "caliper_sensitivity", "at_risk_table", "km_figure", "missing_outcomes", "settle_payments",
           "OUTCOME_LABELS", "EFFECT_GUARDS", "DISTANCE_GUARDS"]

OUTCOME_LABELS = {
    "care_within_6m": "care within 6 months",
    "care_within_12m": "care within 12 months",
    "care_within_24m": "care within 24 months",
    "absence_change": "unauthorised absence (% points)",
    "reading_gain": "reading beyond forecast (years)",
}


# --------------------------------------------------------------------------- display and disclosure

def show(table: DisclosedTable, caption: str | None = None) -> None:
    """Display a disclosed table (and optional caption) in the notebook as HTML."""
    from IPython.display import HTML, display

    head = f"<p><b>{caption}</b></p>" if caption else ""
    display(HTML(head + table.to_html()))


def _fmt(v: float, style: str) -> str:
    if v is None or pd.isna(v):
        return ""
    if style == "pct":
        return f"{100 * v:.1f}%"
    if style == "gbp":
        return f"£{v:,.2f}"
    # at least one decimal: a derived value must never look like a (policy-checked) count
    return f"{v:.{max(1, int(style))}f}" if style.isdigit() else f"{v:.3f}"


def kpi_table(df: pd.DataFrame, policy: str, *, guards: Sequence[tuple[str | None, str]],
              derived: Sequence[str], counts: Sequence[str] = (), formats: Mapping[str, str] | None = None,
              hide: Sequence[str] = ()) -> DisclosedTable:
    """Disclose a table of derived values resting on counts.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per measure; the index labels the rows (it is never checked as a count).
    policy : str
        Disclosure policy name (``"nhs-digital"``, ``"threshold-10"``).
    guards : sequence of (numerator or None, denominator)
        Count columns each row's derived values rest on; every pair is checked.
    derived : sequence of str
        Columns blanked when any guard breaks the policy.
    counts : sequence of str
        Further count columns, suppressed and rounded by the policy.
    formats : mapping, optional
        Column → ``"pct"``, ``"gbp"`` or a number of decimals (``"2"``); default 3 decimals.
    hide : sequence of str
        Columns used for protection but not published (dropped from the display).

    A ``format`` column, if present, gives each row's format for all its derived columns
    (overriding ``formats``); it is not published.
    """
    row_formats = df["format"] if "format" in df else None
    df = df.drop(columns=["format"], errors="ignore")
    count_cols = list(dict.fromkeys([c for pair in guards for c in pair if c] + list(counts)))
    first: DisclosedTable | None = None
    hidden = pd.DataFrame(False, index=df.index, columns=df.columns)
    for num, den in guards:
        others = [c for c in count_cols if c not in (num, den)]
        t = disclose(df, policy, numerator=num, denominator=den, derived=derived, counts=others)
        hidden |= t.suppressed
        first = first or t
    assert first is not None
    formats = dict(formats or {})
    disp = first.display.copy()
    vals = first.values.copy()
    for c in derived:
        for i, (idx, v) in enumerate(df[c].items()):
            style = row_formats.iloc[i] if row_formats is not None else formats.get(c, "3")
            disp.iloc[i, df.columns.get_loc(c)] = first.policy.suppressed if hidden.iloc[i][c] else _fmt(v, style)
        vals[c] = df[c].where(~hidden[c])
    for c in count_cols:
        disp[c] = np.where(hidden[c], first.policy.suppressed, disp[c])
        vals[c] = vals[c].where(~hidden[c])
    keep = [c for c in df.columns if c not in set(hide)]
    return DisclosedTable(disp[keep], vals[keep], hidden[keep], (first.primary | hidden)[keep], first.policy)


def count_table(table: pd.DataFrame, policy: str, *, margins: bool = True,
                total_row: bool = True, total_column: bool = True) -> DisclosedTable:
    """Disclose a cross-tabulation of counts.

    ``total_row=False`` drops the column totals (when summing over rows means nothing) and
    ``total_column=False`` the row totals (a one-column table); protection is computed with them
    published, so dropping them only hides more.
    """
    t = disclose(table.astype(int), policy, margins=margins)
    for flag, kw in ((total_row, "index"), (total_column, "columns")):
        if margins and not flag:
            for name in ("display", "values", "suppressed", "primary"):
                setattr(t, name, getattr(t, name).drop(**{kw: "Total"}))
    return t


# --------------------------------------------------------------------------- data and cohort

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


def assessment_periods(referrals: pd.DataFrame) -> pd.DataFrame:
    """``person_id, start_date, end_date`` for child tools (child_id) and family tools (family_id)."""
    started = referrals[referrals["start_date"].notna()].sort_values("start_date", kind="stable")
    cols = ["start_date", "end_date"]
    kids = started[["child_id", *cols]].rename(columns={"child_id": "person_id"})
    fams = started[["family_id", *cols]].rename(columns={"family_id": "person_id"})
    return pd.concat([kids, fams]).drop_duplicates("person_id").reset_index(drop=True)


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


# --------------------------------------------------------------------------- distance travelled

_MEASURES = {"mean_improvement": ("mean improvement (points)", "2"), "g_av": ("Hedges' g_av", "2"),
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
    """Per area of one tool: index ``area``; ``mean improvement, ci_low, ci_high, improved, paired,
    % improved, rest`` (paired − improved, for a complement guard)."""
    k = kpis[(kpis["tool"] == tool) & (kpis["area"] != "overall")]
    mean = k[k["measure"] == "mean_improvement"].set_index("area")
    pct = k[k["measure"] == "pct_improved"].set_index("area")
    out = pd.DataFrame({"mean improvement": mean["estimate"], "ci_low": mean["ci_low"],
                        "ci_high": mean["ci_high"], "improved": pct["numerator"], "paired": mean["denominator"],
                        "% improved": pct["estimate"]})
    out["rest"] = out["paired"] - out["improved"]  # those not improved: guarded too, never published
    out.index = pd.Index([a.replace("_", " ") for a in out.index], name="area")
    return out


def kpi_targets(scenario, referrals: pd.DataFrame, cohort: pd.DataFrame, kpis: pd.DataFrame,
                episodes: pd.DataFrame, end_date: pd.Timestamp) -> pd.DataFrame:
    """The scenario's KPI targets, measured from the extracts where they can be.

    Index ``KPI``; columns ``target, value, count, out of, result, format``.  Referrals are
    counted over the 12 months to the latest referral (``count``, published rounded); the share out of care is of served children on the data's end date;
    shares improved come from the tool with most pairs.  Other targets are listed as not measurable.
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
        rows.append(dict(KPI=t.name.replace("_", " "), target=f"{t.comparison} {t.threshold:g} a {t.period}",
                         value=val, count=num, **{"out of": den}, result=result, format=fmt))
    return pd.DataFrame(rows).set_index("KPI")


# --------------------------------------------------------------------------- matched comparison

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
    out.index = pd.Index(["propensity score (log-odds)" if i == "distance" else i.replace("_", " ")
                          for i in out.index], name="covariate")
    return out


def effect_rows(effects: pd.DataFrame, matched: pd.DataFrame, label: str = "matched") -> pd.DataFrame:
    """Effects table with the counts they rest on.

    Index ``outcome`` (short label); columns ``measure`` (risk difference, risk ratio, mean
    difference), ``analysis`` (``label``), ``estimate, ci_low, ci_high``, ``served, comparison``
    (children) and ``events: served, events: comparison`` (weighted children with the outcome;
    binary outcomes only).
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
                     "events: served": ev1, "events: comparison": ev0})
    return pd.DataFrame(rows).set_index("outcome")


DISTANCE_GUARDS = [("numerator", "denominator"), ("rest", "denominator")]
"""Guards for :func:`kpi_table` on :func:`distance_kpis`: a share is suppressed when those counted or
those not counted are too few (hide ``numerator`` and ``rest``: the share and its base say it)."""

EFFECT_GUARDS = [("events: served", "served"), ("events: comparison", "comparison")]
"""Guards for :func:`kpi_table` on :func:`effect_rows` and :func:`cox_rows` tables."""


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


def caliper_sensitivity(cohort: pd.DataFrame, covariates: Sequence[str], calipers: Sequence[float | None],
                        exact: Sequence[str] = ("sub_cohort",)) -> pd.DataFrame:
    """Matched estimates under each caliper (SD of the logit propensity score; None = no caliper).

    Returns :func:`effect_rows` rows for the risk difference in care within 12 months, absence and
    reading, plus ``max |SMD| after`` matching, ``analysis`` naming the caliper; grouped by outcome.
    """
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
        label = "no caliper" if cal is None else f"caliper {cal:g} SD"
        rows = effect_rows(eff, matched, label)
        rows["max |SMD| after"] = float(m.balance_["smd"].abs().max())
        parts.append(rows)
    out = pd.concat(parts)
    return out.iloc[np.argsort(pd.Categorical(out.index, list(dict.fromkeys(out.index))).codes, kind="stable")]


# --------------------------------------------------------------------------- time to care entry

def at_risk_table(curves: Mapping[str, pd.DataFrame], times: Sequence[float]) -> pd.DataFrame:
    """Numbers at risk (weighted, rounded to whole people) per curve (rows) at each time (columns,
    labelled ``day N``)."""
    rows = {}
    for label, km in curves.items():
        rows[label] = [round(float(km.loc[km["time"] >= t, "at_risk"].iloc[0])) if (km["time"] >= t).any() else 0
                       for t in times]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[f"day {t:g}" for t in times])
    out.index.name = "group"
    return out


def km_figure(curves: Mapping[str, pd.DataFrame], risk: DisclosedTable, times: Sequence[float], ax=None):
    """Kaplan–Meier step curves with the *disclosed* numbers at risk beneath (``risk``:
    :func:`at_risk_table` through :func:`count_table`), as :func:`evaluation.survival.km_plot`
    draws them but with the published counts."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.6))
    for label, km in curves.items():
        ax.step(np.r_[0.0, km["time"].to_numpy()], np.r_[1.0, km["survival"].to_numpy()], where="post", label=label)
    ax.set(ylim=(0, 1.02), xlim=(0, max(times) * 1.05), xlabel="days since the index date",
           ylabel="proportion not yet in care")
    ax.legend(loc="lower left", frameon=False)
    ax.text(0, -0.2, "numbers at risk", transform=ax.transAxes, fontsize=8, ha="left", style="italic")
    for i, label in enumerate(curves):
        y = -0.27 - 0.07 * i
        ax.text(-0.03, y, label, transform=ax.transAxes, ha="right", va="top", fontsize=8)
        for t, text in zip(times, risk.display.loc[label].iloc[: len(times)]):
            ax.text(t, y, text, transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8)
    return ax


# --------------------------------------------------------------------------- missing data

def missing_outcomes(cohort: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and group (matched sample): ``known, missing`` (children)."""
    rows = {}
    for outcome, label in OUTCOME_LABELS.items():
        for s, group in ((1, "served"), (0, "matched comparison")):
            d = matched[matched["served"] == s]
            rows[f"{label} — {group}"] = [int(d[outcome].notna().sum()), int(d[outcome].isna().sum())]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["known", "missing"])
    out.index.name = "outcome"
    return out


# --------------------------------------------------------------------------- payments

def settle_payments(scenario, data_dir: str | Path, as_of, allow_no_return_home: bool = True):
    """Settle the scenario's payment mechanism on the extracts, as ``cusp payments settle`` does.

    Returns
    -------
    (due, statuses, total)
        ``due``: index ``metric``; ``children paid`` and £ per payer and ``total``.  ``statuses``:
        cases per metric (rows) and audit status (columns).  ``total``: £ due overall.
    """
    from cusp.commands.payments import tool_directions, read_folder
    from simulate.payments.settle import settle_scenario

    day = pd.Timestamp(as_of).date() if not isinstance(as_of, dt.date) else as_of
    frames = read_folder(Path(data_dir), scenario)
    result, _ = settle_scenario(scenario, frames, day, tool_directions(), allow_no_return_home)
    pay, audit = result.payments, result.audit
    due = pay.pivot_table(index="metric", columns="payer", values="amount", aggfunc="sum", fill_value=0.0)
    due.columns = [f"{c.replace('_', ' ')} (£)" for c in due.columns]
    due["total (£)"] = due.sum(axis=1)
    who = "child_id" if "child_id" in pay else "metric"
    due.insert(0, "children paid", pay.groupby("metric")[who].nunique())
    due.index = pd.Index([m.replace("_", " ") for m in due.index], name="metric")
    statuses = (audit.groupby(["metric", "status"]).size().unstack(fill_value=0)
                if {"metric", "status"} <= set(audit.columns) else pd.DataFrame())
    statuses.index = pd.Index([m.replace("_", " ") for m in statuses.index], name="metric")
    return due, statuses, float(pay["amount"].sum())

