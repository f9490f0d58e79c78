"""The tables, chart and sentences of a reforecast, from the tables of :func:`simulate.reforecast.summarise`.

:mod:`cusp.reforecast_report` puts them together into a report's section; this module only
shapes what a reforecast computed. Each function reads the tables keyed by the file names
``cusp reforecast`` writes (``summary.json``, ``remaining_by_month.csv``,
``planned_achieved_forecast.csv``, ``kpi_probabilities.csv``, ``waterfall.csv``): straight from
``summarise``, or read back from a folder (:func:`read_folder`, as published or restricted).
Tables are :class:`~evaluation.disclosure.DisclosedTable` objects of published text for
:func:`cusp.presentation.disclosed`; the chart comes with alt text written from its data.

Intervals are 90%: the 5th to the 95th percentile over the draws. Money is in pounds. The
cases counted so far (children engaged, families referred) are real counts: they are published
through the report's disclosure policy, and a forecast of cases resting on a suppressed count is
suppressed too; modelled counts are rounded to the policy's base as the published files are.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from evaluation.disclosure import DisclosedTable, Policy, get_policy

from . import presentation as pr

__all__ = ["LEVEL", "read_folder", "summary_of", "figures_of", "headline_table", "remaining_table", "remaining_chart",
           "planned_table", "kpi_table", "waterfall_table", "summary_points"]

LEVEL = 90  # the intervals shown: 5th to 95th percentile over the draws
NONE = "–"  # pr.formats.MISSING: not applicable / not available

# Figures of a summary written before the generic ``figures`` list (the 004 bond's first
# reforecast): old key -> (label, kind).
_OLD_FIGURES = {
    "irr": ("Investor's IRR", "share"),
    "money_multiple": ("Investor's money multiple", "ratio"),
    "p_investor_loss": ("Chance the investor makes a loss", "probability"),
    "p_cap_reached": ("Chance the total cap is reached", "probability"),
}
_UNITS = {"gbp": "£", "share": "%", "ratio": "×", "probability": "%", "count": "number"}


# --------------------------------------------------------------------------- reading a summary

def summary_of(tables: Mapping[str, Any]) -> dict:
    """``summary.json`` of a reforecast with the generic keys filled in for an older summary.

    Adds ``figures`` (from ``irr``, ``money_multiple``, ``p_investor_loss``, ``p_cap_reached``),
    ``cases_to_date`` (``children_referred_to_date``), ``case_unit`` ("children engaged") and
    ``new_cases`` (``new_children``) when the summary predates them.
    """
    s = dict(tables["summary.json"])
    s.setdefault("figures", _old_figures(s))
    s.setdefault("cases_to_date", s.get("children_referred_to_date"))
    s.setdefault("case_unit", "children engaged")
    s.setdefault("new_cases", s.get("new_children"))
    return s


def _old_figures(s: dict) -> list[dict]:
    out = []
    for name, (text, kind) in _OLD_FIGURES.items():
        if name not in s:
            continue
        v = s[name]
        if isinstance(v, dict):
            out.append({"name": name, "label": text, "kind": kind, "mean": v.get("mean", v.get("p50")), "p5": v.get("p5"),
                        "p50": v.get("p50"), "p95": v.get("p95"), "share_defined": v.get("share_defined", 1.0)})
        else:
            out.append({"name": name, "label": text, "kind": kind, "mean": v, "p5": None, "p50": None, "p95": None})
    return out


def read_folder(folder: str | Path) -> dict:
    """The tables of a reforecast folder ``cusp reforecast`` wrote (as published, or its
    ``restricted-internal-use/`` copies when given that folder), keyed as :func:`simulate.reforecast.summarise` keys them."""
    import json

    folder = Path(folder)
    tables: dict[str, Any] = {"summary.json": json.loads((folder / "summary.json").read_text())}
    for name in ("remaining_by_month.csv", "planned_achieved_forecast.csv", "kpi_probabilities.csv", "waterfall.csv"):
        if (folder / name).exists():
            tables[name] = pd.read_csv(folder / name, dtype={"month": str, "period": str}, keep_default_na=False, na_values=[""])
    return tables


def figures_of(tables: Mapping[str, Any]) -> list[dict]:
    """The mechanism's figures: dicts with name, label, kind, mean, p5, p50, p95 (see REFORECAST_INTERFACE)."""
    return list(summary_of(tables)["figures"])


