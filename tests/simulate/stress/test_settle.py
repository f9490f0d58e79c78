"""The stress engine's vectorised stability settlement on five children worked by hand."""

import dataclasses

import numpy as np
import pytest

from simulate.scenario import load_scenario
from simulate.stress.cohort import Children, entry_time
from simulate.stress.params import compile_params, scenario_data
from simulate.stress.settle import settle

INF = np.inf
MONTH = 365.25 / 12                      # the child's clock uses average months
MILESTONE_DAY = 6 * MONTH                # 182.625
TARIFF_DAYS = 18 * MONTH                 # 547.875


@pytest.fixture(scope="module")
def params():
    p = compile_params(scenario_data(load_scenario("lancs-edge-of-care-004")))
    return dataclasses.replace(
        p, price=np.full(len(p.price), 20000.0), p_metric={k: 0.0 for k in p.p_metric},
        shares={"stability": 0.85, "family_functioning": 0.05, "education": 0.05, "reading": 0.05},
        milestone_share=0.4, resume_days=56.0, failing_spell=3, cost_per_case=0.0,
    )


def _children(entries, lengths):
    entries = np.array(entries, float)
    lengths = np.array(lengths, float)
    n = len(entries)
    t0 = np.zeros(n)
    return Children(
        cohort=np.zeros(n, int), engage=t0, support_end=t0 + 100.0, disengaged=np.zeros(n, bool), t0=t0,
        window_end=t0 + 24 * MONTH, savings_end=t0 + 24 * MONTH, entries=entries, exits=entries + lengths, spell_len=lengths,
        cf_entries=np.full((n, 3), INF), cf_exits=np.full((n, 3), INF), u_metric=np.ones((n, 4)), referred=n, turned_away=0,
    )


def test_stability_payments_by_hand(params):
    milestone = 0.85 * 0.4 * 20000          # £6,800
    tariff = 0.85 * 0.6 * 20000             # £10,200 for 547.875 home days
    per_day = tariff / TARIFF_DAYS
    c = _children(
        entries=[[INF, INF, INF], [100, INF, INF], [300, INF, INF], [300, INF, INF], [200, 300, 400]],
        lengths=[[0, 0, 0], [30, 0, 0], [30, 0, 0], [60, 0, 0], [10, 10, 10]],
    )
    s = settle(params, c, engine="cusp")
    expected = [
        milestone + tariff,                                        # home throughout
        0.0,                                                       # care entry in the first six months
        milestone + tariff - 30 * per_day,                         # a 30-day pause
        milestone + (300 - MILESTONE_DAY) * per_day,               # a 60-day spell (> 8 weeks) ends tracking
        milestone + ((400 - MILESTONE_DAY) - 20) * per_day,        # the third spell fails the intervention
    ]
    assert s.stability_by_child == pytest.approx(expected, rel=1e-9)
    assert s.due.sum() == pytest.approx(sum(expected), rel=1e-9)
    assert s.milestone_ok.tolist() == [True, False, True, True, True]


def test_payments_engine_on_calendar_months_by_hand(params):
    # The audited engine (simulate.payments) counts calendar months and whole days: with t0 on
    # 1 Sep 2019 the milestone falls on 1 Mar 2020 (day 182) and tracking ends 1 Sep 2021 (day 731).
    milestone, tariff = 0.85 * 0.4 * 20000, 0.85 * 0.6 * 20000
    per_day = tariff / (731 - 182)
    c = _children(entries=[[INF, INF, INF], [100, INF, INF], [300, INF, INF], [300, INF, INF]],
                  lengths=[[0, 0, 0], [30, 0, 0], [30, 0, 0], [60, 0, 0]])
    s = settle(params, c, engine="payments")
    expected = [milestone + tariff, 0.0, milestone + (549 - 30) * per_day, milestone + (300 - 182) * per_day]
    assert s.stability_by_child == pytest.approx(expected, rel=1e-9)
    assert s.due.sum() == pytest.approx(sum(expected), rel=1e-9)


def test_the_two_stability_engines_agree_on_a_simulated_cohort(params):
    from simulate.stress.cohort import draw_children
    from simulate.stress.sampling import draw_rng

    c = draw_children(params, draw_rng(4, 0))
    a, b = settle(params, c, engine="payments"), settle(params, c, engine="cusp")
    assert a.due.sum() == pytest.approx(b.due.sum(), rel=0.005)       # calendar vs average months
    assert (a.milestone_ok != b.milestone_ok).mean() < 0.01


def test_entry_time_through_a_piecewise_hazard():
    t = np.zeros(3)
    switch = np.full(3, 365.25)
    # hazard 0.5/yr for a year then 1/yr: cumulative 0.25 is reached at half a year, 1.0 at 1.5 years
    got = entry_time(t, switch, np.full(3, 0.5), np.array([1.0, 1.0, 0.0]), np.array([0.25, 1.0, 1.0]))
    assert got.tolist() == pytest.approx([182.625, 547.875, INF])
