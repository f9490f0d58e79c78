"""Real extracts reach the registry through the tidy per-case frame (case_table_from_frames)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulate.kpis import KpiParams, case_table_from_frames, evaluate
from simulate.scenario import load_scenario


def test_frames_give_the_same_hand_worked_value(tiny):
    # the 003 waits example as dates: referred Mon 2 Jun 2025 (day 0), assessed Mon 9 Jun (5 wd);
    # referred Wed 4 Jun, assessed Wed 2 Jul (20 wd); a second district's child still waiting
    cases = pd.DataFrame({
        "district": ["north", "north", "south"],
        "referral_date": ["2025-06-02", "2025-06-04", "2025-06-12"],
        "assessment_date": ["2025-06-09", "2025-07-02", None],
        "start_date": ["2025-06-16", None, None],
    })
    t = case_table_from_frames(cases, tiny.origin, ["north", "south"])
    res = evaluate(t, tiny.windows("quarter"), tiny.cal, KpiParams(), tiny.n_days)
    assert res["mean_wait_to_assessment_working_days"].value[0].tolist()[:1] == [12.5]
    # south: still waiting on Mon 1 Sep from Thu 12 Jun: Fri + 11 weeks - 25 Aug + Mon = 56
    assert res["longest_wait_to_assessment_working_days"].value[0, 1] == 56
    assert np.isnan(res["mean_wait_to_assessment_working_days"].value[0, 1])


def test_unknown_district_is_refused(tiny):
    with pytest.raises(KeyError, match="unknown district 'east'"):
        case_table_from_frames(pd.DataFrame({"district": ["east"], "referral_date": ["2025-06-02"]}), dt.date(2025, 6, 2), ["north"])


def test_targets_point_at_the_registry():
    for t in load_scenario("hereford-mentoring-002").kpi_targets:
        assert t.definition.name == t.metric
