"""Hand-computed balance statistics: SMD (both denominators), variance ratio, eCDF."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from evaluation.balance import BalanceWarning, balance_table, check_balance

DATA = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0, 0], "x": [1.0, 2, 3, 2, 4, 6, 8],
                     "b": [1, 0, 1, 0, 0, 1, 0]})


def test_smd_treated_denominator():
    tab = balance_table(DATA, "t", ["x"])
    # means 2 and 5; SD of treated = 1
    assert tab.loc["x", "smd"] == pytest.approx(-3.0)
    assert tab.attrs["smd_denominator"] == "treated"
    assert "treated" in tab.attrs["note"]


def test_smd_pooled_denominator():
    tab = balance_table(DATA, "t", ["x"], smd_denominator="pooled")
    # var treated 1, var control 20/3; pooled SD sqrt((1 + 20/3) / 2) = 1.957890
    assert tab.loc["x", "smd"] == pytest.approx(-3 / 1.957890, rel=1e-6)
    assert tab.attrs["smd_denominator"] == "pooled"


def test_variance_ratio_and_weights():
    tab = balance_table(DATA, "t", ["x"])
    assert tab.loc["x", "var_ratio"] == pytest.approx(1 / (20 / 3))
    w = np.array([1, 1, 1, 0, 0, 1, 1.0])
    tab = balance_table(DATA, "t", ["x"], weights=w)
    # matched controls 6 and 8: mean 7, variance 2; SMD (2 - 7) / 1 (denominator fixed)
    assert tab.loc["x", "mean_control"] == pytest.approx(7.0)
    assert tab.loc["x", "smd"] == pytest.approx(-5.0)
    assert tab.loc["x", "var_ratio"] == pytest.approx(0.5)


def test_ecdf_by_hand():
    tab = balance_table(DATA, "t", ["x"])
    # at 1,2,3,4,6,8: |F_t - F_c| = 1/3, 5/12, 3/4, 1/2, 1/4, 0
    assert tab.loc["x", "ecdf_mean"] == pytest.approx(2.25 / 6)
    assert tab.loc["x", "ecdf_max"] == pytest.approx(0.75)


def test_binary_covariate():
    tab = balance_table(DATA, "t", ["b"])
    # p_t = 2/3, p_c = 1/4; SD treated sqrt(2/3 * 1/3)
    assert tab.loc["b", "smd"] == pytest.approx((2 / 3 - 1 / 4) / math.sqrt(2 / 9))
    assert math.isnan(tab.loc["b", "var_ratio"])
    assert tab.loc["b", "ecdf_max"] == pytest.approx(2 / 3 - 1 / 4)


def test_warning_when_imbalance_remains():
    tab = balance_table(DATA, "t", ["x", "b"])
    with pytest.warns(BalanceWarning, match="x"):
        bad = check_balance(tab)
    assert bad == ["x", "b"]
    ok = tab.assign(smd=[0.05, -0.02])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_balance(ok) == []
