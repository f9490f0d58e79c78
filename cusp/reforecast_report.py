"""A reforecast as a report's section: what is settled, what is still to pay and how sure we are.

``notebooks/payments_statement.ipynb`` (the commissioner's view: :func:`statement_section`) and
the investor report (:func:`investor_section`; its cells are in docs/reforecast-section-cells.md)
show a reforecast (:mod:`simulate.reforecast`, docs/reforecast.md) through this module: it runs
the reforecast and the plan beside it (:func:`compute`), then puts together (:func:`section`)
the sentences, tables and chart that :mod:`cusp.reforecast_tables` shapes from the tables of
:func:`simulate.reforecast.summarise`, each table through the report's disclosure policy. A
mechanism with no reforecast yet, or extracts a reforecast cannot read, give one line instead.
The table functions are re-exported here, so ``from cusp import reforecast_report as rr`` is the
one import a notebook needs.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from evaluation.disclosure import Policy

from . import presentation as pr
from .reforecast_tables import (LEVEL, _bad, _between, _date, _still_to_pay, figures_of, headline_table, kpi_table, planned_table,
                                read_folder, remaining_chart, remaining_table, summary_of, summary_points, waterfall_table)

__all__ = ["LEVEL", "Section", "read_folder", "summary_of", "figures_of", "headline_table", "remaining_table", "remaining_chart",
           "planned_table", "kpi_table", "waterfall_table", "summary_points", "no_reforecast_reason", "choose_as_of",
           "compute", "section", "statement_section", "investor_section"]

# mechanisms as a reader names them, for the line saying which have a reforecast
_KINDS = {"sib_edge_of_care": "the edge-of-care Social Impact Bond", "block": "block contracts",
          "payment_by_results": "payment by results", "kpi_linked": "KPI-linked contracts"}

# --------------------------------------------------------------------------- computing and showing a section

def no_reforecast_reason(scenario: Any) -> str | None:
    """One line saying why ``scenario``'s mechanism has no reforecast yet (None when it has one)."""
    from simulate.reforecast.run import MECHANISMS

    kind = scenario.payment.kind
    if kind in MECHANISMS:
        return None
    have = ", ".join(_KINDS.get(k, pr.label(k, capital=False)) for k in sorted(MECHANISMS))
    return (f"No reforecast yet for this contract's mechanism ({_KINDS.get(kind, pr.label(kind, capital=False))}): "
            f"Cusp reforecasts {have} so far.")


def choose_as_of(scenario: Any, requested: str | dt.date | None, fallback: str | dt.date) -> dt.date:
    """The reforecast's as-of date: ``requested``, else ``fallback`` (the statement's date); a date
    outside the contract moves to the end of the contract's first half (day 0 and the last day
    leave nothing to forecast or nothing settled)."""
    h = scenario.horizon
    day = requested or fallback
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    if h.start_date <= day < h.contract_end - dt.timedelta(days=1):
        return day
    middle = h.start_date + (h.contract_end - h.start_date) / 2
    return (pd.Timestamp(middle) + pd.offsets.MonthEnd(0)).date()


def compute(scenario: Any, frames: Mapping[str, pd.DataFrame], as_of: dt.date, draws: int, seed: int, *,
            planned_draws: int | None = None, previous_as_of: dt.date | None = None, jobs: int = 1) -> dict:
    """A reforecast's tables (:func:`simulate.reforecast.summarise`), the plan beside them, and
    the waterfall from a reforecast as of ``previous_as_of`` on the same extracts.

    ``planned_draws`` (default ``draws``): draws of the plan, a reforecast from the day before
    the contract started on no data (as ``cusp reforecast`` makes it).
    """
    from simulate.reforecast import reforecast, summarise, waterfall

    run = reforecast(scenario, dict(frames), as_of, draws, seed, jobs)
    start = scenario.horizon.start_date - dt.timedelta(days=1)
    planned = reforecast(scenario, {k: v.iloc[0:0] for k, v in frames.items()}, start, planned_draws or draws, seed, jobs)
    tables = summarise(run, planned)
    if previous_as_of is not None:
        before = summarise(reforecast(scenario, dict(frames), previous_as_of, draws, seed, jobs))
        tables["waterfall.csv"] = waterfall(tables["summary.json"], before["summary.json"], tables["calibration.csv"],
                                            before["calibration.csv"])
    return tables


@dataclass
class Section:
    """What a report shows of a reforecast, in order; a notebook shows it as a cell's value.

    ``parts``: HTML objects, a chart as a pair (its ``<img>`` HTML, its alt text); ``note``: the one line shown
    instead when there is no reforecast; ``values``: money for ``results.json`` (£, no counts);
    ``points``: the sentence for the report's summary (none without a reforecast).
    """

    parts: list = field(default_factory=list)
    note: str = ""
    values: dict = field(default_factory=dict)
    points: list = field(default_factory=list)

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        if self.note:
            display(HTML(f'<p class="cusp-note">{html.escape(self.note)}</p>'))
        for part in self.parts:
            display(part[0] if isinstance(part, tuple) else part)  # a chart is (its <img> HTML, its alt text)


