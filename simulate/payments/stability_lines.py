"""The stability lines of the audit (004 §9.2.1) from the array rules' results.

Turns :class:`~simulate.payments.vectorised.StabilityArrays` (with the calendar-month
breakdown) into each child's milestone and tariff reasons and the tariff's last due day, in the
same words as the per-child reference (:func:`simulate.payments.stability.settle_stability`;
the differential test compares them).
"""

from __future__ import annotations

import numpy as np

from .days import add_months_array
from .stability import StabilityRules
from .terms import FAILED, NOT_ACHIEVED, NOT_YET_DUE, PAID, STOPPED
from .texts import d, format_unique
from .vectorised import StabilityArrays


def last_paid_due(res: StabilityArrays) -> np.ndarray:
    """Due day of each child's last tariff month paid (-1 if none)."""
    has = res.month_days > 0
    k = has.shape[1]
    j = k - 1 - np.argmax(has[:, ::-1], axis=1)
    return np.where(has.any(axis=1), res.month_due[np.arange(len(j)), j].astype(np.int64), -1)


def stability_reasons(res: StabilityArrays, t0: np.ndarray, as_of: int, rules: StabilityRules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Milestone reasons, tariff reasons and the tariff's last due day (-1: none), per child.

    Children whose status is 'not eligible' get an empty reason (the caller says why).
    """
    t0 = np.asarray(t0, np.int64)
    m6 = res.milestone_due
    m24 = add_months_array(t0, rules.milestone_months + rules.tariff_months)
    last = last_paid_due(res)
    ce, most = rules.contract_end, rules.max_spell_days

    def blocked(b: int, t: int, m: int) -> str:
        return f"period away from home from {d(b)} fell within the first six months [{d(t)}, {d(m)}): no stability payment of any kind"

    def milestone(status: int, t: int, m: int, b: int) -> str:
        if status == NOT_ACHIEVED:
            return blocked(b, t, m)
        if status == STOPPED:
            return f"milestone date {d(m)} is on or after the contract end {d(ce)}"
        if status == NOT_YET_DUE:
            return f"falls due on {d(m)} if the child is home every day from {d(t)}"
        if status == PAID:
            return f"home every day from {d(t)} to {d(m - 1)}: milestone due {d(m)}"
        return ""

    def tariff(status: int, t: int, m: int, e24: int, b: int, days: int, lst: int, stop: int, length: int) -> str:
        if status == NOT_ACHIEVED:
            return blocked(b, t, m)
        paid = f"{days} home days paid" + (f" to {d(lst)}" if lst >= 0 else "")
        if status == FAILED:
            return (f"period away number {rules.failing_spell} in the tracking window began {d(stop)}: "
                    f"intervention failed, no tariff from that date; {paid}")
        if status == STOPPED and length >= 0:
            lasted = f"still open after {length} days" if stop + length == as_of + 1 else f"lasted {length} days"
            return f"period away from {d(stop)} {lasted} (over {most}): tracking ended on {d(stop)}; {paid}"
        if status == STOPPED:
            return f"contract ended {d(ce)} before tracking ended {d(e24)}; {paid}"
        if status == NOT_YET_DUE:
            return f"tracking starts {d(m)} after the milestone" if m > as_of else f"tracking {d(m)} to {d(e24 - 1)}; {paid} so far"
        if status == PAID:
            return f"tracking {d(m)} to {d(e24 - 1)}; {paid}"
        return ""

    block = np.where(res.block_day < 2**61, res.block_day, -1)
    m_reason = format_unique(milestone, res.milestone_status, t0, m6, block)
    t_reason = format_unique(tariff, res.tariff_status, t0, m6, m24, block, res.tariff_days, last, res.stop_day, res.stop_length)
    return m_reason, t_reason, last


def rag(res: StabilityArrays, t0: np.ndarray, offsets: np.ndarray, start: np.ndarray, end: np.ndarray, as_of: int) -> np.ndarray:
    """RAG rating per child: red (milestone missed, tracking stopped or failed), amber (a period
    away since t0, known by the settlement day), else green; an object array of str."""
    n = len(t0)
    child = np.repeat(np.arange(n), np.diff(offsets))
    since = (start <= as_of) & (end > np.asarray(t0)[child])
    amber = np.bincount(child[since], minlength=n) > 0
    red = (res.milestone_status == NOT_ACHIEVED) | np.isin(res.tariff_status, (STOPPED, FAILED))
    return np.where(red, "red", np.where(amber, "amber", "green")).astype(object)
