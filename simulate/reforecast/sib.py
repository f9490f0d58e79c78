"""The 004 edge-of-care bond's reforecast: what is settled, and draws of what is still to come.

Settled to date is :func:`simulate.payments.sib.settle_sib` on the extracts as known on the
as-of day (the very settlement ``cusp payments settle`` makes). Each draw completes every paid
child's timeline (:mod:`.complete`), settles the stability lines of the completed timelines to
the contract end on the payment engine's array path
(:func:`simulate.payments.vectorised.settle_stability_arrays`) and keeps the payments due after
the as-of day; one-off lines still 'not yet due' are paid with a probability drawn from its Beta posterior:
the scenario's probability (:func:`simulate.stress.compile_params`'s ``p_metric``) as the prior,
the lines settled so far (paid against not achieved) as evidence. Money then goes through the finance
layer (:func:`simulate.finance.ledger.settle_finance`): caps, payers, the SPV, IRR and multiple.

The module satisfies :mod:`simulate.reforecast.base`: :class:`SibContext` is a
:class:`~simulate.reforecast.base.ContextBase`, :func:`run_draw` returns an
:class:`~simulate.reforecast.base.Outcome` and :data:`FIGURES` names the bond's figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulate.finance.ledger import settle_finance
from simulate.payments.days import to_day
from simulate.payments.settle import settle_scenario
from simulate.payments.sib import Settlement
from simulate.payments.stability import StabilityRules
from simulate.payments.terms import SibTerms, sib_terms
from simulate.payments.vectorised import settle_stability_arrays
from simulate.scenario import Scenario
from simulate.stress import compile_params, scenario_data

from .base import ContextBase, Outcome, by_month, day_numbers
from .calibrate import Calibration, Priors, calibrate
from .complete import Completed, Model, complete
from .state import ONE_OFFS, SibState, as_known_on, sib_state

# months after engagement at which a one-off line falls due when the audit gives no date
# (as simulate.stress.settle reads 004 §9.2.2-9.2.4)
ONE_OFF_MONTHS = {"family_star_plus": 6, "my_star": 6, "education": 12, "reading": 6}
DAYS_PER_MONTH = 365.25 / 12


PAYERS = ("commissioner", "life_chances_fund")
LINES = ("stability_milestone", "stability_tariff", "family_star_plus", "my_star", "education", "reading")

# figure -> (human label, kind): see simulate.reforecast.base
FIGURES = {
    "outcome_payments_gbp": ("Total outcome payments (after caps)", "gbp"),
    "commissioner_payments_gbp": ("Paid by the commissioner", "gbp"),
    "lcf_payments_gbp": ("Paid by the Life Chances Fund", "gbp"),
    "irr": ("Investor IRR", "share"),
    "money_multiple": ("Investor money multiple", "ratio"),
    "investor_net_gbp": ("Investor net return", "gbp"),
    "investor_loss": ("P(investor loss)", "probability"),
    "cap_reached": ("P(cap reached)", "probability"),
}

# summary.json keys of reforecasts written before the generic interface (old key -> (source, how)):
# see simulate.reforecast.summary.headline
SUMMARY_ALIASES = {
    "p_cap_reached": ("cap_reached", "mean"),
    "p_investor_loss": ("investor_loss", "mean"),
    "irr": ("irr", "quantiles"),
    "money_multiple": ("money_multiple", "quantiles"),
    "new_children": ("new_cases", "key"),
    "children_referred_to_date": ("cases_to_date", "key"),
}


@dataclass
class SibContext(ContextBase):
    """Everything the draws share (built once, sent to every worker); the bond's parts after
    the generic ones of :class:`~simulate.reforecast.base.ContextBase`."""

    scenario_name: str
    terms: SibTerms
    params: object
    state: SibState
    model: Model
    milestone_price: np.ndarray        # £ by sub-cohort, before deadweight (as the settlement prices them)
    tariff_price: np.ndarray
    keep: np.ndarray                   # 1 - deadweight by sub-cohort
    one_off_price: np.ndarray          # (cohorts × 4) after deadweight
    p_one_off: np.ndarray              # (4,) the scenario's probability a line is paid (the prior's mean)
    one_off_beta: np.ndarray           # (4, 2) Beta posterior of that probability: lines paid, not achieved so far
    costs_realised: np.ndarray         # provider costs by month from staff and the observed engagements


def prepare(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date, priors: Priors = Priors()) -> SibContext:
    """Settle to date, read every child's state and learn the rates (see the module docstring)."""
    terms = sib_terms(scenario)
    p = compile_params(scenario_data(scenario))
    known = as_known_on(frames, as_of)
    # settled to date: the settlement of the data as given (exactly `cusp payments settle`; it
    # reads on each line only what its rule allows by the as-of date); the state is read from
    # the data as known on the day
    settlement, _ = settle_scenario(scenario, frames, as_of, allow_no_return_home=True)
    names = tuple(p.cohort_names)
    state = sib_state(known, terms, as_of, settlement.audit, names)
    delay = int(round(p.delay_days))
    window = (terms.start + delay, terms.referral_end + delay)
    planned = np.bincount(p.stream_cohort, weights=p.stream_per_year, minlength=len(names)) * p.volume * p.acceptance / 365.25
    dur = p.duration
    mean_weeks = float(dur.get("mean", dur.get("value", (dur.get("low", 0) + dur.get("high", 0)) / 2)))
    mean_support = min(mean_weeks, p.cap_weeks) * 7.0
    cal = calibrate(state, planned, window, p.h_during, p.h_after, mean_support, priors)
    model = Model(p.h_during, p.h_after, p.reunification, p.spell, p.return_home, mean_support, delay, window,
                  terms.referral_end, terms.contract_end, terms.failing_spell)
    edges_day = terms.start + p.edges.astype(np.int64)
    pay = settlement.payments
    realised = _by_month(_days(pay["due_date"]), pay["amount"].to_numpy(float), edges_day)
    prices = [terms.prices(c) for c in names]
    keep = 1.0 - np.array([terms.deadweight(c) for c in names])
    one_off = np.array([[pr.of(mname) for mname in ONE_OFFS] for pr in prices]) * keep[:, None]
    staff = np.where(np.arange(p.months) < p.staffed_months, p.fte_by_month * p.cost_per_fte_month, 0.0)
    costs = staff + _by_month(state.engage, np.full(state.n, p.cost_per_case), edges_day)
    p_one = np.array([p.p_metric.get(mname, 0.0) for mname in ONE_OFFS])
    won = np.isin(state.one_off_status, ["paid", "capped"]).sum(axis=0)
    lost = (state.one_off_status == "not achieved").sum(axis=0)
    beta = np.stack([p_one * priors.one_off_prior_lines + won, (1.0 - p_one) * priors.one_off_prior_lines + lost], axis=1)
    return SibContext(settlement=settlement, edges_day=edges_day, day=state.day, realised_by_month=realised, payers=PAYERS,
                      lines=LINES, cases_to_date=state.n, case_unit="children engaged", risk_bearer="investor", calibration=cal,
                      scenario_name=getattr(scenario, "name", ""), terms=terms, params=p, state=state, model=model,
                      milestone_price=np.array([pr.milestone for pr in prices]), tariff_price=np.array([pr.tariff for pr in prices]),
                      keep=keep, one_off_price=one_off, p_one_off=p_one, one_off_beta=beta, costs_realised=costs)


