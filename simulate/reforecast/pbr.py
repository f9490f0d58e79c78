"""000's payment by results reforecast: what is settled, and draws of the families still to pay.

Settled to date is :func:`simulate.payments.settle.settle_scenario` as of the as-of day (what
``cusp payments settle`` gives). Each family referred by then is in one state on the as-of day,
read from the extracts as known then (:func:`simulate.reforecast.state.as_known_on`; :mod:`.pbr_state`):

- referred, not accepted; or waiting longer than the scenario's ``triage.patience_days``
  (taken as lost): nothing more;
- waiting (accepted or not yet decided, support not started): starts after the wait observed
  so far (mean days from referral to start of the families started; the scenario's contact
  and assessment delays before any start);
- in support for ``d`` days: ends after a duration drawn from the scenario's
  ``intervention.duration_weeks`` given it is longer than ``d`` days (inverse CDF on the
  tail), and is paid with the draw's chance that an ended family is paid;
- completed with the three conditions met (paid, capped, or due in a later quarter): kept
  exactly as settled; completed and not achieved: nothing more;
- completed with an agreed action plan and outcomes agreed achieved but no end
  self-assessment yet, less than the longest wait for one seen so far after its end: paid
  later with the draw's chance for such families (the settlement will then show it due in the
  quarter after its end; the reforecast shows it as still to come on the day after the as-of day).

Families still to come are referred at the draw's rate to the end of the referral window (days
weighted by the scenario's seasonality), start support with the draw's chance after the same
wait, and go through duration and payment as above. Every family's money then goes through the
settlement's own rules (:mod:`simulate.payments.pbr`): quarterly in arrears, the pooled 40% per
contract year in due, completion and case order. Up-front payments follow their schedule.

Learned (conjugate; the priors' strengths from :class:`~simulate.reforecast.calibrate.Priors`):
the referral rate (gamma–Poisson: the scenario's planned rate worth ``referral_prior_months``,
the referrals so far against the seasonal days elapsed) and three chances (beta–binomial, each
prior worth ``one_off_prior_lines`` families): an ended family is paid (prior: the stress
model's (1 − P(disengage)) × P(notable progress); evidence: families ended long enough ago
for their outcome to be final, paid against not), a family awaiting its end self-assessment
is paid (prior: P(notable progress); evidence: such families whose outcome is now final), and
a referral starts support (prior: ``acceptance_probability``; evidence: referrals started
against refused or lost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from simulate.payments.days import add_months_day, to_day
from simulate.payments.pbr import (SELF_ASSESSMENT_TOOL, end_assessment_day, last_contract_year, outcome_year, pooled_amounts,
                                   pooled_price, quarterly_in_arrears, upfront_schedule)
from simulate.payments.settle import settle_scenario
from simulate.scenario import Scenario
from simulate.stress import scenario_data
from simulate.stress.families import compile_families

from .base import ContextBase, Outcome, day_numbers
from .calibrate import Priors
from .dists import draw, draw_above
from .pbr_state import AWAITING, IN_SUPPORT, LOST, NOT_ACCEPTED, WAITING, PbrState, assessed_day, family_state
from .posterior import GammaRate, rate_prior
from .state import as_known_on

DAYS_PER_YEAR = 365.25
LINES = ("upfront", "family_outcome")
# a family's state on the as-of day (PbrState.state)
FIGURES: dict[str, tuple[str, str]] = {
    "outcome_payments_gbp": ("Provider outcome income, whole contract (after the pooled 40%)", "gbp"),
    "income_at_risk_gbp": ("Income at risk: pooled 40% not earned", "gbp"),
    "provider_income_gbp": ("Provider income (up-front and outcome), whole contract", "gbp"),
    "provider_costs_gbp": ("Provider delivery cost, whole contract", "gbp"),
    "provider_net_gbp": ("Provider net", "gbp"),
    "provider_loss": ("P(provider loss)", "probability"),
    "budget_used_in_full": ("P(pooled 40% used in full in a contract year)", "probability"),
    "families_paid": ("Families paid, whole contract", "count"),
}


def _beta_sd(a: float, b: float) -> float:
    return float(np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))) if a + b > 0 else float("nan")


@dataclass
class BetaChance:
    """A chance learned beta–binomially: Beta(a, b) prior, ``won`` of ``out_of`` as evidence."""

    name: str
    prior: tuple[float, float]
    won: int
    out_of: int

    @property
    def posterior(self) -> tuple[float, float]:
        return self.prior[0] + self.won, self.prior[1] + self.out_of - self.won

    def draw(self, rng: np.random.Generator) -> float:
        """One chance from the posterior (0 or 1 when one side has no weight)."""
        a, b = self.posterior
        return float(rng.beta(a, b)) if a > 0 and b > 0 else float(a > 0)

    def columns(self) -> dict:
        """Prior mean and worth (families), evidence (won, out of), posterior mean and sd."""
        (a0, b0), (a1, b1) = self.prior, self.posterior
        n = self.name
        return {f"{n}_prior_mean": a0 / (a0 + b0) if a0 + b0 > 0 else float("nan"), f"{n}_prior_families": a0 + b0,
                f"{n}_evidence": self.won, f"{n}_out_of": self.out_of,
                f"{n}_posterior_mean": a1 / (a1 + b1) if a1 + b1 > 0 else float("nan"), f"{n}_posterior_sd": _beta_sd(a1, b1)}


@dataclass
class PbrCalibration:
    """The referral rate and three chances: prior, evidence, posterior (one row, the whole contract).

    ``paid``: an ended family is paid (families whose outcome is final); ``paid_late``: a family
    awaiting its end self-assessment is paid later; ``starts``: a referral starts support.
    """

    referral_prior: GammaRate          # referrals a day at seasonal weight 1
    referral_posterior: GammaRate
    referrals_so_far: int
    exposure_days: float               # seasonal days of the referral window elapsed
    paid: BetaChance
    paid_late: BetaChance
    starts: BetaChance
    confirm_days: int                  # the longest wait for an end self-assessment seen so far

    # counts of real families besides referrals_so_far (disclosure control reads them)
    count_columns = tuple(f"{n}_{c}" for n in ("paid", "paid_late", "starts") for c in ("evidence", "out_of"))

    def table(self) -> list[dict]:
        """One row: rates per year, chances as shares, counts of families."""
        per_year = lambda g: g * DAYS_PER_YEAR  # noqa: E731
        return [{
            "scope": "whole contract",
            "planned_referrals_per_year": per_year(self.referral_prior.mean),
            "referral_prior_days": self.referral_prior.rate,
            "referrals_so_far": self.referrals_so_far,
            "exposure_days": self.exposure_days,
            "posterior_referrals_per_year": per_year(self.referral_posterior.mean),
            "posterior_referrals_per_year_sd": per_year(self.referral_posterior.sd),
            **self.paid.columns(), **self.paid_late.columns(), **self.starts.columns(),
            "end_self_assessment_wait_days": self.confirm_days,
        }]

    def published_table(self, count: Callable[[str, int, float], int | None]) -> list[dict]:
        """:meth:`table` with every count as published (``count(column, row, n)``: rounded, ``None``
        when suppressed) and each posterior recomputed from the published counts, blank where one
        it rests on is suppressed (cusp/reforecast_disclosure.py)."""
        row = self.table()[0]
        n = count("referrals_so_far", 0, float(self.referrals_so_far))
        row["referrals_so_far"] = n
        post = self.referral_posterior if n is None else self.referral_prior.update(n, self.exposure_days)
        row["posterior_referrals_per_year"] = None if n is None else post.mean * DAYS_PER_YEAR
        row["posterior_referrals_per_year_sd"] = None if n is None else post.sd * DAYS_PER_YEAR
        for ch in (self.paid, self.paid_late, self.starts):
            won = count(f"{ch.name}_evidence", 0, float(ch.won))
            out = count(f"{ch.name}_out_of", 0, float(ch.out_of))
            row[f"{ch.name}_evidence"], row[f"{ch.name}_out_of"] = won, out
            shown = None if won is None or out is None else BetaChance(ch.name, ch.prior, won, max(out, won)).columns()
            for c in (f"{ch.name}_posterior_mean", f"{ch.name}_posterior_sd"):
                row[c] = None if shown is None else shown[c]
        return [row]


@dataclass
class PbrContext(ContextBase):
    """Everything the draws share (built once, sent to every worker)."""

    state: PbrState
    start_day: int                 # the contract's first day
    referral_end: int              # first day after the referral window
    budget: float                  # the pooled 40% of one contract year (£)
    price: float                   # £ per family paid
    last_year: int
    wait_days: int                 # referral to start of support
    duration: dict                 # intervention.duration_weeks (the scenario's dumped distribution)
    window_days: np.ndarray        # days of the referral window still to come
    window_weight: np.ndarray      # their seasonal weights (referrals a day = rate × weight)
    upfront_future_by_month: np.ndarray
    upfront_total: float
    costs_fixed: np.ndarray        # £ by month: staff (whole contract) and the families started so far
    cost_per_case: float
    late_beta: np.ndarray          # (families AWAITING, 2): Beta of each one's chance, given its wait so far


def _month_of(days: np.ndarray, edges_day: np.ndarray) -> np.ndarray:
    """Contract month of each day; a day on or after the contract's end falls in its last month
    (a family completing in the last quarter is due on the contract's end day: 000 pays it)."""
    m = np.searchsorted(edges_day, np.asarray(days, np.int64), side="right") - 1
    return np.clip(m, 0, len(edges_day) - 2)


def _by_month(days: np.ndarray, amount: np.ndarray, edges_day: np.ndarray) -> np.ndarray:
    months = len(edges_day) - 1
    amount = np.asarray(amount, float)
    ok = np.asarray(days) >= edges_day[0]
    return np.bincount(_month_of(np.asarray(days)[ok], edges_day), weights=amount[ok], minlength=months)


def _weights(fp, edges_day: np.ndarray, first: int, last: int) -> np.ndarray:
    """Seasonal weight of each day in ``[first, last)``: planned referrals that day ÷ the plan's
    yearly mean per day (seasonality × trend; 1 on average over a year of flat demand)."""
    days = np.arange(first, last)
    if not len(days):
        return np.zeros(0)
    total = float(fp.per_month[: fp.referral_months].sum())
    base = total / max(fp.referral_months, 1) / (DAYS_PER_YEAR / 12) if total > 0 else 1.0
    month = _month_of(days, edges_day)
    per_day = fp.per_month[month] / np.diff(edges_day)[month]
    return per_day / base if base > 0 else np.zeros(len(days))


def prepare(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date, priors: Priors = Priors()) -> PbrContext:
    """Settle to date, read every family's state and learn the rates (see the module docstring)."""
    settlement, _ = settle_scenario(scenario, frames, as_of)
    day, start = to_day(as_of), to_day(scenario.horizon.start_date)
    h = scenario.horizon
    edges_day = np.array([add_months_day(start, m) for m in range(h.total_months + 1)], np.int64)
    referral_end = add_months_day(start, h.referral_months)
    budget, price = pooled_price(scenario)
    fp = compile_families(scenario_data(scenario))
    k = priors.one_off_prior_lines

    # the audit has one row per referral of the data as given; keep those referred by the day
    # (the rows as_known_on keeps)
    raw = frames["referrals.csv"]
    keep = ~(pd.to_datetime(raw["referral_date"]) > pd.Timestamp(as_of)).to_numpy(bool)
    audit = settlement.audit.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    known = as_known_on({"referrals.csv": raw, "assessments.csv": frames["assessments.csv"]}, as_of)
    ref = known["referrals.csv"]
    assessed = end_assessment_day(known["assessments.csv"], SELF_ASSESSMENT_TOOL)
    # how long an end self-assessment can come after the end of support: the longest seen so far
    end_all = day_numbers(ref["end_date"]) if len(ref) else np.zeros(0, np.int64)
    sa_all = assessed_day(ref, assessed) if len(ref) else np.zeros(0, np.int64)
    lags = (sa_all - end_all)[(end_all >= 0) & (sa_all >= 0)]
    confirm = int(max(0, lags.max())) if len(lags) else 0
    patience = float(getattr(scenario.triage, "patience_days", None) or np.inf)
    st = family_state(ref, audit, assessed, day, patience, confirm)

    started = st.start >= 0
    waits = (st.start - st.referral)[started & (st.referral >= 0)]
    if len(waits):
        wait = int(round(float(np.mean(waits))))
    else:   # no start yet: the scenario's contact and assessment delays (working days)
        t = scenario.triage
        wd = float(getattr(t, "contact_delay_working_days", 0) or 0) + float(getattr(t, "assessment_delay_working_days", 0) or 0)
        wait = int(round(wd * 7 / 5))

    # referral rate: seasonal weight of each window day; evidence over the days elapsed
    first_new = max(day + 1, start)
    window_days = np.arange(first_new, referral_end)
    base_per_day = float(fp.per_month[: fp.referral_months].sum()) / max(fp.referral_months, 1) / (DAYS_PER_YEAR / 12)
    seen = int(((st.referral >= start) & (st.referral < referral_end) & (st.referral <= day)).sum())
    exposure = float(_weights(fp, edges_day, start, min(day + 1, referral_end)).sum())
    r_prior = rate_prior(base_per_day, priors.referral_prior_months)

    # chances. Paid: the stress model's (completers, not disengaged, showing notable progress);
    # evidence, the families whose outcome is final (ended at least `confirm` days ago)
    final = (st.end >= 0) & (st.end <= day - confirm) & ((st.status == "not achieved") | st.met)
    p0 = (1.0 - fp.p_disengage) * fp.p_progress
    paid = BetaChance("paid", (p0 * k, (1.0 - p0) * k), int((final & st.met).sum()), int(final.sum()))
    # paid later, awaiting the end self-assessment: the chance of notable progress; evidence, the
    # families with a plan and outcomes achieved that had no end self-assessment on their last day
    sa = assessed_day(ref, assessed) if len(ref) else np.zeros(0, np.int64)
    flag = lambda c: ref[c].astype("boolean").fillna(False).to_numpy(bool) if c in ref and len(ref) else np.zeros(len(ref), bool)  # noqa: E731
    were = final & flag("action_plan_agreed") & flag("outcomes_achieved_at_exit") & ((sa < 0) | (sa > st.end))
    q0 = fp.p_progress
    # a family awaiting x days: only the families still without a self-assessment x days after
    # their end count (those with one sooner would not be awaiting any more)
    wlag = np.where(sa >= 0, sa - st.end, np.iinfo(np.int64).max)[were]
    wmet = st.met[were]
    x = day - st.end[st.state == AWAITING]
    lag_all, lag_met = np.sort(wlag), np.sort(wlag[wmet])
    late_out = len(lag_all) - np.searchsorted(lag_all, x, side="right")
    late_won = len(lag_met) - np.searchsorted(lag_met, x, side="right")
    late_beta = np.stack([q0 * k + late_won, (1.0 - q0) * k + late_out - late_won], axis=1).reshape(-1, 2).astype(float)
    late = BetaChance("paid_late", (q0 * k, (1.0 - q0) * k),
                      int((were & st.met).sum()), int(were.sum()))
    # starts support: the scenario's acceptance; evidence, the referrals whose fate is known
    # (started, refused, or waiting beyond the service's patience)
    decided = np.isin(st.state, (NOT_ACCEPTED, LOST)) | started
    starts = BetaChance("starts", (fp.acceptance * k, (1.0 - fp.acceptance) * k),
                        int(started.sum()), int(decided.sum()))
    cal = PbrCalibration(r_prior, r_prior.update(seen, exposure), seen, exposure, paid, late, starts, confirm)

    pay = settlement.payments
    realised = _by_month(day_numbers(pay["due_date"]), pay["amount"].to_numpy(float), edges_day)
    up = upfront_schedule(scenario)
    up_due, up_amt = up["due"].to_numpy(np.int64), up["amount"].to_numpy(float)
    future_up = _by_month(up_due[up_due > day], up_amt[up_due > day], edges_day)
    costs = fp.staff_cost + fp.cost_per_case * _by_month(st.start[started], np.ones(int(started.sum())), edges_day)
    return PbrContext(
        settlement=settlement, edges_day=edges_day, day=day, realised_by_month=realised, payers=("commissioner",),
        lines=LINES, cases_to_date=int(st.n), case_unit="families referred", risk_bearer="provider", calibration=cal,
        state=st, start_day=start, referral_end=referral_end, budget=budget, price=price, last_year=last_contract_year(scenario),
        wait_days=wait, duration=scenario_data(scenario)["intervention"]["duration_weeks"], window_days=window_days,
        window_weight=_weights(fp, edges_day, first_new, referral_end), upfront_future_by_month=future_up,
        upfront_total=float(up_amt.sum()), costs_fixed=costs, cost_per_case=fp.cost_per_case, late_beta=late_beta)


def _support_days(weeks: np.ndarray) -> np.ndarray:
    """Whole days of support from a duration in weeks (at least one day)."""
    return np.maximum(np.rint(np.asarray(weeks, float) * 7.0), 1).astype(np.int64)


def run_draw(ctx: PbrContext, rng: np.random.Generator) -> Outcome:
    """One draw: end the open supports, start the waiting and the new families, pay, cap."""
    st, day, cal = ctx.state, ctx.day, ctx.calibration
    p_paid, p_start = cal.paid.draw(rng), cal.starts.draw(rng)
    rate = cal.referral_posterior.draw(rng)

    # in support for d days: the duration given it exceeds d (ended after the as-of day)
    sup = np.flatnonzero(st.state == IN_SUPPORT)
    d = (day - st.start[sup]).astype(float)
    sup_end = np.maximum(st.start[sup] + _support_days(draw_above(ctx.duration, (d + 0.5) / 7.0, rng)), day + 1)

    # waiting: start after the wait observed so far (at the earliest the next day)
    wai = np.flatnonzero(st.state == WAITING)
    wai_start = np.maximum(st.referral[wai] + ctx.wait_days, day + 1)
    wai_end = wai_start + _support_days(draw(ctx.duration, rng, wai.size))

    # families still to come: referral days weighted by season over the rest of the window
    mass = float(ctx.window_weight.sum())
    n_new = int(rng.poisson(rate * mass)) if mass > 0 else 0
    ref_new = np.zeros(0, np.int64)
    if n_new:
        cdf = np.cumsum(ctx.window_weight) / mass
        ref_new = ctx.window_days[np.minimum(np.searchsorted(cdf, rng.random(n_new), side="right"), len(cdf) - 1)]
    new_start = ref_new[rng.random(n_new) < p_start] + ctx.wait_days
    new_end = new_start + _support_days(draw(ctx.duration, rng, new_start.size))

    # who is paid: the families that met the conditions (fixed), those awaiting their end
    # self-assessment (paid later with the draw's chance), and every family ending after today
    met = np.flatnonzero(st.met)
    awa = np.flatnonzero(st.state == AWAITING)
    # each family's chance given its own wait, at one common quantile of the draw (the families
    # share the uncertainty about the chance, as one chance would)
    p_late = stats.beta.ppf(rng.random(), ctx.late_beta[:, 0], ctx.late_beta[:, 1]) if awa.size else np.zeros(0)
    awa = awa[rng.random(awa.size) < p_late]
    ends = np.concatenate((sup_end, wai_end, new_end))
    won = rng.random(ends.size) < p_paid
    end = np.concatenate((st.end[met], st.end[awa], ends[won]))
    rank = np.concatenate((st.rank[met], st.rank[awa], st.rank[sup], st.rank[wai], st.n + np.arange(new_start.size)))
    rank = np.concatenate((rank[: met.size + awa.size], rank[met.size + awa.size:][won]))
    drawn = np.r_[np.zeros(met.size, bool), np.ones(end.size - met.size, bool)]
    new = np.r_[np.zeros(met.size + awa.size + sup.size + wai.size, bool), np.ones(new_start.size, bool)]
    new = np.r_[new[: met.size + awa.size], new[met.size + awa.size:][won]]
    due = quarterly_in_arrears(end, ctx.start_day)
    inside = due <= ctx.edges_day[-1]             # due after the contract's end: outside it
    end, rank, drawn, new, due = end[inside], rank[inside], drawn[inside], new[inside], due[inside]

    # the settlement's own rules: the pooled 40% per contract year, in due, completion, case order
    year = outcome_year(end, ctx.start_day, ctx.last_year)
    gross = np.full(end.size, ctx.price)
    amount = pooled_amounts(year, due, end, rank, gross, ctx.budget)
    # still to come: what falls due after today, and what is paid late (due in a past quarter,
    # paid when the end self-assessment arrives: shown on the day after the as-of day)
    fut = drawn | (due > day)
    when = np.maximum(due[fut], day + 1)
    fam_future = _by_month(when, gross[fut], ctx.edges_day)
    future = ctx.upfront_future_by_month + fam_future
    commissioner = ctx.realised_by_month + ctx.upfront_future_by_month + _by_month(when, amount[fut], ctx.edges_day)

    outcome_total = float(amount.sum())
    by_year = np.bincount(year, weights=amount, minlength=ctx.last_year + 1)[1:]
    income = ctx.upfront_total + outcome_total
    starts = np.concatenate((wai_start, new_start))
    costs = float(ctx.costs_fixed.sum()) + ctx.cost_per_case * float((starts < ctx.edges_day[-1]).sum())
    net = income - costs
    figures = {
        "outcome_payments_gbp": outcome_total,
        "income_at_risk_gbp": ctx.budget * ctx.last_year - outcome_total,
        "provider_income_gbp": income,
        "provider_costs_gbp": costs,
        "provider_net_gbp": net,
        "provider_loss": float(net < -1e-6),
        "budget_used_in_full": float(bool((by_year >= ctx.budget - 0.005).any())),
        "families_paid": float((amount > 0).sum()),
    }
    return Outcome(future, {"commissioner": commissioner},
                   {"upfront": float(ctx.upfront_future_by_month.sum()), "family_outcome": float(fam_future.sum())},
                   int(n_new), float(ctx.price * new.sum()), figures)


__all__ = ["BetaChance", "FIGURES", "LINES", "PbrCalibration", "PbrContext", "prepare", "run_draw"]
