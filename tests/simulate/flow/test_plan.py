"""``plan``: the smallest FTE meeting a target with the required probability, without needless re-simulation."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.flow import plan as plan_module
from simulate.flow.errors import PlanError
from simulate.flow.plan import plan_fte
from simulate.scenario import load_scenario


def test_plan_finds_the_boundary_and_memoises(monkeypatch):
    sc = load_scenario("lancs-ehwb-000")
    calls = []
    real = plan_module.run_replications

    def counting(*args, **kwargs):
        calls.append(kwargs.get("fte_override"))
        return real(*args, **kwargs)

    monkeypatch.setattr(plan_module, "run_replications", counting)
    res = plan_fte(sc, "start_within_4_weeks", 0.9, reps=4, seed=2)
    curve = res.curve.set_index("fte")
    assert res.answer is not None
    assert curve.loc[res.answer, "probability"] >= 0.9
    below = curve[curve.index < res.answer]
    assert len(below) and below["probability"].iloc[-1] < 0.9  # the level just below fails
    # bisection over ~1,000 levels: a few dozen runs at most, each level once
    levels = [c for c in calls if c is not None]
    assert len(levels) == len(set(levels)) < 30
    # cost column is FTE x cost per FTE (hand: 36,000 per FTE)
    assert curve["cost_gbp_per_year"].to_numpy() == pytest.approx(curve.index.to_numpy() * 36_000)


def test_plan_unknown_target():
    with pytest.raises(PlanError):
        plan_fte(load_scenario("hereford-mentoring-002"), "no_such_target", reps=2)


def test_workforce_by_district_pools_and_district_plan():
    from simulate.flow.metrics import kpi_table
    from simulate.flow.model import run_replication
    from simulate.scenario import with_overrides

    sc = with_overrides(load_scenario("lancs-edge-of-care-004"), {
        "workforce.pooled_fte": None,
        "workforce.fte_by_district": {"Burnley": 3.0, "Hyndburn": 3.0, "Pendle": 3.0, "Preston": 1.0},
    })
    rep = run_replication(sc, seed=4)
    assert rep.staffing.pools == ["Burnley", "Hyndburn", "Pendle", "Preston"]
    # each district's cases only ever use its own pool
    assert np.array_equal(rep.pool, rep.cases.district)
    y = kpi_table(rep, "year")
    util = y[(y["metric"] == "utilisation") & (y["index"] == 1)].set_index("district")["value"]
    assert util[["Burnley", "Hyndburn", "Pendle", "Preston"]].notna().all()
    waits = y[(y["metric"] == "mean_wait_to_start_working_days") & (y["index"] == 1)].set_index("district")["value"]
    assert waits["Preston"] > waits["Burnley"]  # Preston: a third of the staff for the most referrals
    res = plan_fte(sc, "start_within_target", 0.5, reps=3, seed=1, district="Preston", criterion="per_period", max_fte=4.0)
    assert res.curve["fte"].max() <= 4.0 + 1e-9 and len(res.curve) >= 1


def test_plan_finds_a_finite_staffing_for_002_contact_within_5_working_days():
    # contact is staff time (intake stage): with too few staff the 5-working-day contact fails
    from simulate.flow.plan import plan_fte
    from simulate.scenario import load_scenario

    res = plan_fte(load_scenario("hereford-mentoring-002"), "responded_within_timescale", 0.8, reps=10, seed=1)
    assert res.answer is not None and res.reason is None
    assert res.curve["probability"].iloc[0] < 0.8  # the smallest staffing fails


@pytest.mark.slow
def test_plan_finds_a_finite_staffing_for_003_longest_wait_to_assessment():
    from simulate.flow.plan import plan_fte
    from simulate.scenario import load_scenario

    res = plan_fte(load_scenario("lancs-young-carers-003"), "longest_wait_to_assessment", 0.9, reps=20, seed=1)
    assert res.answer is not None and res.answer < 4 * 13


def test_plan_says_why_when_a_fixed_delay_exceeds_the_target():
    # 15 + 6 working days of fixed delay (Poisson) before assessment: the longest wait to
    # assessment is >= 20 working days in most quarters whatever the staffing
    from simulate.flow.plan import plan_fte
    from simulate.scenario import load_scenario, with_overrides

    sc = with_overrides(load_scenario("lancs-young-carers-003"), {"triage.contact_delay_working_days": 15, "triage.assessment_delay_working_days": 6})
    res = plan_fte(sc, "longest_wait_to_assessment", 0.9, reps=3, seed=1, max_fte=2)
    assert res.answer is None
    assert "no staffing meets" in res.reason and "fixed delay to assessment" in res.reason, res.reason
