"""Caps, payer windows, monthly binning and care days avoided on hand-worked examples."""

import numpy as np
import pytest

from simulate.finance.calendar import interval_days_by_month
from simulate.finance.payers import apply_caps, split_by_payer
from simulate.finance.savings import care_cost_per_day, days_in_care, savings_by_month


def test_total_cap_cuts_the_last_payments_due():
    capped = apply_caps(np.array([100.0, 100.0, 100.0]), total_cap=250.0)
    assert capped.paid.tolist() == [100.0, 100.0, 50.0]
    assert capped.cut.tolist() == [0.0, 0.0, 50.0]
    assert capped.cap_reached_month == 2


def test_per_year_cap_resets_each_contract_year():
    due = np.full(24, 10.0)          # 120 a year
    capped = apply_caps(due, per_year_cap=100.0)
    assert capped.paid[:12].sum() == 100.0 and capped.paid[12:].sum() == 100.0
    assert capped.paid[10] == 0.0 and capped.paid[9] == 10.0


def test_lcf_pays_its_share_only_inside_its_window():
    comm, lcf = split_by_payer(np.array([100.0, 100.0, 100.0]), 0.3, lcf_end_month=2)
    assert lcf.tolist() == pytest.approx([30.0, 30.0, 0.0])
    assert comm.tolist() == pytest.approx([70.0, 70.0, 100.0])


def test_days_of_care_avoided_known_example():
    # counterfactual: in care days 100-250 (150 days); with the service: days 200-230 (30 days)
    inf = np.inf
    window0, window1 = np.array([0.0]), np.array([365.0])
    cf = days_in_care(np.array([[100.0, inf]]), np.array([[250.0, inf]]), window0, window1)
    svc = days_in_care(np.array([[200.0, inf]]), np.array([[230.0, inf]]), window0, window1)
    assert cf.tolist() == [150.0] and svc.tolist() == [30.0]
    avoided = cf - svc                                                   # 120 days
    per_day = care_cost_per_day({"fostering": 625.0, "residential": 4500.0}, {"fostering": 0.8, "residential": 0.2})
    assert per_day == pytest.approx((0.8 * 625 + 0.2 * 4500) / 7)      # £200 a day
    saved = savings_by_month(avoided, per_day, deadweight=0.33, optimism_bias=0.15)
    assert saved[0] == pytest.approx(120 * 0.67 * 200 * 0.85)           # £13,668


def test_spells_are_clipped_to_the_window():
    d = days_in_care(np.array([[300.0]]), np.array([[500.0]]), np.array([0.0]), np.array([365.0]))
    assert d.tolist() == [65.0]


def test_interval_days_by_month():
    edges = np.array([0.0, 31.0, 59.0, 90.0])
    # days 20-40 at weight 2: 11 days in month 0, 9 in month 1; an open-ended spell from day 80
    got = interval_days_by_month(np.array([20.0, 80.0]), np.array([40.0, np.inf]), np.array([2.0, 1.0]), edges)
    assert got.tolist() == pytest.approx([22.0, 18.0, 10.0])
