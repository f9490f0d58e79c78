"""Stability at home for one child (004 §9.2.1): the milestone and the daily tariff.

This is the per-child reference implementation: plain Python, one child at a time, with a
plain-English reason for every decision. :mod:`simulate.payments.vectorised` applies the same
rules to arrays and must give identical amounts (tested).

Readings (quoted in ``docs/payments.md``):

- episodes that touch or overlap are first joined into periods away from home
  (:func:`simulate.payments.periods.merge_periods`); every rule below reads periods;
- a period covers ``[start, end)``: the child is home again on ``end``; an open period runs
  through the settlement date; periods starting after the settlement date are not yet known;
- milestone: home every day of ``[t0, t0 + 6 months)``; due on ``t0 + 6 months``; any period
  covering a day of that window, or starting in it (a zero-day period: into care and home
  the same day), means no stability payment of any kind;
- tariff: each home day of ``[t0 + 6m, t0 + 24m)`` earns ``tariff price / days in window``,
  summed per calendar month and due on the month's last day;
- a tracking-window period longer than 56 days ends tracking at its start; the third period
  starting in the window fails the intervention from its start;
- nothing is due on or after the contract end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .days import add_months_day, month_end_day, month_start_day, to_date
from .periods import merge_child
from .terms import FAILED, NOT_ACHIEVED, NOT_YET_DUE, PAID, STOPPED


@dataclass(frozen=True)
class StabilityRules:
    """The numbers the stability rules need (months, days, £ and shares)."""

    milestone_months: int = 6
    tariff_months: int = 18
    max_spell_days: int = 56
    failing_spell: int = 3
    contract_end: int = 2**40
    milestone_price: float = 0.0
    tariff_price: float = 0.0
    deadweight: float = 0.0


@dataclass
class StabilityResult:
    """Outcome of the stability rules for one child as of a settlement date.

    ``tariff`` lists ``(due_day, home_days, amount)`` for each calendar month paid.
    Status codes index :data:`simulate.payments.terms.STATUSES`.
    """

    milestone_status: int
    milestone_reason: str
    milestone_due: int
    milestone_amount: float
    tariff_status: int
    tariff_reason: str
    tariff: list[tuple[int, int, float]] = field(default_factory=list)
    stop_day: int | None = None

    @property
    def tariff_amount(self) -> float:
        return sum(a for _, _, a in self.tariff)


def _d(day: int) -> str:
    return to_date(day).isoformat()


def settle_stability(t0: int, spells: list[tuple[int, int]], as_of: int, rules: StabilityRules) -> StabilityResult:
    """Apply the stability rules to one child.

    Parameters
    ----------
    t0
        Day number the clock starts: engagement (diversion) or return home (reunification).
    spells
        ``(start, end)`` day numbers of care and remand episodes, end exclusive (the day home);
        an open one has end :data:`simulate.payments.days.OPEN_END`. Episodes that touch or
        overlap are joined into one period away from home first.
    as_of
        Settlement day: payments due on or before it are paid.
    rules
        Prices, deadweight and rule parameters.

    Returns
    -------
    StabilityResult
        Milestone and tariff amounts (after deadweight, before caps), statuses and reasons.
    """
    m6 = add_months_day(t0, rules.milestone_months)
    m24 = add_months_day(t0, rules.milestone_months + rules.tariff_months)
    end_contract = rules.contract_end
    known = [(s, min(e, as_of + 1)) for s, e in merge_child(spells) if s <= as_of]
    keep = 1.0 - rules.deadweight

    blocking = next(((s, e) for s, e in known if s < m6 and (e > t0 or s >= t0)), None)
    if blocking is not None:
        why = (f"period away from home from {_d(blocking[0])} fell within the first six months "
               f"[{_d(t0)}, {_d(m6)}): no stability payment of any kind")
        return StabilityResult(NOT_ACHIEVED, why, m6, 0.0, NOT_ACHIEVED, why)

    over = as_of >= end_contract - 1
    if m6 >= end_contract and over:
        m_status, m_reason, m_amount = STOPPED, f"milestone date {_d(m6)} is on or after the contract end {_d(end_contract)}", 0.0
    elif m6 > as_of:
        m_status, m_reason, m_amount = NOT_YET_DUE, f"falls due on {_d(m6)} if the child is home every day from {_d(t0)}", 0.0
    else:
        m_status, m_amount = PAID, rules.milestone_price * keep
        m_reason = f"home every day from {_d(t0)} to {_d(m6 - 1)}: milestone due {_d(m6)}"

    stop, why_code, why_spell, count = m24, None, None, 0
    for s, e in known:
        if not m6 <= s < m24:
            continue
        count += 1
        if count == rules.failing_spell:
            stop, why_code, why_spell = s, FAILED, (s, e)
            break
        if e - s > rules.max_spell_days:
            stop, why_code, why_spell = s, STOPPED, (s, e)
            break
    track = [(s, e) for s, e in known if m6 <= s < stop]

    rate = rules.tariff_price / (m24 - m6) * keep      # £ per home day after deadweight
    months: list[tuple[int, int, float]] = []
    cur = month_start_day(m6)
    while cur < m24:
        nxt = add_months_day(cur, 1)
        lo, hi = max(cur, m6), min(nxt, stop)
        home = max(0, hi - lo) - sum(max(0, min(e, hi) - max(s, lo)) for s, e in track)
        due = nxt - 1
        if home > 0 and due <= as_of and due < end_contract:
            months.append((due, home, rate * home))
        cur = nxt

    days = sum(h for _, h, _ in months)
    paid = f"{days} home days paid" + (f" to {_d(months[-1][0])}" if months else "")
    last_due = month_end_day(m24 - 1)
    if why_code == FAILED:
        t_status = FAILED
        t_reason = (f"period away number {rules.failing_spell} in the tracking window began {_d(why_spell[0])}: "
                    f"intervention failed, no tariff from that date; {paid}")
    elif why_code == STOPPED:
        length = why_spell[1] - why_spell[0]
        lasted = f"still open after {length} days" if why_spell[1] == as_of + 1 else f"lasted {length} days"
        t_status = STOPPED
        t_reason = (f"period away from {_d(why_spell[0])} {lasted} (over {rules.max_spell_days}): "
                    f"tracking ended on {_d(why_spell[0])}; {paid}")
    elif last_due >= end_contract and over:
        t_status = STOPPED
        t_reason = f"contract ended {_d(end_contract)} before tracking ended {_d(m24)}; {paid}"
    elif last_due > as_of:
        t_status = NOT_YET_DUE
        t_reason = f"tracking {_d(m6)} to {_d(m24 - 1)}; {paid} so far"
    else:
        t_status = PAID
        t_reason = f"tracking {_d(m6)} to {_d(m24 - 1)}; {paid}"
    if m6 > as_of and t_status == NOT_YET_DUE:
        t_reason = f"tracking starts {_d(m6)} after the milestone"
    return StabilityResult(m_status, m_reason, m6, m_amount, t_status, t_reason, months, stop if why_code else None)