def _figure_label(f: Mapping[str, Any]) -> str:
    """A figure's label for a reader: "P(investor loss)" reads "Investor loss (chance)"."""
    text = str(f.get("label") or pr.label(str(f["name"])))
    m = re.fullmatch(r"P\((.+)\)", text)
    return f"{_sentence(m.group(1))} (chance)" if m else text


def _bad(v: Any) -> bool:
    try:
        return v is None or not math.isfinite(float(v))
    except (TypeError, ValueError):
        return True


def _fmt(v: Any, kind: str, pol: Policy | None = None) -> str:
    """A value of a figure's kind: £, %, a ratio (two decimals and ×) or a modelled mean (one decimal).

    A figure of kind "count" may add cases seen to cases still to come, so with a policy it is
    rounded to the policy's base (its rounding base, else its threshold, as
    :mod:`cusp.reforecast_disclosure` publishes it) and a small result is suppressed.
    """
    if isinstance(v, str):
        try:
            v = float(v)  # a number read back from a CSV
        except ValueError:
            return v  # already published: a symbol
    if _bad(v):
        return NONE
    if kind == "count" and pol is not None:
        base = int(pol.round_to or pol.min_count or 1)
        return _count(pol.count(math.floor(float(v) / base + 0.5) * base))
    if kind == "gbp":
        return pr.gbp(v, pence=False)  # modelled money: whole pounds, so an interval reads like its estimate
    if kind in ("share", "probability"):
        return pr.pct(v)
    if kind == "ratio":
        return f"{float(v):,.2f}×"
    return f"{float(v):,.1f}"  # modelled counts and numbers: one decimal, never mistaken for a count


def _count(published: Any) -> str:
    """A published count with thousands separators (a symbol passes through)."""
    return published if isinstance(published, str) else f"{int(published):,}"


def _between(low: Any, high: Any, kind: str, pol: Policy | None = None) -> str:
    return NONE if _bad(low) or _bad(high) else f"{_fmt(low, kind, pol)} to {_fmt(high, kind, pol)}"


def _month(text: str) -> str:
    return pd.Timestamp(str(text) + "-01").strftime("%B %Y")


def _date(text: str) -> str:
    return pd.Timestamp(text).strftime("%-d %B %Y")


def _table(rows: list[dict], index: str, pol: Policy) -> DisclosedTable:
    """A table of already-published text (symbols where suppressed), as a DisclosedTable."""
    shown = pd.DataFrame(rows).set_index(index).astype(str)
    hidden = shown.isin([pol.suppressed])
    values = pd.DataFrame(np.nan, index=shown.index, columns=shown.columns)
    return DisclosedTable(shown, values, hidden, hidden.copy(), pol)


# --------------------------------------------------------------------------- tables

def _still_to_pay(s: dict) -> dict:
    """Still to pay after caps = total outcome payments − settled, per draw (a shift: quantiles move with it)."""
    settled = float(s["settled_to_date_gbp"])
    return {k: (float(v) - settled if not _bad(v) else v) for k, v in s["total_outcome_payments_gbp"].items()}


