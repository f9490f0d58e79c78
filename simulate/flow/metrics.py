"""KPI tables of one replication for any reporting window, by district (tidy, long format).

The KPIs are the registry's (:mod:`simulate.kpis`): :func:`case_table` turns a replication into
the per-case table every KPI reads — the adapter the staff-limited stages plug into (contact,
assessment, start, end and review days, hours by activity) — and :func:`kpi_table` evaluates
the registry on it for one kind of window, adding the quantities only the simulation knows
(waiting list, utilisation, caseload per FTE, care). Each row is one metric in one report row
(a month, quarter, year…) for one district (or ``all``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..kpis import CaseTable, KpiParams, KpiValue, compute_many, fold, make_windows
from ..kpis.aggregate import Daily, interval_daily_mass
from ..kpis.definitions import REGISTRY
from ..kpis.windows import Windows
from .engine import DONE, RENEGED, RETURNED
from .model import Replication
from .streams import ACTIVITIES
from .universal import universal_kpis

COLUMNS = ["replication", "period", "index", "label", "district", "metric", "value", "numerator", "denominator"]
# counts and sums of activity: a target on them is scored only on windows wholly inside the referral period
THROUGHPUT = {"referrals", "accepted", "families_started", "families_worked_with", "hours_delivered", "reviews"}


def windows_for(rep: Replication, period: str) -> Windows:
    """The replication's windows of one kind (:func:`simulate.kpis.make_windows`; ``year`` = contract year)."""
    h = rep.scenario.horizon
    return make_windows(period, rep.calendar.origin, h.start_date, h.contract_end)


def kpi_params(scenario) -> KpiParams:
    """The targets the registry's definitions need, from the scenario's triage and intervention."""
    tr, iv = scenario.triage, scenario.intervention
    return KpiParams(
        contact_target_working_days=tr.contact_target_working_days,
        assessment_target_working_days=tr.assessment_target_working_days,
        start_target_working_days=tr.start_target_working_days,
        start_target_days=tr.start_target_weeks * 7.0 if tr.start_target_weeks is not None else None,
        review_interval_days=iv.review_interval_weeks * 7.0 if iv.review_interval_weeks else None,
    )


def case_table(rep: Replication) -> CaseTable:
    """The per-case table of a replication, built once and kept on it (:func:`build_case_table`)."""
    cached = rep.__dict__.get("_case_table")
    if cached is None:
        cached = rep.__dict__["_case_table"] = build_case_table(rep)
    return cached


def build_case_table(rep: Replication) -> CaseTable:
    """The per-case table of a replication (:mod:`simulate.kpis.cases`).

    Reads the engine's per-case arrays (:class:`simulate.flow.model.Replication`: contact and
    assessment days from the staff-limited intake stages, start and end, review days, hours by
    activity). Items no stage records
    (exit strategy, wellbeing plan, feedback) are drawn per case from the scenario's
    probabilities (``outcomes.*_probability``), NaN when the scenario gives none.
    """
    sc, c = rep.scenario, rep.cases
    n = len(c)
    done = rep.status == DONE
    left = np.where((rep.status == RENEGED) | (rep.status == RETURNED), rep.end, np.nan)
    end = np.where(done, rep.end, np.nan)
    acc = c.accepted
    t = CaseTable.build(
        c.district_names, c.district, c.referral, accepted=acc,
        contact_day=np.where(acc, rep.contact_day, np.nan),
        assessment_day=np.where(acc, rep.assessment_day, np.nan),
        start_day=rep.start, end_day=end, left_day=left, exit_route=np.where(done, c.exit_code, -1).astype(np.int64),
        paused_days=np.nan_to_num(rep.paused_days), hours_per_week=np.full(n, sc.intervention.support_hours_per_week),
        direct_share=c.direct_share,
    )
    # the engine's review days (staff-limited stages) and activity hours (model.HOUR_ACTIVITIES:
    # contact, assessment, support direct, support indirect, review); support hours accrue at
    # the weekly rate while open, the other activities are events on the day they are done
    t.review_case = np.repeat(np.arange(n, dtype=np.int64), np.diff(rep.review_offsets))
    t.review_day = np.asarray(rep.review_day, dtype=float)
    contact_h, assess_h = rep.hours[:, 0], rep.hours[:, 1]
    review_h = np.full(t.review_case.size, sc.intervention.review_hours)
    ev_case = np.concatenate([np.flatnonzero(contact_h > 0), np.flatnonzero(assess_h > 0), t.review_case[review_h > 0]])
    ev_day = np.concatenate([rep.contact_day[contact_h > 0], rep.assessment_day[assess_h > 0], t.review_day[review_h > 0]])
    ev_hours = np.concatenate([contact_h[contact_h > 0], assess_h[assess_h > 0], review_h[review_h > 0]])
    keep = np.isfinite(ev_day)
    t.hours_case, t.hours_day, t.hours = ev_case[keep].astype(np.int64), ev_day[keep], ev_hours[keep]
    t.hours_direct = np.ones(t.hours.size, dtype=bool)  # contact, assessment and reviews are direct work
    out = sc.outcomes
    probs = (out.exit_strategy_probability, out.wellbeing_plan_probability, out.positive_feedback_probability)
    if any(p is not None for p in probs):
        rng = np.random.default_rng(np.random.SeedSequence(rep.seed, spawn_key=(rep.replication, ACTIVITIES.index("records"))))
        u = rng.random((n, 3))
        for k, (name, p) in enumerate(zip(("exit_strategy", "wellbeing_plan", "feedback_positive"), probs)):
            if p is not None:
                setattr(t, name, np.where(done, (u[:, k] < p).astype(float), np.nan))
    tl = rep.timelines
    if tl is not None and tl.areas is not None:
        t.assessments = tl.areas
    return t


