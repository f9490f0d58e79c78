"""Many replications: parallel batches, means with t intervals, and the probability each target is met.

Replication ``r`` always uses the streams of ``(seed, r)`` (:mod:`.streams`), so results are
identical whatever ``jobs`` is, and two scenarios run with one seed share common random
numbers. Replications are run in batches (one task per batch, not per replication) to keep
process overhead low.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from ..kpis import make_windows
from ..scenario import KpiTarget, Scenario
from .metrics import THROUGHPUT, blocks_frame, kpi_blocks
from .model import InitialState, run_replication
from .records import case_summary, event_log, waiting_series


@dataclass
class RunResult:
    """Results of many replications.

    Attributes
    ----------
    kpis
        Long table of every replication's KPIs (:func:`.metrics.kpi_table` columns), quarters
        and years.
    events, cases, series
        Event logs, case summaries and weekly waiting-list series, when requested
        (``keep_records=True``; series also with ``keep_series=True``).
    """

    scenario: Scenario
    seed: int
    reps: int
    kpis: pd.DataFrame
    events: pd.DataFrame | None = None
    cases: pd.DataFrame | None = None
    series: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean and t interval across replications per (period, label, district, metric)."""
        return summarise(self.kpis, level)

    def target_probabilities(self) -> pd.DataFrame:
        """Probability across replications that each scenario target is met, per period."""
        return target_probabilities(self.scenario, self.kpis)


def report_periods(scenario: Scenario, extra: tuple[str, ...] = ()) -> list[str]:
    """Window kinds a run reports: quarters and contract years, every kind a target names, and ``extra``."""
    out = ["quarter", "year"]
    for p in [*(t.period for t in scenario.kpi_targets), *extra]:
        if p not in out:
            out.append(p)
    return out


def _batch(scenario: Scenario, seed: int, reps: list[int], options: dict, keep_records: bool, keep_series: bool = False,
           periods: tuple[str, ...] = (), metrics: frozenset[str] | None = None) -> tuple:
    blocks, events, cases, series = [], [], [], []
    kinds = report_periods(scenario, periods)
    for r in reps:
        rep = run_replication(scenario, seed, r, **options)
        # every window kind from one daily aggregation; arrays only until the batch's one DataFrame
        blocks.extend(kpi_blocks(rep, kinds, None if metrics is None else set(metrics)))
        if keep_records:
            events.append(event_log(rep))
            cases.append(case_summary(rep))
        if keep_records or keep_series:
            series.append(waiting_series(rep))
    return (
        blocks_frame(blocks),
        pd.concat(events, ignore_index=True) if events else None,
        pd.concat(cases, ignore_index=True) if cases else None,
        pd.concat(series, ignore_index=True) if series else None,
    )