def headline_table(tables: Mapping[str, Any], policy: str | Policy) -> DisclosedTable:
    """Settled to date, still to pay, the total by the contract's end and the mechanism's figures.

    Rows: each figure with its unit; columns: "Expected (mean)" and the "90% interval" (5th to
    95th percentile over the draws). Settled money is known, so it has no interval; a
    probability is the share of draws in which the event happens, so it has none either.
    """
    pol = get_policy(policy)
    s = summary_of(tables)
    left, total = _still_to_pay(s), s["total_outcome_payments_gbp"]
    exp, itv = "Expected (mean)", f"{LEVEL}% interval"
    rows = [{"Figure": "Settled to date (£)", exp: pr.gbp(s["settled_to_date_gbp"]), itv: "known (settled)"},
            {"Figure": "Still to pay, after caps (£)", exp: pr.gbp(left["mean"]), itv: _between(left["p5"], left["p95"], "gbp")},
            {"Figure": "Total by the contract's end, after caps (£)", exp: pr.gbp(total["mean"]),
             itv: _between(total["p5"], total["p95"], "gbp")}]
    before = s.get("future_due_gbp")
    if before and not _bad(before.get("mean")) and abs(float(before["mean"]) - float(left["mean"])) >= 0.5:
        rows.insert(2, {"Figure": "Still due before caps (£)", exp: pr.gbp(before["mean"]), itv: _between(before["p5"], before["p95"], "gbp")})
    for f in s["figures"]:
        if f["name"] == "outcome_payments_gbp":  # the total row above, once is enough
            continue
        kind = f.get("kind", "number")
        note = f"; defined in {pr.pct(f['share_defined'])} of draws" if not _bad(f.get("share_defined")) and f["share_defined"] < 1 else ""
        unit = _UNITS.get(kind, "")
        name = _figure_label(f)
        if unit or note:
            name = f"{name[:-1]}, {unit}{note})" if name.endswith(")") else f"{name} ({unit}{note})"
        if kind == "probability":
            rows.append({"Figure": name, exp: _fmt(f.get("mean"), kind), itv: NONE})
        elif _hidden_per_case(f, s, pol):
            rows.append({"Figure": name, exp: pol.suppressed, itv: pol.suppressed})
        else:
            rows.append({"Figure": name, exp: _fmt(f.get("mean"), kind, pol), itv: _between(f.get("p5"), f.get("p95"), kind, pol)})
    return _table(rows, "Figure", pol)


def _hidden_per_case(f: Mapping[str, Any], s: Mapping[str, Any], pol: Policy) -> bool:
    """Whether a £-per-case figure rests on a small count: money ÷ cases gives the cases back
    (a block's schedule ÷ the cost per case started), so it is suppressed when the cases to date
    or any count figure (cases started...) would be."""
    if "per_case" not in str(f.get("name", "")):
        return False
    n = s.get("cases_to_date")
    if isinstance(n, str) or (not _bad(n) and pol.is_small(float(n))):
        return True
    # the cases a per-case figure divides by: those started (or referred) over the contract
    return any(g.get("kind") == "count" and re.search(r"started|referred|cases_total", str(g.get("name", "")))
               and _fmt(g.get(q), "count", pol) == pol.suppressed for g in s.get("figures", []) for q in ("mean", "p5", "p95"))


def _months(tables: Mapping[str, Any]) -> pd.DataFrame:
    """remaining_by_month.csv without the leading months in which nothing is left in any draw."""
    r = tables["remaining_by_month.csv"].copy()
    r["month"] = r["month"].astype(str)
    tot = r[r["payer"] == "total"]
    live = tot.loc[tot["p95_gbp"] > 0.005, "month"]
    return r[r["month"] >= live.min()] if len(live) else r.iloc[0:0]


def _payers(r: pd.DataFrame) -> list[str]:
    return [p for p in dict.fromkeys(r["payer"].astype(str)) if p != "total"]


