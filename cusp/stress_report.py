"""The investor stress-test report as a board reads it: summary, tables with units, contents.

``notebooks/investor_stress_test.ipynb`` runs :func:`simulate.stress.report.risk_report` and hands
its :class:`~simulate.stress.report.RiskReport` here. These functions turn its tidy tables into
text tables (every cell formatted, every header a phrase with its unit, no parameter path) that
:func:`cusp.presentation.table` shows, and write the one-screen summary a party carrying the risk
reads first: who carries it, the base case, the chance of a loss, the bad case, what drives the
result and the break-even values. Money is in pounds; shares are shown as %.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from . import presentation as pr
from .presentation.formats import MISSING
from .stress_labels import MECHANISMS, figure_kind, figure_label, figure_value, fmt, input_label, input_value

__all__ = ["sections", "summary_points", "base_table", "years_tables", "ledger_table", "named_tables",
           "stress_table", "headline_table", "tornado_table", "src_table", "sobol_table", "reverse_table"]

#: Most value columns a table holds before it is split (at 800 px the page holds about six).
MAX_VALUE_COLUMNS = 5


def sections(notebook: str | Path) -> list[str]:
    """The ``## `` headings of a notebook's Markdown cells, in order: the report's contents."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [m.group(1).strip() for m in re.finditer(r"^## (.+)$", text, re.M)]


def _bearer(report: Any) -> str:
    return f"the {report.risk_bearer}"


def _key(report: Any) -> str:
    """The run-table column of the risk-bearing party's net (or the bond's money multiple)."""
    return "money_multiple" if report.kind == "sib_edge_of_care" else "provider_net_gbp"


def _q(report: Any, column: str, q: float) -> float:
    return float(report.run.table[column].astype(float).quantile(q))


def _answer(r: Any) -> str:
    """The value a reverse stress found, in the input's unit (with the out-of-care rate it implies, if any)."""
    if r.status == "found":
        rate = getattr(r, "out_of_care_rate", float("nan")) if "care_hazard" in r.parameter else float("nan")
        return input_value(r.parameter, r.value) + (f" (out-of-care rate {pr.pct(rate)})" if rate == rate else "")
    m = re.match(r"no crossing in \[(.*), (.*)\]", str(r.status))
    return (f"not reached between {input_value(r.parameter, float(m[1]))} and {input_value(r.parameter, float(m[2]))}"
            if m else pr.words(str(r.status)))


def _reverse_sentence(r: Any) -> str:
    """One reverse-stress answer in words: ``<question>: <value>.``"""
    return f"{r.description}: {_answer(r)}."