# kept under their old names for callers of this module
_days = day_numbers
_by_month = by_month


def future_stability(ctx: SibContext, c: Completed) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stability payment rows due after the as-of day: (day, £, child index, is milestone)."""
    t = ctx.terms
    m = t.mechanism
    rules = StabilityRules(m.milestone_months, m.tariff_months, m.max_spell_days_to_resume, m.failing_spell_number, t.contract_end)
    ok = c.t0 >= 0
    res = settle_stability_arrays(np.where(ok, c.t0, 0), c.offsets, c.start, c.end, t.contract_end - 1, rules,
                                  ctx.milestone_price[c.cohort], ctx.tariff_price[c.cohort],
                                  1.0 - ctx.keep[c.cohort], eligible=ok, monthly=True, validate=False)
    day = ctx.day
    ms = (res.milestone_amount > 0) & (res.milestone_due > day)
    ti, tj = np.nonzero((res.month_amount > 0) & (res.month_due > day))
    when = np.concatenate((res.milestone_due[ms], res.month_due[ti, tj].astype(np.int64)))
    amount = np.concatenate((res.milestone_amount[ms], res.month_amount[ti, tj]))
    who = np.concatenate((np.flatnonzero(ms), ti))
    is_ms = np.concatenate((np.ones(int(ms.sum()), bool), np.zeros(ti.size, bool)))
    return when, amount, who, is_ms


def future_one_offs(ctx: SibContext, c: Completed, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One-off payment rows due after the as-of day: (day, £, child index, line index in ONE_OFFS)."""
    st = ctx.state
    n_old = st.n
    n = len(c.t0)
    status = np.full((n, len(ONE_OFFS)), "not yet due", dtype=object)
    status[:n_old] = st.one_off_status
    due = np.full((n, len(ONE_OFFS)), -1, np.int64)
    due[:n_old] = st.one_off_due
    months = np.array([ONE_OFF_MONTHS[mm] for mm in ONE_OFFS])
    planned = c.engage[:, None] + np.round(months[None, :] * DAYS_PER_MONTH).astype(np.int64)
    due = np.where(due > ctx.day, due, np.maximum(planned, ctx.day + 1))
    a, b = ctx.one_off_beta[:, 0], ctx.one_off_beta[:, 1]
    p_line = np.where((a > 0) & (b > 0), rng.beta(np.maximum(a, 1e-9), np.maximum(b, 1e-9)), np.where(a > 0, 1.0, 0.0))
    u = rng.random((n, len(ONE_OFFS)))
    win = (status == "not yet due") & (u < p_line[None, :]) & (due < ctx.terms.contract_end)
    i, j = np.nonzero(win)
    return due[i, j], ctx.one_off_price[c.cohort[i], j], i, j


