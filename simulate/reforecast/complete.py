"""One draw of the future: every paid child's remaining timeline and the children still to come.

Everything on or before the as-of day is kept as observed; only what follows is drawn:

- a child at home continues at home and enters care at the scenario's hazard (during support,
  then after it) times the draw's multiplier ``θ`` of its sub-cohort; the hazard is memoryless,
  so being at home ``x`` days already changes nothing but the support phase it is in;
- a child whose period away is open on the as-of day, ``a`` days long so far, returns home after
  a length drawn from the spell distribution given it exceeds ``a``;
- a reunification child not home yet returns after ``R | R > days since engagement``;
- new children engage at the draw's rate of their sub-cohort until the engagement window ends.

Times are whole day numbers (a period ``[start, end)``) as the payment engine reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulate.payments.days import OPEN_END

from .calibrate import Calibration, support_end
from .dists import draw, draw_above
from .state import SibState

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Model:
    """Plain numbers the completion needs, by sub-cohort where arrays."""

    h_during: np.ndarray          # per year
    h_after: np.ndarray
    reunification: np.ndarray
    spell: tuple                  # spell_days distributions
    return_home: tuple            # days_to_return_home distributions (None for diversion)
    mean_support_days: float
    delay_days: int               # referral → engagement
    window: tuple[int, int]       # engagement days [first, last + 1) of the cohort
    referral_end: int
    contract_end: int
    failing_spell: int


@dataclass
class Completed:
    """A draw's children (observed first, then new): stability arrays and engagement days."""

    t0: np.ndarray
    engage: np.ndarray
    cohort: np.ndarray
    offsets: np.ndarray
    start: np.ndarray
    end: np.ndarray
    new: np.ndarray               # True for children not yet referred on the as-of day
    theta: np.ndarray             # the draw's hazard multiplier by sub-cohort
    rate: np.ndarray              # the draw's engagements per day by sub-cohort


def next_entry(t: np.ndarray, switch: np.ndarray, hd: np.ndarray, ha: np.ndarray, e: np.ndarray) -> np.ndarray:
    """First entry after day ``t`` for standard exponential draws ``e`` (``inf`` if never)."""
    seg = np.clip(switch - t, 0.0, None)
    first = hd * seg / DAYS_PER_YEAR
    with np.errstate(divide="ignore", invalid="ignore"):
        in_first = t + DAYS_PER_YEAR * e / hd
        in_second = t + seg + DAYS_PER_YEAR * (e - first) / ha
    out = np.where(e < first, in_first, in_second)
    return np.where(np.isnan(out) | (out < t), np.inf, out)