def summary_points(sc: Any, report: Any, draws: int, seed: int) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """What the party carrying the risk reads first: ``(points, missed, figures)``.

    Parameters
    ----------
    sc
        The scenario.
    report
        :func:`simulate.stress.report.risk_report`'s result.
    draws, seed
        The number of parameter draws and the root seed of the run.

    Returns
    -------
    (points, missed, figures)
        Sentences; sentences flagging a loss or money withheld in the base case; (name, value)
        headline figures. Money in £, shares in %.
    """
    b, who, t = report.base, _bearer(report), report.run.table
    contract = MECHANISMS.get(report.kind, report.kind.replace("_", " "))
    points = [f"Under this {contract} {who} carries the risk."]
    missed: list[str] = []
    if report.kind == "sib_edge_of_care":
        irr = pr.pct(b["pooled_irr"]) + " a year" if b.get("pooled_irr_status") == "ok" else "not defined"
        points.append(f"Base case (the scenario's own values): the investor's IRR is {irr} and its money multiple "
                      f"{fmt(b['pooled_multiple'], 'multiple')} on capital committed of {pr.gbp(b['capital_committed_gbp'])}.")
        if b["pooled_multiple"] < 1:
            missed.append(f"In the base case the investor gets back only {fmt(b['pooled_multiple'], 'multiple')} times its capital.")
        ok = t.loc[t["irr_status"] == "ok", "irr"]
        bad = (f"In a bad case (1 draw in 20 ends worse) the money multiple is {fmt(_q(report, 'money_multiple', 0.05), 'multiple')}"
               + (f" and the IRR {pr.pct(ok.quantile(0.05))} a year." if len(ok) else "."))
        loss_col = "investor_loss"
    else:
        net = b["pooled_net_gbp"]
        points.append(f"Base case (the scenario's own values): {who}'s net over the contract is {pr.gbp(net)}"
                      + (f" (income {pr.gbp(b['provider_income_gbp'])} less delivery cost {pr.gbp(b['provider_costs_gbp'])})."
                         if "provider_income_gbp" in b else "."))
        if net < 0:
            missed.append(f"In the base case {who} loses {pr.gbp(-net)} over the contract.")
        if b.get("withheld_gbp", 0) > 0:
            missed.append(f"KPIs are missed in the base case: {pr.gbp(b['withheld_gbp'])} of the {pr.gbp(b['at_risk_gbp'])} "
                          "at risk is withheld (mean).")
        bad = f"In a bad case (1 draw in 20 ends worse) {who}'s net is {pr.gbp(_q(report, 'provider_net_gbp', 0.05))}"
        if "cost_per_family_started_gbp" in t:
            bad += f", and a family started costs the commissioner {pr.gbp(_q(report, 'cost_per_family_started_gbp', 0.95))} or more."
        else:
            bad += "."
        loss_col = "provider_loss"
    p_loss = float(t[loss_col].mean())
    points.append(f"Over {draws:,} draws of the scenario's uncertainty ranges {who} loses money in {pr.pct(p_loss)} of them.")
    points.append(bad)
    if len(report.tornado):
        top = report.tornado.iloc[0]
        out = figure_label(report.tornado.attrs["output"]).split(" (")[0]
        kind = figure_kind(report.tornado.attrs["output"])
        drive = (f"What moves the result most is the {input_label(top['input'])}: from {input_value(top['input'], top['low'])} "
                 f"to {input_value(top['input'], top['high'])} it moves the {out[:1].lower() + out[1:]} from "
                 f"{fmt(top['output_low'], kind)} to {fmt(top['output_high'], kind)} (one input at a time)")
        if len(report.sobol):
            s = report.sobol.iloc[0]
            drive += (f"; with all inputs varying together it {'also ' if s['input'] == top['input'] else ''}"
                      + ("has" if s["input"] == top["input"] else f"is the {input_label(s['input'])} that has")
                      + f" the largest total Sobol index ({s['ST']:.2f})")
        points.append(drive + ".")
    points += [_reverse_sentence(r) for r in report.reverse.itertuples()]
    spreads = ([("money_multiple", t["money_multiple"], "multiple"), ("irr", t.loc[t["irr_status"] == "ok", "irr"], "share")]
               if report.kind == "sib_edge_of_care" else [("provider_net_gbp", t["provider_net_gbp"], "gbp")])
    figures = [("Service", f"{sc.service.name} ({sc.service.local_authority})"),
               ("Contract", f"{contract[:1].upper() + contract[1:]}, from {sc.horizon.start_date:%d %B %Y} for {sc.horizon.total_months} months"),
               *[(figure_label(c).split(" (")[0] + ", over the draws", _spread(v, kind)) for c, v, kind in spreads],
               (f"Chance {who} loses money", pr.pct(p_loss)),
               ("Draws", f"{draws:,} draws of the uncertainty ranges (seed {seed}); modelled figures from the scenario's "
                         "assumptions, not records of children")]
    return points, missed, figures


def _spread(values: pd.Series, kind: str) -> str:
    """``median 1.37 (90% of draws between 0.19 and 3.46)`` in the kind's format; draws without a value left out."""
    v = values.astype(float).dropna()
    if not len(v):
        return MISSING
    return (f"median {fmt(v.median(), kind)} (90% of draws between {fmt(v.quantile(0.05), kind)} "
            f"and {fmt(v.quantile(0.95), kind)})")


_CHANCE = re.compile(r"^P\((?P<event>.+)\)$")


def base_table(report: Any) -> pd.DataFrame:
    """The base case as ``Figure, Value`` rows (the mechanism's own wording; "P(x)" read as "Chance x")."""
    def words(figure: str) -> str:
        figure = figure.strip()
        if m := _CHANCE.match(figure):
            event = m["event"].replace("cap reached", "the payment cap is reached")
            return f"Chance {event}" if event.startswith("the ") else f"Chance the {event}"
        return figure
    values = [str(v).replace("−£", "-£") for v in report.base_table["value"]]
    return pd.DataFrame({"Figure": [words(f) for f in report.base_table["figure"]], "Value": values})