def run_draw(ctx: SibContext, rng: np.random.Generator) -> Outcome:
    """One draw: complete the timelines, settle the future, run the money through the finance layer."""
    c = complete(ctx.state, ctx.calibration, ctx.model, rng)
    s_when, s_amt, s_who, s_ms = future_stability(ctx, c)
    o_when, o_amt, o_who, o_line = future_one_offs(ctx, c, rng)
    when = np.concatenate((s_when, o_when))
    amount = np.concatenate((s_amt, o_amt))
    who = np.concatenate((s_who, o_who))
    future = _by_month(when, amount, ctx.edges_day)
    by_metric = {"stability_milestone": float(s_amt[s_ms].sum()), "stability_tariff": float(s_amt[~s_ms].sum()),
                 **{mm: float(o_amt[o_line == j].sum()) for j, mm in enumerate(ONE_OFFS)}}
    p = ctx.params
    costs = ctx.costs_realised + _by_month(c.engage[c.new], np.full(int(c.new.sum()), p.cost_per_case), ctx.edges_day)
    fin = settle_finance(ctx.realised_by_month + future, costs, p.finance)
    figures = {k: fin.summary[k] for k in FIGURES}
    return Outcome(future, {"commissioner": fin.commissioner, "life_chances_fund": fin.lcf}, by_metric, int(c.new.sum()),
                   float(amount[c.new[who]].sum()), figures)


__all__ = ["FIGURES", "LINES", "PAYERS", "SUMMARY_ALIASES", "SibContext", "future_one_offs", "future_stability", "prepare", "run_draw"]
