"""Monthly series from a per-case table, simulated beside observed (``cusp capacity check-history``).

One definition serves both sides: :func:`monthly_series` turns any tidy per-case table (dates
of referral, start and end of support) into monthly referrals, starts, mean wait to start
(working days) and open cases at the month's end. The simulated side runs it on every
replication's case summary; the command line runs it on the service's own referrals extract.
The interval a month's observed value is compared with is a 95% *prediction* interval over
replications (2.5th to 97.5th percentile of the replications' values): one real month is one
draw, so it is set against the spread of single replications, not the interval of their mean.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..calendar import WorkingCalendar
from ..scenario import Scenario
from .runner import run_replications

#: metrics of :func:`monthly_series`, in display order
HISTORY_METRICS = ["referrals", "starts", "mean_wait_to_start_working_days", "open_cases_at_month_end"]


def monthly_series(cases: pd.DataFrame, first_month: dt.date, months: int) -> pd.DataFrame:
    """Monthly referrals, starts, mean wait to start and open cases from a per-case table.

    Parameters
    ----------
    cases
        One row per referral: ``referral_date``, ``start_date``, ``end_date`` (datetime64;
        NaT = did not happen / still open), optionally ``replication`` (one series each).
    first_month
        First day of the first month reported.
    months
        Number of calendar months reported.

    Returns
    -------
    pandas.DataFrame
        ``replication`` (0 without the column), ``month`` (first day, datetime64),
        ``metric`` (:data:`HISTORY_METRICS`), ``value``. Referrals and starts count events in
        the month; the wait is the mean, over families starting in the month, of working days
        from referral (exclusive) to start (inclusive), weekends and English bank holidays
        excluded (NaN in a month with no start); open cases are families started on or before
        the month's last day whose support had not ended by then.
    """
    frame = cases if "replication" in cases.columns else cases.assign(replication=0)
    first = pd.Timestamp(first_month).to_period("M")
    periods = pd.period_range(first, periods=months, freq="M")
    month_start = periods.to_timestamp()
    month_end = (periods + 1).to_timestamp() - pd.Timedelta(days=1)
    ref = pd.to_datetime(frame["referral_date"])
    start = pd.to_datetime(frame["start_date"])
    end = pd.to_datetime(frame["end_date"])
    origin = min(ref.min(), month_start[0]) if len(frame) else month_start[0]
    cal = WorkingCalendar(origin.date(), month_end[-1].date())
    day = lambda s: (s - origin).dt.days.to_numpy(float)  # noqa: E731 - NaT -> NaN
    wait = cal.working_days_between(day(ref), day(start))
    reps = np.sort(frame["replication"].unique()) if len(frame) else np.array([0])
    rep = frame["replication"].to_numpy()
    ref_m = _month_index(ref, first)
    start_m = _month_index(start, first)
    out = []
    for r in reps:
        m = rep == r
        referrals = np.bincount(ref_m[m][(ref_m[m] >= 0) & (ref_m[m] < months)], minlength=months)
        sm = start_m[m]
        ok = (sm >= 0) & (sm < months)
        starts = np.bincount(sm[ok], minlength=months)
        wsum = np.bincount(sm[ok], weights=np.nan_to_num(wait[m][ok]), minlength=months)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_wait = np.where(starts > 0, wsum / np.maximum(starts, 1), np.nan)
        s = np.sort(start[m].dropna().to_numpy("datetime64[D]"))
        e = end[m][start[m].notna()].dropna().to_numpy("datetime64[D]")
        e = np.sort(e)
        edges = month_end.to_numpy("datetime64[D]")
        # started on or before the month end, minus those whose support ended on or before it
        open_cases = np.searchsorted(s, edges, side="right") - np.searchsorted(e, edges, side="right")
        for metric, values in zip(HISTORY_METRICS, (referrals, starts, mean_wait, open_cases)):
            out.append(pd.DataFrame({"replication": r, "month": month_start, "metric": metric, "value": np.asarray(values, float)}))
    return pd.concat(out, ignore_index=True)


def _month_index(dates: pd.Series, first: pd.Period) -> np.ndarray:
    """Whole months since ``first`` per date; -1 for missing dates."""
    valid = dates.notna().to_numpy()
    idx = np.full(len(dates), -1, dtype=np.int64)
    if valid.any():
        d = dates[valid]
        idx[valid] = (d.dt.year.to_numpy() - first.year) * 12 + d.dt.month.to_numpy() - first.month
        idx[valid & (idx < 0)] = -1
    return idx


def cases_as_dates(cases: pd.DataFrame, origin: dt.date) -> pd.DataFrame:
    """A simulated case summary (:func:`.records.case_summary`, day numbers) as the dated per-case table.

    Returns
    -------
    pandas.DataFrame
        ``replication``, ``referral_date``, ``start_date``, ``end_date`` (day numbers floored
        to dates from ``origin``; NaN days → NaT).
    """
    base = pd.Timestamp(origin)
    conv = lambda col: base + pd.to_timedelta(np.floor(cases[col].to_numpy(float)), unit="D")  # noqa: E731
    return pd.DataFrame({"replication": cases["replication"].to_numpy(), "referral_date": conv("referral_day"),
                         "start_date": conv("start_day"), "end_date": conv("end_day")})


def simulated_history(scenario: Scenario, reps: int, seed: int, *, jobs: int = 1, months: int | None = None, level: float = 0.95) -> pd.DataFrame:
    """Simulated monthly series with a prediction interval over replications.

    Parameters
    ----------
    months
        Months from the horizon's start (default: the whole contract).

    Returns
    -------
    pandas.DataFrame
        ``month``, ``metric``, ``sim_mean``, ``sim_low``, ``sim_high`` (the ``(1 − level)/2``
        and ``(1 + level)/2`` quantiles over replications with a value), ``sim_n``.
    """
    h = scenario.horizon
    if months is None:
        months = (h.contract_end.year - h.start_date.year) * 12 + h.contract_end.month - h.start_date.month
    res = run_replications(scenario, reps, seed, jobs=jobs, keep_records=True)
    series = monthly_series(cases_as_dates(res.cases, h.start_date), h.start_date.replace(day=1), months)
    return interval_over_replications(series, level)


def interval_over_replications(series: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean and percentile interval over replications per (month, metric) of :func:`monthly_series` output."""
    alpha = (1 - level) / 2
    g = series.dropna(subset=["value"]).groupby(["month", "metric"], sort=False)["value"]
    out = pd.DataFrame({"sim_mean": g.mean(), "sim_low": g.quantile(alpha), "sim_high": g.quantile(1 - alpha), "sim_n": g.size()}).reset_index()
    return out


def compare_history(observed: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """Observed monthly values beside the simulated intervals, flagged when outside.

    Parameters
    ----------
    observed
        :func:`monthly_series` of the observed cases (one replication).
    simulated
        :func:`simulated_history` output.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``metric``, ``observed``, ``sim_mean``, ``sim_low``, ``sim_high``,
        ``sim_n``, ``flag`` (``inside``, ``above``, ``below`` or ``no value`` when either side
        has none), one row per observed month and metric.
    """
    obs = observed.rename(columns={"value": "observed"})[["month", "metric", "observed"]]
    both = obs.merge(simulated, on=["month", "metric"], how="left")
    o, lo, hi = both["observed"].to_numpy(float), both["sim_low"].to_numpy(float), both["sim_high"].to_numpy(float)
    flag = np.where(np.isnan(o) | np.isnan(lo), "no value", np.where(o < lo, "below", np.where(o > hi, "above", "inside")))
    order = {m: i for i, m in enumerate(HISTORY_METRICS)}
    both = both.assign(flag=flag, _m=both["metric"].map(order)).sort_values(["_m", "month"], kind="stable").drop(columns="_m")
    return both.reset_index(drop=True)