#: Per-contract-year columns: (header with unit, kind).
YEAR_COLUMNS: dict[str, tuple[str, str]] = {
    "contract_year": ("Contract year", "count"),
    "weight_met": ("KPI weight met (%)", "share"),
    "value": ("Envelope value (£)", "gbp"),
    "withheld": ("Withheld (£)", "gbp"),
    "paid": ("Paid (£)", "gbp"),
    "spend": ("Provider spend (£)", "gbp"),
    "gain_returned": ("Gain share returned (£)", "gbp"),
    "gain_retained": ("Gain share retained (£)", "gbp"),
    "families_achieving": ("Families achieving (number, mean)", "count"),
    "upfront_gbp": ("Up-front payments (£)", "gbp"),
    "outcome_payments_gbp": ("Outcome payments (£)", "gbp"),
    "cap_cut_gbp": ("Cut by the cap (£)", "gbp"),
    "provider_costs_gbp": ("Provider costs (£)", "gbp"),
    "provider_net_gbp": ("Provider net (£)", "gbp"),
    "block_payments_gbp": ("Block payments (£)", "gbp"),
    "families_started": ("Families started (number, mean)", "count"),
    "families_turned_away": ("Families turned away (number, mean)", "count"),
    "utilisation_mean": ("Caseload utilisation (%)", "share"),
    "cost_per_family_started_gbp": ("Cost per family started (£)", "gbp"),
}


