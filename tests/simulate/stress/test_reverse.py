"""Reverse stress tests: the root found is a real crossing of the target, on common random numbers."""

import numpy as np
import pytest

from simulate.scenario import load_scenario
from simulate.stress.reverse import QUESTIONS, _evaluate, reverse_stress

REPS = 8


@pytest.fixture(scope="module")
def sc():
    return load_scenario("lancs-edge-of-care-004")


def test_referral_shortfall_root_is_a_sign_change_of_investor_net(sc):
    q = next(q for q in QUESTIONS if q.name == "capital_lost")
    frame = reverse_stress(sc, REPS, seed=2, xtol=1e-3, questions=(q,))
    row = frame.iloc[0]
    assert row["status"] == "found"
    x = row["value"]
    assert row["referral_shortfall"] == pytest.approx(1 - x)
    from simulate.stress.params import scenario_data

    data = scenario_data(sc)
    below = q.target(_evaluate(data, q, x - 0.01, REPS, 2))
    above = q.target(_evaluate(data, q, x + 0.01, REPS, 2))
    assert below < 0 < above            # fewer referrals lose money, more make it


def test_no_crossing_is_reported_not_invented(sc):
    q = next(q for q in QUESTIONS if q.name == "capital_lost")
    narrow = type(q)(q.name, q.description, q.parameter, 1.5, 2.0, q.target)   # all profitable
    row = reverse_stress(sc, REPS, seed=2, questions=(narrow,)).iloc[0]
    assert row["status"].startswith("no crossing") and np.isnan(row["value"])
    assert row["target_at_low"] > 0 and row["target_at_high"] > 0
