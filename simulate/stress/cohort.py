"""The fast cohort model: referred children and their care spells as arrays, for one draw.

This is Cusp's *simplified* flow model for stress tests (the full discrete-event simulation is
:mod:`simulate.flow`). Its interface is small so it can be swapped for the flow engine:
:func:`draw_children` takes compiled parameters and a :class:`numpy.random.Generator` and
returns per-child arrays.

Simplifications (docs/finance.md): arrivals are Poisson per referral stream and month;
engagement follows referral after the triage delays; capacity is checked once per month
(children engaging in a month whose open-case load exceeds staff capacity are turned away in
that proportion); care entry is a piecewise-constant hazard (during support, after support);
spells follow the sub-cohort's ``spell_days`` distribution; the counterfactual uses the same
random numbers with the counterfactual hazard (common random numbers).

Common random numbers: every random number is drawn for a *candidate* child before any
parameter-dependent selection, so changing the referral volume, acceptance, hazards or the
stability success multiplier changes outcomes smoothly rather than reshuffling the children.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..finance.calendar import interval_days_by_month, month_of
from .params import DAYS_PER_MONTH, CohortParams


@dataclass
class Children:
    """Per-child arrays of one draw (times in days from the contract start).

    ``entries``/``exits`` are ``(n, K)`` service-world care spells and ``cf_entries``/
    ``cf_exits`` the counterfactual ones (``inf`` = none); ``t0`` starts the stability clock
    (engagement for diversion, the return home for reunification), ``window_end`` ends the
    child's tracking window and ``savings_end`` the window over which care days avoided count.
    """

    cohort: np.ndarray
    engage: np.ndarray
    support_end: np.ndarray
    disengaged: np.ndarray
    t0: np.ndarray
    window_end: np.ndarray
    savings_end: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    spell_len: np.ndarray
    cf_entries: np.ndarray
    cf_exits: np.ndarray
    u_metric: np.ndarray
    referred: int
    turned_away: int
    metric_paid: np.ndarray | None = None   # (n, 4) one-off metrics decided by the flow model's scores


def sample(dist: dict, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw from a scenario distribution given as its dumped dictionary (``{"dist": "gamma", ...}``)."""
    kind = dist["dist"]
    if kind == "fixed":
        return np.full(size, float(dist["value"]))
    if kind == "exponential":
        return rng.exponential(dist["mean"], size)
    if kind == "gamma":
        shape = (dist["mean"] / dist["sd"]) ** 2
        return rng.gamma(shape, dist["mean"] / shape, size)
    if kind == "lognormal":
        s2 = np.log1p((dist["sd"] / dist["mean"]) ** 2)
        return rng.lognormal(np.log(dist["mean"]) - s2 / 2, np.sqrt(s2), size)
    if kind == "uniform":
        return rng.uniform(dist["low"], dist["high"], size)
    if kind == "triangular":
        return rng.triangular(dist["low"], dist["mode"], dist["high"], size)
    raise ValueError(f"unknown distribution {kind!r}")