def _text(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Each column formatted in its kind under its header; unknown columns formatted by their name."""
    out = {}
    for c in frame.columns:
        head, kind = columns.get(c) or (figure_label(c), figure_kind(c))
        out[head] = [fmt(v, kind) if not isinstance(v, str) else v for v in frame[c]]
    return pd.DataFrame(out)


def years_tables(report: Any) -> list[tuple[str, pd.DataFrame]]:
    """The risk-bearing party's year-by-year view (mean over replications) as ``(caption, table)`` pairs.

    A contract with several financial envelopes (001: ECC and West CCG) gets one table per
    envelope; a column with no value in any year (West CCG's KPI weight, never at risk) is left out.
    No table for a mechanism without a yearly view (the bond).
    """
    years = report.years
    if years is None:
        return []
    groups = list(years.groupby("envelope", sort=False)) if "envelope" in years else [(None, years)]
    out = []
    for name, part in groups:
        part = part.drop(columns=["envelope"], errors="ignore").dropna(axis=1, how="all")
        caption = f"{name} envelope, by contract year (mean over replications)" if name else "By contract year (mean over replications)"
        out.append((caption, _text(part, YEAR_COLUMNS)))
    return out


PARTIES = {"ecc": "ECC", "lcf": "Life Chances Fund", "west_ccg": "West CCG", "spv": "the bond's vehicle", "staff_and_suppliers": "staff and suppliers",
           "co_funder": "co-funder", "fund_manager": "fund manager", "life_chances_fund": "Life Chances Fund"}


def _party(key: str) -> str:
    return PARTIES.get(key) or pr.label(key, capital=False)


def ledger_table(report: Any) -> tuple[pd.DataFrame, str]:
    """Who pays whom, by contract year (expected case), and the unit of its money columns.

    One row per ``payer → payee: flow``; money in £ thousand when any yearly flow reaches
    £1 million (so that seven years fit across the page), else in £.
    """
    by_year = report.by_year
    big = float(by_year.abs().to_numpy().max()) >= 1e6 if by_year.size else False
    unit, scale = ("£ thousand", 1e3) if big else ("£", 1.0)
    rows = []
    for (payer, payee, flow), amounts in by_year.iterrows():
        name = f"{_party(payer)} to {_party(payee)}: {pr.label(flow, capital=False)}"
        rows.append({"Flow": name[:1].upper() + name[1:],
                     **{f"Year {y} ({unit})": pr.count(v / scale) for y, v in amounts.items()}})
    return pd.DataFrame(rows), unit


def _split(frame: pd.DataFrame, keep: Sequence[str]) -> list[pd.DataFrame]:
    """``frame`` as tables of at most :data:`MAX_VALUE_COLUMNS` value columns each, ``keep`` repeated."""
    values = [c for c in frame.columns if c not in keep]
    n = -(-len(values) // MAX_VALUE_COLUMNS) or 1
    size = -(-len(values) // n)
    return [frame[list(keep) + values[i:i + size]] for i in range(0, max(len(values), 1), size)]


def _stress_name(name: str) -> str:
    """``referrals_30pct_below_plan`` → "Referrals 30% below plan"; ``ten_pct_at_risk`` → "Ten per cent at risk"."""
    if name == "base":
        return "Base (the uncertainty ranges)"
    return re.sub(r"\bpct\b", "per cent", re.sub(r"(\d+) ?pct\b", r"\1%", pr.label(name)))


def named_tables(report: Any) -> list[pd.DataFrame]:
    """The named stresses side by side with the base (one row each); split so each fits the page."""
    named = report.named.drop(columns=["description"])
    text = _text(named.drop(columns=["stress"]), {})
    text.insert(0, "Stress", [_stress_name(s) for s in named["stress"]])
    return _split(text, ["Stress"])


def stress_table(report: Any) -> pd.DataFrame:
    """Each named stress and what it changes (``Stress, What it changes``), the base first."""
    n = report.named
    return pd.DataFrame({"Stress": [_stress_name(s) for s in n["stress"]],
                         "What it changes": [d[:1].upper() + d[1:] for d in n["description"]]})


def headline_table(report: Any) -> pd.DataFrame:
    """The distribution's headline figures as ``Figure, Value`` (each formatted by its kind)."""
    h = report.headline
    return pd.DataFrame({"Figure": [figure_label(m) for m in h["metric"]],
                         "Value": [figure_value(m, v) for m, v in zip(h["metric"], h["value"])]})


def tornado_table(report: Any) -> pd.DataFrame:
    """One-at-a-time swings: input, its range and the output at each end, in the output's unit."""
    t, key = report.tornado, report.tornado.attrs.get("output", "")
    kind, unit = figure_kind(key), figure_label(key).split(" (")[-1].rstrip(")") if "(" in figure_label(key) else ""
    unit = f" ({unit})" if unit else ""
    return pd.DataFrame({
        "Input": [_cap(input_label(i)) for i in t["input"]],
        "Low end": [input_value(i, v) for i, v in zip(t["input"], t["low"])],
        "High end": [input_value(i, v) for i, v in zip(t["input"], t["high"])],
        f"Result at low end{unit}": [fmt(v, kind) for v in t["output_low"]],
        f"Result at high end{unit}": [fmt(v, kind) for v in t["output_high"]],
        f"Swing{unit}": [fmt(v, kind) for v in t["swing"]]})


def src_table(report: Any) -> pd.DataFrame:
    """Standardised regression coefficients: input, coefficient (SD of output per SD of input), share (%)."""
    s = report.src
    return pd.DataFrame({"Input": [_cap(input_label(i)) for i in s["input"]],
                         "Standardised coefficient (SD per SD)": [f"{v:.2f}" for v in s["src"]],
                         "Share of explained variance (%)": [pr.pct(v) for v in s["share"]]})


def sobol_table(report: Any) -> pd.DataFrame:
    """Sobol' indices (share of the output's variance, 0–1) with their 95% bootstrap half-widths."""
    s = report.sobol
    if s is None or not len(s):
        return pd.DataFrame()
    return pd.DataFrame({"Input": [_cap(input_label(i)) for i in s["input"]],
                         "First-order index (0–1, ± 95% interval)": [f"{v:.2f} ± {h:.2f}" for v, h in zip(s["S1"], s["S1_conf"])],
                         "Total index (0–1, ± 95% interval)": [f"{v:.2f} ± {h:.2f}" for v, h in zip(s["ST"], s["ST_conf"])]})


def reverse_table(report: Any) -> pd.DataFrame:
    """The break-even questions: what is asked, the input searched and the value found (in its unit)."""
    r = report.reverse
    return pd.DataFrame({"Question": list(r["description"]),
                         "Input searched": [_cap(input_label(p)) for p in r["parameter"]],
                         "Break-even value": [_answer(row) for row in r.itertuples()]})


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