def remaining_table(tables: Mapping[str, Any], policy: str | Policy, months: int = 12) -> DisclosedTable:
    """£ still to pay in each of the next ``months`` months (after caps), by payer, with the total's interval.

    Rows: months (then one row for the later months and one for all months still to come);
    columns: each payer's expected £ (when more than one payer), the expected total and its 90%
    interval. Intervals of several months together cannot be added from monthly ones: the later
    months' row shows the expected £ only; the row of all months reads the interval of the total
    still to pay from the draws (as in the headline).
    """
    pol = get_policy(policy)
    r = _months(tables)
    payers = _payers(r)
    wide = r.pivot_table(index="month", columns="payer", values="mean_gbp", aggfunc="sum", sort=True)
    tot = r[r["payer"] == "total"].set_index("month")
    cols = [p for p in payers if len(payers) > 1]
    exp, itv = "Total, expected (£)", f"Total, {LEVEL}% interval (£)"
    rows = []
    for m in list(wide.index)[:months]:
        row = {"Month": _month(m), **{f"{pr.label(p)}, expected (£)": pr.gbp(wide.at[m, p]) for p in cols}}
        rows.append({**row, exp: pr.gbp(tot.at[m, "mean_gbp"]), itv: _between(tot.at[m, "p5_gbp"], tot.at[m, "p95_gbp"], "gbp")})
    later = list(wide.index)[months:]
    if later:
        span = _month(later[0]) + (f" to {_month(later[-1])}" if len(later) > 1 else "")
        rows.append({"Month": f"Later months ({span})",
                     **{f"{pr.label(p)}, expected (£)": pr.gbp(wide.loc[later, p].sum()) for p in cols},
                     exp: pr.gbp(wide.loc[later, "total"].sum()), itv: NONE})
    s = summary_of(tables)
    left = _still_to_pay(s)
    rows.append({"Month": "All months still to come", **{f"{pr.label(p)}, expected (£)": pr.gbp(wide[p].sum()) for p in cols},
                 exp: pr.gbp(left["mean"]), itv: _between(left["p5"], left["p95"], "gbp")})
    return _table(rows, "Month", pol)


def remaining_chart(tables: Mapping[str, Any], title: str | None = None):
    """The money still to come by month: the expected total with its 90% band, and each payer's expected line.

    Returns
    -------
    (figure, alt text)
        The y axis is £ a month; the alt text names the months covered, the expected total
        and each payer's share of it, and the month with the most to pay with its interval.
    """
    import matplotlib.pyplot as plt
    from matplotlib.dates import DateFormatter
    from matplotlib.ticker import FuncFormatter

    s = summary_of(tables)
    r = _months(tables)
    payers = _payers(r)
    tot = r[r["payer"] == "total"].sort_values("month")
    x = pd.to_datetime(tot["month"] + "-01")
    title = title or f"Payments still to come by month, as of {_date(s['as_of'])}"
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.fill_between(x, tot["p5_gbp"], tot["p95_gbp"], color="#1d70b8", alpha=0.2, linewidth=0, label=f"Total, {LEVEL}% interval")
    ax.plot(x, tot["mean_gbp"], color="#1d70b8", linewidth=2, label="Total, expected")
    if len(payers) > 1:
        for p, style in zip(payers, ["--", ":", "-."] * 3):
            one = r[r["payer"] == p].sort_values("month")
            ax.plot(pd.to_datetime(one["month"] + "-01"), one["mean_gbp"], style, color="#505a5f", label=f"{pr.label(p)}, expected")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: pr.gbp(v)))
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    ax.set(ylabel="£ a month (after caps)", xlabel="Month", title=title)
    ax.set_ylim(bottom=0)
    pr.tidy_legend(ax, fontsize=8)
    fig.tight_layout()
    return fig, _chart_alt(title, r, tot, payers)


def _chart_alt(title: str, r: pd.DataFrame, tot: pd.DataFrame, payers: list[str]) -> str:
    if not len(tot):
        return f"Line chart: {title} (£ a month). Nothing is left to pay in any draw."
    peak = tot.loc[tot["mean_gbp"].idxmax()]
    by = ", ".join(f"{pr.label(p)} {pr.gbp(r.loc[r['payer'] == p, 'mean_gbp'].sum())}" for p in payers)
    return (f"Line chart with a {LEVEL}% band: {title} (£ a month, after caps), {len(tot)} months from "
            f"{_month(tot['month'].iloc[0])} to {_month(tot['month'].iloc[-1])}. Expected in all: {pr.gbp(tot['mean_gbp'].sum())}"
            + (f" ({by})" if len(payers) > 1 else "")
            + f". The most is expected in {_month(peak['month'])}: {pr.gbp(peak['mean_gbp'])} "
            f"({LEVEL}% interval {pr.gbp(peak['p5_gbp'])} to {pr.gbp(peak['p95_gbp'])}).")


