"""ATT estimators on tiny data with hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evaluation.estimates import (att_mean_difference, att_ratio, event_within, ipw_att,
                                  regression_adjustment)

# three matched pairs; served outcomes 1,1,0 and comparisons 0,1,0
PAIRS = pd.DataFrame({"served": [1, 0, 1, 0, 1, 0], "y": [1, 0, 1, 1, 0, 0],
                      "weights": 1.0, "matched_set": [0, 0, 1, 1, 2, 2]})


def test_risk_difference_and_ratio_by_hand():
    rd = att_mean_difference(PAIRS, "y").iloc[0]
    assert rd["estimate"] == pytest.approx(2 / 3 - 1 / 3)
    assert "cluster" in rd["variance"]
    rr = att_ratio(PAIRS, "y").iloc[0]
    assert rr["estimate"] == pytest.approx(2.0)
    assert rr["ci_low"] < 2.0 < rr["ci_high"]


def test_cluster_se_by_hand():
    # pair differences 1, 0, 0: with clusters the WLS slope SE equals the paired SE times the
    # small-sample factor sqrt(G/(G-1) * (N-1)/(N-K)) = sqrt(3/2 * 5/4)
    rd = att_mean_difference(PAIRS, "y").iloc[0]
    d = np.array([1.0, 0, 0])
    # cluster score for pair g: sum of residual * x; sandwich variance reduces to
    # sum((d_g - mean d)^2) / G^2 for the slope
    v = ((d - d.mean()) ** 2).sum() / 9
    assert rd["se"] == pytest.approx(math.sqrt(v * 1.5 * 5 / 4), rel=1e-6)


def test_weights_change_the_estimate():
    d = PAIRS.assign(weights=[1, 2, 1, 0.5, 1, 0.5])
    # control mean weighted: (0*2 + 1*0.5 + 0*0.5) / 3 = 1/6
    assert att_mean_difference(d, "y").iloc[0]["estimate"] == pytest.approx(2 / 3 - 1 / 6)


def test_sensitivity_estimators_run_and_agree_without_confounding():
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    y = 2.0 * t + 1.5 * x + rng.normal(size=n)
    d = pd.DataFrame({"served": t, "x": x, "y": y})
    ra = regression_adjustment(d, "y", "served", ["x"]).iloc[0]
    ipw = ipw_att(d, "y", "served", ["x"]).iloc[0]
    assert ra["ci_low"] < 2.0 < ra["ci_high"]
    assert abs(ipw["estimate"] - 2.0) < 4 * ipw["se"]
    naive = d.loc[d.served == 1, "y"].mean() - d.loc[d.served == 0, "y"].mean()
    assert naive > 2.5  # confounded by x


def test_event_within():
    s = event_within(["2024-01-01"] * 4, ["2024-03-01", None, None, "2024-12-01"],
                     "2024-09-01", 182)
    # event at day 60: 1; no event with 244 days follow-up: 0; same: 0; event at day 335: 0
    assert s.tolist() == [1.0, 0.0, 0.0, 0.0]
    s = event_within(["2024-01-01", "2024-08-01"], [None, None], "2024-09-01", 182)
    assert s.iloc[0] == 0.0 and math.isnan(s.iloc[1])


def test_build_cohort_by_hand():
    from evaluation.estimates import build_cohort, matched_effects

    base = dict(district="A", sub_cohort="s", need_level=3, date_of_birth="2014-01-01", sex="male",
                ethnicity="white", risk_factors=2, prior_care_episodes=0)
    referrals = pd.DataFrame([
        dict(child_id="c1", start_date="2020-01-01", **base),
        dict(child_id="c2", start_date=None, **base),           # never started: not in cohort
    ])
    pool = pd.DataFrame([dict(child_id="p1", index_date="2020-01-01", **base)])
    care = pd.DataFrame({"child_id": ["c1", "p1", "p1"], "episode_type": ["care", "remand", "care"],
                         "start_date": ["2020-04-10", "2020-02-01", "2021-06-01"]})
    school = pd.DataFrame({"child_id": ["c1", "c1", "p1", "p1"],
                           "period_start": ["2019-09-01", "2020-01-05", "2019-09-01", "2020-01-05"],
                           "unauthorised_absence_days": [10, 3, 5, 5],
                           "possible_days": [100, 100, 100, 100]})
    reading = pd.DataFrame({"child_id": ["c1", "c1", "p1"],
                            "assessment_date": ["2020-03-01", "2020-07-01", "2020-07-01"],
                            "reading_age": [6.0, 7.0, 6.5], "forecast_reading_age": [5.0, 6.4, 6.4]})
    c = build_cohort(referrals, pool, care, "2022-01-01", school, reading).set_index("child_id")
    assert list(c.index) == ["c1", "p1"] and c["served"].tolist() == [1, 0]
    assert c.loc["c1", "days_to_care"] == 100 and c.loc["c1", "care_event"] == 1   # 2020-04-10
    assert c.loc["p1", "days_to_care"] == 517                                         # remand ignored
    assert c.loc["c1", "care_within_6m"] == 1 and c.loc["p1", "care_within_12m"] == 0
    assert c.loc["p1", "care_within_24m"] == 1
    assert c.loc["c1", "absence_change"] == pytest.approx(3 - 10)
    assert c.loc["p1", "absence_change"] == pytest.approx(0)
    assert c.loc["c1", "reading_gain"] == pytest.approx(0.6)   # first reading >= 150 days
    assert c.loc["c1", "age"] == pytest.approx(2191 / 365.25)
    # three copies of the pair as three matched sets: the ATT is the pair difference
    md = pd.concat([c.reset_index().assign(weights=1.0, matched_set=k) for k in range(3)])
    md.loc[md["matched_set"] == 2, "absence_change"] += 1.0   # some variation between sets
    eff = matched_effects(md).set_index("estimand")["estimate"]
    assert eff["ATT mean difference in absence_change"] == pytest.approx(-7.0)
    assert eff["ATT ratio of means in care_within_6m"] != eff["ATT ratio of means in care_within_6m"]  # 1/0: NaN


def test_build_cohort_with_no_care_episodes_at_all():
    """Services with no care outcomes (young carers) send an empty care_episodes.csv."""
    from evaluation.estimates import build_cohort

    base = dict(district="A", sub_cohort="s", need_level=3, date_of_birth="2014-01-01", sex="female",
                ethnicity="white", risk_factors=1, prior_care_episodes=0)
    referrals = pd.DataFrame([dict(child_id="c1", start_date="2020-01-01", **base)])
    pool = pd.DataFrame([dict(child_id="p1", index_date="2020-03-01", **base)])
    care = pd.DataFrame({"child_id": pd.Series([], dtype=str), "episode_type": pd.Series([], dtype=str),
                         "start_date": pd.Series([], dtype="datetime64[ns]")})
    c = build_cohort(referrals, pool, care, "2022-01-01").set_index("child_id")
    assert c["care_event"].tolist() == [0, 0]
    assert c.loc["c1", "days_to_care"] == 731 and c.loc["p1", "days_to_care"] == 671  # censored at data end
    assert c["care_within_12m"].tolist() == [0.0, 0.0]


def test_ipw_m_estimation_sandwich_by_finite_differences():
    # Independent route: write the stacked estimating equations here, differentiate them
    # numerically, and form A^-1 B A^-T / n; the ATT SE must equal the function's.
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    n = 400
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * x)))).astype(float)
    y = 1.0 * t + 2.0 * x + rng.normal(size=n)
    d = pd.DataFrame({"served": t.astype(int), "x": x, "y": y})
    X = np.column_stack([np.ones(n), x])
    beta = sm.Logit(t, X).fit(disp=0).params
    odds = np.exp(X @ beta)
    mu1 = y[t == 1].mean()
    mu0 = np.average(y[t == 0], weights=odds[t == 0])

    def psi(theta):
        b, m1, m0 = theta[:2], theta[2], theta[3]
        o = np.exp(X @ b)
        e = o / (1 + o)
        return np.column_stack([X * (t - e)[:, None], t * (y - m1), (1 - t) * o * (y - m0)])

    theta = np.r_[beta, mu1, mu0]
    A = np.zeros((4, 4))
    for j in range(4):
        h = np.zeros(4)
        h[j] = 1e-6
        A[:, j] = -(psi(theta + h).mean(axis=0) - psi(theta - h).mean(axis=0)) / 2e-6
    P = psi(theta)
    B = P.T @ P / n
    V = np.linalg.inv(A) @ B @ np.linalg.inv(A).T / n
    se_ref = math.sqrt(V[2, 2] + V[3, 3] - 2 * V[2, 3])
    got = ipw_att(d, "y", "served", ["x"]).iloc[0]
    assert got["estimate"] == pytest.approx(mu1 - mu0, rel=1e-9)
    assert got["se"] == pytest.approx(se_ref, rel=1e-5)
    assert "M-estimation" in got["variance"]
    known = ipw_att(d, "y", "served", ["x"], se="known-weights").iloc[0]
    assert known["estimate"] == pytest.approx(got["estimate"], rel=1e-9)
    assert known["se"] != pytest.approx(got["se"], rel=1e-3)


@pytest.mark.slow
def test_ipw_m_estimation_coverage():
    # 300 replications of a confounded design with a constant effect 1.0: 95% CIs cover ~95%
    hits = 0
    reps = 300
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        n = 500
        x = rng.normal(size=n)
        t = (rng.random(n) < 1 / (1 + np.exp(-(0.8 * x)))).astype(int)
        y = 1.0 * t + 2.0 * x + rng.normal(size=n)
        r = ipw_att(pd.DataFrame({"served": t, "x": x, "y": y}), "y", "served", ["x"]).iloc[0]
        hits += r["ci_low"] <= 1.0 <= r["ci_high"]
    assert 0.91 <= hits / reps <= 0.985


def test_outcome_regression_rescues_a_wrong_matching_model():
    # double robustness: matching on a propensity score that omits x2 leaves x2 imbalanced and
    # the unadjusted matched difference biased; the outcome regression with x1, x2 recovers 1.0
    import warnings

    from evaluation.estimates import att_outcome_regression
    from evaluation.matching import NearestNeighborMatch

    rng = np.random.default_rng(21)
    n = 3000
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 0.8 * x1 + 0.8 * x2)))).astype(int)
    y = 1.0 * t + 2.0 * x1 + 2.0 * x2 + rng.normal(size=n)
    d = pd.DataFrame({"served": t, "x1": x1, "x2": x2, "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = NearestNeighborMatch(replace=True).fit(d, "served", ["x1"])
    md = m.matched_data(d)
    raw = att_mean_difference(md, "y").iloc[0]
    dr = att_outcome_regression(md, "y", ["x1", "x2"]).iloc[0]
    assert raw["ci_low"] > 1.0                       # biased upwards by the omitted x2
    assert abs(dr["estimate"] - 1.0) < 3 * dr["se"]
