"""The one-off SIB payments for one child (004 §9.2.2-9.2.4): Stars, school absence, reading.

Each function returns a :class:`Line`: status code, reason, due day and amount (after
deadweight, before caps). Only records dated on or before the settlement day are used, and a
decision is taken only once later records could no longer change it, so settling as of a
later date never removes a payment already due.
"""

from __future__ import annotations

from dataclasses import dataclass

from .days import add_months_day, to_date
from .terms import NOT_ACHIEVED, NOT_ELIGIBLE, NOT_YET_DUE, PAID, STOPPED

_EPS = 1e-9


@dataclass
class Line:
    """One payment line of one child."""

    status: int
    reason: str
    due: int | None
    amount: float = 0.0


def _d(day: int) -> str:
    return to_date(day).isoformat()


def _pay(due: int, price: float, keep: float, contract_end: int, reason: str) -> Line:
    if due >= contract_end:
        return Line(STOPPED, f"{reason}; but due {_d(due)}, on or after the contract end {_d(contract_end)}", due)
    return Line(PAID, reason, due, price * keep)


def settle_star(
    e: int, scores: list[tuple[int, float]], as_of: int, tool: str, improvement: float, tolerance: int,
    price: float, keep: float, contract_end: int, early: int = 0,
) -> Line:
    """Family Star Plus or My Star: the first assessment in ``[e+6m-early, e+6m+tolerance]`` at
    least ``improvement`` above the baseline (the assessment nearest ``e`` within ``tolerance``
    days). ``early`` is 0 by default: the follow-up is at least six months after ``e``.

    ``scores`` are ``(assessment day, total score)``; due on the follow-up's date.
    """
    known = sorted(p for p in scores if p[0] <= as_of)
    target = add_months_day(e, 6)
    base = [p for p in known if abs(p[0] - e) <= tolerance and p[0] < target - early]
    follow = [p for p in known if target - early <= p[0] <= target + tolerance]
    if not follow:
        if as_of < target + tolerance:
            return Line(NOT_YET_DUE, f"{tool} follow-up expected {_d(target - early)} to {_d(target + tolerance)}", None)
        return Line(NOT_ACHIEVED, f"no {tool} assessment between {_d(target - early)} and {_d(target + tolerance)}", None)
    if not base:
        return Line(NOT_ACHIEVED, f"no {tool} baseline within {tolerance} days of engagement {_d(e)}", None)
    b = min(base, key=lambda p: (abs(p[0] - e), p[0]))
    f = follow[0]
    rise = (f[1] - b[1]) / b[1] if b[1] else float("inf")
    text = (f"{tool} total {b[1]:g} on {_d(b[0])} to {f[1]:g} on {_d(f[0])} "
            f"({rise:+.1%}; {improvement:.0%} needed)")
    if f[1] - b[1] >= improvement * b[1] - _EPS:
        return _pay(f[0], price, keep, contract_end, text)
    return Line(NOT_ACHIEVED, text, None)


def _window_sum(periods: list[tuple[int, int, float, float]], lo: int, hi: int) -> tuple[float, float, bool]:
    """Absence and possible days pro rata in ``[lo, hi)``; periods are ``(start, last, absence, possible)``."""
    absence = possible = 0.0
    seen = False
    for start, last, a, p in periods:
        overlap = min(last + 1, hi) - max(start, lo)
        if overlap > 0:
            share = overlap / (last + 1 - start)
            absence += a * share
            possible += p * share
            seen = True
    return absence, possible, seen


def settle_education(
    e: int, periods: list[tuple[int, int, float, float]], as_of: int, reduction: float, measure: str,
    price: float, keep: float, contract_end: int,
) -> Line:
    """Unauthorised absence in the 12 months from ``e`` at least ``reduction`` below the 12
    months before (``measure`` 'days' or 'rate' per possible day); due at ``e + 12 months``.

    ``periods`` are ``(period_start, period_end inclusive, absence days, possible days)``; a
    period overlapping a window counts pro rata by calendar days.
    """
    lo, due = add_months_day(e, -12), add_months_day(e, 12)
    known = [p for p in periods if p[0] <= as_of]
    before, before_poss, _ = _window_sum(known, lo, e)
    if before <= 0:
        return Line(NOT_ELIGIBLE, f"no unauthorised absence recorded {_d(lo)} to {_d(e - 1)}: nothing to reduce", None)
    if as_of < due:
        return Line(NOT_YET_DUE, f"absence compared after 12 months, {_d(due)}", None)
    after, after_poss, seen = _window_sum(known, e, due)
    if not seen:
        return Line(NOT_ACHIEVED, f"no school records {_d(e)} to {_d(due - 1)}", None)
    if measure == "rate":
        if before_poss <= 0 or after_poss <= 0:
            return Line(NOT_ACHIEVED, "possible school days missing: rate cannot be computed", None)
        b, a, unit = before / before_poss, after / after_poss, "rate"
    else:
        b, a, unit = before, after, "days"
    text = (f"unauthorised absence {unit} {b:.3g} ({_d(lo)} to {_d(e - 1)}) then {a:.3g} "
            f"({_d(e)} to {_d(due - 1)}): {(b - a) / b:+.1%} fall, {reduction:.0%} needed")
    if b - a >= reduction * b - _EPS:
        return _pay(due, price, keep, contract_end, text)
    return Line(NOT_ACHIEVED, text, None)


def settle_reading(
    e: int, tests: list[tuple[int, float, float]], as_of: int, gain: float, tolerance: int,
    price: float, keep: float, contract_end: int,
) -> Line:
    """Reading age at ``e + 6 months`` (nearest test within ``tolerance`` days) beyond the
    school's forecast by at least ``gain`` years.

    ``tests`` are ``(day, reading_age, forecast_reading_age)``; a test without a forecast
    (NaN) cannot show a gain beyond it and is passed over. The nearest test is final on
    the day no later test could be nearer (``target + distance``), which is its due day.
    """
    target = add_months_day(e, 6)
    near = [t for t in tests if t[0] <= as_of and abs(t[0] - target) <= tolerance and t[2] == t[2]]
    if not near:
        if as_of < target + tolerance:
            return Line(NOT_YET_DUE, f"reading test expected {_d(target - tolerance)} to {_d(target + tolerance)}", None)
        return Line(NOT_ACHIEVED, f"no reading test with a school forecast within {tolerance} days of {_d(target)}", None)
    day, age, forecast = min(near, key=lambda t: (abs(t[0] - target), t[0]))
    settled = target + abs(day - target)
    if as_of < settled:
        return Line(NOT_YET_DUE, f"a test nearer {_d(target)} may still come until {_d(settled)}", None)
    text = f"reading age {age:.2f} on {_d(day)} vs forecast {forecast:.2f} ({age - forecast:+.2f} years; {gain:g} needed)"
    if age - forecast >= gain - _EPS:
        return _pay(settled, price, keep, contract_end, text)
    return Line(NOT_ACHIEVED, text, None)