def planned_table(tables: Mapping[str, Any], policy: str | Policy,
                  children_by_line: Mapping[str, int] | None = None) -> DisclosedTable:
    """The INDIGO-style table: planned, achieved to date and forecast to the contract's end.

    Rows: the cases (a real count so far: through the policy; its forecast is suppressed when
    the count is), then each outcome line in £ before caps. ``children_by_line``: children paid
    on each line so far; a line paid for a small count of children has its achieved £ suppressed
    (and, when only one line would be, the next smallest too, so the total cannot give it back).
    """
    pol = get_policy(policy)
    s = summary_of(tables)
    t = tables["planned_achieved_forecast.csv"]
    plan, got, exp, itv = "Planned", "Achieved to date", "Forecast, expected", f"Forecast, {LEVEL}% interval"
    rows = []
    first = t.iloc[0]
    n = s.get("cases_to_date", first["achieved_to_date"])
    # a published folder may already hold the symbol (or a blank) for a suppressed count
    shown = pol.suppressed if isinstance(n, str) or _bad(n) else pol.count(float(n))
    hide = isinstance(shown, str)
    # modelled counts are rounded to the policy's base, as cusp reforecast publishes them: the
    # forecast adds the modelled cases still to come to the *published* count to date, and an
    # exact modelled part would give the count to date back through a figure resting on all
    # cases (a block's cost per case started)
    count = lambda v: NONE if _bad(v) else _fmt(float(v), "count", pol)  # noqa: E731
    ahead = lambda q: NONE if hide or _bad(first[q]) else count(float(shown) + float(first[q]) - float(n))  # noqa: E731
    rows.append({"Outcome line": f"{str(s.get('case_unit') or first['metric']).capitalize()} (number)",
                 plan: count(first["planned"]), got: pol.suppressed if hide else _count(shown),
                 exp: pol.suppressed if hide else ahead("forecast_mean"),
                 itv: pol.suppressed if hide else (NONE if _bad(first["forecast_p5"]) else f"{ahead('forecast_p5')} to {ahead('forecast_p95')}")})
    lines = t.iloc[1:]
    small = set()
    if children_by_line is not None:
        small = {m for m in lines["metric"] if pol.is_small(children_by_line.get(str(m), 0))}
        if len(small) == 1 and len(lines) > 1:  # complementary suppression: the settled total would give one back
            rest = lines[~lines["metric"].isin(small)].sort_values("achieved_to_date")
            small.add(rest["metric"].iloc[0])
    for row in lines.itertuples(index=False):
        rows.append({"Outcome line": f"{pr.label(str(row.metric))} (£ before caps)", plan: pr.gbp(row.planned),
                     got: pol.suppressed if row.metric in small else pr.gbp(row.achieved_to_date),
                     exp: pr.gbp(row.forecast_mean), itv: _between(row.forecast_p5, row.forecast_p95, "gbp")})
    return _table(rows, "Outcome line", pol)


def kpi_table(tables: Mapping[str, Any], policy: str | Policy) -> DisclosedTable | None:
    """The chance of each KPI being met in each period not yet settled (None when there are none)."""
    k = tables.get("kpi_probabilities.csv")
    if k is None or not len(k):
        return None
    pol = get_policy(policy)
    rows = []
    for _, r in k.iterrows():
        kpi = str(r["kpi"])
        given = r.get("label") if isinstance(r.get("label"), str) and r.get("label") else kpi
        name = pr.label(kpi) if kpi in pr.LABELS else _sentence(pr.label(str(given)))  # the reports' one name for a KPI
        target = r.get("target")
        rows.append({"KPI and period": f"{name}, {r['period']}",  # one row each: the index is unique
                     "Target": _target_words(target) if isinstance(target, str) and target else NONE,
                     "Chance met (%)": pr.pct(r["p_met"])})
    return _table(rows, "KPI and period", pol)