def sample_by_group(dists: tuple, group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per element, from ``dists[group[i]]`` (None = 0); one call per group."""
    out = np.zeros(len(group))
    for g, dist in enumerate(dists):
        mask = group == g
        if dist is not None and mask.any():
            out[mask] = sample(dist, rng, int(mask.sum()))
    return out


def entry_time(t: np.ndarray, switch: np.ndarray, h1: np.ndarray, h2: np.ndarray, e: np.ndarray) -> np.ndarray:
    """First care entry after day ``t`` with hazard ``h1`` (per year) until ``switch``, ``h2`` after.

    ``e`` are standard exponential draws (inverse of the cumulative hazard); ``inf`` when the
    hazard is zero for ever.
    """
    seg = np.clip(switch - t, 0.0, None) / 365.25
    first = h1 * seg
    with np.errstate(divide="ignore", invalid="ignore"):
        in_first = t + 365.25 * e / h1
        in_second = t + 365.25 * (seg + (e - first) / h2)
    out = np.where(e < first, in_first, in_second)
    return np.where(np.isnan(out), np.inf, out)


def fail_stability(p: CohortParams, t0: np.ndarray, entries: np.ndarray, exits: np.ndarray, spell: np.ndarray,
                   u_fail: np.ndarray, u_when: np.ndarray) -> None:
    """Stability success lower by ``1 - p.stability_success``: in place, a child who would reach
    the milestone but has ``u_fail >= p.stability_success`` enters care at a uniform time in the
    milestone window instead (its first spell's length; later spells that would overlap are dropped).
    """
    ms_day = t0 + p.milestone_months * DAYS_PER_MONTH
    fail = (entries[:, 0] >= ms_day) & (u_fail >= p.stability_success)
    forced = t0 + u_when * p.milestone_months * DAYS_PER_MONTH
    entries[fail, 0] = forced[fail]
    exits[fail, 0] = forced[fail] + spell[fail, 0]
    for k in range(1, entries.shape[1]):
        clash = fail & (entries[:, k] < exits[:, k - 1])
        entries[clash, k:] = np.inf
        exits[clash, k:] = np.inf


def counterfactual_spells(t0: np.ndarray, hazard: np.ndarray, e: np.ndarray, spell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Care spells without the service: constant annual ``hazard`` from ``t0``, exponential draws
    ``e`` and spell lengths ``spell`` (both ``(n, K)``); returns ``(entries, exits)``."""
    entries, exits = np.empty_like(e), np.empty_like(e)
    t = t0.copy()
    for k in range(e.shape[1]):
        with np.errstate(divide="ignore"):
            entries[:, k] = np.where(hazard > 0, t + 365.25 * e[:, k] / np.where(hazard > 0, hazard, 1.0), np.inf)
        exits[:, k] = entries[:, k] + spell[:, k]
        t = exits[:, k]
    return entries, exits


def draw_children(p: CohortParams, rng: np.random.Generator, candidate_factor: float = 0.0) -> Children:
    """Draw one replication's referred children and their care spells.

    Parameters
    ----------
    p
        Compiled parameters of the draw.
    rng
        The draw's own generator.
    candidate_factor
        Candidates are drawn at ``max(volume × acceptance, candidate_factor)`` times the plan
        rate and thinned; reverse stress tests set it above any volume they try so the same
        children persist across values (common random numbers).

    Returns
    -------
    Children
        The children who engaged (turned-away children are counted, not returned).
    """
    R, K = p.referral_months, p.failing_spell
    keep_rate = p.volume * p.acceptance
    factor = max(keep_rate, candidate_factor)
    months = np.arange(R)
    lam = (p.stream_per_year[:, None] / 12.0) * p.seasonality[None, :R] * (1.0 + p.trend) ** (months / 12.0)[None, :] * factor
    counts = rng.poisson(lam).ravel()
    n = int(counts.sum())
    stream = np.repeat(np.repeat(np.arange(len(p.stream_per_year)), R), counts)
    month = np.repeat(np.tile(months, len(p.stream_per_year)), counts)
    cohort = p.stream_cohort[stream]
    u = rng.random((n, 6))
    e = rng.standard_exponential((n, K + 1))
    dur = np.minimum(sample(p.duration, rng, n), p.cap_weeks)
    spell = np.stack([sample_by_group(p.spell, cohort, rng) for _ in range(K)], axis=1)
    home = sample_by_group(p.return_home, cohort, rng)
    u_metric = rng.random((n, 4))

    keep = u[:, 0] * factor < keep_rate if factor > 0 else np.zeros(n, bool)
    referred = int(keep.sum())
    width = np.diff(p.edges)[month]
    engage = p.edges[month] + u[:, 1] * width + p.delay_days
    dur = np.where((dur >= p.cap_weeks) & (u[:, 3] < p.extension_probability), dur + p.extension_weeks, dur)
    rate_w = -np.log1p(-min(p.disengagement_per_week, 0.999999))
    t_dis = e[:, K] / rate_w if rate_w > 0 else np.full(n, np.inf)
    disengaged = t_dis < dur
    support_end = engage + 7.0 * np.minimum(dur, t_dis)

    # Capacity: children engaging in an over-loaded month are turned away in proportion.
    load = interval_days_by_month(engage[keep], support_end[keep], np.ones(referred), p.edges) / np.diff(p.edges)
    capacity = p.fte_by_month * p.capacity_per_fte
    with np.errstate(divide="ignore", invalid="ignore"):
        p_turn = np.where(load > capacity, 1.0 - capacity / load, 0.0)
    em = np.minimum(month_of(engage, p.edges), p.months - 1)
    served = keep & (u[:, 2] >= p_turn[em])

    idx = np.nonzero(served)[0]
    cohort, engage, support_end, disengaged = cohort[idx], engage[idx], support_end[idx], disengaged[idx]
    e, spell, u = e[idx, :K], spell[idx], u[idx]
    t0 = engage + np.where(p.reunification[cohort], home[idx], 0.0)
    hd = p.h_during[cohort] * p.hazard_multiplier
    ha = p.h_after[cohort] * p.hazard_multiplier
    hc = p.h_counterfactual[cohort]
    entries, exits = np.empty((len(idx), K)), np.empty((len(idx), K))
    t = t0.copy()
    for k in range(K):
        entries[:, k] = entry_time(t, support_end, hd, ha, e[:, k])
        exits[:, k] = entries[:, k] + spell[:, k]
        t = exits[:, k]
    cf_entries, cf_exits = counterfactual_spells(t0, hc, e, spell)

    if p.stability_success < 1.0:
        fail_stability(p, t0, entries, exits, spell, u[:, 4], u[:, 5])
    return finish(p, cohort, engage, support_end, disengaged, t0, entries, exits, spell, cf_entries, cf_exits,
                  u_metric[idx], referred, referred - len(idx))


def finish(p: CohortParams, cohort, engage, support_end, disengaged, t0, entries, exits, spell, cf_entries, cf_exits,
           u_metric, referred: int, turned_away: int, metric_paid: np.ndarray | None = None) -> Children:
    """Cut spells beyond the tracking and savings windows and build :class:`Children`."""
    window_end = t0 + (p.milestone_months + p.tariff_months) * DAYS_PER_MONTH
    savings_end = t0 + p.savings_months * DAYS_PER_MONTH
    last = np.maximum(window_end, savings_end)[:, None]
    beyond = entries >= last
    entries[beyond], exits[beyond] = np.inf, np.inf
    cbeyond = cf_entries >= last
    cf_entries[cbeyond], cf_exits[cbeyond] = np.inf, np.inf
    return Children(cohort, engage, support_end, disengaged, t0, window_end, savings_end, entries, exits, spell,
                    cf_entries, cf_exits, u_metric, referred, turned_away, metric_paid)