def _figure(fig, alt: str):
    """The figure as an <img> with its alt text, closed at once: a section may be built in one
    cell and shown in another, and an open figure would be shown by the inline backend at the
    end of the first cell without alt text."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML

    text = pr.figure_html(fig, alt)
    plt.close(fig)
    return HTML(text)


def _points_html(points: list[str]):
    from IPython.display import HTML

    return HTML("<ul>" + "".join(f"<li>{html.escape(p)}</li>" for p in points) + "</ul>")


def section(tables: Mapping[str, Any], policy: str | Policy, *, children_by_line: Mapping[str, int] | None = None,
            months: int = 12, payer_view: bool = True) -> Section:
    """Every part of a reforecast for a report: sentences, the headline table, the chart and the
    tables of money by month, planned / achieved / forecast, KPI chances and the waterfall (the
    last two when the reforecast has them)."""
    s = summary_of(tables)
    when = _date(s["as_of"])
    parts: list = [_points_html(summary_points(tables, policy)),
                   pr.disclosed(headline_table(tables, policy), f"Reforecast as of {when}: settled, still to pay and the total")]
    fig, alt = remaining_chart(tables)
    parts.append((_figure(fig, alt), alt))
    if payer_view:
        parts.append(pr.disclosed(remaining_table(tables, policy, months), f"£ still to pay by month and payer, after caps, as of {when}"))
    parts.append(pr.disclosed(planned_table(tables, policy, children_by_line), "Planned, achieved to date and forecast to the contract's end"))
    k = kpi_table(tables, policy)
    if k is not None:
        parts.append(pr.disclosed(k, "Chance of meeting each KPI in the periods still to come"))
    w = waterfall_table(tables.get("waterfall.csv"), policy)
    if w is not None:
        parts.append(pr.disclosed(w, "What moved the expected total since the previous reforecast"))
    left = _still_to_pay(s)
    values = {"as_of": s["as_of"], "settled_to_date_gbp": round(float(s["settled_to_date_gbp"]), 2),
              "still_to_pay_gbp": {k: round(float(v), 2) for k, v in left.items() if not _bad(v)}}
    end = pd.Timestamp(tables["remaining_by_month.csv"]["month"].astype(str).max() + "-01").strftime("%B %Y") if len(tables["remaining_by_month.csv"]) else ""
    point = (f"Still to pay to the end of the contract{f' ({end})' if end else ''}: {pr.gbp(left['mean'])} expected "
             f"({LEVEL}% interval {_between(left['p5'], left['p95'], 'gbp')}), reforecast from the data as of {when}.")
    return Section(parts, "", values, [point])


def statement_section(scenario: Any, frames: Mapping[str, pd.DataFrame], as_of: str | dt.date | None, draws: int, seed: int,
                      policy: str, *, statement_as_of: str | dt.date, payments: pd.DataFrame | None = None,
                      enabled: bool = True, previous_as_of: str | None = None) -> Section:
    """The commissioner's reforecast section of the payments statement.

    ``as_of`` blank: the statement's date (``statement_as_of``), moved inside the contract when
    outside it. ``payments`` (the statement's settled payments) guards each line's achieved £ by
    the children paid on it. Switched off, or for a mechanism with no reforecast yet, the
    section is one line.
    """
    if not enabled:
        return Section(note="The reforecast is switched off for this statement (parameter reforecast = False).")
    reason = no_reforecast_reason(scenario)
    if reason:
        return Section(note=reason)
    from simulate.errors import CuspError

    day = choose_as_of(scenario, as_of, statement_as_of)
    try:
        before = dt.date.fromisoformat(previous_as_of) if previous_as_of else None
    except ValueError:
        return Section(note=f"The reforecast could not run: reforecast_previous_as_of {previous_as_of!r} is not a date YYYY-MM-DD.")
    try:
        tables = compute(scenario, frames, day, draws, seed, previous_as_of=before)
    except CuspError as err:  # bad or missing extracts: one line, as the command line says it
        return Section(note=f"The reforecast could not run: {err}")
    children = None
    if payments is not None and "child_id" in payments and "metric" in payments:
        children = payments.groupby(payments["metric"].astype(str))["child_id"].nunique().to_dict()
    part = section(tables, policy, children_by_line=children)
    asked = as_of or statement_as_of
    asked = asked if isinstance(asked, dt.date) else dt.date.fromisoformat(str(asked))
    if day != asked and asked >= scenario.horizon.contract_end - dt.timedelta(days=1):
        # a statement at the contract's end has nothing left to forecast: say so first, and that
        # the section shows the reforecast as it stood on an earlier day, for illustration
        part.points = [f"The contract ends on {scenario.horizon.contract_end - dt.timedelta(days=1):%d %B %Y}, so nothing is left to "
                       f"forecast; the reforecast section shows, for illustration, the reforecast as it stood on {day:%d %B %Y}."]
    return part


def investor_section(scenario: Any, as_of: str | dt.date | None, draws: int, seed: int, policy: str = "modelled", *,
                     frames: Mapping[str, pd.DataFrame] | None = None, previous_as_of: str | None = None) -> Section:
    """The investor report's reforecast section: the same reforecast from the bearer of the risk's side.

    Without ``frames`` the reforecast reads a synthetic extract of the scenario drawn with
    ``seed`` (:func:`cusp.synthetic_kpis.synthetic_frames`: no record of a real person, so a report of
    modelled figures may show it); a real extract needs a personal-data policy. ``as_of``
    blank: the end of the contract's first half.
    """
    reason = no_reforecast_reason(scenario)
    if reason:
        return Section(note=reason)
    if frames is None:  # as ``cusp synth`` writes it: a KPI-linked contract's KPI results measured from the extract
        from .synthetic_kpis import synthetic_frames

        frames = synthetic_frames(scenario, seed)
    day = choose_as_of(scenario, as_of, scenario.horizon.start_date - dt.timedelta(days=1))
    before = dt.date.fromisoformat(previous_as_of) if previous_as_of else None
    tables = compute(scenario, frames, day, draws, seed, previous_as_of=before)
    return section(tables, policy, payer_view=False)
