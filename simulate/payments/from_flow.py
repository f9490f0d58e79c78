"""Settle the stability rules for the flow simulation's per-child timelines.

The flow simulation (:mod:`simulate.flow.timelines`) gives float days since its ``origin``
(``NaN`` = did not happen, ``inf`` = spell still open). The payment engine counts whole day
numbers since 1970-01-01. A float day ``x`` falls on day ``floor(x)``: a child who enters care
at 10.4 is away from day 10; one home at 30.2 is home on day 30. A spell entered and left
within one day (10.2 to 10.8) is a zero-day period: an entry to care that costs no home day, as
a zero-day episode in a real extract (``docs/payments.md``); spells that touch are one period
(:mod:`simulate.payments.periods`, applied inside the array engine).
"""

from __future__ import annotations

import numpy as np

from .days import OPEN_END, to_day
from .stability import StabilityRules
from .terms import SibTerms
from .vectorised import StabilityArrays, settle_stability_arrays


def stability_from_timelines(timelines, terms: SibTerms, as_of: int | None = None, monthly: bool = False) -> StabilityArrays:
    """Stability payments of one replication's engaged children.

    Parameters
    ----------
    timelines
        A :class:`simulate.flow.timelines.ChildTimelines` (any object with its attributes).
    terms
        Settlement terms from :func:`simulate.payments.sib_terms`.
    as_of
        Settlement day number; default the day before the contract end (settle everything).
    monthly
        Also return the calendar-month breakdown.

    Returns
    -------
    StabilityArrays
        Children whose ``tracking_start_day`` is missing (reunification child not yet home) or
        referred outside the referral window are 'not eligible'.
    """
    origin = to_day(timelines.origin)
    t0f = np.asarray(timelines.tracking_start_day, dtype=float)
    known = np.isfinite(t0f)
    t0 = origin + np.floor(np.where(known, t0f, 0.0)).astype(np.int64)
    ref = origin + np.floor(np.nan_to_num(np.asarray(timelines.referral_day, dtype=float), nan=-1e9)).astype(np.int64)
    eligible = known & (ref >= terms.start) & (ref < terms.referral_end)
    start = origin + np.floor(np.asarray(timelines.spell_start, dtype=float)).astype(np.int64)
    endf = np.asarray(timelines.spell_end, dtype=float)
    end = np.where(np.isfinite(endf), origin + np.floor(np.where(np.isfinite(endf), endf, 0.0)).astype(np.int64), OPEN_END)
    names = list(timelines.sub_cohort_names)
    cohort = np.asarray(timelines.sub_cohort)
    prices = [terms.prices(n) for n in names]
    mprice = np.array([p.milestone for p in prices])[cohort] if len(names) else 0.0
    tprice = np.array([p.tariff for p in prices])[cohort] if len(names) else 0.0
    dead = np.array([terms.deadweight(n) for n in names])[cohort] if len(names) else 0.0
    m = terms.mechanism
    rules = StabilityRules(m.milestone_months, m.tariff_months, m.max_spell_days_to_resume, m.failing_spell_number, terms.contract_end)
    day = terms.contract_end - 1 if as_of is None else as_of
    return settle_stability_arrays(t0, timelines.spell_offsets, start, end, day, rules, mprice, tprice, dead, eligible, monthly=monthly)
