"""The protocol every mechanism's reforecast module satisfies (issue 16; docs/reforecast.md).

A mechanism plugs in as one module ``simulate/reforecast/<module>.py`` registered in
:data:`simulate.reforecast.run.MECHANISMS` (payment kind -> module path) with

- ``prepare(scenario, frames, as_of, priors) -> Context`` (a :class:`ContextBase` or a class
  with the same attributes): settled to date, each case's state, the learned rates;
- ``run_draw(context, rng) -> Outcome``: one draw of the future;
- a module-level ``FIGURES: dict[str, tuple[str, str]]``: figure name -> (human label, kind),
  kind one of :data:`FIGURE_KINDS`. ``"probability"`` figures are a 0/1 per draw, summarised
  as their mean; the other kinds as mean and 5/50/95%.

The runner (:mod:`.run`), the tables (:mod:`.summary`) and the command never switch on the
mechanism: they read only what is declared here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulate.payments.settlement import Settlement

FIGURE_KINDS = ("gbp", "share", "ratio", "count", "probability")

# Columns of a calibration table (``context.calibration.table()``) that hold counts of real
# cases (children engaged, care entries seen, families referred ...). Disclosure control
# suppresses or rounds exactly these in published files; a mechanism whose calibration has a
# count column under another name lists it in its calibration's ``count_columns`` attribute.
COUNT_COLUMNS = ("engaged_so_far", "care_entries_seen", "referrals_so_far", "cases_so_far", "evidence_count")


@dataclass
class ContextBase:
    """What every mechanism's context carries (the draws share it; it is sent to every worker).

    Attributes
    ----------
    settlement
        Exactly ``simulate.payments.settle.settle_scenario(scenario, frames, as_of, ...)[0]``:
        what ``cusp payments settle`` gives on the same data and date.
    edges_day
        Day number of each contract month's first day (months + 1 values).
    day
        The as-of day number (:func:`simulate.payments.days.to_day`).
    realised_by_month
        £ settled to date by contract month.
    payers
        Who pays, e.g. ``("commissioner",)`` or ``("commissioner", "life_chances_fund")``.
    lines
        Outcome lines (values of ``settlement.payments["metric"]``) for the planned / achieved /
        forecast table.
    cases_to_date
        Cases the mechanism counts so far (children engaged, families referred ...).
    case_unit
        What a case is, in words: "children engaged", "families referred".
    risk_bearer
        "investor" or "provider" (as ``simulate.stress.mechanisms`` say).
    calibration
        Has ``.table()`` -> list of dicts or a DataFrame: prior, evidence, posterior by row;
        its count columns are named in :data:`COUNT_COLUMNS` (or its ``count_columns``).
        Optionally ``.published_table(count)``: the same rows with each real count replaced by
        ``count(column, row, n)`` (its published value, ``None`` when suppressed) and every column that would
        give the true count back (a posterior) recomputed from the published count or ``None``.
        Without it, ``cusp reforecast`` publishes the count columns through the policy and
        blanks every column whose name holds "posterior" (rounding policies: in every row;
        others: in rows with a suppressed count).

    Optional: ``kpi_info: dict[str, dict]`` (kpi -> {"label": ..., "target": ...}) labels
    ``kpi_probabilities.csv``.
    """

    settlement: Settlement
    edges_day: np.ndarray
    day: int
    realised_by_month: np.ndarray
    payers: tuple[str, ...]
    lines: tuple[str, ...]
    cases_to_date: int
    case_unit: str
    risk_bearer: str
    calibration: object


@dataclass
class Outcome:
    """One draw's future.

    Attributes
    ----------
    future_by_month
        £ due after the as-of day by contract month, before caps.
    paid_by_payer
        £ by contract month per payer, after caps, for the WHOLE contract (realised + this
        draw's future); keys are ``context.payers``.
    by_line
        Future £ per outcome line (keys are ``context.lines``), before caps.
    new_cases
        Cases still to come in this draw.
    new_cases_gbp
        Future £ (before caps) owed to those new cases.
    figures
        The mechanism's headline figures for this draw (keys are the module's ``FIGURES``).
    kpis
        (kpi name, period label) -> met in this draw, for periods not yet settled; ``None``
        when the mechanism has no KPIs.
    """

    future_by_month: np.ndarray
    paid_by_payer: dict[str, np.ndarray]
    by_line: dict[str, float]
    new_cases: int
    new_cases_gbp: float
    figures: dict[str, float]
    kpis: dict[tuple[str, str], bool] | None = field(default=None)


def count_columns(calibration: object) -> tuple[str, ...]:
    """The calibration table's columns that hold real counts (see :data:`COUNT_COLUMNS`)."""
    return tuple(COUNT_COLUMNS) + tuple(getattr(calibration, "count_columns", ()))


def by_month(days: np.ndarray, amount: np.ndarray, edges_day: np.ndarray) -> np.ndarray:
    """£ summed by contract month of each day number (days outside the contract are left out)."""
    months = len(edges_day) - 1
    m = np.searchsorted(edges_day, days, side="right") - 1
    ok = (m >= 0) & (m < months)
    return np.bincount(m[ok], weights=np.asarray(amount, float)[ok], minlength=months)


def day_numbers(series) -> np.ndarray:
    """Day numbers of a date column (-1 where blank)."""
    import pandas as pd

    arr = pd.to_datetime(series).to_numpy("datetime64[D]")
    return np.where(np.isnat(arr), -1, arr.astype(np.int64))


__all__ = ["COUNT_COLUMNS", "ContextBase", "FIGURE_KINDS", "Outcome", "by_month", "count_columns", "day_numbers"]