def run_replications(
    scenario: Scenario,
    reps: int,
    seed: int,
    *,
    jobs: int = 1,
    first: int = 0,
    fte_scale: float = 1.0,
    fte_override: dict[str, float] | float | None = None,
    initial: InitialState | None = None,
    keep_records: bool = False,
    keep_series: bool = False,
    batch_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    backend: Literal["heapq", "simpy"] = "simpy",
    periods: tuple[str, ...] = (),
    metrics: Iterable[str] | None = None,
) -> RunResult:
    """Run replications ``first .. first + reps - 1`` of a scenario.

    Parameters
    ----------
    jobs
        Worker processes (joblib, loky backend); 1 runs in this process.
    keep_records
        Also return event logs and per-case summaries (memory grows with reps).
    on_progress
        Called with the number of replications finished after each batch.
    backend
        Event loop of the caseload queue, ``"heapq"`` or ``"simpy"`` (same results; see
        :func:`.model.run_replication`).
    periods
        Window kinds to report besides quarters, contract years and those the targets name
        (``month``, ``financial_year``, ``rolling_12_months``, ``contract``; docs/kpis.md).
    metrics
        Compute only these KPIs (``None``: every KPI). ``cusp capacity plan`` passes its
        targets' metrics: a run that is only scored on targets skips the rest of the tables.
    """
    numbers = list(range(first, first + reps))
    size = batch_size or max(1, min(25, reps // max(1, 4 * jobs)))
    batches = [numbers[i : i + size] for i in range(0, len(numbers), size)]
    only = None if metrics is None else frozenset(metrics)
    options = {"fte_scale": fte_scale, "fte_override": fte_override, "initial": initial, "timelines": True, "backend": backend}
    results = []
    done = 0
    if jobs == 1:
        iterator = (_batch(scenario, seed, b, options, keep_records, keep_series, tuple(periods), only) for b in batches)
    else:
        iterator = Parallel(n_jobs=jobs, return_as="generator")(delayed(_batch)(scenario, seed, b, options, keep_records, keep_series, tuple(periods)) for b in batches)
    for b, res in zip(batches, iterator):
        results.append(res)
        done += len(b)
        if on_progress is not None:
            on_progress(done)
    kpis = pd.concat([r[0] for r in results], ignore_index=True)
    events = pd.concat([r[1] for r in results], ignore_index=True) if keep_records else None
    cases = pd.concat([r[2] for r in results], ignore_index=True) if keep_records else None
    series = pd.concat([r[3] for r in results], ignore_index=True) if (keep_records or keep_series) else None
    return RunResult(scenario, seed, reps, kpis, events, cases, series)


def summarise(kpis: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean, SD and t interval across replications.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``index``, ``label``, ``district``, ``metric``, ``n`` (replications with a
        value), ``mean``, ``sd``, ``ci_low``, ``ci_high``.
    """
    keys = ["period", "index", "label", "district", "metric"]
    finite = kpis[np.isfinite(kpis["value"].to_numpy(float))]
    agg = finite.groupby(keys, sort=False)["value"].agg(["count", "mean", "std"]).reset_index()
    n = agg["count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * agg["std"].to_numpy(float) / np.sqrt(n)
    half = np.where(n > 1, half, 0.0)
    agg = agg.rename(columns={"count": "n", "std": "sd"})
    agg["ci_low"] = agg["mean"] - half
    agg["ci_high"] = agg["mean"] + half
    return agg[[*keys, "n", "mean", "sd", "ci_low", "ci_high"]]


def _target_period(target: KpiTarget) -> str:
    return target.period


def target_values(scenario: Scenario, kpis: pd.DataFrame, target: KpiTarget) -> pd.DataFrame:
    """Each replication's value of a target's metric in each eligible report row (wide: reps × rows).

    Eligible rows are those with a value; throughput counts and sums (referrals, starts,
    families worked with, hours, reviews) are scored only on windows wholly inside the
    referral period (a partial final year of referrals is not a fair test of a yearly count).
    """
    period = _target_period(target)
    sel = kpis[(kpis["period"] == period) & (kpis["metric"] == target.metric) & (kpis["district"] == (target.district or "all"))]
    wide = sel.pivot_table(index="replication", columns="index", values="value", aggfunc="first", dropna=False)
    if target.metric in THROUGHPUT:
        h = scenario.horizon
        w = make_windows(period, h.start_date, h.start_date, h.contract_end)
        ref_end = (h.referral_end - h.start_date).days
        _, row_hi = w.row_bounds()
        wide = wide[[c for c in wide.columns if c < row_hi.size and row_hi[c] <= ref_end]]
    return wide


def target_probabilities(scenario: Scenario, kpis: pd.DataFrame) -> pd.DataFrame:
    """Probability across replications that each target is met in each period, and in every period.

    Returns
    -------
    pandas.DataFrame
        ``target``, ``metric``, ``comparison``, ``threshold``, ``district``, ``period``,
        ``label`` (``Y1Q1``/``Y1``/``2025-04``/``FY2025/26``, or ``every`` for all eligible rows
        together), ``contract_year`` (``Y1``… of the row's last day; ``every`` for the ``every``
        row), ``mean_value``, ``probability`` (share of replications meeting it), ``n``.
    """
    h = scenario.horizon
    years = make_windows("year", h.start_date, h.start_date, h.contract_end)

    def year_of(period: str, col: int) -> str:
        _, row_hi = make_windows(period, h.start_date, h.start_date, h.contract_end).row_bounds()
        k = int(np.searchsorted(years.hi, row_hi[col] - 1, side="right"))
        return years.labels[min(k, years.n_rows - 1)]

    rows = []
    for target in scenario.kpi_targets:
        wide = target_values(scenario, kpis, target)
        if wide.empty:
            continue
        period = _target_period(target)
        met = pd.DataFrame({c: [target.met(v) if np.isfinite(v) else np.nan for v in wide[c]] for c in wide.columns}, index=wide.index)
        labels = kpis.loc[kpis["period"] == period, ["index", "label"]].drop_duplicates().set_index("index")["label"]
        for col in wide.columns:
            vals = met[col].dropna()
            if vals.empty:
                continue
            rows.append((target.name, target.metric, target.comparison, target.threshold, target.district or "all", period, labels[col], year_of(period, col), float(np.nanmean(wide[col])), float(vals.astype(float).mean()), int(vals.size)))
        every = met.apply(lambda row: bool(row.dropna().astype(bool).all()) if row.notna().any() else np.nan, axis=1).dropna()
        rows.append((target.name, target.metric, target.comparison, target.threshold, target.district or "all", period, "every", "every", float(np.nanmean(wide.to_numpy(float))), float(every.astype(float).mean()) if len(every) else np.nan, int(len(every))))
    return pd.DataFrame(rows, columns=["target", "metric", "comparison", "threshold", "district", "period", "label", "contract_year", "mean_value", "probability", "n"])
