"""Stability rules for many children at once, from flat arrays (no Python loop per child).

Array format (shared with the flow simulation; see ``docs/payments.md``)
-----------------------------------------------------------------------
Children of every replication are stacked in one axis of length ``n``:

``t0``            int64[n]  day number (days since 1970-01-01) the stability clock starts:
                            engagement for diversion, return home for reunification
``spell_offsets`` int64[n+1] spells of child ``i`` are ``spell_start[offsets[i]:offsets[i+1]]``
``spell_start``   int64[m]  first day away (care or remand episode), any order within a child
``spell_end``     int64[m]  day home again (exclusive end); ``OPEN_END`` while open

Episodes that touch or overlap are joined into periods away from home first
(:func:`simulate.payments.periods.merge_periods`); the rules read periods.
``replication``   int64[n]  optional replication index of each child

Per-child prices (£, before deadweight), deadweight shares and an ``eligible`` mask (referred
inside the referral window) are arrays of length ``n`` or scalars.

The rules are exactly those of :func:`simulate.payments.stability.settle_stability`; a test
settles thousands of generated children both ways and compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .days import OPEN_END, add_months_array, month_end_array, month_start_day
from .errors import PaymentDataError
from .periods import merge_periods
from .stability import StabilityRules
from .terms import FAILED, NOT_ACHIEVED, NOT_ELIGIBLE, NOT_YET_DUE, PAID, STOPPED

_NONE = np.int64(2**62)
_CHUNK = 32768


@dataclass
class StabilityArrays:
    """Vectorised stability results (amounts after deadweight, before caps).

    ``month_*`` arrays (``n × (tariff_months + 1)``, column ``j`` = the ``j``-th calendar month
    from the milestone's month; due days and home days as int32) are filled only when
    ``monthly=True``. ``block_day``: start of the first period away in the first six months
    (``2**62`` if none); ``stop_length``: days the period that ended tracking had lasted by the
    settlement day (-1 if none); both for the audit's reasons.
    """

    milestone_status: np.ndarray
    milestone_due: np.ndarray
    milestone_amount: np.ndarray
    tariff_status: np.ndarray
    tariff_days: np.ndarray
    tariff_amount: np.ndarray
    stop_day: np.ndarray
    month_due: np.ndarray | None = None
    month_days: np.ndarray | None = None
    month_amount: np.ndarray | None = None
    block_day: np.ndarray | None = None
    stop_length: np.ndarray | None = None

    @property
    def total(self) -> np.ndarray:
        """£ due per child: milestone plus tariff."""
        return self.milestone_amount + self.tariff_amount


def validate_spells(t0: np.ndarray, offsets: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
    """Check the array format; raise :class:`PaymentDataError` naming the bad indices."""
    n, m = len(t0), len(start)
    if len(offsets) != n + 1 or offsets[0] != 0 or offsets[-1] != m or np.any(np.diff(offsets) < 0):
        raise PaymentDataError("spell_offsets", [], f"must rise from 0 to {m} with {n + 1} entries")
    if len(end) != m:
        raise PaymentDataError("spell_end", [], f"has {len(end)} entries, spell_start has {m}")
    bad = np.flatnonzero(end < start)
    if bad.size:
        raise PaymentDataError("spells", bad.tolist(), "end before start")


def settle_stability_arrays(
    t0: np.ndarray,
    spell_offsets: np.ndarray,
    spell_start: np.ndarray,
    spell_end: np.ndarray,
    as_of: int,
    rules: StabilityRules,
    milestone_price: np.ndarray | float | None = None,
    tariff_price: np.ndarray | float | None = None,
    deadweight: np.ndarray | float | None = None,
    eligible: np.ndarray | None = None,
    monthly: bool = False,
    validate: bool = True,
) -> StabilityArrays:
    """Settle the stability rules for ``n`` children as of day ``as_of``.

    Parameters
    ----------
    t0, spell_offsets, spell_start, spell_end
        The array format in the module docstring (int64 day numbers).
    as_of
        Settlement day number: payments due on or before it are paid.
    rules
        Rule parameters; its prices and deadweight are used where the arrays are not given.
    milestone_price, tariff_price, deadweight, eligible
        Per-child arrays (or scalars) overriding ``rules``; ``eligible`` False gives
        status 'not eligible' and nothing paid.
    monthly
        Also return the calendar-month breakdown of the tariff (``n × (tariff_months+1)``).
    validate
        Check the array format first (skip in tight loops that built the arrays themselves).

    Returns
    -------
    StabilityArrays
    """
    t0 = np.asarray(t0, dtype=np.int64)
    offsets = np.asarray(spell_offsets, dtype=np.int64)
    start = np.asarray(spell_start, dtype=np.int64)
    end = np.asarray(spell_end, dtype=np.int64)
    if validate:
        validate_spells(t0, offsets, start, end)
    periods = merge_periods(offsets, start, end)          # the one place rows become periods
    offsets, start, end = periods.offsets, periods.start, periods.end
    n = len(t0)
    mprice = np.broadcast_to(np.asarray(rules.milestone_price if milestone_price is None else milestone_price, dtype=float), n)
    tprice = np.broadcast_to(np.asarray(rules.tariff_price if tariff_price is None else tariff_price, dtype=float), n)
    keep = 1.0 - np.broadcast_to(np.asarray(rules.deadweight if deadweight is None else deadweight, dtype=float), n)
    ok = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)

    months_m, months_end = rules.milestone_months, rules.milestone_months + rules.tariff_months
    m6 = add_months_array(t0, months_m)
    m24 = add_months_array(t0, months_end)
    child = np.repeat(np.arange(n), np.diff(offsets))
    known = start <= as_of
    e_eff = np.minimum(end, as_of + 1)

    m6c = m6[child]
    t0c = t0[child]
    # a period covering a day of [t0, m6), or a zero-day period starting in it
    blk = known & (start < m6c) & ((e_eff > t0c) | (start >= t0c))
    blocked = np.bincount(child[blk], minlength=n) > 0
    block_day = np.full(n, _NONE)
    np.minimum.at(block_day, child[blk], start[blk])

    intrk = known & (start >= m6c) & (start < m24[child])
    counts = np.cumsum(intrk)
    before = np.concatenate(([0], counts))[offsets[:-1]]
    rank = counts - before[child]
    third = intrk & (rank == rules.failing_spell)
    fail_day = np.full(n, _NONE)
    fail_day[child[third]] = start[third]
    long_ = intrk & (e_eff - start > rules.max_spell_days)
    long_day = np.full(n, _NONE)
    np.minimum.at(long_day, child[long_], start[long_])
    stop = np.minimum(np.minimum(fail_day, long_day), m24)

    limit = min(as_of, rules.contract_end - 1)
    pay_end = np.minimum(stop, month_start_day(limit + 1))
    span = np.clip(pay_end - m6, 0, None)
    trk = intrk & (start < stop[child])
    tc = child[trk]
    away_each = np.clip(np.minimum(e_eff[trk], pay_end[tc]) - np.maximum(start[trk], m6[tc]), 0, None)
    away = np.bincount(tc, weights=away_each, minlength=n).astype(np.int64)
    days = span - away
    days[blocked | ~ok] = 0
    rate = tprice / (m24 - m6) * keep
    t_amount = rate * days

    over = as_of >= rules.contract_end - 1
    m_status = np.where((m6 >= rules.contract_end) & over, STOPPED, np.where(m6 > as_of, NOT_YET_DUE, PAID)).astype(np.int8)
    m_status[blocked] = NOT_ACHIEVED
    m_status[~ok] = NOT_ELIGIBLE
    m_amount = np.where(m_status == PAID, mprice * keep, 0.0)

    last_due = month_end_array(m24 - 1)
    t_status = np.where(last_due > as_of, NOT_YET_DUE, PAID).astype(np.int8)
    t_status[(last_due >= rules.contract_end) & over] = STOPPED
    t_status[long_day < fail_day] = STOPPED
    t_status[(fail_day <= long_day) & (fail_day < _NONE)] = FAILED
    t_status[blocked] = NOT_ACHIEVED
    t_status[~ok] = NOT_ELIGIBLE
    stop_day = np.where(stop < m24, stop, -1)
    stop_day[blocked | ~ok] = -1

    stop_length = np.full(n, -1, np.int64)
    at_stop = long_ & (start == long_day[child]) & (long_day[child] < fail_day[child])
    stop_length[child[at_stop]] = (e_eff - start)[at_stop]
    out = StabilityArrays(m_status, m6, m_amount, t_status, days, t_amount, stop_day, block_day=block_day, stop_length=stop_length)
    if monthly:
        k = rules.tariff_months + 1
        out.month_due = np.empty((n, k), np.int32)
        out.month_days = np.empty((n, k), np.int32)
        out.month_amount = np.empty((n, k), float)
        first = m6.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        lo_idx = int(first.min()) if n else 0
        table = np.arange(lo_idx, (int(first.max()) if n else 0) + k + 2).astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)
        m6_32, stop_32 = m6.astype(np.int32), np.minimum(stop, m24).astype(np.int32)
        dead = blocked | ~ok
        e_trk, s_trk = e_eff[trk], start[trk]
        for a in range(0, n, _CHUNK):        # chunks of children keep the temporaries in cache
            b = min(a + _CHUNK, n)
            starts = table[(first[a:b] - lo_idx)[:, None] + np.arange(k + 1)]
            lo = np.maximum(starts[:, :-1], m6_32[a:b, None])
            hi = np.minimum(starts[:, 1:], stop_32[a:b, None])
            home = np.clip(hi - lo, 0, None)
            i, j = np.searchsorted(tc, [a, b])
            if j > i:
                c = tc[i:j] - a
                ov = np.clip(np.minimum(hi[c], e_trk[i:j, None]) - np.maximum(lo[c], s_trk[i:j, None]), 0, None)
                flat = (c[:, None] * k + np.arange(k)).ravel()
                home -= np.bincount(flat, weights=ov.ravel(), minlength=(b - a) * k).astype(np.int32).reshape(b - a, k)
            due = starts[:, 1:] - 1
            pay = (due <= limit) & (home > 0) & ~dead[a:b, None]
            out.month_due[a:b] = due
            out.month_days[a:b] = np.where(pay, home, 0)
            out.month_amount[a:b] = np.where(pay, rate[a:b, None] * home, 0.0)
    return out


def spells_from_lists(spells: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat arrays ``(offsets, start, end)`` from one list of ``(start, end)`` per child."""
    lengths = np.fromiter((len(s) for s in spells), dtype=np.int64, count=len(spells))
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    flat = [p for child in spells for p in sorted(child)]
    start = np.fromiter((p[0] for p in flat), dtype=np.int64, count=len(flat))
    end = np.fromiter((p[1] for p in flat), dtype=np.int64, count=len(flat))
    return offsets, start, end


def totals_by_replication(values: np.ndarray, replication: np.ndarray, n_replications: int | None = None) -> np.ndarray:
    """Sum a per-child array within each replication."""
    return np.bincount(np.asarray(replication), weights=values, minlength=n_replications or 0)


__all__ = ["OPEN_END", "StabilityArrays", "settle_stability_arrays", "spells_from_lists", "totals_by_replication", "validate_spells"]
