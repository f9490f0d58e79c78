"""Outcome payments, delivery costs and care days avoided of one draw, by contract month.

Stability is settled by the payment engine's vectorised path by default
(:func:`simulate.payments.vectorised.settle_stability_arrays`). This module also keeps its own
simplified settlement of the 004 §9.2 stability rules as a faster cross-check
(``engine="cusp"``): the milestone when a child has no care entry in the first
``milestone_months`` after ``t0``; the daily tariff for home days in the following
``tariff_months``, paused during care, ended by a spell longer than ``max_spell_days_to_resume``
(at its start) or by the ``failing_spell_number``-th spell (at its start); months averaged
(365.25/12 days) on the child's clock, payments binned into real calendar months.

Either way, one-off metrics (Family Star Plus, My Star, education, reading) are paid to children
who did not disengage, with the probabilities compiled in :mod:`simulate.stress.params` (or as
the flow model decided); nothing falls due on or after the contract end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..finance.calendar import interval_days_by_month, month_of
from .cohort import Children
from .params import DAYS_PER_MONTH, CohortParams


@dataclass
class Settled:
    """One draw's monthly inputs to the finance layer and the per-child facts it summarises."""

    due: np.ndarray              # £ outcome payments due by month (before caps)
    stability_due: np.ndarray    # £ of which stability
    costs: np.ndarray            # £ provider delivery costs by month
    days_avoided: np.ndarray     # care days avoided by month (counterfactual − service); may run past the contract
    stability_by_child: np.ndarray
    milestone_ok: np.ndarray
    out_of_care: np.ndarray
    cf_entered: np.ndarray


ENGINES = ("payments", "cusp")


def settle(p: CohortParams, c: Children, engine: str = "payments") -> Settled:
    """Settle one draw's children into monthly payments, costs and care days avoided.

    ``engine="payments"`` settles stability with the audited vectorised payment engine
    (:func:`simulate.payments.vectorised.settle_stability_arrays`, calendar months, whole
    days); ``engine="cusp"`` uses this module's own simplified rules (average months,
    fractional days), kept as a cross-check.
    """
    edges, M = p.edges, p.months
    end = edges[-1]
    n = len(c.t0)
    price = p.price[c.cohort]
    stab = price * p.shares.get("stability", 0.0)
    if engine == "payments":
        due, stability_by_child, milestone_ok = _stability_by_payments_engine(p, c, stab)
        return _rest(p, c, price, due, stability_by_child, milestone_ok)
    ms_day = c.t0 + p.milestone_months * DAYS_PER_MONTH
    milestone_ok = c.entries[:, 0] >= ms_day
    ms_paid = milestone_ok & (ms_day < end)
    ms_amount = np.where(ms_paid, stab * p.milestone_share, 0.0)
    due = np.bincount(np.minimum(month_of(ms_day, edges), M - 1), weights=ms_amount, minlength=M)

    tariff_days = p.tariff_months * DAYS_PER_MONTH
    rate = np.where(milestone_ok, stab * (1.0 - p.milestone_share) / tariff_days, 0.0)
    stop = ms_day + tariff_days
    for k in range(c.entries.shape[1]):
        ent = c.entries[:, k]
        stop = np.where((ent < stop) & (c.spell_len[:, k] > p.resume_days), np.minimum(stop, ent), stop)
    if c.entries.shape[1] >= p.failing_spell:
        stop = np.minimum(stop, c.entries[:, p.failing_spell - 1])
    stop = np.maximum(stop, ms_day)
    paused_s = c.entries
    paused_e = np.minimum(c.exits, stop[:, None])
    live = paused_s < stop[:, None]
    starts = np.concatenate([ms_day, paused_s[live]])
    ends = np.concatenate([stop, paused_e[live]])
    rows = np.nonzero(live)[0]
    weights = np.concatenate([rate, -rate[rows]])
    tariff = interval_days_by_month(starts, ends, weights, edges)
    due += tariff
    capped_stop = np.minimum(stop, end)
    paused = np.where(live, np.clip(np.minimum(paused_e, end) - np.minimum(paused_s, end), 0.0, None), 0.0).sum(axis=1)
    tariff_child = rate * (np.clip(capped_stop - ms_day, 0.0, None) - paused)
    stability_by_child = ms_amount + tariff_child
    return _rest(p, c, price, due, stability_by_child, milestone_ok)