def _daily_capacity(rep: Replication, n_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Daily (days x districts) case-days open, slots and FTE of a replication, built once and kept on it."""
    cached = rep.__dict__.get("_daily_capacity")
    if cached is not None and cached[0] == n_days:
        return cached[1]
    c, D = rep.cases, len(rep.cases.district_names)
    d = c.district
    started = np.isfinite(rep.start)
    s0 = np.where(started, rep.start, np.nan)
    s1 = np.where(started, np.where(np.isfinite(rep.end) & (rep.status == DONE), rep.end, rep.t_end), np.nan)
    sel = np.flatnonzero(started)
    case_daily = interval_daily_mass(s0[sel], s1[sel], np.ones(sel.size), d[sel], D, n_days)
    plan = rep.staffing
    days = np.arange(n_days, dtype=float)
    pooled = plan.pools == ["pooled"]
    slots_daily = np.zeros((n_days, D))
    fte_daily = np.zeros((n_days, D))
    for p in range(len(plan.pools)):
        times = np.asarray(plan.times[p], dtype=float)
        idx = np.searchsorted(times, days + 0.5, side="right")
        col = 0 if pooled else p
        slots_daily[:, col] += np.asarray([plan.slots0[p], *plan.slots[p]], dtype=float)[idx]
        fte_daily[:, col] += np.asarray([plan.fte0[p], *plan.fte[p]], dtype=float)[idx]
    out = (case_daily, slots_daily, fte_daily, pooled)
    rep.__dict__["_daily_capacity"] = (n_days, out)
    return out


def _start_waits(rep: Replication) -> np.ndarray:
    """Working days from referral to start of every case (NaN where none), computed once per replication."""
    cached = rep.__dict__.get("_start_waits")
    if cached is None:
        cached = rep.__dict__["_start_waits"] = rep.calendar.working_days_between(rep.cases.referral, rep.start)
    return cached


def _simulation_metrics(rep: Replication, w: Windows, n_days: int) -> dict[str, KpiValue]:
    """Waiting list, utilisation, caseload per FTE, p90 wait, care: per report row (rolling: its last window)."""
    c, D = rep.cases, len(rep.cases.district_names)
    last = w.last_of_row()
    lo, hi = w.lo[last], w.hi[last]
    agg = Daily(lo, hi, D, n_days)
    out: dict[str, KpiValue] = {}
    d = c.district
    started = np.isfinite(rep.start)
    if rep.scenario.referrals is not None:
        # waiting on the row's last day: joined by then and not yet started or gone
        joined = np.where(c.accepted, c.ready, np.inf)
        gone = np.where(started, rep.start, np.where(np.isfinite(rep.end), rep.end, np.inf))
        waiting = np.zeros((last.size, D + 1))
        for k in range(D):
            m = (d == k) & c.accepted
            waiting[:, k] = np.searchsorted(np.sort(joined[m]), hi, side="left") - np.searchsorted(np.sort(gone[m]), hi, side="left")
        waiting[:, D] = waiting[:, :D].sum(axis=1)
        out["waiting_list_at_end"] = KpiValue(waiting)
        case_daily, slots_daily, fte_daily, pooled = _daily_capacity(rep, n_days)
        case_days = agg.window_sum(case_daily)
        slot_days = np.full((last.size, D + 1), np.nan)
        fte_days = np.full((last.size, D + 1), np.nan)
        sd, fd = agg.window_sum(slots_daily), agg.window_sum(fte_daily)
        if pooled:
            slot_days[:, D], fte_days[:, D] = sd[:, D], fd[:, D]
        else:
            slot_days, fte_days = sd, fd
        with np.errstate(invalid="ignore", divide="ignore"):
            out["utilisation"] = KpiValue(case_days / slot_days, case_days, slot_days)
            out["caseload_per_fte"] = KpiValue(case_days / fte_days, case_days, fte_days)
        if w.kind in ("quarter", "year"):
            wait = _start_waits(rep)
            k_day = agg.day_index(rep.start)
            p90 = np.full((last.size, D + 1), np.nan)
            ok = k_day >= 0
            row = np.searchsorted(hi, k_day[ok], side="right")
            inside = row < last.size
            _quantile_into(p90, row[inside], d[ok][inside], wait[ok][inside], 0.9, D)
            out["p90_wait_to_start_working_days"] = KpiValue(p90)
    tl = rep.timelines
    if tl is not None and len(tl) and rep.scenario.outcomes.care:
        owner = np.repeat(np.arange(len(tl)), np.diff(tl.spell_offsets))
        out["care_entries"] = KpiValue(Daily(w.lo, w.hi, D, n_days).sum(tl.spell_start, tl.district[owner]))
        share = np.full((last.size, D + 1), np.nan)
        num = np.full((last.size, D + 1), np.nan)
        den = np.full((last.size, D + 1), np.nan)
        for k, e in enumerate(hi):
            day = e - 1e-9
            tracked = tl.tracking_start_day <= day
            if not tracked.any():
                continue
            out_of_care = ~tl.in_care_at(day)
            nk = np.bincount(tl.district[tracked], weights=out_of_care[tracked].astype(float), minlength=D)
            dk = np.bincount(tl.district[tracked], minlength=D).astype(float)
            num[k, :D], den[k, :D] = nk, dk
            num[k, D], den[k, D] = nk.sum(), dk.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            share = num / den
        out["share_out_of_care"] = KpiValue(share, num, den)
    return out


def _quantile_into(out: np.ndarray, row: np.ndarray, district: np.ndarray, values: np.ndarray, q: float, D: int) -> None:
    """Quantile ``q`` (linear interpolation, as numpy's default) by (row, district) and by row (column ``D``)."""
    for key_d, col in ((district, None), (np.full(district.size, D), D)):
        key = row * (D + 1) + key_d
        # one sort on key then value (a float key: waits are whole working days below 10**5,
        # keys below 2**53 / 10**5), the order lexsort((values, key)) gives up to equal values
        fine = key * 1e5 + values if values.size and np.all((values >= 0) & (values < 1e5) & (values == np.floor(values))) else None
        order = np.argsort(fine, kind="stable") if fine is not None else np.lexsort((values, key))
        k, v = key[order], values[order]
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if k.size else np.empty(0, np.int64)
        counts = np.diff(np.r_[starts, k.size])
        pos = q * (counts - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, counts - 1)
        frac = pos - lo
        val = v[starts + lo] + frac * (v[starts + hi] - v[starts + lo])
        out.reshape(-1)[k[starts]] = val


def kpi_table(rep: Replication, period: str = "quarter") -> pd.DataFrame:
    """KPIs of one replication by report row of ``period`` and by district.

    Parameters
    ----------
    rep
        A replication from :func:`simulate.flow.model.run_replication`.
    period
        A window kind of :data:`simulate.kpis.KINDS`: ``month``, ``quarter``, ``year``
        (contract year), ``financial_year``, ``contract`` or ``rolling_12_months`` (rows by
        month, each the worst of the 12-month windows ending on that month's days).

    Returns
    -------
    pandas.DataFrame
        Columns ``replication``, ``period``, ``index`` (0-based row), ``label`` (``Y1Q1``,
        ``2025-04``, ``FY2025/26``…), ``district`` (a name or ``all``), ``metric`` (a registry
        name), ``value``, and ``numerator``/``denominator`` for shares and means (NaN
        otherwise). Waits are in working days, hours in hours, shares are fractions; NaN
        where no case qualified.
    """
    return blocks_frame(kpi_blocks(rep, [period]))


@dataclass
class KpiBlock:
    """One replication's KPIs for one window kind, as arrays: ``value`` etc. of shape (metrics, rows, districts + 1)."""

    replication: int
    period: str
    labels: list[str]
    districts: list[str]
    metrics: list[str]
    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray


def kpi_blocks(rep: Replication, periods: list[str], metrics: set[str] | None = None) -> list[KpiBlock]:
    """KPIs of one replication for several window kinds at once (one block per kind, in order).

    The registry's case-based KPIs of every kind are evaluated in one pass
    (:func:`simulate.kpis.compute_many`: one daily aggregation, every window a difference of
    cumulative sums). ``metrics`` limits the output to those names (``cusp capacity plan``
    needs only its targets' metrics); ``None`` keeps every metric.
    """
    sc = rep.scenario
    kinds = [windows_for(rep, p) for p in periods]
    n_days = int(np.ceil(rep.t_end))
    names = list(rep.cases.district_names)
    D = len(names)
    keep = (lambda m: True) if metrics is None else (lambda m: m in metrics)  # noqa: E731
    per_kind: list[dict[str, KpiValue]] = [{} for _ in kinds]
    if sc.referrals is not None:
        wanted = None if metrics is None else sorted(metrics)
        for k, values in enumerate(compute_many(case_table(rep), kinds, rep.calendar, kpi_params(sc), n_days, wanted)):
            per_kind[k].update(values)
    blocks = []
    for period, w, per_window in zip(periods, kinds, per_kind):
        u = rep.universal
        if u is not None:
            per_window.update(universal_kpis(u, w, D, n_days))
        out = fold({k: v for k, v in per_window.items() if keep(k)}, w)
        if metrics is None or not metrics.isdisjoint(_SIMULATION_ONLY):
            for name, v in _simulation_metrics(rep, w, n_days).items():
                if not keep(name):
                    continue
                if name == "care_entries":
                    v = fold({name: v}, w)[name]
                out[name] = v
        ms = list(out)
        shape = (len(ms), w.n_rows, D + 1)
        nan = np.full((w.n_rows, D + 1), np.nan)
        stack = lambda xs: np.stack(xs).reshape(shape) if ms else np.empty(shape)  # noqa: E731
        blocks.append(KpiBlock(
            rep.replication, period, list(w.labels), names + ["all"], ms,
            stack([out[m].value for m in ms]),
            stack([nan if out[m].numerator is None else out[m].numerator for m in ms]),
            stack([nan if out[m].denominator is None else out[m].denominator for m in ms]),
        ))
    return blocks


# metrics only the simulation computes (:func:`_simulation_metrics`)
_SIMULATION_ONLY = {"waiting_list_at_end", "utilisation", "caseload_per_fte", "p90_wait_to_start_working_days", "care_entries", "share_out_of_care"}


def blocks_frame(blocks: list[KpiBlock]) -> pd.DataFrame:
    """The tidy KPI table (:func:`kpi_table` columns) of many blocks, rows in block order; one DataFrame built at the end."""
    cols: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
    for b in blocks:
        M, rows, dd = b.value.shape
        cells = rows * dd
        index = np.tile(np.repeat(np.arange(rows), dd), M)
        cols["replication"].append(np.full(cells * M, b.replication))
        cols["period"].append(np.full(cells * M, b.period, dtype=object))
        cols["index"].append(index)
        cols["label"].append(np.asarray(b.labels, dtype=object)[index] if M else np.empty(0, dtype=object))
        cols["district"].append(np.tile(np.asarray(b.districts, dtype=object), rows * M))
        cols["metric"].append(np.repeat(np.asarray(b.metrics, dtype=object), cells))
        cols["value"].append(b.value.reshape(-1))
        cols["numerator"].append(b.numerator.reshape(-1))
        cols["denominator"].append(b.denominator.reshape(-1))
    if not blocks:
        return pd.DataFrame(columns=COLUMNS)
    return pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()}, columns=COLUMNS)


def registry_metrics() -> list[str]:
    """Names of every KPI in the registry (the metrics a KPI table may hold)."""
    return list(REGISTRY)
