"""P(KPI met) for the reporting periods still to come, from the caseload and waiting list on the as-of day.

For any scenario with ``kpi_targets`` (every preset has some): each replication

1. reads the extracts as known at the end of the as-of day (:func:`known_cases`): a referral
   after it did not exist; a start, end or review after it had not happened;
2. draws an end for every case **open** on the as-of day (the flow model's own reading of an
   open case: start + a support duration from ``intervention.duration_weeks``; an end that
   falls before the as-of day moves within two weeks after it), an exit route and the end-of-case
   items (exit strategy, wellbeing plan, feedback) with the scenario's probabilities;
3. runs the flow model (:func:`simulate.flow.model.run_replication`) from the day after the as-of
   day with :class:`simulate.flow.model.InitialState` = those open cases (holding their places
   until their drawn ends) and the **waiting list** (accepted, not started, not gone), with
   patience counted from each referral (``patience_from="referral"``): extracts rarely record a
   family giving up, so a family on the list long past the scenario's patience leaves it at once;
4. joins the known past and the simulated future into one per-case table on the contract's own
   days (:func:`joined_table`): cases closed by the as-of day as known; open cases as known plus
   their drawn ends; waiting families as known up to their assessment, then the simulation's
   start (or departure); every case referred later as simulated;
5. evaluates the registry's KPIs (:func:`simulate.kpis.evaluate`) on the contract's windows, so
   a period straddling the as-of day counts its observed part and its simulated rest together.

``p_met`` is the share of replications in which the period's value meets the target (the
target's own comparison, :meth:`simulate.scenario.KpiTarget.met`), among replications where the
value exists. Throughput counts (referrals, starts, families worked with, hours, reviews) are
scored only on periods wholly inside the referral window, as ``cusp capacity run`` scores them.

Limits (docs/reforecast.md): KPIs computed from something other than cases (universal contacts'
``coverage_within_window``; the simulation-only ``utilisation``, ``share_out_of_care``...) are
reported for periods wholly after the as-of day only, from the simulation alone. Scores of the
known cases (distance travelled) are joined only when the caller passes the registry's
assessment table (``assessment_rows``: ``cusp.kpi_extracts.assessment_rows`` gives it; simulate
cannot pair scores itself); without it the improvement KPIs of a straddling period read its
simulated part only. The referral trend restarts at the as-of day (the flow model counts
``annual_trend`` from its own start).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from simulate.flow.metrics import _simulation_metrics, kpi_params
from simulate.flow.model import calendar_for
from simulate.flow.universal import universal_kpis
from simulate.kpis import REGISTRY, evaluate, fold, make_windows
from simulate.kpis.windows import Windows
from simulate.scenario import KpiTarget, Scenario

from .errors import ReforecastError
from .kpi_join import EXIT_ROUTE_OF, Prepared, joined_table, known_cases, months_until, shifted

COLUMNS = ["kpi", "metric", "label", "period_kind", "period", "period_start", "period_end", "target", "straddles", "p_met",
           "mean_value", "observed_to_date", "replications"]
# counts and sums scored only on periods wholly inside the referral window (simulate.flow.metrics.THROUGHPUT)
THROUGHPUT = {"referrals", "accepted", "families_started", "families_worked_with", "hours_delivered", "reviews"}


def _rows(w: Windows) -> tuple[np.ndarray, np.ndarray]:
    """First day and day after the last day of each report row (rolling rows: from their first window to their last)."""
    first = np.r_[0, np.flatnonzero(w.row[1:] != w.row[:-1]) + 1]
    last = w.last_of_row()
    return w.lo[first], w.hi[last]


def _target_text(t: KpiTarget) -> str:
    d = REGISTRY.get(t.metric)
    share = d is not None and d.kind == "share"
    value = f"{t.threshold:.0%}" if share else f"{t.threshold:,.10g}"
    unit = f" {d.units}" if d is not None and not share and d.units not in ("fraction",) else ""
    return f"{t.comparison} {value}{unit}"


def _replication(p: Prepared, seed: int, r: int, plan: list[tuple]) -> list[np.ndarray]:
    """Each planned (target, windows) cell's values in replication ``r`` (NaN where the KPI has no value)."""
    sc = p.scenario
    table, rep = joined_table(p, seed, r)
    n_days = (sc.horizon.contract_end - p.origin).days
    cal = calendar_for(p.origin, sc.horizon.contract_end)
    params = kpi_params(sc)
    names = sorted({t.metric for t, *_ in plan if REGISTRY[t.metric].basis == "cases"})
    cache: dict[str, dict] = {}
    out = []
    for target, kind, w, rows in plan:
        col = sc.district_names.index(target.district) if target.district else len(sc.district_names)
        if REGISTRY[target.metric].basis == "cases":
            if kind not in cache:
                cache[kind] = evaluate(table, w, cal, params, n_days, names) if sc.referrals is not None else {}
            v = cache[kind].get(target.metric)
            out.append(np.full(rows.size, np.nan) if v is None else v.value[rows, col])
        else:
            # not from cases: the simulation alone, on the contract's windows counted from the day after the as-of day
            ws = make_windows(kind, p.first, p.origin, sc.horizon.contract_end)
            nd = int(np.ceil(rep.t_end))
            vals = {}
            if rep.universal is not None:
                vals.update(fold(universal_kpis(rep.universal, ws, len(sc.district_names), nd), ws))
            if target.metric not in vals:
                vals.update(_simulation_metrics(rep, ws, nd))
            v = vals.get(target.metric)
            out.append(np.full(rows.size, np.nan) if v is None else np.asarray(v.value)[rows, col])
    return out


