"""Cusp's matching and balance reproduce R's MatchIt 4.5.1 on lalonde (numbers in the fixture).

The expected numbers were produced once by tests/fixtures/matchit/make_expected.R; R never runs
here.  Tolerance: 1e-4 relative (weights and counts exactly).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.balance import balance_table
from evaluation.matching import (CoarsenedExactMatch, ExactMatch, NearestNeighborMatch,
                                 propensity_score)

pytestmark = pytest.mark.filterwarnings("ignore::evaluation.balance.BalanceWarning")

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "matchit"
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
RTOL = 1e-4


@pytest.fixture(scope="module")
def lalonde() -> pd.DataFrame:
    return pd.read_csv(FIX / "lalonde.csv")


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((FIX / "expected.json").read_text())


def _r_table(block: dict) -> pd.DataFrame:
    t = pd.DataFrame(block).set_index("row")
    t.index = [i.replace("race", "race_") if i.startswith("race") else i for i in t.index]
    return t


def _compare(mine: pd.DataFrame, r: pd.DataFrame) -> None:
    assert list(mine.index) == list(r.index)
    for col in ["mean_treated", "mean_control", "smd", "var_ratio", "ecdf_mean", "ecdf_max"]:
        a = mine[col].to_numpy(dtype=float)
        b = r[col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), col
        ok = ~np.isnan(b)
        np.testing.assert_allclose(a[ok], b[ok], rtol=RTOL, atol=1e-9, err_msg=col)


def _att(d: pd.DataFrame, w: np.ndarray) -> float:
    t = d["treat"].to_numpy() == 1
    y = d["re78"].to_numpy()
    return np.average(y[t], weights=w[t]) - np.average(y[~t], weights=w[~t])


def test_versions_recorded(expected):
    assert expected["matchit_version"] == "4.5.1"
    assert expected["r_version"].startswith("R version 4.")
    assert len(pd.read_csv(FIX / "lalonde.csv")) == 614


def test_propensity_score_matches_glm(lalonde, expected):
    ps = propensity_score(lalonde, "treat", COVS)
    np.testing.assert_allclose(ps, expected["before"]["distance"], rtol=1e-6)


def test_balance_before_matching(lalonde, expected):
    b = balance_table(lalonde, "treat", COVS, distance=np.array(expected["before"]["distance"]))
    assert b.attrs["smd_denominator"] == "treated"
    _compare(b, _r_table(expected["before"]["balance"]))


CASES = {
    "nearest_1to1": (lambda: NearestNeighborMatch(), COVS),
    "nearest_1to2": (lambda: NearestNeighborMatch(ratio=2), COVS),
    "nearest_caliper_logit": (lambda: NearestNeighborMatch(link="linear.logit", caliper=0.2), COVS),
    "nearest_replace": (lambda: NearestNeighborMatch(replace=True), COVS),
    "nearest_exact_race": (lambda: NearestNeighborMatch(exact=["race"]), COVS),
    "nearest_mahalanobis": (lambda: NearestNeighborMatch(distance="mahalanobis"),
                            ["age", "educ", "re74", "re75"]),
    "cem": (lambda: CoarsenedExactMatch(), COVS),
    "exact": (lambda: ExactMatch(), ["race", "married", "nodegree"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_reproduces_matchit(lalonde, expected, name):
    make, covs = CASES[name]
    r = expected[name]
    m = make().fit(lalonde, "treat", covs)
    w = m.weights_.to_numpy()
    assert m.n_treated_matched_ == r["n_treated_matched"]
    assert m.n_control_matched_ == r["n_control_matched"]
    np.testing.assert_allclose(w, r["weights"], rtol=1e-9, atol=1e-12)
    assert m.ess_control_ == pytest.approx(r["ess_control"], rel=RTOL)
    assert _att(lalonde, w) == pytest.approx(r["att_re78"], rel=RTOL)
    if name.startswith("nearest") and name != "nearest_mahalanobis":
        # balance after matching, with MatchIt's distance row
        dist = np.array(r["distance"])
        after = balance_table(lalonde, "treat", covs, weights=w, distance=dist)
        _compare(after, _r_table(r["balance"]))
    else:
        _compare(m.balance_, _r_table(r["balance"]))


def test_nearest_pairs_identical(lalonde, expected):
    r = expected["nearest_1to1"]
    m = NearestNeighborMatch().fit(lalonde, "treat", COVS)
    r_pairs = dict(zip(np.array(r["match_matrix_treated"]) - 1,
                       np.array(r["match_matrix"]).reshape(-1) - 1))
    mine = dict(zip(m.treated_positions_, m.match_matrix_[:, 0]))
    assert mine == r_pairs


def test_matchit_451_abs_issue_documented(expected):
    # MatchIt 4.5.1 takes the farther control when differences are below 1; Cusp takes the nearer.
    toy = pd.DataFrame({"t": [0, 1, 0], "x": [1, 2, 3]})
    m = NearestNeighborMatch(distance=np.array([0.40, 0.50, 0.55])).fit(toy, "t", ["x"])
    assert expected["abs_issue"]["chosen_control_row"] == 1
    assert m.match_matrix_[0, 0] == 2  # row 3 in R's numbering: the nearer control