def _future_spells(home_from: np.ndarray, switch: np.ndarray, hd: np.ndarray, ha: np.ndarray, cohort: np.ndarray,
                   m: Model, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``count`` future periods per child from ``home_from`` (``(n, count)`` float days, inf = none)."""
    n = len(home_from)
    e = rng.standard_exponential((n, count))
    length = np.empty((n, count))
    for c, dist in enumerate(m.spell):
        at = np.flatnonzero(cohort == c)
        if at.size:
            length[at] = draw(dist, rng, at.size * count).reshape(at.size, count)
    starts, ends = np.full((n, count), np.inf), np.full((n, count), np.inf)
    t = home_from.astype(float)
    for k in range(count):
        s = next_entry(t, switch, hd, ha, e[:, k])
        starts[:, k] = np.floor(s)
        ends[:, k] = np.floor(s) + np.floor(length[:, k])
        t = np.maximum(ends[:, k], starts[:, k]) + 1e-9
    return starts, ends


def complete(state: SibState, cal: Calibration, m: Model, rng: np.random.Generator) -> Completed:
    """Draw one future for ``state`` (see the module docstring)."""
    k = len(cal.cohort_names)
    theta = np.array([cal.hazard_posterior[c].draw(rng) for c in range(k)])
    rate = np.array([cal.referral_posterior[c].draw(rng) for c in range(k)])
    day = state.day
    n = state.n
    count = m.failing_spell

    # observed children: close an open period, bring a reunification child home
    t0 = state.t0.copy()
    start, end = state.start.copy(), state.end.copy()
    child_of = np.repeat(np.arange(n), np.diff(state.offsets))
    away = np.flatnonzero(t0 < 0)
    if away.size:
        so_far = (day + 1 - state.engage[away]).astype(float)
        back = np.zeros(away.size)
        for c in range(k):
            at = np.flatnonzero(state.cohort[away] == c)
            if at.size:
                back[at] = draw_above(m.return_home[c], so_far[at], rng)
        t0[away] = state.engage[away] + np.maximum(np.ceil(back), so_far).astype(np.int64)
        # the care period the child returns home from ends on the day home
        closing = (t0[child_of] >= 0) & (state.t0[child_of] < 0) & (end > day)
        end[closing] = np.maximum(start[closing], t0[child_of][closing])
    open_ = np.flatnonzero((end > day) & ~((state.t0[child_of] < 0)))
    if open_.size:
        lived = (day + 1 - start[open_]).astype(float)
        c_of = state.cohort[child_of[open_]]
        length = np.zeros(open_.size)
        for c in range(k):
            at = np.flatnonzero(c_of == c)
            if at.size:
                length[at] = draw_above(m.spell[c], lived[at], rng)
        end[open_] = start[open_] + np.maximum(np.ceil(length), lived).astype(np.int64)
    last_end = np.full(n, day + 1, np.int64)
    np.maximum.at(last_end, child_of, end)
    home_from = np.maximum(np.maximum(last_end, day + 1), t0)
    switch = support_end(state, m.mean_support_days)
    coh = state.cohort
    fs, fe = _future_spells(home_from, switch, m.h_during[coh] * theta[coh], m.h_after[coh] * theta[coh], coh, m, rng, count)

    # children still to come: engagement days uniform over what is left of the window
    first = max(day + 1, m.window[0])
    span = max(0, m.window[1] - first)
    counts = rng.poisson(rate * span) if span > 0 else np.zeros(k, np.int64)
    n_new = int(counts.sum())
    ncoh = np.repeat(np.arange(k), counts)
    neng = first + np.floor(rng.random(n_new) * span).astype(np.int64)
    nt0 = neng.copy()
    for c in range(k):
        at = np.flatnonzero(ncoh == c)
        if at.size and m.reunification[c]:
            nt0[at] = neng[at] + np.floor(draw(m.return_home[c], rng, at.size)).astype(np.int64)
    nswitch = neng + m.mean_support_days
    ns, ne = _future_spells(nt0.astype(float), nswitch, m.h_during[ncoh] * theta[ncoh], m.h_after[ncoh] * theta[ncoh], ncoh, m, rng, count)

    # stack: observed periods, then drawn ones (dropping those after the contract)
    all_s = [start, fs.ravel(), ns.ravel()]
    all_e = [end, fe.ravel(), ne.ravel()]
    all_c = [child_of, np.repeat(np.arange(n), count), n + np.repeat(np.arange(n_new), count)]
    s = np.concatenate(all_s)
    e = np.concatenate(all_e)
    c = np.concatenate(all_c)
    keep = np.isfinite(s) & (s < m.contract_end)
    s, e, c = s[keep], e[keep], c[keep]
    e = np.where(np.isfinite(e), e, OPEN_END)
    order = np.lexsort((s, c))
    total = n + n_new
    offsets = np.concatenate(([0], np.cumsum(np.bincount(c, minlength=total)))).astype(np.int64)
    return Completed(np.concatenate((t0, nt0)).astype(np.int64), np.concatenate((state.engage, neng)).astype(np.int64),
                     np.concatenate((coh, ncoh)).astype(np.int64), offsets, s[order].astype(np.int64),
                     np.minimum(e[order], OPEN_END).astype(np.int64), np.r_[np.zeros(n, bool), np.ones(n_new, bool)],
                     theta, rate)


__all__ = ["Completed", "Model", "complete", "next_entry"]
