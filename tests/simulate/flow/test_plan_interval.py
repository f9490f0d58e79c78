"""``plan``: an interval on the answer, a monotone crossing, and a plain 'cannot be met' with the reason."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from simulate.flow import plan as plan_module
from simulate.flow.plan import bootstrap_interval, crossing, non_monotone_regions, plan_fte
from simulate.scenario import load_scenario


def test_crossing_is_the_level_from_which_every_higher_level_passes():
    # 0.95 at level 1 passes but level 2 fails: the crossing is level 3, not level 1
    assert crossing(np.array([0.2, 0.95, 0.5, 0.92, 0.97]), 0.9) == 3
    # the top fails: no crossing (one past the end)
    assert crossing(np.array([0.95, 0.97, 0.4]), 0.9) == 3
    # row-wise for bootstrap matrices
    assert crossing(np.array([[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]), 0.9).tolist() == [1, 2]


def test_non_monotone_regions_by_hand():
    fte = np.array([10.0, 11.62, 14.0, 16.0, 18.0, 20.0])
    p = np.array([0.1, 0.95, 0.3, 0.2, 0.4, 0.99])
    # 11.62 passes, 14 above it fails: one region from 11.62 to 14
    assert non_monotone_regions(fte, p, 0.9) == [(11.62, 14.0)]
    assert non_monotone_regions(fte, np.sort(p), 0.9) == []


def test_bootstrap_interval_is_degenerate_when_every_replication_agrees():
    scores = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]], float)
    assert bootstrap_interval(scores, np.array([5.0, 6.0, 7.0]), 0.9, seed=1) == (6.0, 6.0)


def test_bootstrap_interval_spreads_when_replications_disagree():
    # 10 replications: level 6 is met by 9 of them (P = 0.9, just enough), level 7 by all.
    # Resamples drawing the failing replication more than once fall back to level 7: the
    # interval is [6, 7]; resamples never need level 5 (met by none).
    scores = np.array([[0] * 10, [1] * 9 + [0], [1] * 10], float)
    low, high = bootstrap_interval(scores, np.array([5.0, 6.0, 7.0]), 0.9, seed=3)
    assert (low, high) == (6.0, 7.0)
    # if the top level is not met by every resample either, the upper end is open
    scores2 = np.array([[0] * 10, [1] * 9 + [0], [1] * 9 + [0]], float)
    assert bootstrap_interval(scores2, np.array([5.0, 6.0, 7.0]), 0.9, seed=3)[1] == np.inf


def _fake_engine(monkeypatch, passing):
    """Replace the simulation by a rule on FTE: every replication meets the target iff passing(fte)."""
    def fake_run(scenario, reps, seed, **kwargs):
        fte = kwargs.get("fte_override", scenario.workforce.total_fte)
        return SimpleNamespace(kpis=(float(fte), reps))

    def fake_met(scenario, kpis, target, criterion="every"):
        fte, reps = kpis
        return np.full(reps, float(passing(fte))), np.full((reps, 4), fte)

    monkeypatch.setattr(plan_module, "run_replications", fake_run)
    monkeypatch.setattr(plan_module, "met_by_replication", fake_met)


def test_a_passing_level_below_failing_levels_is_not_the_answer(monkeypatch):
    # the case: 11.62 FTE passes where 14-18 FTE fail; the answer must be above 18
    _fake_engine(monkeypatch, lambda fte: 11 <= fte < 14 or fte >= 18)
    res = plan_fte(load_scenario("lancs-ehwb-000"), "start_within_4_weeks", 0.9, reps=5, seed=1)
    assert res.answer is not None and 18 <= res.answer < 18.2  # grid steps of 1/12 FTE
    assert res.interval == (res.answer, res.answer)  # every replication agrees
    assert res.non_monotone and res.non_monotone[0][0] < 14 and 14 <= res.non_monotone[0][1] < 18
    curve = res.curve.set_index("fte")
    assert (curve.loc[curve.index >= res.answer, "probability"] == 1).all()
    assert (curve.loc[(curve.index >= 14) & (curve.index < 18), "probability"] == 0).any()


def test_unreachable_target_says_so_and_why(monkeypatch):
    _fake_engine(monkeypatch, lambda fte: False)
    sc = load_scenario("lancs-ehwb-000")
    res = plan_fte(sc, "start_within_4_weeks", 0.9, reps=3, seed=1)
    assert res.answer is None and res.interval is None
    # the very large staffing is 10x today's 24 FTE = 240 FTE
    assert res.limit["fte"] == pytest.approx(240.0)
    assert "even with 240.00 FTE (10x today's 24.00)" in res.reason


def test_outcome_target_cannot_be_bought_with_staff():
    # 002 'progress towards goals': 90% improved every quarter; improvement does not depend on
    # staffing, so even ten times the staff (35 FTE) does not meet it with probability 0.9
    sc = load_scenario("hereford-mentoring-002")
    res = plan_fte(sc, "progress_towards_goals", 0.9, reps=3, seed=2)
    assert res.answer is None
    assert res.limit["fte"] == pytest.approx(35.0) and res.limit["probability"] < 0.9
    assert "even with 35.00 FTE" in res.reason and "%" in res.reason


def test_real_plan_answer_lies_in_its_interval():
    sc = load_scenario("lancs-ehwb-000")
    res = plan_fte(sc, "start_within_4_weeks", 0.9, reps=6, seed=2)
    low, high = res.interval
    assert low <= res.answer <= high
    curve = res.curve.set_index("fte")
    assert (curve.loc[curve.index >= res.answer, "probability"] >= 0.9).all()
    assert res.reason is None
