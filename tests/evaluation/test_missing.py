"""Missing data: Rubin's rules by hand, MICE on a known-truth design, attrition bounds and weights."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation.estimates import regression_adjustment
from evaluation.missing import (attrition_weighted_share, multiple_imputation, rubin_pool,
                                share_improved_bounds)


def test_rubin_pool_by_hand():
    # m = 3: estimates 1, 2, 3; variances 0.5, 0.5, 0.5
    # Q = 2, U = 0.5, B = ((1)^2 + 0 + 1^2)/2 = 1, T = 0.5 + (4/3)*1 = 1.8333
    # r = (4/3)/0.5 = 8/3; nu = 2 * (1 + 3/8)^2 = 3.78125
    p = rubin_pool([1, 2, 3], [0.5, 0.5, 0.5])
    assert p["estimate"] == 2.0
    assert p["total"] == pytest.approx(0.5 + 4 / 3)
    assert p["df"] == pytest.approx(2 * (1 + 3 / 8) ** 2)
    q = stats.t.ppf(0.975, 2 * (1 + 3 / 8) ** 2)
    assert p["ci_high"] == pytest.approx(2 + q * math.sqrt(0.5 + 4 / 3))
    assert p["lambda_"] == pytest.approx((4 / 3) / (0.5 + 4 / 3))
    r = (4 / 3) / 0.5
    assert p["fmi"] == pytest.approx((r + 2 / (2 * (1 + 3 / 8) ** 2 + 3)) / (r + 1))
    # Barnard-Rubin with nu_com = 10: lam = 0.72727; nu_obs = 11/13 * 10 * (1 - lam)
    lam = (4 / 3) / (0.5 + 4 / 3)
    nu_obs = 11 / 13 * 10 * (1 - lam)
    p = rubin_pool([1, 2, 3], [0.5, 0.5, 0.5], df_complete=10)
    assert p["df"] == pytest.approx(1 / (1 / (2 * (1 + 3 / 8) ** 2) + 1 / nu_obs))


def test_rubin_pool_matches_r_mice():
    # R mice 3.15.0 pool.scalar on fixed numbers (tests/fixtures/mice/make_pool.R -> pool.json)
    import json
    from pathlib import Path

    r = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "mice" / "pool.json").read_text())
    p = rubin_pool(r["Q"], r["U"], df_complete=r["df_complete"])
    for mine, theirs in [("estimate", "qbar"), ("within", "ubar"), ("between", "b"), ("total", "t"),
                         ("df", "df"), ("riv", "r"), ("fmi", "fmi")]:
        assert p[mine] == pytest.approx(r[theirs], rel=1e-10), mine
    big = rubin_pool(r["Q"], r["U"])
    assert big["df"] == pytest.approx(r["df_large_sample"], rel=1e-10)
    assert big["fmi"] == pytest.approx(r["fmi_large_sample"], rel=1e-10)


def _mar_design(seed: int, n: int = 1500) -> tuple[pd.DataFrame, float]:
    # truth: y = 1 + 2 served + 1.5 x + e; z (always observed) confounds served and predicts
    # x; x goes missing more often when y is high (missing at random given y, which is
    # observed): complete-case regression of y on served, x, z is biased (selection on the
    # outcome); MI with y in the imputation model is not.  x | served, y, z is exactly normal
    # and linear here, so the imputation model is right.
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    x = 0.6 * z + 0.8 * rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    y = 1 + 2.0 * t + 1.5 * x + rng.normal(size=n)
    miss = rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 2.5 * (y - y.mean()) / y.std())))
    d = pd.DataFrame({"served": t, "x": np.where(miss, np.nan, x), "z": z, "y": y})
    return d, 2.0


def test_mice_recovers_truth_where_complete_case_is_biased():
    # three data sets of 1,500 with ~43% of x missing, strongly dependent on y
    est = lambda df: regression_adjustment(df, "y", "served", ["x", "z"])  # noqa: E731
    mi_est, cc_est = [], []
    for seed in (0, 1, 2):
        d, truth = _mar_design(seed)
        out = multiple_imputation(d, est, ["x"], predictors=["served", "y", "z"], m=10, burn_in=5,
                                  skip=2, seed=seed).set_index("analysis")
        cc = out.loc["complete case"]
        mi = out.loc["multiple imputation (m = 10)"]
        assert cc["n_incomplete"] == d["x"].isna().sum() > 500
        assert cc["n"] + cc["n_incomplete"] == mi["n"] == len(d)
        assert mi["se"] > 0 and 0 < mi["fmi"] < 1
        assert mi["ci_low"] < truth + 0.05 and mi["ci_high"] > truth - 0.05
        mi_est.append(mi["estimate"])
        cc_est.append(cc["estimate"])
    assert np.mean(cc_est) - truth < -0.15               # completer bias
    assert abs(np.mean(mi_est) - truth) < 0.1            # MI close to the truth
    assert abs(np.mean(mi_est) - truth) < 0.5 * abs(np.mean(cc_est) - truth)
    # reproducible: same seed, same answer
    again = multiple_imputation(d, est, ["x"], predictors=["served", "y", "z"], m=10, burn_in=5,
                                skip=2, seed=2).set_index("analysis")
    assert again.loc["multiple imputation (m = 10)", "estimate"] == mi_est[-1]


def test_share_improved_bounds_by_hand():
    # 30 of 40 completers improved; 10 children with a baseline have no follow-up
    b = share_improved_bounds(30, 40, 10)
    assert b["completers"] == 0.75
    assert b["lower"] == 30 / 50 and b["upper"] == 40 / 50
    assert b["lower_ci_low"] < 0.6 and b["upper_ci_high"] > 0.8


def test_attrition_weighting_corrects_completer_bias():
    # children with a worse baseline improve more often but are followed up less often
    rng = np.random.default_rng(7)
    n = 4000
    base = rng.normal(size=n)
    improved = (rng.random(n) < 1 / (1 + np.exp(-(0.5 + 1.2 * base)))).astype(float)
    followed = rng.random(n) < 1 / (1 + np.exp(-(1.0 - 1.5 * base)))
    truth = improved.mean()
    d = pd.DataFrame({"baseline": base, "improved": np.where(followed, improved, np.nan)})
    r = attrition_weighted_share(d, "improved", ["baseline"])
    assert r["completers"] < truth - 0.05                 # completers understate the share
    assert abs(r["estimate"] - truth) < 3 * r["se"]
    assert r["n_missing"] == int((~followed).sum())
    # the SE includes the estimated weights: check it by finite differences of the stacked
    # estimating equations written out here
    import statsmodels.api as sm

    X = sm.add_constant(base)
    rr = followed.astype(float)
    y = np.nan_to_num(d["improved"].to_numpy())
    beta = sm.Logit(rr, X).fit(disp=0).params

    def psi(theta):
        p = 1 / (1 + np.exp(-(X @ theta[:2])))
        return np.column_stack([X * (rr - p)[:, None], rr / p * (y - theta[2])])

    theta = np.r_[beta, r["estimate"]]
    A = np.zeros((3, 3))
    for j in range(3):
        h = np.zeros(3)
        h[j] = 1e-6
        A[:, j] = -(psi(theta + h).mean(axis=0) - psi(theta - h).mean(axis=0)) / 2e-6
    P = psi(theta)
    V = np.linalg.inv(A) @ (P.T @ P / n) @ np.linalg.inv(A).T / n
    assert r["se"] == pytest.approx(math.sqrt(V[2, 2]), rel=1e-5)


def test_multiple_imputation_with_matching_inside():
    # the estimator matches on each completed table (matching within imputations)
    from pathlib import Path

    from evaluation.estimates import att_mean_difference
    from evaluation.matching import NearestNeighborMatch

    fix = Path(__file__).resolve().parents[1] / "fixtures" / "matchit" / "lalonde.csv"
    d = pd.read_csv(fix)
    rng = np.random.default_rng(3)
    d.loc[rng.random(len(d)) < 0.2, "re74"] = np.nan
    covs = ["age", "educ", "married", "nodegree", "re74", "re75"]

    def est(df):
        m = NearestNeighborMatch().fit(df, "treat", covs)
        return att_mean_difference(m.matched_data(df), "re78", "treat")

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = multiple_imputation(d, est, ["re74"], predictors=["treat", "re78", "age", "educ", "re75"],
                                  m=3, burn_in=3, skip=1, seed=4).set_index("analysis")
    cc, mi = out.loc["complete case"], out.loc["multiple imputation (m = 3)"]
    assert cc["n"] == d["re74"].notna().sum() and mi["n"] == len(d)
    assert np.isfinite(mi["estimate"]) and mi["se"] > 0


@pytest.mark.slow
def test_mice_interval_coverage():
    # 60 data sets of the MAR design: the MI 95% interval covers the true effect in most;
    # the complete-case interval, centred on a biased estimate, covers it far less often
    est = lambda df: regression_adjustment(df, "y", "served", ["x", "z"])  # noqa: E731
    mi_hits = cc_hits = 0
    reps = 60
    for seed in range(100, 100 + reps):
        d, truth = _mar_design(seed, n=800)
        out = multiple_imputation(d, est, ["x"], predictors=["served", "y", "z"], m=10, burn_in=5,
                                  skip=2, seed=seed).set_index("analysis")
        mi = out.loc["multiple imputation (m = 10)"]
        cc = out.loc["complete case"]
        mi_hits += mi["ci_low"] <= truth <= mi["ci_high"]
        cc_hits += cc["ci_low"] <= truth <= cc["ci_high"]
    assert mi_hits / reps >= 0.85
    assert cc_hits < mi_hits
