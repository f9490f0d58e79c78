"""The flow simulation's timelines (float days since an origin) settle like day numbers."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np

from simulate.payments.from_flow import stability_from_timelines
from simulate.payments.terms import NOT_ELIGIBLE, NOT_YET_DUE, PAID, STOPPED, sib_terms
from simulate.scenario import load_scenario, with_overrides

# price pinned at £20,000 (milestone 0.85*0.4*20000 = £6,800, tariff 0.85*0.6*20000 = £10,200); the preset's own price is recalibrated
SC = with_overrides(load_scenario("lancs-edge-of-care-004"), {"payment.caps.total_gbp": None, "payment.max_per_child_gbp": 20000})


def test_float_days_floor_to_calendar_days():
    # origin 2019-09-01; child 0 starts 30.6 -> 2019-10-01, home throughout;
    # child 1 starts 30.6, in care from day 400.2 (2020-10-05: 366 days to 2020-09-01, then 34) for good -> stopped after 56 days;
    # child 2 is a reunification child not yet home (NaN): not eligible.
    tl = SimpleNamespace(
        origin=dt.date(2019, 9, 1), tracking_start_day=np.array([30.6, 30.6, np.nan]), referral_day=np.array([10.0, 10.0, 12.0]),
        spell_offsets=np.array([0, 0, 1, 1]), spell_start=np.array([400.2]), spell_end=np.array([np.inf]),
        sub_cohort=np.array([0, 0, 2]), sub_cohort_names=[s.name for s in SC.sub_cohorts],
    )
    res = stability_from_timelines(tl, sib_terms(SC), monthly=True)
    assert res.milestone_status.tolist() == [PAID, PAID, NOT_ELIGIBLE]
    assert res.milestone_due[0] == (np.datetime64("2020-04-01") - np.datetime64("1970-01-01")).astype(int)
    assert res.milestone_amount[0] == 6800.0
    window = (np.datetime64("2021-10-01") - np.datetime64("2020-04-01")).astype(int)     # 548 days
    assert abs(res.tariff_amount[0] - 10200) < 1e-6
    home = (np.datetime64("2020-10-05") - np.datetime64("2020-04-01")).astype(int)        # 187 days
    assert res.tariff_status[1] == STOPPED and res.tariff_days[1] == home
    assert abs(res.tariff_amount[1] - 10200 / window * home) < 1e-6
    assert res.tariff_status[2] == NOT_ELIGIBLE and res.total[2] == 0
    assert NOT_YET_DUE not in res.tariff_status.tolist()
