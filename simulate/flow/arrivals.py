"""Non-homogeneous Poisson arrivals by thinning, with a yearly trend and monthly seasonality."""

from __future__ import annotations

import numpy as np

from ..calendar import WorkingCalendar


def rate_multiplier(t: np.ndarray, calendar: WorkingCalendar, annual_trend: float, seasonality: list[float] | None) -> np.ndarray:
    """Rate relative to the base rate on each day: ``(1 + trend) ** years × season[month]``."""
    t = np.asarray(t, dtype=float)
    out = (1.0 + annual_trend) ** (t / 365.25)
    if seasonality is not None:
        out = out * np.asarray(seasonality, dtype=float)[calendar.calendar_month_of(t)]
    return out


def thinned_arrivals(
    rng: np.random.Generator,
    per_year: float,
    t0: float,
    t1: float,
    calendar: WorkingCalendar,
    annual_trend: float = 0.0,
    seasonality: list[float] | None = None,
) -> np.ndarray:
    """Sorted arrival days of a non-homogeneous Poisson process on ``[t0, t1)`` (Lewis-Shedler thinning).

    Parameters
    ----------
    rng
        The arrivals stream.
    per_year
        Base rate (arrivals per 365.25 days) before trend and seasonality.
    t0, t1
        Window in days from the calendar origin.
    annual_trend
        Fractional change of the rate per year from day 0 (0.05 = 5% more each year).
    seasonality
        Twelve monthly multipliers, January first, averaging 1.

    Returns
    -------
    numpy.ndarray
        Arrival days, ascending.
    """
    if per_year <= 0 or t1 <= t0:
        return np.empty(0)
    base = per_year / 365.25
    growth_max = max(1.0, (1.0 + annual_trend) ** (t1 / 365.25), (1.0 + annual_trend) ** (t0 / 365.25))
    season_max = max(seasonality) if seasonality is not None else 1.0
    lam_max = base * growth_max * season_max
    count = rng.poisson(lam_max * (t1 - t0))
    times = np.sort(rng.uniform(t0, t1, count))
    keep = rng.random(count) * lam_max < base * rate_multiplier(times, calendar, annual_trend, seasonality)
    return times[keep]
