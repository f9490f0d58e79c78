"""Block contracts' reforecast (002, 003), worked by hand.

The toy contract (hereford-befriending-002 with overrides): 12 months of referrals from
2021-04-01, no tracking; £12,000 a year paid monthly in advance (£1,000 on the 1st of each
month); 120 referrals a year planned (10 a month, no seasonality), all accepted; one FTE at
£6,000 a year (no vacancy, leave or overhead: £500 a month staff cost, £6,000 in all), room for
1,000 open cases, £100 per family started.

As of 2021-09-30 (six months elapsed): settled £6,000 (April to September), £6,000 still to
come (October to March, £1,000 each). The plan expected 60 referrals so far; the prior is worth
6 months of planned referrals, Gamma(60, 60) on the multiplier; 30 referrals seen give
Gamma(90, 120): mean 0.75 (90 a year), sd √90/120. Referrals still to come: 0.75 × 60 = 45 on
average. Every draw: provider income £12,000, cost £6,000 + £100 × (30 + new starts); with all
new referrals started, net = £3,000 − £100 × new referrals, and a loss exactly when more than 30
come.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from data_synthetic import synthesise
from simulate.payments.settle import block_schedule
from simulate.reforecast import ReforecastError, reforecast, summarise
from simulate.reforecast.block import prepare, start_families
from simulate.scenario import load_scenario, with_overrides

AS_OF = dt.date(2021, 9, 30)


def _toy():
    return with_overrides(load_scenario("hereford-befriending-002"), {
        "horizon.referral_months": 12, "horizon.tracking_months": 0, "referrals.streams.0.per_year": 120,
        "referrals.acceptance_probability": 1.0, "workforce.pooled_fte": 1, "workforce.caseload_cap_per_fte": 1000,
        "workforce.vacancy_rate": 0.0, "workforce.leave_share": 0.0, "workforce.cost_per_fte_gbp_per_year": 6000,
        "workforce.cost_per_case_gbp": 100, "finance.provider_overhead_share": 0.0, "payment.annual_value_gbp": 12000,
        "payment.payment_schedule": "monthly",
    })


def _referrals(n: int) -> dict[str, pd.DataFrame]:
    days = pd.date_range("2021-04-01", "2021-09-20", periods=n).normalize()
    return {"referrals.csv": pd.DataFrame({
        "case_id": [f"R{i}" for i in range(n)], "child_id": [f"C{i}" for i in range(n)], "district": "Herefordshire",
        "sub_cohort": "families_0_18", "referral_date": days, "accepted": True, "start_date": days,
        "end_date": days + pd.Timedelta(days=7)})}


def test_settled_and_the_rest_of_the_schedule_by_hand():
    sc = _toy()
    ctx = prepare(sc, _referrals(30), AS_OF)
    assert ctx.settlement.payments["amount"].sum() == 6000.0
    assert ctx.realised_by_month.tolist() == [1000.0] * 6 + [0.0] * 6
    run = reforecast(sc, _referrals(30), AS_OF, draws=5, seed=1)
    assert run.draws["future_due_gbp"].tolist() == [6000.0] * 5
    assert run.draws["total_due_gbp"].tolist() == [12000.0] * 5
    assert run.draws["future_block_gbp"].tolist() == [6000.0] * 5
    assert run.by_payer["commissioner"][0].tolist() == [1000.0] * 12
    rbm = summarise(run)["remaining_by_month.csv"]
    total = rbm[rbm["payer"] == "total"]
    # September is the as-of month: its £1,000 is settled, nothing of it left
    assert total["month"].tolist()[0] == "2021-09" and total["mean_gbp"].tolist() == [0.0] + [1000.0] * 6


def test_referral_posterior_by_hand():
    ctx = prepare(_toy(), _referrals(30), AS_OF)
    row = ctx.calibration.table()[0]
    assert row["referrals_so_far"] == 30 and ctx.cases_to_date == 30 and ctx.started_to_date == 30
    assert row["planned_referrals_so_far"] == pytest.approx(60.0)
    assert row["prior_worth_referrals"] == pytest.approx(60.0)
    assert row["referral_multiplier_posterior_mean"] == pytest.approx(0.75)
    assert row["referral_multiplier_posterior_sd"] == pytest.approx(math.sqrt(90) / 120)
    assert row["posterior_referrals_per_year"] == pytest.approx(90.0)
    assert ctx.remaining.sum() == pytest.approx(60.0)


def test_provider_money_and_new_referrals_by_hand():
    run = reforecast(_toy(), _referrals(30), AS_OF, draws=2000, seed=7)
    d = run.draws
    new = d["new_cases"].to_numpy(float)
    # mean 45; a gamma-mixed Poisson: variance 45 + 60² × 90/120² = 67.5, so the mean of 2,000
    # draws has sd 0.18
    assert new.mean() == pytest.approx(45.0, abs=0.8)
    assert new.var() == pytest.approx(67.5, rel=0.15)
    assert np.allclose(d["provider_income_gbp"], 12000.0)
    assert np.allclose(d["provider_net_gbp"], 3000.0 - 100.0 * new)
    assert np.allclose(d["cost_per_case_gbp"], 12000.0 / (30.0 + new))
    assert np.array_equal(d["provider_loss"].to_numpy() == 1.0, new > 30)
    assert d["new_cases_gbp"].eq(0.0).all()   # a block owes nothing per case


def test_fewer_referrals_so_far_lower_the_referrals_to_come():
    few = reforecast(_toy(), _referrals(15), AS_OF, draws=400, seed=2).draws["new_cases"].mean()
    many = reforecast(_toy(), _referrals(60), AS_OF, draws=400, seed=2).draws["new_cases"].mean()
    # posterior means: (60 + 15)/120 × 60 = 37.5 and (60 + 60)/120 × 60 = 60
    assert few == pytest.approx(37.5, abs=2.0) and many == pytest.approx(60.0, abs=2.5)


def test_starts_wait_for_room_under_capacity():
    # capacity 2 a month; one place held in month 1 by a family open on the as-of day; a start
    # holds a whole place in its month and half a place the next. Month 0: room 2, 2 start;
    # month 1: 1 held + 2 × 0.5 = 2, full, none start; month 2: room 2, 2 start.
    got = start_families(np.array([3, 3, 3]), np.array([2.0, 2.0, 2.0]), np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.5]), 0)
    assert got.tolist() == [2.0, 0.0, 2.0]


def test_young_carers_learn_per_district_and_name_a_bad_district():
    sc = load_scenario("lancs-young-carers-003")
    frames = synthesise(sc, seed=3, extract_date=dt.date(2028, 3, 31)).frames
    ctx = prepare(sc, frames, dt.date(2027, 12, 31))
    cal = pd.DataFrame(ctx.calibration.table())
    assert len(cal) == 12
    # 600 a year × Burnley's referral share 0.077 (seasonality averages 1 over the year)
    assert cal.set_index("district").loc["Burnley", "planned_referrals_per_year"] == pytest.approx(46.2)
    assert cal["referrals_so_far"].sum() == ctx.cases_to_date
    bad = frames["referrals.csv"].copy()
    bad.loc[4, "district"] = "Blackpool"
    with pytest.raises(ReforecastError, match=r"referrals.csv row 6, column district: 'Blackpool'"):
        prepare(sc, dict(frames, **{"referrals.csv": bad}), dt.date(2027, 12, 31))


@pytest.mark.parametrize("name, as_of", [("hereford-mentoring-002", dt.date(2022, 5, 17)),
                                         ("hereford-befriending-002", dt.date(2023, 12, 31)),
                                         ("lancs-young-carers-003", dt.date(2028, 2, 15))])
def test_settled_to_date_is_the_block_schedule_to_the_penny(name, as_of):
    sc = load_scenario(name)
    frames = synthesise(sc, seed=1, extract_date=as_of).frames
    run = reforecast(sc, frames, as_of, draws=3, seed=1)
    expected = block_schedule(sc, as_of).payments
    pd.testing.assert_frame_equal(run.context.settlement.payments.reset_index(drop=True), expected.reset_index(drop=True))
    assert round(run.settled_to_date, 2) == round(float(expected["amount"].sum()), 2)
    # settled + future is the whole schedule in every draw
    whole = float(block_schedule(sc, sc.horizon.contract_end - dt.timedelta(days=1)).payments["amount"].sum())
    assert np.allclose(run.draws["total_due_gbp"], whole)


def test_same_seed_same_draws_with_one_or_two_workers():
    sc = load_scenario("hereford-befriending-002")
    frames = synthesise(sc, 3, extract_date=dt.date(2022, 9, 30)).frames
    a = reforecast(sc, frames, dt.date(2022, 9, 30), draws=30, seed=5, jobs=1, chunk_size=10)
    b = reforecast(sc, frames, dt.date(2022, 9, 30), draws=30, seed=5, jobs=2, chunk_size=10)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert a.draws["new_cases"].nunique() > 1          # the draws differ from each other: not a constant
