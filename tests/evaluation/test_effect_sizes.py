"""Hand-computed checks of paired effect sizes, Hedges' correction, RCI, Wilson and t intervals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.effect_sizes import hedges_j, paired_effect_sizes, reliable_change_index
from evaluation.intervals import mean_interval, wilson_interval

SLEEP = Path(__file__).resolve().parents[1] / "fixtures" / "sleep" / "sleep.csv"


@pytest.fixture(scope="module")
def sleep():
    s = pd.read_csv(SLEEP)
    pre = s.loc[s["group"] == 1].sort_values("ID")["extra"].to_numpy()
    post = s.loc[s["group"] == 2].sort_values("ID")["extra"].to_numpy()
    return pre, post


def test_sleep_lakens_values(sleep):
    es = paired_effect_sizes(*sleep).set_index("measure")["estimate"]
    # Published on R's sleep data (Lakens 2013 conventions).
    assert es["d_z"] == pytest.approx(1.2846, abs=5e-5)
    assert es["d_av"] == pytest.approx(0.8335, abs=5e-5)
    assert es["d_rm"] == pytest.approx(0.8222, abs=5e-5)


def test_sleep_by_hand(sleep):
    # mean diff 1.58; sd(diff) 1.229995; sd pre 1.789010; sd post 2.002249 (R).
    es = paired_effect_sizes(*sleep).set_index("measure")
    assert es.loc["d_z", "estimate"] == pytest.approx(1.58 / 1.229995, rel=1e-6)
    assert es.loc["d_av", "estimate"] == pytest.approx(1.58 / ((1.789010 + 2.002249) / 2), rel=1e-6)
    j = 1 - 3 / (4 * 9 - 1)  # Hedges' J with df = n - 1 = 9
    assert es.loc["g_z", "estimate"] == pytest.approx(j * 1.58 / 1.229995, rel=1e-6)
    assert es.loc["g_av", "estimate"] == pytest.approx(j * 1.58 / 1.8956295, rel=1e-6)
    # the d_z interval is the noncentral-t interval / sqrt(n): t = 1.58 / (1.229995 / sqrt(10))
    # must sit at the 97.5% point of nct(9, lo * sqrt(10)) and the 2.5% point at the upper end
    from scipy import stats

    lo, hi = es.loc["d_z", ["ci_low", "ci_high"]]
    t_obs = 1.58 / (1.229995 / math.sqrt(10))
    assert stats.nct.cdf(t_obs, 9, lo * math.sqrt(10)) == pytest.approx(0.975, abs=1e-6)
    assert stats.nct.cdf(t_obs, 9, hi * math.sqrt(10)) == pytest.approx(0.025, abs=1e-6)
    assert 0 < lo < 1.2846 < hi


def test_hedges_j():
    assert hedges_j(9) == pytest.approx(1 - 3 / 35)
    assert hedges_j(99) == pytest.approx(1 - 3 / 395)


def test_rci_by_hand():
    # SE = 5 * sqrt(1 - 0.8) = 2.236068; S_diff = sqrt(2) * SE = 3.162278
    rci = reliable_change_index([20.0, 10.0], [14.0, 17.0], reliability=0.8, sd_baseline=5.0)
    assert rci[0] == pytest.approx(-6 / 3.162278, rel=1e-6)
    assert rci[1] == pytest.approx(7 / 3.162278, rel=1e-6)
    assert abs(rci[0]) < 1.96 < rci[1]


def test_rci_rejects_bad_reliability():
    with pytest.raises(ValueError):
        reliable_change_index([1.0], [2.0], reliability=1.0, sd_baseline=1.0)


def test_wilson_by_hand():
    lo, hi = wilson_interval(8, 10)
    assert (lo, hi) == pytest.approx((0.490162, 0.943318), abs=1e-6)
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.277533, abs=1e-6)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_mean_interval_matches_t_test(sleep):
    pre, post = sleep
    m, lo, hi = mean_interval(post - pre)
    # R: t.test(paired = TRUE) conf.int 0.7001142 2.4598858
    assert m == pytest.approx(1.58)
    assert (lo, hi) == pytest.approx((0.7001142, 2.4598858), abs=1e-6)


def test_noncentral_interval_survives_scipy_nan_patches():
    # scipy 1.17's nct.cdf is NaN at e.g. (t=-3.9, df=101, ncp=-12.9); the interval must not be
    from evaluation.intervals import noncentral_t_interval

    lo, hi = noncentral_t_interval(-3.9054881965147796, 101)
    assert np.isfinite(lo) and np.isfinite(hi) and lo < -3.9 < hi
    lo, hi = noncentral_t_interval(35.0, 300)
    assert lo < 35.0 < hi and hi - lo < 8
