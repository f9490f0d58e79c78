"""The payments statement's sections that depend on the contract's payment mechanism.

``notebooks/payments_statement.ipynb`` shows the same opening (summary, contents, payments due
by quarter) and closing (reforecast, figures for other tools) for every contract; between them
:func:`mechanism_parts` gives the sections the mechanism has, each a :class:`Part` (a ``##``
heading with the anchor the contents link to, a line saying what it shows, tables and charts):

- **SIB** (004): what the caps cut, children at each status, one child's stability timeline
  (restricted folder), the leading indicators of 004 §8.3.2 with the RAG chart;
- **block** (002, 003): the schedule, paid to date and still to pay, by contract year;
- **payment by results** (000): up-front payments by area and contract year; families paid, not
  achieved (with the conditions missed), not yet due and capped; the pooled 40% by contract year;
- **KPI-linked** (001): instalments by envelope and contract year; the year-end KPI
  reconciliation by envelope; the gain share.

Sections a mechanism does not have are left out (child timelines and leading indicators are the
bond's), and :func:`mechanism_points` gives the summary's sentences for it. Money is in pounds; a
count of children or families goes through the disclosure policy; money paid for the contract
as a whole (block, up-front, instalments, KPI year-end payments) rests on no count and is shown.

The block contract's section is here; payment by results' in :mod:`cusp.statement_pbr`, the
KPI-linked contract's in :mod:`cusp.statement_kpi`, the bond's own in :mod:`cusp.statement_sib`
(their table functions are re-exported here); :class:`Part` and the table helpers in
:mod:`cusp.statement_base`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import presentation as pr
from .statement_base import Part, as_html, money_frame, year_label
from .statement_kpi import (ENVELOPE, UNMEASURED_NOTE, kpi_gain_table, kpi_instalment_table, kpi_parts, kpi_points,
                            kpi_reconciliation_table, unmeasured_note)
from .statement_pbr import pbr_family_table, pbr_parts, pbr_points, pbr_pool_table, pbr_reasons_table, pbr_upfront_table

__all__ = ["Part", "Statement", "statement", "paid_column", "mechanism_parts", "mechanism_points", "block_schedule_table",
           "pbr_upfront_table", "pbr_family_table", "pbr_reasons_table", "pbr_pool_table", "kpi_instalment_table",
           "kpi_reconciliation_table", "kpi_gain_table", "unmeasured_note", "ENVELOPE", "UNMEASURED_NOTE"]

VALUE = "year's value (£)"


def paid_column(scenario: Any) -> str:
    """The money tables' count column: families paid under payment by results (it pays per
    family), else children paid (:data:`cusp.payments_report.FAMILIES`, ``CHILDREN``)."""
    from .payments_report import CHILDREN, FAMILIES

    return FAMILIES if scenario.payment.kind == "payment_by_results" else CHILDREN


# --------------------------------------------------------------------------- block contracts

def block_schedule_table(scenario: Any, payments: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """A block contract's schedule by contract year: instalments, £ paid to date, £ still to pay.

    The full schedule is the settlement as of the contract's last day
    (:func:`simulate.payments.settle.block_schedule`); ``payments`` is the one as of ``as_of``.
    Index ``contract year`` (``Year N``, then ``Total``); columns ``instalments paid``,
    ``instalments in the year``, ``paid to date (£)``, ``still to pay (£)``, ``year's value (£)``.
    """
    from simulate.payments.settle import block_schedule

    full = block_schedule(scenario, scenario.horizon.contract_end).payments
    start = pd.Timestamp(scenario.horizon.start_date)

    def years(frame: pd.DataFrame) -> pd.Series:
        months = (pd.to_datetime(frame["due_date"]).dt.year - start.year) * 12 + pd.to_datetime(frame["due_date"]).dt.month - start.month
        return months // 12 + 1

    f = full.assign(y=years(full))
    p = payments.assign(y=years(payments)) if len(payments) else payments.assign(y=pd.Series(dtype=int))
    table = pd.DataFrame({"instalments paid": p.groupby("y").size(), "instalments in the year": f.groupby("y").size(),
                          "paid to date (£)": p.groupby("y")["amount"].sum(), "year's value (£)": f.groupby("y")["amount"].sum()})
    table = table.reindex(sorted(f["y"].unique())).fillna(0.0)
    table["still to pay (£)"] = table["year's value (£)"] - table["paid to date (£)"]
    table.loc["Total"] = table.sum()
    table.index = [year_label(y) if y != "Total" else y for y in table.index]
    table.index.name = "contract year"
    for c in ("instalments paid", "instalments in the year"):
        table[c] = table[c].astype(int)
    return table[["instalments paid", "instalments in the year", "paid to date (£)", "still to pay (£)", "year's value (£)"]]


def _block_parts(scenario: Any, payments: pd.DataFrame, as_of: dt.date) -> list[Part]:
    mech = scenario.payment
    table = block_schedule_table(scenario, payments, as_of)
    intro = (f"A block contract: {pr.gbp(mech.annual_value_gbp)} a year, paid in equal {mech.payment_schedule} instalments in "
             "advance for each contract year of referrals, whatever the number of families served. Its cost per family "
             "depends on how many are served, which the reforecast below projects.")
    return [Part("Schedule: paid to date and still to pay", intro,
                 [money_frame(table, f"Block payments by contract year, to {as_of:%d %B %Y} and after (£)")])]



# --------------------------------------------------------------------------- the bond

def _sib_parts(scenario: Any, result: Any, frames: dict, audit: pd.DataFrame, as_of: dt.date, policy: str,
               results_path: str, indicators: Any, rag_chart: str) -> list[Part]:
    from . import payments_report as pay
    from .statement_sib import child_timeline

    caps = pay.caps_table(audit, policy)
    status = pay.status_table(audit, policy)
    child_timeline(scenario, frames, result, as_of, results_path)
    return [
        Part("What the caps cut", "Caps apply in due-date order; a capped line's reason names the cap and the £ it removed.",
             [as_html(pr.disclosed(caps, "Payment lines cut by caps, and the £ cut"))]),
        Part("Children at each status", "One row per payment line: how many cases are paid, not yet due, not achieved, not "
             "eligible, stopped, failed or capped.", [as_html(pr.disclosed(status, "Cases by payment line and status"))]),
        Part("One child's stability timeline", "One child's dates are not published. The chart of a child whose tariff was "
             "interrupted by a spell, and the payment audit the commissioner uses to check the invoice, are written to the "
             "folder restricted-internal-use in the report folder, for internal use only."),
        Part("Leading indicators (004 §8.3.2)", "Referrals against plan, the proportion accepted, the children past their "
             "milestone date who did not reach it, and a RAG rating of stability per child (red: milestone missed, tracking "
             "stopped or failed; amber: a spell since tracking started; green: home every day since).",
             [as_html(pr.disclosed(indicators, "Leading indicators (004 §8.3.2)")), rag_chart]),
    ]



def mechanism_parts(scenario: Any, result: Any, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date,
                    policy: str, results_path: str = "results.json", sib_indicators: tuple[Any, str] | None = None) -> list[Part]:
    """The sections of the statement that belong to the scenario's payment mechanism, in order.

    ``sib_indicators``: the bond's (indicator table, RAG chart) when already worked out
    (:func:`cusp.statement_sib.indicators_and_rag`).
    """
    kind = scenario.payment.kind
    if kind == "sib_edge_of_care":
        from .statement_sib import indicators_and_rag

        ind, chart = sib_indicators or indicators_and_rag(scenario, frames, result, as_of, policy)
        return _sib_parts(scenario, result, frames, result.audit, as_of, policy, results_path, ind, chart)
    if kind == "block":
        return _block_parts(scenario, result.payments, as_of)
    if kind == "payment_by_results":
        return pbr_parts(scenario, result.payments, result.audit, as_of, policy)
    if kind == "kpi_linked":
        return kpi_parts(scenario, result.payments, reconciliation, frames, as_of)
    return [Part("How this contract pays", f"Cusp has no statement sections for the mechanism {pr.label(kind, capital=False)}.")]



def mechanism_points(scenario: Any, result: Any, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date,
                     policy: str) -> tuple[list[str], list[str]]:
    """The summary's sentences for the mechanism: (points, what is off track)."""
    kind = scenario.payment.kind
    if kind == "block":
        t = block_schedule_table(scenario, result.payments, as_of).loc["Total"]
        return [f"A block contract: {pr.gbp(t['paid to date (£)'])} paid to date in {int(t['instalments paid'])} of "
                f"{int(t['instalments in the year'])} instalments; {pr.gbp(t['still to pay (£)'])} still to pay of "
                f"{pr.gbp(t[VALUE])} over the contract."], []
    if kind == "payment_by_results":
        return pbr_points(result, policy), []
    if kind == "kpi_linked":
        return kpi_points(scenario, reconciliation, frames, as_of)
    return [], []


