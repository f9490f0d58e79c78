"""The reforecast keeps what is settled exactly and only draws the future, reproducibly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data_synthetic import synthesise
from simulate.payments.settle import settle_scenario
from simulate.payments.stability import StabilityRules
from simulate.payments.vectorised import settle_stability_arrays
from simulate.reforecast import reforecast
from simulate.reforecast.complete import complete
from simulate.reforecast.posterior import GammaRate, rate_prior
from simulate.reforecast.sib import prepare
from simulate.scenario import load_scenario

AS_OF = dt.date(2021, 8, 31)


@pytest.fixture(scope="module")
def case():
    sc = load_scenario("lancs-edge-of-care-004")
    return sc, synthesise(sc, seed=5, extract_date=dt.date(2022, 3, 31)).frames


def test_settled_to_date_is_the_settlement_to_the_penny(case):
    sc, frames = case
    run = reforecast(sc, frames, AS_OF, draws=4, seed=1)
    settled, _ = settle_scenario(sc, frames, AS_OF, allow_no_return_home=True)
    ours = run.context.settlement.payments
    assert len(ours) == len(settled.payments) > 0
    assert round(run.settled_to_date, 2) == round(float(settled.payments["amount"].sum()), 2)
    plain = lambda f: f.astype({c: str for c in ("child_id", "case_id", "sub_cohort", "metric", "payer")}).reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(plain(ours), plain(settled.payments))
    # the forecast's total adds the settled money to each draw's future
    assert np.allclose(run.draws["total_due_gbp"], run.settled_to_date + run.draws["future_due_gbp"])


def test_completed_timelines_leave_the_past_as_it_was(case):
    # settle each draw's completed timelines as of the as-of day: the stability money is what
    # the settlement of the data paid (nothing drawn reaches back before the as-of day)
    sc, frames = case
    ctx = prepare(sc, frames, AS_OF)
    t, m = ctx.terms, ctx.terms.mechanism
    rules = StabilityRules(m.milestone_months, m.tariff_months, m.max_spell_days_to_resume, m.failing_spell_number, t.contract_end)
    pay = ctx.settlement.payments
    paid = float(pay.loc[pay["metric"].astype(str).str.startswith("stability"), "amount"].sum())
    for seed in range(3):
        c = complete(ctx.state, ctx.calibration, ctx.model, np.random.default_rng(seed))
        ok = c.t0 >= 0
        res = settle_stability_arrays(np.where(ok, c.t0, 0), c.offsets, c.start, c.end, ctx.day, rules,
                                      ctx.milestone_price[c.cohort], ctx.tariff_price[c.cohort], 1.0 - ctx.keep[c.cohort],
                                      eligible=ok, validate=True)
        assert res.total.sum() == pytest.approx(paid, abs=0.01)


def test_same_seed_same_draws_with_one_or_two_workers(case):
    sc, frames = case
    one = reforecast(sc, frames, AS_OF, draws=6, seed=9, jobs=1, chunk_size=2)
    two = reforecast(sc, frames, AS_OF, draws=6, seed=9, jobs=2, chunk_size=3)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    assert np.array_equal(one.future_by_month, two.future_by_month)
    other = reforecast(sc, frames, AS_OF, draws=6, seed=10)
    assert not one.draws["future_due_gbp"].equals(other.draws["future_due_gbp"])


def test_gamma_poisson_update_by_hand():
    # 60 a year planned, worth 6 months: Gamma(60/365.25 × 182.625, 182.625) = Gamma(30, 182.625);
    # 40 referrals over 365 days: Gamma(70, 547.625), mean 70/547.625 a day = 46.69 a year
    prior = rate_prior(60 / 365.25, 6)
    assert prior.shape == pytest.approx(30.0) and prior.rate == pytest.approx(182.625)
    post = prior.update(40, 365)
    assert post == GammaRate(pytest.approx(70.0), pytest.approx(547.625))
    assert post.mean * 365.25 == pytest.approx(70 / 547.625 * 365.25)


def test_fewer_referrals_than_planned_lower_the_forecast_of_children_to_come(case):
    sc, frames = case
    ref = frames["referrals.csv"]
    half = dict(frames, **{"referrals.csv": ref.iloc[::2].reset_index(drop=True)})
    full = reforecast(sc, frames, AS_OF, draws=20, seed=3)
    thin = reforecast(sc, half, AS_OF, draws=20, seed=3)
    assert thin.draws["new_cases"].mean() < full.draws["new_cases"].mean()
