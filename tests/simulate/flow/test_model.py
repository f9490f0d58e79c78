"""The scenario-driven model: presets run, invariants hold, common random numbers, arrivals, timelines."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulate.calendar import WorkingCalendar
from simulate.flow.arrivals import thinned_arrivals
from simulate.flow.errors import FlowInvariantError
from simulate.flow.invariants import check_replication
from simulate.flow.metrics import kpi_table
from simulate.flow.model import InitialState, run_replication
from simulate.scenario import list_presets, load_scenario, with_overrides

PRESETS = list_presets()


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_runs_with_invariants(name):
    sc = load_scenario(name)
    rep = run_replication(sc, seed=5, replication=0)  # invariants are asserted inside
    table = kpi_table(rep, "quarter")
    assert set(table.columns) == {"replication", "period", "index", "label", "district", "metric", "value", "numerator", "denominator"}
    assert len(table) > 0


def test_invariant_check_catches_a_broken_run():
    referral = np.array([0.0, 1.0])
    ready = referral.copy()
    start = np.array([0.5, 0.5])  # case 1 starts before it is ready
    end = np.array([2.0, 3.0])
    status = np.array([3, 3], dtype=np.int8)
    with pytest.raises(FlowInvariantError):
        check_replication(referral, np.array([True, True]), ready, start, end, status, np.zeros(2, int), [None], 10.0, False)


def test_conservation_counts_close():
    sc = load_scenario("lancs-edge-of-care-004")
    rep = run_replication(sc, seed=9, replication=1)
    n = len(rep.cases)
    counted = (rep.status == -1).sum() + sum((rep.status == k).sum() for k in range(6))
    assert counted == n


def test_more_staff_never_lengthens_mean_waits_on_common_random_numbers():
    sc = with_overrides(load_scenario("lancs-ehwb-000"), {"workforce.pooled_fte": 14})
    waits = []
    for fte in (14, 16, 20):
        reps = [run_replication(sc, seed=3, replication=r, fte_override=fte, timelines=False) for r in range(3)]
        waits.append(np.mean([np.nanmean(r.start - r.cases.ready) for r in reps]))
    assert waits[0] > waits[1] >= waits[2] - 1e-9
    assert waits[0] > 1.0  # 14 FTE really queues


def test_fewer_referrals_in_august():
    cal = WorkingCalendar(dt.date(2020, 1, 1), dt.date(2029, 12, 31))
    season = [1.05, 1.05, 1.1, 1.0, 1.05, 1.05, 0.9, 0.6, 1.05, 1.1, 1.1, 0.95]
    t1 = cal.day_of(dt.date(2030, 1, 1))
    times = thinned_arrivals(np.random.default_rng(4), 3650.0, 0.0, float(t1), cal, 0.0, season)
    month = cal.calendar_month_of(times)
    per_day = np.bincount(month, minlength=12) / np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) / 10
    # expected arrivals a day: 3650/365.25 * multiplier; August 0.6 * 9.993 = 6.0, March 1.1 * 9.993 = 11.0
    assert abs(per_day[7] - 6.0) < 3.3 * np.sqrt(6.0 / 310)
    assert abs(per_day[2] - 11.0) < 3.3 * np.sqrt(11.0 / 310)


def test_trend_grows_arrivals():
    cal = WorkingCalendar(dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    times = thinned_arrivals(np.random.default_rng(5), 5000.0, 0.0, 4 * 365.25, cal, 0.5, None)
    first, last = (times < 365.25).sum(), (times >= 3 * 365.25).sum()
    # year 1 expects 5000 * 0.5/ln1.5 = 6166; year 4 expects 1.5^3 times as many
    assert abs(last / first - 1.5**3) < 0.1


def test_initial_state_open_cases_and_waiting_list():
    sc = with_overrides(load_scenario("lancs-edge-of-care-004"), {"workforce.pooled_fte": 2})
    origin = sc.horizon.start_date
    initial = InitialState(
        open_cases=pd.DataFrame({"district": ["Burnley"] * 10, "start_date": [origin - dt.timedelta(days=30)] * 10, "end_date": [origin + dt.timedelta(days=60)] * 10}),
        waiting=pd.DataFrame({"district": ["Preston"] * 5, "referral_date": [origin - dt.timedelta(days=20)] * 5, "need_level": [4] * 5}),
    )
    rep = run_replication(sc, seed=1, replication=0, initial=initial)
    # 2 FTE x 0.95 x 0.9 x 6 = 10 slots, all held by the open cases until day 60
    assert rep.staffing.slots0 == [10.0]
    snap = rep.cases.snapshot
    assert snap.sum() == 5
    started = np.isfinite(rep.start)
    assert np.all(rep.start[snap & started] >= 60.0)
    assert np.all(started[snap] | (rep.status[snap] == 4))  # each snapshot case started or gave up
    assert np.nanmin(rep.start[~snap]) >= 60.0


def test_timeline_arrays_are_consistent():
    sc = load_scenario("lancs-edge-of-care-004")
    rep = run_replication(sc, seed=2, replication=0)
    tl = rep.timelines
    n = len(tl)
    assert n == np.isfinite(rep.start).sum() > 0
    assert tl.spell_offsets[0] == 0 and tl.spell_offsets[-1] == tl.spell_start.size and tl.spell_offsets.size == n + 1
    assert np.all(np.diff(tl.spell_offsets) >= 0)
    assert np.all(tl.spell_end > tl.spell_start)
    for i in range(n):
        s, e = tl.spells(i)
        assert np.all(s[1:] >= e[:-1])  # spells of one child do not overlap
        if s.size:
            assert s[0] >= tl.engagement_day[i]
    reunified = tl.kind == "reunification"
    assert np.all(np.isnan(tl.return_home_day[~reunified]))
    assert np.all((tl.return_home_day[reunified] >= tl.engagement_day[reunified]) | np.isnan(tl.return_home_day[reunified]))
    frames = tl.to_frames()
    assert len(frames["children"]) == n and len(frames["spells"]) == tl.spell_start.size
    assert tl.score_change.shape == (n, len(sc.outcomes.distance_travelled))


def test_care_entry_after_support_follows_the_hazard():
    sc = with_overrides(load_scenario("lancs-edge-of-care-004"), {
        "outcomes.care.diversion_5_9.hazard_after_support_per_year": 0.3,
        "outcomes.care.diversion_10_15.hazard_after_support_per_year": 0.3,
        "outcomes.care.reunification_5_9.hazard_after_support_per_year": 0.3,
        "outcomes.care.reunification_10_15.hazard_after_support_per_year": 0.3,
    })
    hits = total = 0
    for r in range(6):
        tl = run_replication(sc, seed=11, replication=r).timelines
        ok = (tl.exit_route != "care_entry") & np.isfinite(tl.support_end_day) & (tl.support_end_day + 365.25 < tl.horizon_day)
        first = np.where(np.diff(tl.spell_offsets) > 0, tl.spell_start[np.minimum(tl.spell_offsets[:-1], max(tl.spell_start.size - 1, 0))], np.inf)
        hits += int(np.sum(first[ok] - tl.support_end_day[ok] <= 365.25))
        total += int(ok.sum())
    # P(entry within a year of support ending) = 1 - exp(-0.3) = 0.2592; binomial SE with ~3,000 children ~ 0.008
    p = hits / total
    assert total > 1500 and abs(p - 0.2592) < 3.3 * np.sqrt(0.2592 * 0.7408 / total), (p, total)
