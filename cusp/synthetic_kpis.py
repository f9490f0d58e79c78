"""``kpi_results.csv`` of a KPI-linked contract (001), measured from a case-level extract.

A KPI-linked settlement (:func:`simulate.payments.settle.settle_kpi_linked`) reads the KPI
results of each contract year from ``kpi_results.csv`` (``contract_year, kpi, value``), which a
council reports and ``cusp synth`` does not draw. This module measures them from the extract
itself, through the KPI registry (:mod:`cusp.kpi_extracts`, the same definitions the annual
evaluation uses), so a synthetic 001 extract can be settled, reforecast and reported:

- one row per KPI target of the scenario and contract year (``Y1`` = the twelve months from
  ``horizon.start_date``) that has **ended by the extract date** and falls within the contract's
  paid years (``horizon.referral_months`` rounded up to whole years);
- the value is the registry's, on every district together (or the target's district);
- a KPI the case-level extract cannot measure (:data:`NOT_MEASURABLE`: 001's universal coverage
  of mandated contacts, which needs every child due a contact, not only the referred ones) has
  **no row**; the settlement then reads it as not met, so its weight of the at-risk money is
  withheld. The payments statement says so.

``data_synthetic`` may not import the registry (docs/ARCHITECTURE: it imports only
``simulate.scenario`` and ``evaluation.schemas``), so this lives in ``cusp/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "NOT_MEASURABLE", "kpi_results", "synthetic_frames", "unmeasured_targets"]

COLUMNS = ["contract_year", "kpi", "value"]
# registry bases a case-level extract (referrals.csv, assessments.csv...) can feed
_MEASURABLE_BASES = ("cases",)
NOT_MEASURABLE = "needs every child due a mandated contact, which a case-level extract does not hold"


def unmeasured_targets(scenario: Any) -> list[str]:
    """Names of the scenario's KPI targets a case-level extract cannot measure (no row written)."""
    from simulate.kpis import REGISTRY

    return [t.name for t in scenario.kpi_targets
            if t.metric not in REGISTRY or REGISTRY[t.metric].basis not in _MEASURABLE_BASES]


def kpi_results(scenario: Any, frames: Mapping[str, pd.DataFrame], extract_date: dt.date | None = None) -> pd.DataFrame:
    """KPI results per contract year ended by ``extract_date``, measured from the extract.

    Parameters
    ----------
    scenario
        A scenario with ``kpi_targets`` (any mechanism; only a ``kpi_linked`` one settles on them).
    frames
        Extracts keyed by file name: ``referrals.csv`` and ``assessments.csv`` (optional
        ``plan_reviews.csv``, ``hours.csv``), as :func:`data_synthetic.synthesise` or
        :func:`cusp.payment_extracts.read_folder` give them.
    extract_date
        The extract's last day (inclusive); default the contract's last day.

    Returns
    -------
    DataFrame
        Columns ``contract_year`` (int, 1-based), ``kpi`` (a ``kpi_targets`` name), ``value``
        (the KPI's value: a share as a fraction 0-1, a count as families), sorted by year then
        target order. Targets in :func:`unmeasured_targets` and years not yet ended are absent.
    """
    from . import kpi_extracts as ke

    h = scenario.horizon
    origin = h.start_date
    end = extract_date or (h.contract_end - dt.timedelta(days=1))
    skip = set(unmeasured_targets(scenario))
    targets = [t for t in scenario.kpi_targets if t.name not in skip and t.period == "year"]
    empty = pd.DataFrame({"contract_year": pd.Series(dtype=int), "kpi": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
    if not targets or end < origin or "referrals.csv" not in frames:
        return empty
    table = ke.extract_case_table(frames, origin, scenario.district_names)
    kpis = ke.registry_kpis(scenario, table, origin, end, sorted({t.metric for t in targets}), ["year"])
    rows = ke.target_rows(scenario, kpis) if len(kpis) else pd.DataFrame(columns=["target", "label", "complete", "value"])
    paid_years = max(1, -(-h.referral_months // 12))
    order = {t.name: i for i, t in enumerate(targets)}
    out = []
    for r in rows.itertuples(index=False):
        if r.target not in order or not bool(r.complete) or not np.isfinite(r.value):
            continue  # a year not yet ended, or a KPI with no denominator yet: nothing to report
        year = int(str(r.label).lstrip("Y"))
        if year <= paid_years:
            out.append((year, order[r.target], r.target, float(r.value)))
    if not out:
        return empty
    frame = pd.DataFrame(out, columns=["contract_year", "_order", "kpi", "value"]).sort_values(["contract_year", "_order"])
    return frame[COLUMNS].reset_index(drop=True)


def settlement_files(scenario: Any, frames: Mapping[str, pd.DataFrame], extract_date: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """The files a KPI-linked settlement reads beside the case-level extract, for a synthetic one.

    ``kpi_results.csv`` measured from the extract (:func:`kpi_results`), and ``spend.csv`` with
    its header only: a synthetic extract holds no provider accounts, and a header-only file
    states 'no spend reported' (so no gain share is computed), where a missing file would be
    refused. Empty for every other mechanism.
    """
    if scenario.payment.kind != "kpi_linked":
        return {}
    return {"kpi_results.csv": kpi_results(scenario, frames, extract_date),
            "spend.csv": pd.DataFrame({"contract_year": pd.Series(dtype=int), "spend_gbp": pd.Series(dtype=float)})}


def synthetic_frames(scenario: Any, seed: int, extract_date: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """A synthetic extract of ``scenario`` (:func:`data_synthetic.synthesise` with ``seed``), as
    ``cusp synth`` writes it: for a KPI-linked scenario with its :func:`settlement_files`. Keyed by file name; ``extract_date`` default the contract's last day.
    """
    from data_synthetic import synthesise

    frames = dict(synthesise(scenario, seed, extract_date=extract_date).frames)
    frames.update(settlement_files(scenario, frames, extract_date))
    return frames
