"""IRR, money multiple and NPV checked against values worked out by hand."""

import datetime as dt
import math

import numpy_financial as npf
import pytest

from simulate.finance.returns import irr, money_multiple, npv, present_value, sign_changes

# 2021-2023 has no leap day, so XIRR's actual/365 years are exactly whole years.
YEARS = [dt.date(2021, 1, 1), dt.date(2022, 1, 1), dt.date(2023, 1, 1)]


def test_irr_of_a_simple_cash_flow_is_ten_percent():
    # -100 now, 121 in two years: (121/100)^(1/2) - 1 = 10% exactly.
    result = irr([-100.0, 0.0, 121.0], YEARS)
    assert result.status == "ok"
    assert result.value == pytest.approx(0.10, abs=1e-9)
    assert npf.irr([-100.0, 0.0, 121.0]) == pytest.approx(0.10, abs=1e-9)


def test_irr_on_monthly_dates_is_annualised():
    # -1000 on 1 Jan 2021, +1100 on 1 Jan 2022 (365 days): 10% a year.
    result = irr([-1000.0, 1100.0], [dt.date(2021, 1, 1), dt.date(2022, 1, 1)])
    assert result.value == pytest.approx(0.10, abs=1e-9)


def test_money_multiple_by_hand():
    # paid in 100 + 50 = 150, received 60 + 120 = 180: 180 / 150 = 1.2
    assert money_multiple([-100.0, -50.0, 60.0, 120.0]) == pytest.approx(1.2)
    assert math.isnan(money_multiple([10.0, 20.0]))


def test_two_sign_changes_with_two_roots_is_ambiguous():
    # -100 + 230/(1+r) - 132/(1+r)^2 = 0 at r = 10% and r = 20% (check: -100 + 209.0909 - 109.0909 = 0).
    result = irr([-100.0, 230.0, -132.0], YEARS)
    assert result.status == "ambiguous"
    assert math.isnan(result.value)
    assert result.roots == pytest.approx((0.10, 0.20), abs=1e-6)
    assert "10.00%" in result.reason and "20.00%" in result.reason
    assert sign_changes([-100.0, 230.0, -132.0]) == 2


def test_two_sign_changes_with_no_root_is_undefined():
    # 100 - 300x + 250x^2 with x = 1/(1+r): discriminant 300^2 - 4*250*100 < 0, no real root.
    result = irr([100.0, -300.0, 250.0], YEARS)
    assert result.status == "undefined"
    assert "never crosses zero" in result.reason


def test_one_sign_cash_flow_is_undefined():
    assert irr([100.0, 10.0, 10.0], YEARS).status == "undefined"


def test_npv_at_green_book_rate():
    expected = -1000.0 + 500.0 / 1.035 + 600.0 / 1.035**2   # = 43.199...
    assert npv(0.035, [-1000.0, 500.0, 600.0], YEARS) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(43.199, abs=1e-3)


def test_present_value_of_monthly_flows():
    # £1,035 at the end of month 12 is worth £1,000 at the start at 3.5% a year.
    assert present_value([0.0] * 11 + [1035.0], 0.035) == pytest.approx(1000.0)
