"""The evidence the hazard multiplier learns from, and conditional draws, by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.reforecast.calibrate import Priors, calibrate
from simulate.reforecast.dists import draw_above
from simulate.reforecast.state import SibState


def _one_child():
    """One child, t0 = day 0, support to day 100, away days 150-170, as of day 364; a prior
    engagement rate of 0.1 a day worth 6 months and a care hazard worth 10 entries."""
    state = SibState(day=364, child_id=np.array(["C"], object), cohort=np.array([0]), cohort_names=("a",),
                     referral=np.array([-10]), engage=np.array([0]), t0=np.array([0]), support_end=np.array([100]),
                     offsets=np.array([0, 1]), start=np.array([150]), end=np.array([170]),
                     one_off_status=np.full((1, 4), "not yet due", object), one_off_due=np.full((1, 4), -1))
    return calibrate(state, np.array([0.1]), (0, 1000), np.array([0.73]), np.array([0.365]), 100.0, Priors(6.0, 10.0))


def test_care_entries_against_the_hazard_expected_over_days_at_home():
    # one child, t0 = day 0, support to day 100; away days 150-170; as of day 364.
    # At home: [0, 150) and [170, 365) = 150 + 195 = 345 days. Hazard 0.73 a year during support
    # (days 0-99: 100 days) and 0.365 after (245 days): expected = 0.73*100/365.25 + 0.365*245/365.25
    cal = _one_child()
    expected = 0.73 * 100 / 365.25 + 0.365 * 245 / 365.25
    assert cal.home_days[0] == 345
    assert cal.entries_seen[0] == 1
    assert cal.entries_expected[0] == pytest.approx(expected)
    assert cal.hazard_posterior[0].mean == pytest.approx((10 + 1) / (10 + expected))
    # referrals: 1 engaged child over 365 days of the window, prior 0.1 a day worth 6 months
    assert cal.referral_posterior[0].mean == pytest.approx((0.1 * 182.625 + 1) / (182.625 + 365))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 3000), min_size=1, max_size=20), st.integers(0, 2**32 - 1))
def test_a_period_that_has_lasted_a_days_is_drawn_at_least_a_days_long(bounds, seed):
    rng = np.random.default_rng(seed)
    for dist in ({"dist": "gamma", "mean": 850.0, "sd": 850.0}, {"dist": "lognormal", "mean": 60.0, "sd": 30.0},
                 {"dist": "fixed", "value": 56.0}, {"dist": "exponential", "mean": 30.0}):
        out = draw_above(dist, np.array(bounds), rng)
        assert np.all(out >= np.array(bounds))


def test_published_table_recomputes_the_posterior_from_the_published_count():
    # the one-child state above; published as if 1 engaged child were shown as 5 and the care
    # entry as 0: the posteriors are those 5 and 0 would give, not the true ones
    cal = _one_child()
    expected = 0.73 * 100 / 365.25 + 0.365 * 245 / 365.25
    shown = {"engaged_so_far": 5, "care_entries_seen": 0}
    row = cal.published_table(lambda column, i, n: shown[column])[0]
    assert row["engaged_so_far"] == 5 and row["care_entries_seen"] == 0
    assert row["posterior_engagements_per_year"] == pytest.approx((0.1 * 182.625 + 5) / (182.625 + 365) * 365.25)
    assert row["hazard_multiplier_posterior_mean"] == pytest.approx(10 / (10 + expected))
    # suppressed children: nothing resting on them is published
    row = cal.published_table(lambda column, i, n: None if column == "engaged_so_far" else int(n))[0]
    assert row["engaged_so_far"] is None
    assert all(row[c] is None for c in ("posterior_engagements_per_year", "hazard_multiplier_posterior_mean",
                                        "child_days_at_home", "care_entries_expected"))
    # the true table is unchanged
    assert cal.table()[0]["engaged_so_far"] == 1
