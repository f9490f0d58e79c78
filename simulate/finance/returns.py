"""Investor returns: IRR (XIRR on dates), money multiple, NPV and the checks that keep IRR honest.

IRR is computed by :func:`pyxirr.xirr` (a maintained library), never by a hand-rolled solver.
A cash flow whose signs change more than once can have several IRRs or none, and a solver then
returns one root silently; :func:`irr` therefore scans the net present value over a grid of
rates first and reports the IRR as ``ambiguous`` (several roots) or ``undefined`` (no root, or
no money in or out) with the reason, rather than a silently wrong number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pyxirr

# Annual rates scanned for roots of the NPV: -99% to +1,000% a year.
_GRID = np.concatenate([np.linspace(-0.99, -0.1, 60), np.linspace(-0.1, 1.0, 221)[1:], np.geomspace(1.0, 10.0, 40)[1:]])


@dataclass(frozen=True)
class IrrResult:
    """An internal rate of return with its status.

    Attributes
    ----------
    value
        Annual IRR as a fraction (0.05 = 5% a year), or NaN when not ``ok``.
    status
        ``ok`` (a unique root), ``ambiguous`` (several roots: ``roots`` lists them),
        or ``undefined`` (no root).
    reason
        Plain-English reason when the status is not ``ok``.
    roots
        Every root found on the scan grid (annual rates).
    """

    value: float
    status: str
    reason: str = ""
    roots: tuple[float, ...] = ()


def year_fractions(dates: Sequence[dt.date]) -> np.ndarray:
    """Years (actual/365, as XIRR counts them) from the first date to each date."""
    first = dates[0]
    return np.array([(d - first).days / 365.0 for d in dates])


def npv(rate: float, amounts: Sequence[float], dates: Sequence[dt.date]) -> float:
    """Net present value at an annual ``rate`` of flows on ``dates``, discounted to the first date."""
    t = year_fractions(dates)
    return float(np.sum(np.asarray(amounts, float) / (1.0 + rate) ** t))


def sign_changes(amounts: Sequence[float]) -> int:
    """Number of sign changes in a cash flow, zeros ignored."""
    signs = np.sign([a for a in amounts if a != 0])
    return int(np.sum(signs[1:] != signs[:-1]))


def _npv_grid(amounts: np.ndarray, t: np.ndarray) -> np.ndarray:
    return (amounts[None, :] / (1.0 + _GRID[:, None]) ** t[None, :]).sum(axis=1)


def irr(amounts: Sequence[float], dates: Sequence[dt.date]) -> IrrResult:
    """Annual IRR of dated cash flows (XIRR), with multiple sign changes handled explicitly.

    Parameters
    ----------
    amounts
        Cash flows in £ from the investor's side: negative = paid in, positive = received.
    dates
        The date of each flow.

    Returns
    -------
    IrrResult
        ``ok`` with the unique root; ``ambiguous`` when the NPV crosses zero more than once
        between -99% and +1,000% a year; ``undefined`` when flows are all one sign or the NPV
        never crosses zero.
    """
    a = np.asarray(amounts, float)
    nonzero = a[a != 0]
    if len(nonzero) == 0 or (nonzero > 0).all() or (nonzero < 0).all():
        return IrrResult(float("nan"), "undefined", "cash flows are all one sign: no rate makes the NPV zero")
    t = year_fractions(dates)
    changes = sign_changes(a)
    if changes > 1:
        from scipy.optimize import brentq  # imported here: workers rarely need it

        values = _npv_grid(a, t)
        crossings = np.nonzero(np.sign(values[1:]) != np.sign(values[:-1]))[0]
        roots = tuple(float(brentq(lambda r: float(np.sum(a / (1.0 + r) ** t)), _GRID[i], _GRID[i + 1])) for i in crossings)
        if len(roots) > 1:
            listed = ", ".join(f"{r:.2%}" for r in roots)
            return IrrResult(float("nan"), "ambiguous", f"{changes} sign changes; the NPV is zero at {listed}", roots)
        if not roots:
            return IrrResult(float("nan"), "undefined", f"{changes} sign changes and the NPV never crosses zero between -99% and 1,000%")
    try:
        value = pyxirr.xirr(list(dates), a.tolist())
    except pyxirr.InvalidPaymentsError as exc:  # pragma: no cover - guarded above
        return IrrResult(float("nan"), "undefined", str(exc))
    if value is None or not np.isfinite(value):
        return IrrResult(float("nan"), "undefined", "the solver found no rate that makes the NPV zero")
    if changes > 1 and abs(value - roots[0]) > 1e-4:  # the solver wandered off the one true root
        value = roots[0]
    return IrrResult(float(value), "ok", "", (float(value),))


def money_multiple(amounts: Sequence[float]) -> float:
    """Total received ÷ total paid in (1.0 = money back, no gain); NaN when nothing was paid in."""
    a = np.asarray(amounts, float)
    paid = -a[a < 0].sum()
    return float(a[a > 0].sum() / paid) if paid > 0 else float("nan")


def discount_factors(months: np.ndarray, annual_rate: float) -> np.ndarray:
    """Discount factors for flows ``months`` after the start at an annual (real) rate."""
    return (1.0 + annual_rate) ** (-np.asarray(months, float) / 12.0)


def present_value(by_month: np.ndarray, annual_rate: float, timing: float = 1.0) -> float:
    """Present value at the start of monthly amounts; month ``m`` is discounted ``m + timing`` months.

    ``timing=1.0`` (the default) treats each month's flow as arriving at the month's end.
    """
    m = np.arange(len(by_month)) + timing
    return float(np.sum(np.asarray(by_month, float) * discount_factors(m, annual_rate)))
