"""Worked examples of children already referred on the as-of date (004 §9.2.1), by hand.

Prices of a diversion child in the 004 preset: £13,700 × 85% stability = £11,645; the
milestone is 40% (£4,658), the tariff 60% (£6,987) over the 18 months from the milestone,
paid per day at home: a child engaged on 2020-01-01 reaches the milestone on 2020-07-01 and its
tracking ends on 2022-01-01, 549 days later, so the tariff is £6,987 / 549 a day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulate.reforecast.complete import complete
from simulate.reforecast.sib import future_stability, prepare
from simulate.scenario import load_scenario, with_overrides

RATE = 6987.0 / 549
COHORT = "diversion_5_9"


def _scenario(**care):
    sc = load_scenario("lancs-edge-of-care-004")
    over = {f"outcomes.care.{COHORT}.{k}": v for k, v in care.items()}
    return with_overrides(sc, over) if over else sc


def _frames(episodes: list[tuple[str, str | None]]) -> dict[str, pd.DataFrame]:
    referrals = pd.DataFrame({
        "case_id": ["R1"], "child_id": ["C1"], "family_id": ["F1"], "sub_cohort": [COHORT],
        "referral_date": pd.to_datetime(["2019-12-10"]), "start_date": pd.to_datetime(["2020-01-01"]),
        "end_date": pd.to_datetime(["2020-05-01"]), "return_home_date": pd.to_datetime([None]),
        "date_of_birth": pd.to_datetime(["2013-03-01"]),
    })
    care = pd.DataFrame({"child_id": ["C1"] * len(episodes), "start_date": pd.to_datetime([s for s, _ in episodes]),
                         "end_date": pd.to_datetime([e for _, e in episodes])})
    return {"referrals.csv": referrals, "care_episodes.csv": care}


def _future_of_child(ctx, rng):
    c = complete(ctx.state, ctx.calibration, ctx.model, rng)
    when, amount, who, _ = future_stability(ctx, c)
    return c, float(amount[who == 0].sum())


def test_child_at_home_on_day_200_of_its_tracking_window_after_one_20_day_period():
    # milestone 2020-07-01; away 2020-09-01 to 2020-09-21 (20 days); as of 2021-01-16, day 200
    # from the milestone. No care hazard: the child stays home to the end of tracking.
    sc = _scenario(hazard_during_support_per_year=0.0, hazard_after_support_per_year=0.0)
    ctx = prepare(sc, _frames([("2020-09-01", "2020-09-21")]), dt.date(2021, 1, 16))
    # settled: milestone £4,658 + tariff for 2020-07-01..2020-12-31 (184 days) less 20 away
    assert ctx.settlement.payments["amount"].sum() == pytest.approx(4658.0 + RATE * (184 - 20), abs=0.005)
    # to come: the tariff month of the as-of date (not yet due) through 2021-12-31: 365 days
    for seed in range(5):
        _, future = _future_of_child(ctx, np.random.default_rng(seed))
        assert future == pytest.approx(RATE * 365, abs=0.005)


def test_a_failed_child_has_no_future_money_whatever_the_draws():
    # three periods away after the milestone: "goes back into care more than twice" (the third ends tracking)
    sc = _scenario(hazard_during_support_per_year=5.0, hazard_after_support_per_year=5.0)
    episodes = [("2020-08-01", "2020-08-05"), ("2020-09-01", "2020-09-05"), ("2020-10-01", "2020-10-05")]
    ctx = prepare(sc, _frames(episodes), dt.date(2020, 12, 31))
    audit = ctx.settlement.audit
    assert audit.loc[audit["metric"] == "stability_tariff", "status"].item() == "failed"
    for seed in range(20):
        _, future = _future_of_child(ctx, np.random.default_rng(seed))
        assert future == 0.0


def test_an_open_period_of_50_days_pays_again_only_if_home_by_day_56():
    # away since 2020-11-12: on 2020-12-31 the period is 50 days old (12 Nov..31 Dec). Spells of
    # mean 60 days so both outcomes occur; no further care entries after the return.
    sc = _scenario(hazard_during_support_per_year=0.0, hazard_after_support_per_year=0.0,
                   spell_days={"dist": "gamma", "mean": 60.0, "sd": 20.0})
    ctx = prepare(sc, _frames([("2020-11-12", None)]), dt.date(2020, 12, 31))
    start = (dt.date(2020, 11, 12) - dt.date(1970, 1, 1)).days
    tracking_end = (dt.date(2022, 1, 1) - dt.date(1970, 1, 1)).days
    december = (dt.date(2020, 12, 1) - dt.date(1970, 1, 1)).days
    resumed = stopped = 0
    for seed in range(60):
        c, future = _future_of_child(ctx, np.random.default_rng(seed))
        home = int(c.end[c.offsets[0]:c.offsets[1]][0])
        length = home - start
        assert length >= 50
        if length <= 56:
            # the tariff from the day home: December (the month not yet due) from the return on
            resumed += 1
            assert future == pytest.approx(RATE * (tracking_end - max(home, december)), abs=0.005)
        else:
            stopped += 1
            assert future == 0.0
    assert resumed > 0 and stopped > 0
