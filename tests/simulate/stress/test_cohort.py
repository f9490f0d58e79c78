"""The fast cohort model: arrival volumes, common random numbers and the stability-success stress."""

import dataclasses

import numpy as np
import pytest

from simulate.scenario import load_scenario
from simulate.stress.cohort import draw_children
from simulate.stress.params import compile_params, override_data, scenario_data
from simulate.stress.sampling import draw_rng


@pytest.fixture(scope="module")
def data():
    return scenario_data(load_scenario("lancs-edge-of-care-004"))


def test_mean_referrals_match_the_plan(data):
    p = compile_params(data)
    # 004 §2.2: 44+25+23+35+3.3+2+2+2 = 136.3 a year; five years; 85% accepted; seasonality averages 1
    expected = 136.3 * 5 * 0.85
    counts = [draw_children(p, draw_rng(3, i)).referred for i in range(60)]
    se = np.sqrt(expected / len(counts))
    assert abs(np.mean(counts) - expected) < 4 * se


def test_lower_volume_keeps_a_subset_of_the_same_children(data):
    full = draw_children(compile_params(data), draw_rng(5, 0), candidate_factor=2.0)
    fewer = draw_children(compile_params(override_data(data, {"referrals.volume_multiplier": 0.7})), draw_rng(5, 0), candidate_factor=2.0)
    assert 0 < len(fewer.engage) < len(full.engage)
    assert set(np.round(fewer.engage, 9)) <= set(np.round(full.engage, 9))


def test_stability_success_20pct_lower_fails_one_in_five_achievers(data):
    base = compile_params(data)
    stressed = dataclasses.replace(base, stability_success=0.8)
    ms = 6 * 365.25 / 12
    ok_base = ok_stressed = 0
    for i in range(10):
        b = draw_children(base, draw_rng(9, i))
        s = draw_children(stressed, draw_rng(9, i))
        ok_base += int((b.entries[:, 0] >= b.t0 + ms).sum())
        ok_stressed += int((s.entries[:, 0] >= s.t0 + ms).sum())
    assert ok_stressed / ok_base == pytest.approx(0.8, abs=0.03)


def test_zero_hazards_mean_no_care_entries(data):
    zero = {f"outcomes.care.{c}.{h}": 0.0 for c in ("diversion_5_9", "diversion_10_15", "reunification_5_9", "reunification_10_15")
            for h in ("hazard_during_support_per_year", "hazard_after_support_per_year", "counterfactual_hazard_per_year")}
    c = draw_children(compile_params(override_data(data, zero)), draw_rng(1, 0))
    assert np.isinf(c.entries).all() and np.isinf(c.cf_entries).all()


def test_a_longer_savings_horizon_counts_more_care_days_avoided(data):
    from simulate.stress.settle import settle

    short = compile_params(data)
    long_ = compile_params(override_data(data, {"finance.savings_horizon_months": 60}))
    assert short.savings_months == 24 and long_.savings_months == 60
    a = settle(short, draw_children(short, draw_rng(2, 0)))
    b = settle(long_, draw_children(long_, draw_rng(2, 0)))
    assert b.days_avoided.sum() > a.days_avoided.sum()
    assert len(b.days_avoided) > len(a.days_avoided) >= short.months   # the grid runs past the contract
    assert b.due.sum() == pytest.approx(a.due.sum())                    # payments do not change
