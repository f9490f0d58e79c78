"""Intake stages in the flow model: staff time, waits that respond to staffing, work arrays, profiles."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.flow.engine import DONE
from simulate.flow.intake import stage_fte
from simulate.flow.model import HOUR_ACTIVITIES, run_replication
from simulate.scenario import load_scenario, with_overrides


def test_intake_fte_split_by_hours_worked_by_hand():
    sc = load_scenario("lancs-young-carers-003")
    # 13 FTE x (1 - 0.05 vacancy) x (1 - 0.1 leave) x 0.12 intake share = 1.3338 FTE of intake,
    # split by hours per referral: contact 0.5 h, assessment 3 h -> 1/7 and 6/7
    assert stage_fte(sc, 13.0, "contact") == pytest.approx(13 * 0.95 * 0.9 * 0.12 / 7)
    assert stage_fte(sc, 13.0, "assessment") == pytest.approx(13 * 0.95 * 0.9 * 0.12 * 6 / 7)


def _waits(sc, scale: float, reps: int = 4) -> tuple[float, float]:
    contact, assess = [], []
    for r in range(reps):
        rep = run_replication(sc, 5, r, fte_scale=scale, timelines=False, backend="heapq")
        c = rep.cases
        fresh = c.accepted & ~c.snapshot
        contact.append(np.nanmean(rep.calendar.working_days_between(c.referral[fresh], rep.contact_day[fresh])))
        assess.append(np.nanmean(rep.calendar.working_days_between(c.referral[fresh], rep.assessment_day[fresh])))
    return float(np.mean(contact)), float(np.mean(assess))


@pytest.mark.parametrize("preset", ["lancs-young-carers-003", "lancs-ehwb-000"])
def test_more_staff_shorter_contact_and_assessment_waits(preset):
    # metamorphic: the same families (common random numbers) with more staff wait less
    sc = load_scenario(preset)
    low, mid, high = (_waits(sc, s) for s in (0.8, 1.0, 1.5))
    for k in range(2):
        assert low[k] > mid[k] >= high[k], (low, mid, high)


def test_002_contact_wait_responds_to_staffing():
    sc = load_scenario("hereford-mentoring-002")
    low, high = _waits(sc, 0.3, reps=6)[0], _waits(sc, 1.0, reps=6)[0]
    assert low > high


def test_without_hours_contact_is_the_fixed_delay_as_before():
    # no contact_hours / assessment_hours: contact is referral + Poisson working days, no queue
    sc = load_scenario("lancs-edge-of-care-004")
    rep = run_replication(sc, 2, 0, timelines=False)
    c = rep.cases
    acc = c.accepted
    np.testing.assert_array_equal(rep.contact_day[acc], rep.calendar.add_working_days(c.referral[acc], c.contact_delay[acc]))
    assert np.all(rep.hours[:, :2] == 0)


def test_work_arrays_worked_by_hand():
    sc = with_overrides(load_scenario("lancs-young-carers-003"), {"intervention.direct_hours_per_week": 1.0, "intervention.indirect_hours_per_week": 0.5})
    rep = run_replication(sc, 3, 0, timelines=False)
    c, iv = rep.cases, sc.intervention
    assert rep.hours.shape == (len(c), len(HOUR_ACTIVITIES)) and rep.review_offsets.shape == (len(c) + 1,)
    done = np.flatnonzero(rep.status == DONE)
    i = done[np.argmax(rep.end[done] - rep.start[done])]  # the longest finished support
    weeks = (rep.end[i] - rep.start[i] - rep.paused_days[i]) / 7.0
    reviews = rep.review_day[rep.review_offsets[i]:rep.review_offsets[i + 1]]
    # reviews every 12 weeks of support, strictly before it ends
    step = 12 * 7.0
    expected = rep.start[i] + step * np.arange(1, int((rep.end[i] - rep.start[i]) // step) + 1)
    expected = expected[expected < rep.end[i]]
    np.testing.assert_allclose(reviews, expected)
    assert rep.hours[i].tolist() == pytest.approx([0.5, 3.0, 1.0 * weeks, 0.5 * weeks, 1.0 * reviews.size])
    assert rep.support_direct_per_week[i] == pytest.approx(1.0) and rep.support_indirect_per_week[i] == pytest.approx(0.5)
    # contact and assessment days follow the referral and precede the start
    fresh = c.accepted & ~c.snapshot & np.isfinite(rep.start)
    assert np.all(rep.contact_day[fresh] >= c.referral[fresh])
    assert np.all(rep.assessment_day[fresh] >= rep.contact_day[fresh])
    assert np.all(rep.start[fresh] >= rep.assessment_day[fresh] - 1e-9)
    np.testing.assert_array_equal(rep.support_end_day[done], rep.end[done])


def test_monthly_counts_follow_the_referral_profile():
    # 003's profile (August 0.6, ...) on 200,000 referrals a year for 2 years: the count in each
    # calendar month is Poisson with mean rate/365.25 x multiplier x days in that month
    sc = with_overrides(load_scenario("lancs-young-carers-003"), {"referrals.volume_multiplier": 200_000 / 600})
    from simulate.flow.cases import draw_referrals
    from simulate.flow.model import calendar_for
    from simulate.flow.streams import activity_streams

    h = sc.horizon
    cal = calendar_for(h.start_date, h.contract_end)
    t_end = float(cal.day_of(h.referral_end))
    times, _ = draw_referrals(sc, cal, activity_streams(1, 0)["arrivals"], 0.0, t_end)
    month = cal.calendar_month_of(times)
    days = cal.calendar_month_of(np.arange(int(t_end)) + 0.5)
    profile = np.asarray(sc.referrals.seasonality)
    expected = 200_000 / 365.25 * profile * np.bincount(days, minlength=12)
    observed = np.bincount(month, minlength=12)
    z = (observed - expected) / np.sqrt(expected)
    assert np.all(np.abs(z) < 4.5), z
    # and August is visibly quieter than the month before
    assert observed[7] / expected[7] == pytest.approx(1.0, abs=0.02) and observed[7] < 0.7 * observed[6]


@pytest.mark.parametrize("rule", ["finish_with_worker", "reallocate"])
def test_stages_by_district_with_schedule_and_snapshot_keep_the_invariants(rule):
    # intake teams per district following a staffing schedule (a team lost, then recruited),
    # today's open cases and waiting list, either reduction rule: run_replication checks
    # conservation, Little's law, causality and capacity, and every stage respects its order
    import datetime as dt

    import pandas as pd

    from simulate.flow.model import InitialState

    sc = with_overrides(load_scenario("lancs-edge-of-care-004"), {
        "workforce.pooled_fte": None,
        "workforce.fte_by_district": {"Burnley": 3.0, "Hyndburn": 3.0, "Pendle": 3.0, "Preston": 1.0},
        "workforce.reduction_rule": rule, "workforce.intake_share": 0.05,
        "workforce.schedule": [{"date": "2025-06-01", "district": "Preston", "fte": 0.0}, {"date": "2025-09-01", "district": "Preston", "fte": 2.5}],
        "triage.contact_hours": 2.0, "triage.assessment_hours": 4.0,
    })
    origin = sc.horizon.start_date
    state = InitialState(
        open_cases=pd.DataFrame({"district": ["Preston", "Burnley"], "start_date": [origin - dt.timedelta(days=20)] * 2}),
        waiting=pd.DataFrame({"district": ["Preston", "Pendle"], "referral_date": [origin - dt.timedelta(days=9)] * 2}),
    )
    rep = run_replication(sc, 6, 0, initial=state, check=True)
    fresh = rep.cases.accepted & ~rep.cases.snapshot & np.isfinite(rep.assessment_day)
    assert np.all(rep.assessment_day[fresh] >= rep.contact_day[fresh])
    started = fresh & np.isfinite(rep.start)
    assert np.all(rep.start[started] >= rep.assessment_day[started] - 1e-9)
    # Preston has no staff from June to September: only the contact in hand on 1 June (finish
    # with worker) can be completed then
    t0, t1 = rep.calendar.day_of(dt.date(2025, 6, 1)), rep.calendar.day_of(dt.date(2025, 9, 1))
    preston = rep.cases.district == sc.district_names.index("Preston")
    made = rep.contact_day[preston & fresh]
    assert np.sum((made > t0) & (made < t1)) <= 1
    assert np.any(made >= t1)  # and contacts resume after recruitment