def _stability_by_payments_engine(p: CohortParams, c: Children, stab: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stability payments by contract month through :mod:`simulate.payments.vectorised`."""
    from ..payments.days import to_day
    from ..payments.stability import StabilityRules
    from ..payments.vectorised import settle_stability_arrays

    day0 = to_day(p.start_date)
    contract_end = day0 + int(p.edges[-1])
    has = np.isfinite(c.entries)
    offsets = np.concatenate([[0], np.cumsum(has.sum(axis=1))]).astype(np.int64)
    # a float day x falls on day floor(x), as in simulate.payments.from_flow: a spell entered and
    # left within one day is a zero-day period (an entry to care that costs no home day), the
    # same reading as on the real-data and flow paths (issue 11)
    start = day0 + np.floor(c.entries[has]).astype(np.int64)
    stop = np.maximum(day0 + np.floor(np.minimum(c.exits[has], 1e9)).astype(np.int64), start)
    rules = StabilityRules(milestone_months=p.milestone_months, tariff_months=p.tariff_months,
                           max_spell_days=int(p.resume_days), failing_spell=p.failing_spell, contract_end=contract_end)
    res = settle_stability_arrays(day0 + np.floor(c.t0).astype(np.int64), offsets, start, stop, contract_end - 1, rules,
                                  milestone_price=stab * p.milestone_share, tariff_price=stab * (1.0 - p.milestone_share),
                                  monthly=True, validate=False)
    edges_day = day0 + p.edges.astype(np.int64)
    month = lambda d: np.clip(np.searchsorted(edges_day, d, side="right") - 1, 0, p.months - 1)  # noqa: E731
    due = np.bincount(month(res.milestone_due), weights=res.milestone_amount, minlength=p.months)
    paid = res.month_amount > 0
    due += np.bincount(month(res.month_due[paid]), weights=res.month_amount[paid], minlength=p.months)
    return due, res.milestone_amount + res.tariff_amount, res.milestone_amount > 0


def _rest(p: CohortParams, c: Children, price: np.ndarray, due: np.ndarray, stability_by_child: np.ndarray,
          milestone_ok: np.ndarray) -> Settled:
    """One-off metrics, delivery costs and care days avoided (shared by both stability engines)."""
    edges, M = p.edges, p.months
    end = edges[-1]
    due = due.copy()
    stability_due = due.copy()
    assessed = ~c.disengaged
    one_offs = (
        ("family_star_plus", "family_functioning", 0.5, 6),
        ("my_star", "family_functioning", 0.5, 6),
        ("education", "education", 1.0, 12),
        ("reading", "reading", 1.0, 6),
    )
    for j, (metric, share_key, part, months_after) in enumerate(one_offs):
        day = c.engage + months_after * DAYS_PER_MONTH
        won = c.metric_paid[:, j] if c.metric_paid is not None else c.u_metric[:, j] < p.p_metric.get(metric, 0.0)
        paid = assessed & won & (day < end)
        due += np.bincount(np.minimum(month_of(day, edges), M - 1), weights=np.where(paid, price * p.shares.get(share_key, 0.0) * part, 0.0), minlength=M)

    staff = np.where(np.arange(M) < p.staffed_months, p.fte_by_month * p.cost_per_fte_month, 0.0)
    cases = np.bincount(np.minimum(month_of(c.engage, edges), M - 1), minlength=M) * p.cost_per_case
    costs = staff + cases

    svc = np.isfinite(c.entries) & (c.entries < c.savings_end[:, None])
    cf = np.isfinite(c.cf_entries) & (c.cf_entries < c.savings_end[:, None])
    s_end = c.savings_end[:, None]
    s_all = np.concatenate([c.cf_entries[cf], c.entries[svc]])
    e_all = np.concatenate([np.minimum(c.cf_exits, s_end)[cf], np.minimum(c.exits, s_end)[svc]])
    w_all = np.concatenate([np.ones(int(cf.sum())), -np.ones(int(svc.sum()))])
    # care days avoided are counted on a grid running a savings horizon past the contract end
    # (a child engaged late keeps avoiding care after the contract); same length in every draw
    extra = int(np.ceil(p.savings_months)) + 1
    grid = np.concatenate([edges, edges[-1] + DAYS_PER_MONTH * np.arange(1, extra + 1)])
    days_avoided = interval_days_by_month(s_all, e_all, w_all, grid)
    in_window = c.window_end[:, None]
    return Settled(due, stability_due, costs, days_avoided, stability_by_child, milestone_ok,
                   ~(np.isfinite(c.entries) & (c.entries < in_window)).any(axis=1),
                   (np.isfinite(c.cf_entries) & (c.cf_entries < in_window)).any(axis=1))
