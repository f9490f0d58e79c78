"""Effects after exact and coarsened exact matching use HC3 standard errors (MatchIt's guidance).

References: statsmodels' own WLS with ``cov_type="HC3"`` fitted here on the matched sample, and
R's ``lm(re78 ~ treat, weights) + sandwich::vcovHC(type = "HC3")`` on MatchIt's matches
(tests/fixtures/matchit/make_hc3.R -> hc3.json; R never runs here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.estimates import att_mean_difference, att_outcome_regression
from evaluation.matching import CoarsenedExactMatch, ExactMatch, NearestNeighborMatch

pytestmark = pytest.mark.filterwarnings("ignore::evaluation.balance.BalanceWarning")

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "matchit"
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    return pd.read_csv(FIX / "lalonde.csv")


@pytest.fixture(scope="module")
def hc3() -> dict:
    return json.loads((FIX / "hc3.json").read_text())


@pytest.mark.parametrize("name", ["exact", "cem"])
def test_hc3_matches_statsmodels_and_r(lalonde, hc3, name):
    m = (ExactMatch().fit(lalonde, "treat", ["race", "married", "nodegree"]) if name == "exact"
         else CoarsenedExactMatch().fit(lalonde, "treat", COVS))
    assert m.vcov_ == "HC3"
    md = m.matched_data(lalonde)
    row = att_mean_difference(md, "re78", "treat").iloc[0]
    assert row["variance"].startswith("HC3")
    # reference 1: statsmodels' own HC3 on the same weighted regression
    ref = sm.WLS(md["re78"], sm.add_constant(md["treat"].astype(float)), weights=md["weights"]).fit(cov_type="HC3")
    assert row["estimate"] == pytest.approx(ref.params["treat"], rel=1e-10)
    assert row["se"] == pytest.approx(ref.bse["treat"], rel=1e-10)
    # reference 2: R
    r = hc3[name]
    assert row["estimate"] == pytest.approx(r["estimate"], rel=1e-6)
    assert row["se"] == pytest.approx(r["se_hc3"], rel=1e-6)
    # the subclass-clustered SE it replaces, also as R computes it, is ~30% smaller
    cl = att_mean_difference(md, "re78", "treat", cluster="matched_set", vcov="cluster").iloc[0]
    assert cl["se"] == pytest.approx(r["se_cluster_subclass"], rel=1e-6)
    assert cl["se"] < 0.75 * row["se"]


def test_nearest_neighbour_keeps_pair_clusters(lalonde):
    m = NearestNeighborMatch().fit(lalonde, "treat", COVS)
    assert m.vcov_ == "cluster"
    row = att_mean_difference(m.matched_data(lalonde), "re78", "treat").iloc[0]
    assert row["variance"].startswith("cluster")


def test_outcome_regression_is_g_computation_over_the_treated(lalonde):
    # Reference by a different route: fit y ~ t * X (uncentred) by WLS, predict every treated
    # person's outcome under t = 1 and t = 0, average the difference with the treated weights.
    m = NearestNeighborMatch(ratio=2).fit(lalonde, "treat", COVS)
    md = m.matched_data(lalonde)
    dr = att_outcome_regression(md, "re78", ["age", "educ", "re74", "re75", "married"], "treat").iloc[0]
    X = md[["age", "educ", "re74", "re75", "married"]].to_numpy(float)
    t = md["treat"].to_numpy(float)
    design = lambda tt: np.column_stack([np.ones_like(t), tt, X, X * tt[:, None]])  # noqa: E731
    fit = sm.WLS(md["re78"].to_numpy(float), design(t), weights=md["weights"]).fit()
    tr = t == 1
    diff = design(np.ones_like(t))[tr] @ fit.params - design(np.zeros_like(t))[tr] @ fit.params
    assert dr["estimate"] == pytest.approx(np.average(diff, weights=md["weights"][tr]), rel=1e-8)
    assert dr["estimand"].startswith("doubly robust")
    assert "cluster" in dr["variance"]
    # ratio scale: mean predicted with support over mean predicted without, over the treated
    ratio = att_outcome_regression(md, "re78", ["age", "educ", "re74", "re75", "married"], "treat",
                                   scale="ratio").iloc[0]
    wt = md["weights"][tr]
    m1 = np.average(design(np.ones_like(t))[tr] @ fit.params, weights=wt)
    m0 = np.average(design(np.zeros_like(t))[tr] @ fit.params, weights=wt)
    assert ratio["estimate"] == pytest.approx(m1 / m0, rel=1e-8)
    assert ratio["ci_low"] < ratio["estimate"] < ratio["ci_high"]


def test_outcome_regression_matches_r(lalonde):
    # R: lm(re78 ~ treat * covariates, weights) on MatchIt's 1:1 matches, covariates centred at
    # the treated means, sandwich::vcovCL on the pairs (tests/fixtures/matchit/make_dr.R)
    r = json.loads((FIX / "dr.json").read_text())
    m = NearestNeighborMatch().fit(lalonde, "treat", COVS)
    dr = att_outcome_regression(m.matched_data(lalonde), "re78", r["covariates"], "treat").iloc[0]
    assert dr["estimate"] == pytest.approx(r["estimate"], rel=1e-6)
    assert dr["se"] == pytest.approx(r["se_cluster"], rel=1e-6)