# --------------------------------------------------------------------------- the statement's middle, put together

# what the money table's note says the money is for, by mechanism
_MONEY_NOTE = {
    "sib_edge_of_care": "Each payment is split between the commissioner and the Life Chances Fund by the scenario's top-up "
                        "share until the Fund's end date. A row's amounts are suppressed when the children paid in it are a small count.",
    "block": "A block contract's instalments are paid for the contract as a whole, not for any child, so nothing is suppressed.",
    "payment_by_results": "Up-front payments are paid for each area as a whole; a row's amounts are suppressed when the "
                          "families paid in it are a small count (a row with up-front payments only rests on none).",
    "kpi_linked": "Instalments and year-end KPI payments are paid for each envelope as a whole, not for any child, so "
                  "nothing is suppressed.",
}


@dataclass
class Statement:
    """The mechanism's part of the statement: summary sentences, headline figures and sections."""

    points: list[str]
    missed: list[str]
    figures: list[tuple[str, str]]
    parts: list[Part]
    money_note: str

    @property
    def headings(self) -> list[str]:
        return [p.heading for p in self.parts]

    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() for p in self.parts)


def statement(scenario: Any, result: Any, reconciliation: pd.DataFrame | None, frames: dict, as_of: dt.date, policy: str,
              results_path: str = "results.json") -> Statement:
    """The summary (money due, what is off track) and the mechanism's sections of the statement."""
    from . import payments_report as pay

    kind = scenario.payment.kind
    sib = None
    if kind == "sib_edge_of_care":
        from .statement_sib import indicators_and_rag

        sib = indicators_and_rag(scenario, frames, result, as_of, policy)
    due_for = "for outcomes achieved" if kind == "sib_edge_of_care" else "under the contract"
    points, missed, figures = pay.summary_points(result.payments, result.audit, sib[0] if sib else None, None, str(as_of),
                                                 policy, due_for=due_for)
    more, off = mechanism_points(scenario, result, reconciliation, frames, as_of, policy)
    parts = mechanism_parts(scenario, result, reconciliation, frames, as_of, policy, results_path, sib)
    return Statement(points[:1] + more + points[1:], off + missed, figures, parts, _MONEY_NOTE.get(kind, ""))

