"""Who pays the outcome payments: the cap, then the commissioner and the Life Chances Fund.

Payments due are cut by the caps in due-date order (the first payments due are paid in full;
a later payment is cut to what is left). What survives is split by payer: the Life Chances
Fund pays its top-up share of each payment due before its fund closes (``lcf_end_month``),
nothing after; the commissioner pays the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CappedPayments:
    """Monthly outcome payments after caps, and what the caps cut (all £ by month)."""

    due: np.ndarray
    paid: np.ndarray
    cut: np.ndarray
    cap_reached_month: int | None


def apply_caps(due: np.ndarray, total_cap: float | None = None, per_year_cap: float | None = None) -> CappedPayments:
    """Cut monthly outcome payments to a contract total and a per-contract-year cap.

    Parameters
    ----------
    due
        £ due each contract month (month 0 = the first month of the contract).
    total_cap
        Most the contract pays in total (£), or None.
    per_year_cap
        Most paid in any contract year (months 0-11, 12-23, …), or None.

    Returns
    -------
    CappedPayments
        ``paid = due - cut``; ``cap_reached_month`` is the first month a cap cut anything.
    """
    due = np.asarray(due, float)
    paid = due.copy()
    if per_year_cap is not None:
        for y0 in range(0, len(due), 12):
            block = paid[y0:y0 + 12]
            cum = np.cumsum(block)
            paid[y0:y0 + 12] = np.diff(np.concatenate([[0.0], np.minimum(cum, per_year_cap)]))
    if total_cap is not None:
        cum = np.cumsum(paid)
        paid = np.diff(np.concatenate([[0.0], np.minimum(cum, total_cap)]))
    paid = np.clip(paid, 0.0, due)          # cumulative-sum rounding never pays more than is due
    cut = due - paid
    hit = np.nonzero(cut > 1e-9 * max(1.0, float(due.max(initial=0.0))))[0]
    return CappedPayments(due, paid, cut, int(hit[0]) if len(hit) else None)


def split_by_payer(paid: np.ndarray, lcf_share: float, lcf_end_month: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Split monthly outcome payments between the commissioner and the Life Chances Fund.

    Parameters
    ----------
    paid
        £ paid each month after caps.
    lcf_share
        The fund's top-up share of each payment (0.3 = 30%).
    lcf_end_month
        First month index in which the fund pays nothing (its fund has closed); None = never.

    Returns
    -------
    (commissioner, lcf)
        £ by month; they add up to ``paid`` exactly.
    """
    paid = np.asarray(paid, float)
    window = np.ones(len(paid), bool)
    if lcf_end_month is not None:
        window[max(lcf_end_month, 0):] = False
    lcf = np.where(window, paid * lcf_share, 0.0)
    return paid - lcf, lcf


def cap_grant(commissioner: np.ndarray, lcf: np.ndarray, grant_cap: float | None) -> tuple[np.ndarray, np.ndarray, float]:
    """The Life Chances Fund pays its top-up until its grant is used; the commissioner pays the rest.

    Returns ``(commissioner, lcf, shifted)``: £ by month, and the £ of top-up the cap moved to
    the commissioner. ``commissioner + lcf`` is unchanged month by month.
    """
    lcf = np.asarray(lcf, float)
    if grant_cap is None:
        return np.asarray(commissioner, float), lcf, 0.0
    cum = np.cumsum(lcf)
    allowed = np.diff(np.minimum(cum, grant_cap), prepend=0.0)
    shifted = lcf - allowed
    return np.asarray(commissioner, float) + shifted, allowed, float(shifted.sum())