_COMPARISON = (("<=", "at most"), (">=", "at least"), ("==", "exactly"), ("<", "under"), (">", "more than"))


def _target_words(target: str) -> str:
    """A target as written by the mechanism (">= 90%") in words ("at least 90%")."""
    text = target.strip()
    for sign, words in _COMPARISON:
        if text.startswith(sign):
            return f"{words} {text[len(sign):].strip()}"
    return text


_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


_DECIMAL = re.compile(r"(?<![\d.,£])\d{4,}\.\d+")
_INTEGER = re.compile(r"(?<![\d.,£])([+-]?)(\d+)(?![\d.,])")


def _drivers(text: Any, pol: Policy) -> str:
    """A waterfall driver's text with every whole number (a count of referrals, periods away) through the policy."""
    if not isinstance(text, str) or not text.strip():
        return NONE
    text = text.replace("->", "→")
    dates = _ISO.findall(text)  # dates are not counts: kept aside while counts go through the policy
    text = _INTEGER.sub(lambda m: m.group(1) + str(pol.count(int(m.group(2)))), _ISO.sub("\x00", text))
    text = _DECIMAL.sub(lambda m: f"{float(m.group(0)):,.1f}", text)  # rates of a thousand and more with separators
    for d in dates:
        text = text.replace("\x00", _date(d), 1)
    return _sentence(pr.words(text))


def waterfall_table(waterfall: pd.DataFrame | None, policy: str | Policy) -> DisclosedTable | None:
    """What moved the expected total since the previous reforecast (``waterfall.csv``); counts in the drivers through the policy."""
    if waterfall is None or not len(waterfall):
        return None
    pol = get_policy(policy)
    rows = [{"Step": _sentence(_ISO.sub(lambda m: _date(m.group(0)), pr.words(str(r["step"])))), "Change (£)": pr.gbp(r["change_gbp"]),
             "Running total (£)": pr.gbp(r["running_gbp"]), "What moved it": _drivers(r.get("drivers"), pol)}
            for _, r in waterfall.iterrows()]
    for r in (rows[0], rows[-1]):  # the ends are totals, not changes
        r["Change (£)"] = NONE
    return _table(rows, "Step", pol)


def summary_points(tables: Mapping[str, Any], policy: str | Policy | None = None) -> list[str]:
    """Sentences a board reads first: settled, still to pay with its interval, the total, the headline figures.

    ``policy``: figures of kind "count" are rounded through it (as in :func:`headline_table`).
    """
    pol = get_policy(policy) if policy is not None else None
    s = summary_of(tables)
    left, total = _still_to_pay(s), s["total_outcome_payments_gbp"]
    points = [f"As of {_date(s['as_of'])}, {pr.gbp(s['settled_to_date_gbp'])} is settled; {pr.gbp(left['mean'])} is still expected "
              f"to be paid ({LEVEL}% interval {_between(left['p5'], left['p95'], 'gbp')}), {pr.gbp(total['mean'])} in all "
              f"({_between(total['p5'], total['p95'], 'gbp')}), over {s['draws']} draws of the future."]
    bits = []
    for f in s["figures"]:
        if f["name"].endswith("payments_gbp"):  # totals and payers' shares: in the sentence above and the tables
            continue
        kind = f.get("kind", "number")
        if pol is not None and _hidden_per_case(f, s, pol):
            continue
        text = f"{_figure_label(f)} {_fmt(f.get('mean'), kind, pol)}"
        if kind != "probability" and not _bad(f.get("p5")):
            text += f" ({_between(f['p5'], f['p95'], kind, pol)})"
        bits.append(text)
    if bits:
        points.append("; ".join(bits) + ".")
    return points
