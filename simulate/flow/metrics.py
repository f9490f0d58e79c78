"""KPI tables of one replication, by quarter or year and by district (tidy, long format).

Each row is one metric in one period for one district (or ``"all"``). Events are attributed
to the period in which they happen: a wait counts in the quarter the family started, a
review in the quarter it was done, an outcome in the quarter of the exit. Periods are
contract quarters/years counted from the horizon's start date (Q1 = its first three months).
Metrics named in :data:`simulate.scenario.KPI_METRICS` carry the same names here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenario import add_months
from .cases import EXIT_COMPLETED, EXIT_DISENGAGED, EXIT_STEP_DOWN, EXIT_CARE
from .engine import DONE, RENEGED, RETURNED
from .model import Replication

COLUMNS = ["replication", "period", "index", "label", "district", "metric", "value"]
# metrics that count throughput: only periods that overlap the referral window are scored
THROUGHPUT = {"referrals", "families_started", "hours_delivered", "reviews"}


def period_bounds(rep: Replication, period: str) -> np.ndarray:
    """Day numbers of period boundaries from the origin to the contract end (length P + 1)."""
    months = {"quarter": 3, "year": 12}[period]
    h = rep.scenario.horizon
    total = h.total_months
    edges = [rep.calendar.day_of(add_months(h.start_date, m)) for m in range(0, total, months)]
    edges.append(rep.calendar.day_of(h.contract_end))
    return np.asarray(edges, dtype=float)


def _labels(period: str, count: int) -> list[str]:
    if period == "year":
        return [f"Y{k + 1}" for k in range(count)]
    return [f"Y{k // 4 + 1}Q{k % 4 + 1}" for k in range(count)]


class _Grouper:
    """Sums, means and maxima by (period, district) with an ``all`` district, via bincount."""

    def __init__(self, edges: np.ndarray, n_districts: int) -> None:
        self.edges = edges
        self.P = edges.size - 1
        self.D = n_districts

    def index(self, day: np.ndarray, district: np.ndarray) -> np.ndarray:
        p = np.searchsorted(self.edges, day, side="right") - 1
        ok = np.isfinite(day) & (p >= 0) & (p < self.P)
        return np.where(ok, p * (self.D + 1) + district, -1)

    def _fold(self, flat: np.ndarray) -> np.ndarray:
        grid = flat.reshape(self.P, self.D + 1)
        return grid

    def sum(self, key: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        ok = key >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        grid = np.bincount(key[ok], weights=w, minlength=self.P * (self.D + 1)).astype(float).reshape(self.P, self.D + 1)
        grid[:, self.D] = grid[:, : self.D].sum(axis=1)
        return grid

    def mean(self, key: np.ndarray, values: np.ndarray) -> np.ndarray:
        count = self.sum(key)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sum(key, values) / count

    def max(self, key: np.ndarray, values: np.ndarray) -> np.ndarray:
        out = np.full(self.P * (self.D + 1), -np.inf)
        ok = key >= 0
        np.maximum.at(out, key[ok], values[ok])
        grid = out.reshape(self.P, self.D + 1)
        grid[:, self.D] = grid[:, : self.D].max(axis=1)
        grid[~np.isfinite(grid)] = np.nan
        return grid

    def quantile(self, key: np.ndarray, values: np.ndarray, q: float) -> np.ndarray:
        out = np.full((self.P, self.D + 1), np.nan)
        ok = key >= 0
        if ok.any():
            frame = pd.DataFrame({"k": key[ok], "v": values[ok], "p": key[ok] // (self.D + 1)})
            for k, v in frame.groupby("k")["v"].quantile(q).items():
                out[k // (self.D + 1), k % (self.D + 1)] = v
            for p, v in frame.groupby("p")["v"].quantile(q).items():
                out[p, self.D] = v
        return out


def _interval_mass(start: np.ndarray, end: np.ndarray, weight: np.ndarray, group: np.ndarray, n_groups: int, edges: np.ndarray) -> np.ndarray:
    """Sum over intervals of weight × days each interval [start, end) overlaps each period.

    Uses G(t) = sum of w_i × (t − s_i)+ − w_i × (t − e_i)+ per group, from sorted starts and ends
    with cumulative sums: O(n log n) instead of an (n × periods) matrix. Shape (P, n_groups).
    """
    out = np.zeros((edges.size, n_groups))
    for k in range(n_groups):
        m = group == k
        if not m.any():
            continue
        for points, sign in ((start[m], 1.0), (end[m], -1.0)):
            w = weight[m]
            order = np.argsort(points, kind="stable")
            p, w = points[order], w[order]
            finite = np.isfinite(p)
            p, w = p[finite], w[finite]
            cw = np.concatenate([[0.0], np.cumsum(w)])
            cwp = np.concatenate([[0.0], np.cumsum(w * p)])
            idx = np.searchsorted(p, edges, side="left")
            out[:, k] += sign * (edges * cw[idx] - cwp[idx])
    mass = np.diff(out, axis=0)
    mass[mass < 1e-6] = 0.0  # cancellation leaves ±1e-12 where nothing overlaps
    return mass


def _piecewise_integral(v0: float, times: list[float], values: list[float], edges: np.ndarray) -> np.ndarray:
    """Integral over each period of a step function (v0 from -inf, then values at times)."""
    knots = np.concatenate([[-np.inf], np.asarray(times, dtype=float)])
    vals = np.concatenate([[v0], np.asarray(values, dtype=float)])
    nxt = np.concatenate([knots[1:], [np.inf]])
    lo = np.maximum(knots[:, None], edges[None, :-1])
    hi = np.minimum(nxt[:, None], edges[None, 1:])
    return (np.clip(hi - lo, 0, None) * vals[:, None]).sum(axis=0)


def kpi_table(rep: Replication, period: str = "quarter") -> pd.DataFrame:
    """KPIs of one replication by period and district.

    Parameters
    ----------
    rep
        A replication from :func:`simulate.flow.model.run_replication`.
    period
        ``"quarter"`` or ``"year"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``replication``, ``period`` (quarter/year), ``index`` (0-based period number),
        ``label`` (``Y1Q1``…), ``district`` (a name or ``all``), ``metric``, ``value``. Waits are
        in working days; hours in hours; shares are fractions; NaN where no family qualified.
    """
    sc = rep.scenario
    cal = rep.calendar
    c = rep.cases
    edges = period_bounds(rep, period)
    names = c.district_names
    g = _Grouper(edges, len(names))
    d = c.district
    out: dict[str, np.ndarray] = {}
    triage = sc.triage
    iv = sc.intervention

    if sc.referrals is not None:
        acc = c.accepted & ~c.snapshot
        out["referrals"] = g.sum(g.index(np.where(c.snapshot, np.nan, c.referral), d))
        out["accepted"] = g.sum(g.index(np.where(acc, c.referral, np.nan), d))
        out["rejected"] = out["referrals"] - out["accepted"]
        contact_day = np.where(acc, c.contact, np.nan)
        wait_contact = cal.working_days_between(c.referral, contact_day)
        k_contact = g.index(contact_day, d)
        out["mean_wait_to_contact_working_days"] = g.mean(k_contact, wait_contact)
        if triage.contact_target_working_days is not None:
            out["share_contacted_within_target"] = g.mean(k_contact, (wait_contact <= triage.contact_target_working_days).astype(float))
        assess_day = np.where(acc, c.assessment, np.nan)
        wait_assess = cal.working_days_between(c.referral, assess_day)
        k_assess = g.index(assess_day, d)
        out["mean_wait_to_assessment_working_days"] = g.mean(k_assess, wait_assess)
        out["longest_wait_to_assessment_working_days"] = g.max(k_assess, wait_assess)
        if triage.assessment_target_working_days is not None:
            out["share_assessed_within_target"] = g.mean(k_assess, (wait_assess <= triage.assessment_target_working_days).astype(float))
        started = np.isfinite(rep.start)
        k_start = g.index(rep.start, d)
        wait_start = cal.working_days_between(c.referral, rep.start)
        out["families_started"] = g.sum(k_start)
        out["mean_wait_to_start_working_days"] = g.mean(k_start, wait_start)
        out["p90_wait_to_start_working_days"] = g.quantile(k_start, wait_start, 0.9)
        out["longest_wait_to_start_working_days"] = g.max(k_start, wait_start)
        if triage.start_target_working_days is not None:
            out["share_started_within_target"] = g.mean(k_start, (wait_start <= triage.start_target_working_days).astype(float))
        elif triage.start_target_weeks is not None:
            out["share_started_within_target"] = g.mean(k_start, (rep.start - c.referral <= triage.start_target_weeks * 7.0).astype(float))
        out["reneged"] = g.sum(g.index(np.where(rep.status == RENEGED, rep.end, np.nan), d))
        out["returned_unallocated"] = g.sum(g.index(np.where(rep.status == RETURNED, rep.end, np.nan), d))
        done = rep.status == DONE
        k_exit = g.index(np.where(done, rep.end, np.nan), d)
        ex = c.exit_code
        out["exits"] = g.sum(k_exit)
        out["completions"] = g.sum(k_exit, ((ex == EXIT_COMPLETED) | (ex == EXIT_STEP_DOWN)).astype(float))
        out["share_completed"] = out["completions"] / np.where(out["exits"] > 0, out["exits"], np.nan)
        out["disengagements"] = g.sum(k_exit, (ex == EXIT_DISENGAGED).astype(float))
        out["care_entries_during_support"] = g.sum(k_exit, (ex == EXIT_CARE).astype(float))
        out["mean_duration_weeks"] = g.mean(k_exit, (rep.end - rep.start - rep.paused_days) / 7.0)
        # waiting list at each period's end
        ends = edges[1:]
        waiting = np.zeros((g.P, g.D + 1))
        joined = np.where(c.accepted, c.ready, np.inf)
        left = np.where(started, rep.start, np.where(np.isfinite(rep.end), rep.end, np.inf))
        for k in range(g.D):
            m = (d == k) & c.accepted
            # left >= joined for every accepted case, so waiting = joined by then - left by then
            waiting[:, k] = np.searchsorted(np.sort(joined[m]), ends, side="right") - np.searchsorted(np.sort(left[m]), ends, side="right")
        waiting[:, g.D] = waiting[:, : g.D].sum(axis=1)
        out["waiting_list_at_end"] = waiting
        # open-case days, hours, direct share, utilisation
        s0 = np.where(started, rep.start, np.inf)
        s1 = np.where(started, np.where(np.isfinite(rep.end) & (rep.status == DONE), rep.end, rep.t_end), np.inf)
        sel = np.flatnonzero(started)
        h_per_day = iv.support_hours_per_week / 7.0
        case_days = np.zeros((g.P, g.D + 1))
        direct = np.zeros((g.P, g.D + 1))
        case_days[:, : g.D] = _interval_mass(s0[sel], s1[sel], np.ones(sel.size), d[sel], g.D, edges)
        direct[:, : g.D] = _interval_mass(s0[sel], s1[sel], h_per_day * c.direct_share[sel], d[sel], g.D, edges)
        hours = case_days * h_per_day
        for arr in (case_days, hours, direct):
            arr[:, g.D] = arr[:, : g.D].sum(axis=1)
        # contact, assessment and review hours (direct work) on the day they are done
        r_owner = np.repeat(np.arange(len(c)), np.diff(rep.review_offsets))
        for day, owner, h in ((rep.contact_day, None, rep.hours[:, 0]), (rep.assessment_day, None, rep.hours[:, 1]),
                              (rep.review_day, r_owner, np.full(r_owner.size, iv.review_hours))):
            if not np.any(h):
                continue
            dd = d if owner is None else d[owner]
            extra = g.sum(g.index(np.where(h > 0, day, np.nan), dd), h)
            hours += extra
            direct += extra
        out["hours_delivered"] = hours
        with np.errstate(invalid="ignore", divide="ignore"):
            out["direct_work_share"] = direct / hours
        # capacity is per pool: a pooled team's utilisation is reported for "all" only
        plan = rep.staffing
        slot_days = np.full((g.P, g.D + 1), np.nan)
        fte_days = np.full((g.P, g.D + 1), np.nan)
        for p, name in enumerate(plan.pools):
            col = g.D if plan.pools == ["pooled"] else p
            slot_days[:, col] = _piecewise_integral(plan.slots0[p], plan.times[p], plan.slots[p], edges)
            fte_days[:, col] = _piecewise_integral(plan.fte0[p], plan.times[p], plan.fte[p], edges)
        if plan.pools != ["pooled"]:
            slot_days[:, g.D] = np.nansum(slot_days[:, : g.D], axis=1)
            fte_days[:, g.D] = np.nansum(fte_days[:, : g.D], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["utilisation"] = case_days / slot_days
            out["caseload_per_fte"] = case_days / fte_days
        if iv.review_interval_weeks:
            owner = np.repeat(np.arange(len(c)), np.diff(rep.review_offsets))
            out["reviews"] = g.sum(g.index(rep.review_day, d[owner]))
    tl = rep.timelines
    if tl is not None and len(tl) and tl.tools:
        has = np.isfinite(tl.score_change)
        any_f = has.any(axis=1)
        fday = np.where(any_f, np.nanmax(np.where(has, tl.follow_up_day, -np.inf), axis=1), np.nan)
        k_f = g.index(np.where(has[:, 0], tl.follow_up_day[:, 0], np.nan), tl.district)
        better = tl.improved()
        out["share_improved"] = g.mean(k_f, better[:, 0].astype(float))
        all_improved = np.all(np.where(has, better, True), axis=1)
        out["share_improved_all_areas"] = g.mean(g.index(fday, tl.district), all_improved.astype(float))
    if tl is not None and len(tl) and sc.outcomes.care:
        owner = np.repeat(np.arange(len(tl)), np.diff(tl.spell_offsets))
        out["care_entries"] = g.sum(g.index(tl.spell_start, tl.district[owner]))  # during and after support
        share = np.full((g.P, g.D + 1), np.nan)
        for k, e in enumerate(edges[1:]):
            day = e - 1e-9
            tracked = tl.tracking_start_day <= day
            if not tracked.any():
                continue
            out_of_care = ~tl.in_care_at(day)
            key = np.where(tracked, tl.district, -1)
            num = np.bincount(key[tracked], weights=out_of_care[tracked].astype(float), minlength=g.D)
            den = np.bincount(key[tracked], minlength=g.D).astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                share[k, : g.D] = num / den
                share[k, g.D] = num.sum() / den.sum()
        out["share_out_of_care"] = share
    if rep.universal is not None:
        from .universal import universal_kpis

        out.update(universal_kpis(rep.universal, g))

    labels = np.asarray(_labels(period, g.P), dtype=object)
    dnames = np.asarray(names + ["all"], dtype=object)
    cells = g.P * (g.D + 1)
    metrics = list(out)
    index = np.tile(np.repeat(np.arange(g.P), g.D + 1), len(metrics))
    return pd.DataFrame({
        "replication": np.full(cells * len(metrics), rep.replication),
        "period": period,
        "index": index,
        "label": labels[index] if len(metrics) else np.empty(0, dtype=object),
        "district": np.tile(dnames, g.P * len(metrics)),
        "metric": np.repeat(np.asarray(metrics, dtype=object), cells),
        "value": np.concatenate([out[m].reshape(-1) for m in metrics]) if metrics else np.empty(0),
    }, columns=COLUMNS)