def kpi_probabilities(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date, replications: int = 40,
                      seed: int = 1, jobs: int = 1, assessment_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """P(each KPI target met) in every reporting period not yet over on ``as_of``.

    Parameters
    ----------
    scenario
        Any scenario with ``kpi_targets``.
    frames
        Extracts keyed by file name; ``referrals.csv`` (and ``plan_reviews.csv``) are read when
        present; an empty or missing ``referrals.csv`` starts from an empty caseload.
    as_of
        The last day known.
    replications, seed, jobs
        Flow-model replications; replication ``r`` uses the flow's streams of ``(seed, r)`` and
        its own stream for the open cases' ends, so the table is identical for any ``jobs``.
    assessment_rows
        Optional: the registry's assessment table of the extracts (``case`` = row number in
        ``referrals.csv``; ``cusp.kpi_extracts.assessment_rows``); follow-ups after ``as_of`` are dropped.

    Returns
    -------
    DataFrame
        One row per target and reporting period still to come (:data:`COLUMNS`): ``kpi`` (the
        target's name), ``metric``, ``label`` (the registry's description with its unit),
        ``period_kind`` (quarter, year ...), ``period`` (``Y3Q2``, ``Y4``, ``2024-05`` ...),
        ``period_start``, ``period_end`` (first and last day; a rolling row spans its windows),
        ``target`` (e.g. ``>= 90%``), ``straddles`` (the period began on or before ``as_of``),
        ``p_met`` (share of replications with a value that meet the target), ``mean_value``
        (the metric's mean over those replications, in its unit), ``observed_to_date`` (a
        straddling period's value over its observed part, from the extracts alone; NaN for
        periods wholly after ``as_of`` and for rolling rows), ``replications`` (with a value).
    """
    if replications < 1:
        raise ReforecastError(f"--replications: must be at least 1 (got {replications})")
    p = Prepared(scenario, frames, as_of, assessment_rows)
    h = scenario.horizon
    ref_end = (h.referral_end - p.origin).days
    plan, meta = [], []
    for t in scenario.kpi_targets:
        w = make_windows(t.period, p.origin, p.origin, h.contract_end)
        lo, hi = _rows(w)
        keep = hi - 1 > p.day
        if REGISTRY[t.metric].basis != "cases":
            keep &= lo > p.day
        if t.metric in THROUGHPUT:
            keep &= hi <= ref_end
        rows = np.flatnonzero(keep)
        if rows.size:
            plan.append((t, t.period, w, rows))
            meta.append((t, w, rows, lo, hi))
    if not plan:
        return pd.DataFrame(columns=COLUMNS)
    if jobs == 1:
        results = [_replication(p, seed, r, plan) for r in range(replications)]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=jobs)(delayed(_replication)(p, seed, r, plan) for r in range(replications))
    observed = _observed(p, meta)
    out = []
    for i, (t, w, rows, lo, hi) in enumerate(meta):
        vals = np.stack([res[i] for res in results])         # (replications, rows)
        for j, row in enumerate(rows):
            v = vals[:, j]
            ok = np.isfinite(v)
            met = [t.met(float(x)) for x in v[ok]]
            out.append({"kpi": t.name, "metric": t.metric, "label": REGISTRY[t.metric].label, "period_kind": t.period,
                        "period": w.labels[row], "period_start": p.origin + dt.timedelta(days=int(lo[row])),
                        "period_end": p.origin + dt.timedelta(days=int(hi[row]) - 1), "target": _target_text(t),
                        "straddles": bool(lo[row] <= p.day), "p_met": float(np.mean(met)) if met else float("nan"),
                        "mean_value": float(v[ok].mean()) if ok.any() else float("nan"), "observed_to_date": observed[i][j],
                        "replications": int(ok.sum())})
    return pd.DataFrame(out, columns=COLUMNS)


def _observed(p: Prepared, meta: list) -> list[np.ndarray]:
    """Each straddling period's value over its days up to the as-of day, from the known cases alone."""
    sc = p.scenario
    cal = calendar_for(p.origin, sc.horizon.contract_end)
    n_days = (sc.horizon.contract_end - p.origin).days
    out = []
    for t, w, rows, lo, hi in meta:
        vals = np.full(rows.size, np.nan)
        strad = lo[rows] <= p.day
        if strad.any() and not w.rolling and REGISTRY[t.metric].basis == "cases" and sc.referrals is not None and len(p.table):
            cut = Windows(w.kind, w.lo, np.minimum(w.hi, p.day + 1), w.row, w.labels, w.complete)
            v = evaluate(p.table, cut, cal, kpi_params(sc), n_days, [t.metric]).get(t.metric)
            if v is not None:
                col = sc.district_names.index(t.district) if t.district else len(sc.district_names)
                vals[strad] = v.value[rows[strad], col]
        out.append(vals)
    return out


__all__ = ["COLUMNS", "EXIT_ROUTE_OF", "Prepared", "joined_table", "known_cases", "kpi_probabilities", "months_until", "shifted"]
