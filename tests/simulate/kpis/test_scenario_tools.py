"""The scenarios' assessment-tool areas agree with the evaluation's tool registry.

The simulation may not import ``evaluation``, so each scenario carries its tools' areas,
directions and scales; this test (which may import both) keeps them in step.
"""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.tools import get_tool
from simulate.flow import run_replication
from simulate.scenario import list_presets, load_scenario, with_overrides


@pytest.mark.parametrize("name", list_presets())
def test_preset_areas_match_the_tool_registry(name):
    for d in load_scenario(name).outcomes.distance_travelled:
        tool = get_tool(d.tool)
        want = tool.areas if d.area == "total" else (tool.area(d.area),)
        got = [(a.name, a.higher_is_better, a.min_score, a.max_score) for a in d.areas]
        assert got == [(a.name, a.higher_is_better, a.min_score, a.max_score) for a in want]


def test_direction_comes_from_the_tool_not_the_mean_change():
    # 000 with the children's mean change set to -2 points (SD 9) on a higher-is-better tool:
    # P(change > 0) = P(Z > 2/9) = 1 - Phi(0.222) = 0.412 (inferring the direction from the
    # sign of the mean would report 0.588)
    sc = with_overrides(load_scenario("lancs-ehwb-000"), {"outcomes.distance_travelled.0.mean_change": -2.0})
    tl = run_replication(sc, seed=11, check=False).timelines
    improved = tl.improved()[:, 0]
    has = np.isfinite(tl.score_change[:, 0])
    share = improved[has].mean()
    se = np.sqrt(0.412 * 0.588 / has.sum())
    assert abs(share - 0.412) < 4 * se


def test_per_area_scores_stay_on_the_scale_and_follow_the_tools_used():
    sc = load_scenario("lancs-young-carers-003")
    tl = run_replication(sc, seed=2, check=False).timelines
    a = tl.areas
    fu = np.isfinite(a.follow_up)
    assert np.all((a.baseline >= a.min_score) & (a.baseline <= a.max_score))
    assert np.all((a.follow_up[fu] >= a.min_score[fu]) & (a.follow_up[fu] <= a.max_score[fu]))
    # 003: one tool per child (MACA, PANOC or My Star)
    tools_per_case = {}
    for c, t in zip(a.case, a.tool):
        tools_per_case.setdefault(int(c), set()).add(t)
    assert all(len(v) == 1 for v in tools_per_case.values())
    # MACA improves by falling: its areas are lower-is-better in the simulated scores
    assert not a.higher_is_better[a.tool == "maca_yc18"].any()
