"""Tables and charts of the payments statement, each through the notebook's disclosure policy.

``notebooks/payments_statement.ipynb`` only orchestrates: it settles the extracts with
:mod:`simulate.payments` and hands the results to these functions, which shape them into
:class:`~evaluation.disclosure.DisclosedTable` objects (shown with :func:`cusp.presentation.disclosed`),
the summary a board reads first (:func:`summary_points`) and charts drawn from the *published*
values, with alt text (:func:`cusp.presentation.bar`). Money is in pounds; an amount is published only when
the children it is paid for are not a small count under the policy. The child-level audit is
never published here: the notebook writes it to ``restricted-internal-use/``
(:func:`cusp.render.results.save_restricted`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evaluation.disclosure import DisclosedTable, Policy, get_policy

from . import presentation as pr
from .presentation import disclosure as rt

__all__ = ["headline", "summary_points", "money_table", "status_table", "caps_table", "indicator_table", "rag_table",
           "plot_counts", "plot_money", "results_values"]

CHILDREN = "Children paid (number)"
FAMILIES = "Families paid (number)"  # payment by results pays per family (case)


def headline(service: str, payments: pd.DataFrame, audit: pd.DataFrame, as_of: str, policy: str) -> str:
    """One sentence: £ due as of the date and the number of cases (a count through the policy)."""
    pol = get_policy(policy)
    cases = audit["case_id"].nunique() if "case_id" in audit else 0
    shown = pol.count(cases)
    return f"{service}: £{payments['amount'].sum():,.0f} due as of {as_of} ({shown} cases, as published under {pol.name})."


def money_table(payments: pd.DataFrame, by: str, policy: str, paid: str = CHILDREN) -> DisclosedTable:
    """£ due by ``by`` ("quarter", "metric") and payer, with the number of children paid.

    Rows are financial quarters (labelled by their first month, ``YYYY-MM``) or payment lines;
    columns are payers (£) and ``paid`` (:data:`CHILDREN`, or :data:`FAMILIES` for payment by
    results: distinct children with a payment in the row). A row's amounts are suppressed when
    its children are a small count; lines paid for no child (block, instalments) have no such
    column and nothing to suppress.
    """
    frame = payments.copy()
    if by == "quarter":
        q = pd.PeriodIndex(pd.to_datetime(frame["due_date"]), freq="Q-MAR")
        frame["row"] = q.start_time.strftime("%Y-%m")
        label = "Quarter starting"
    else:
        frame["row"] = frame[by]
        label = "Payment line"
    if by != "quarter":
        frame["row"] = [_LINES.get(str(v), pr.label(str(v))) for v in frame["row"]]
    money = frame.pivot_table(index="row", columns="payer", values="amount", aggfunc="sum", fill_value=0.0)
    money.index.name = label
    money.columns.name = None
    payers = list(money.columns)
    if "child_id" not in frame or frame["child_id"].replace("", np.nan).isna().all():
        # money paid for the contract as a whole (block, instalments): no count of children under it
        return _money_only(money, policy)
    money[paid] = frame.assign(child_id=frame["child_id"].replace("", np.nan)).groupby("row")["child_id"].nunique()
    return rt.kpi_table(money, policy, guards=[(None, paid)], derived=payers, formats={c: "gbp" for c in payers})


# payment lines of the mechanisms without a child under them, as a reader names them
_LINES = {"block": "Block payments", "upfront": "Up-front payments", "family_outcome": "Per-family outcome payments",
          "instalment": "Instalments", "kpi_year_end": "Year-end KPI payments"}


def _money_only(money: pd.DataFrame, policy: str) -> DisclosedTable:
    """£ resting on no count of people, published as they are (nothing to suppress)."""
    pol = get_policy(policy)
    shown = money.apply(lambda col: col.map(lambda v: f"£{v:,.2f}"))
    hidden = pd.DataFrame(False, index=money.index, columns=money.columns)
    return DisclosedTable(shown, money.astype(float), hidden, hidden.copy(), pol)


def status_table(audit: pd.DataFrame, policy: str) -> DisclosedTable:
    """Cases at each status (rows: payment line; columns: status), a cross-tabulation of counts."""
    return rt.count_table(pd.crosstab(audit["metric"].rename("payment line"), audit["status"]), policy)


def caps_table(audit: pd.DataFrame, policy: str) -> DisclosedTable:
    """Lines cut by caps and the £ cut, by payment line; one row saying none when no cap applied."""
    cut = audit[audit["capped_gbp"] > 0] if "capped_gbp" in audit else audit.iloc[0:0]
    table = cut.groupby("metric").agg(lines=("capped_gbp", "size"), cut_gbp=("capped_gbp", "sum"))
    table = table.rename(columns={"cut_gbp": "£ cut"})
    if table.empty:
        table = pd.DataFrame({"lines": [0], "£ cut": [0.0]}, index=["no cap cut any payment"])
    table.index.name = "payment line"
    return rt.kpi_table(table, policy, guards=[(None, "lines")], derived=["£ cut"], formats={"£ cut": "gbp"})


def _table(rows: list[tuple[str, Any]], pol: Policy, label: str) -> DisclosedTable:
    """A one-column table of already-published values (numbers or symbols) and their text."""
    idx = pd.Index([r[0] for r in rows], name=label)
    shown = [v if isinstance(v, str) else (f"{v:,}" if isinstance(v, int) else f"{v:,.1f}") for _, v in rows]
    hidden = [isinstance(v, str) and v in pol.symbols for _, v in rows]
    values = [np.nan if isinstance(v, str) else float(v) for _, v in rows]
    frame = lambda col: pd.DataFrame({"value": col}, index=idx)  # noqa: E731
    return DisclosedTable(frame(shown), frame(values), frame(hidden), frame(hidden), pol)


def indicator_table(indicators: pd.DataFrame, policy: str) -> DisclosedTable:
    """The leading indicators (004 §8.3.2) with counts and proportions through the policy.

    ``indicators`` is :func:`simulate.payments.indicators.leading_indicators`' table
    (``indicator``, ``value``). Proportions are re-derived from their counts so that the
    policy's share rule applies (suppressed when it rests on a small count).
    """
    pol = get_policy(policy)
    v = dict(zip(indicators["indicator"], indicators["value"]))
    referrals = v["referrals to date"]
    accepted = round(v["proportion of referrals accepted"] * referrals)
    past, missed = v["children past the first milestone date"], v["number not reaching the first stability milestone"]
    rows: list[tuple[str, Any]] = [
        ("referrals to date", pol.count(referrals)),
        ("referrals planned to date", float(v["referrals planned to date"])),
        ("referrals against plan", pol.format_share(float(v["referrals against plan"])) if not pol.is_small(referrals) else pol.suppressed),
        ("referrals accepted", pol.format_share(pol.share(accepted, referrals))),
        ("children past the first milestone date", pol.count(past)),
        ("children not reaching the first stability milestone", pol.count(missed)),
        ("share not reaching the first stability milestone", pol.format_share(pol.share(missed, past))),
    ]
    rows += [(f"RAG {c}", pol.count(v.get(f"RAG {c}", 0))) for c in ("green", "amber", "red")]
    return _table(rows, pol, "indicator")


def rag_table(children: pd.DataFrame, policy: str) -> DisclosedTable:
    """Children by RAG rating of stability (green, amber, red), counts through the policy."""
    rag = children.loc[children["rag"] != "", "rag"].value_counts().reindex(["green", "amber", "red"], fill_value=0)
    return rt.count_table(rag.rename_axis("RAG rating").to_frame("children"), policy, total_column=False)


def plot_counts(table: DisclosedTable, column: str, title: str, colours: list[str] | None = None):
    """Bar chart of a disclosed table's published values; suppressed bars hatched and labelled, never 0.

    Returns ``(figure, alt text)``; the y axis reads "<column> (rounded as published)".
    """
    data = table.values[column].drop(index="Total", errors="ignore")
    hidden = table.suppressed[column].reindex(data.index).fillna(False).astype(bool)
    data.index = [pr.label(str(i)) for i in data.index]
    hidden.index = data.index
    return pr.bar(data, title=title, ylabel=f"{column} (number, as published)", suppressed=hidden, colours=colours,
                  fmt=lambda v: f"{v:,.0f}")


def plot_money(table: DisclosedTable, title: str):
    """Stacked bars of published £ by row and payer; rows whose amounts are suppressed are hatched.

    Returns ``(figure, alt text)``; the y axis is in £ and the legend lists the payers drawn.
    """
    payers = [c for c in table.values.columns if c not in (CHILDREN, FAMILIES)]
    data = table.values[payers].rename(columns=lambda c: pr.label(str(c)))
    hidden = table.suppressed[payers].rename(columns=lambda c: pr.label(str(c))).astype(bool)
    fig, alt = pr.bar(data, title=title, ylabel="£ due", suppressed=hidden, fmt=pr.gbp, figsize=(9, 3.6), rot=45)
    from matplotlib.ticker import FuncFormatter

    for ax in fig.axes:  # £ with separators on the axis, never an offset such as "1e7"
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: pr.gbp(v)))
    return fig, alt


def summary_points(payments: pd.DataFrame, audit: pd.DataFrame, indicators: DisclosedTable | None, caps: DisclosedTable | None,
                   as_of: str, policy: str, due_for: str = "for outcomes achieved") -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """What a board reads first: the money due, who pays it, what was cut, the indicators off track.

    Counts are the published ones (through ``policy``); money is in pounds. ``indicators``
    (004 §8.3.2) and ``caps`` are None for a mechanism without them; ``due_for`` says what the
    money is due for ("under the contract" where not all of it pays for outcomes).

    Returns
    -------
    (points, missed, figures)
        Sentences, sentences flagging what is off track, and (name, value) headline figures.
    """
    pol = get_policy(policy)
    total = float(payments["amount"].sum())
    by_payer = payments.groupby("payer")["amount"].sum()
    figures = [(f"Due as of {pd.Timestamp(as_of):%d %B %Y}", pr.gbp(total)),
               *[(pr.label(str(p)), pr.gbp(v)) for p, v in by_payer.items()]]
    if "case_id" in audit and audit["case_id"].nunique():
        n = pol.count(audit["case_id"].nunique())
        figures.append(("Cases", f"{n:,}" if isinstance(n, (int, float)) else str(n)))
    points = [f"{pr.gbp(total)} is due {due_for} to {pd.Timestamp(as_of):%d %B %Y}: "
              + ", ".join(f"{pr.label(str(p))} {pr.gbp(v)}" for p, v in by_payer.items()) + "."
              if len(by_payer) else f"Nothing is due {due_for} to {pd.Timestamp(as_of):%d %B %Y}."]
    if "capped_gbp" in audit:  # mechanisms with caps (the bond, payment by results)
        cut = float(audit["capped_gbp"].sum())
        points.append(f"Caps cut {pr.gbp(cut)}." if cut > 0 else "No cap cut any payment.")
    missed: list[str] = []
    if indicators is None:  # leading indicators are the bond's (004 §8.3.2)
        return points, missed, figures
    shown = indicators.display["value"]
    against = str(shown.get("referrals against plan", ""))
    if against.endswith("%") and float(against.rstrip("%")) < 100:
        missed.append(f"Referrals are behind plan: {shown['referrals against plan']} of the referrals planned to date.")
    share = shown.get("share not reaching the first stability milestone")
    if share is not None and (share in pol.symbols or share == pol.suppressed):
        points.append("The share of children not reaching the first stability milestone is suppressed (it rests on a small count).")
    elif share is not None:
        missed.append(f"{share} of children past their first milestone date did not reach the first stability milestone "
                      f"({shown['children not reaching the first stability milestone']} children).")
    red = shown.get("RAG red")
    if red is not None:
        points.append(f"Stability RAG rating: {shown.get('RAG green')} green, {shown.get('RAG amber')} amber, {red} red (children, as published).")
    return points, missed, figures


def results_values(payments: pd.DataFrame, audit: pd.DataFrame, as_of: str) -> tuple[dict, dict]:
    """Values for ``results.json``: money (£, not counts) and counts (published through the policy)."""
    money = {"as_of": as_of, "total_gbp": round(float(payments["amount"].sum()), 2),
             "by_payer_gbp": payments.groupby("payer")["amount"].sum().round(2).to_dict(),
             "capped_gbp": round(float(audit["capped_gbp"].sum()), 2) if "capped_gbp" in audit else 0.0}
    # statuses of children or families (a KPI-linked audit's rows are contract years, not people)
    counts = {"status_counts": audit["status"].value_counts().to_dict() if "child_id" in audit else {}}
    if "child_id" in payments:
        counts["children_paid"] = int(payments["child_id"].replace("", np.nan).nunique())
    return money, counts
