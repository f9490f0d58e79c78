"""Survival methods against R's survival package (numbers in tests/fixtures/rossi) and by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.survival import aalen_johansen, cox_ph, kaplan_meier, survival_at, time_to_event

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "rossi"
COVS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def rossi():
    return pd.read_csv(FIX / "rossi.csv")


@pytest.fixture(scope="module")
def expected():
    return json.loads((FIX / "expected.json").read_text())


def test_rossi_published_coefficients(rossi):
    c = cox_ph(rossi, "week", "arrest", COVS)
    assert c.loc["fin", "coef"] == pytest.approx(-0.3794, abs=5e-5)
    assert c.loc["prio", "coef"] == pytest.approx(0.0915, abs=5e-5)
    assert c.attrs["variance"].startswith("model-based")


def test_rossi_matches_r_coxph(rossi, expected):
    c = cox_ph(rossi, "week", "arrest", COVS)
    np.testing.assert_allclose(c["coef"], list(expected["cox_efron"]["coef"].values()), rtol=1e-6)
    np.testing.assert_allclose(c["se"], list(expected["cox_efron"]["se"].values()), rtol=1e-5)


def test_weighted_cluster_robust_matches_r(rossi, expected):
    d = rossi.copy()
    n = len(d)
    d["w"] = 1 + (np.arange(1, n + 1) % 3)
    d["set"] = np.arange(n) // 2
    c = cox_ph(d, "week", "arrest", COVS, weights="w", cluster="set")
    r = expected["cox_weighted_cluster"]
    np.testing.assert_allclose(c["coef"], list(r["coef"].values()), rtol=1e-6)
    np.testing.assert_allclose(c["se"], list(r["robust_se"].values()), rtol=1e-5)
    assert "set" in c.attrs["variance"]


def test_km_rossi(rossi, expected):
    km = kaplan_meier(rossi["week"], rossi["arrest"])
    assert survival_at(km, 52) == pytest.approx(0.7361, abs=5e-5)
    assert survival_at(km, 20) == pytest.approx(expected["km"]["s20"], rel=1e-9)


def test_km_by_hand():
    # times 1,2,2,3,4 events 1,1,0,1,0: S = 4/5, then 4/5*(1-1/4) = 0.6, then 0.6*(1-1/2) = 0.3
    km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    assert km["survival"].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.3])
    assert km["at_risk"].tolist() == [5, 4, 2, 1]


def test_aalen_johansen_matches_r_with_ties(expected):
    cr = pd.read_csv(FIX / "competing.csv")
    r = expected["aalen_johansen"]
    for cause, key in [(1, "cif_cause1"), (2, "cif_cause2")]:
        a = aalen_johansen(cr["day"], cr["type"], cause)
        got = [a.loc[a["time"] <= t, "cumulative_incidence"].iloc[-1] for t in r["times"]]
        np.testing.assert_allclose(got, r[key], rtol=1e-9)


def test_aalen_johansen_by_hand():
    # day 1: 4 at risk, one care entry, one left (tie); day 2: 2 at risk, one care entry
    a = aalen_johansen([1, 1, 2, 3], [1, 2, 1, 0], cause=1)
    # CIF(1) = 1/4; S(1) = 1/2; CIF(2) = 1/4 + 1/2 * 1/2 = 1/2
    assert a["cumulative_incidence"].tolist() == pytest.approx([0.25, 0.5, 0.5])
    b = aalen_johansen([1, 1, 2, 3], [1, 2, 1, 0], cause=2)
    # all-cause: CIF1 + CIF2 + S = 1 at every time
    np.testing.assert_allclose(a["cumulative_incidence"] + b["cumulative_incidence"] + a["survival"], 1.0)


def test_time_to_event():
    t = time_to_event(["2024-01-01"] * 4, ["2024-01-11", None, "2024-03-01", "2024-02-01"],
                      "2024-12-31", competing_date=[None, "2024-01-21", "2024-02-01", "2024-02-01"])
    assert t["time"].tolist() == [10, 20, 31, 31]
    assert t["event_type"].tolist() == [1, 2, 2, 1]   # tie on day 31 goes to care entry
    t = time_to_event(["2024-01-01"], [None], "2024-03-01")
    assert t["time"].tolist() == [60] and t["event"].tolist() == [0]


def _at(a: pd.DataFrame, t: float, col: str) -> float:
    return float(a.loc[a["time"] <= t, col].iloc[-1])


@pytest.mark.parametrize("case", ["unweighted", "weighted"])
def test_aalen_johansen_se_and_ci_match_r_survfit(case):
    # R's survfit multi-state: infinitesimal-jackknife SEs, conf.type = "log"
    # (tests/fixtures/rossi/make_aj_ci.R -> aj_ci.json)
    r = json.loads((FIX / "aj_ci.json").read_text())
    cr = pd.read_csv(FIX / "competing.csv")
    w = None if case == "unweighted" else 1 + np.arange(1, len(cr) + 1) % 3
    ref = r[case]
    for cause in (1, 2):
        a = aalen_johansen(cr["day"], cr["type"], cause, w)
        got = [_at(a, t, "cumulative_incidence") for t in r["times"]]
        np.testing.assert_allclose(got, ref[f"cif_cause{cause}"], rtol=1e-9)
        np.testing.assert_allclose([_at(a, t, "se") for t in r["times"]], ref[f"se_cause{cause}"], rtol=1e-7)
    a = aalen_johansen(cr["day"], cr["type"], 1, w)
    np.testing.assert_allclose([_at(a, t, "ci_low") for t in r["times"]], ref["lower_cause1"], rtol=1e-7)
    np.testing.assert_allclose([_at(a, t, "ci_high") for t in r["times"]], ref["upper_cause1"], rtol=1e-7)


def test_aalen_johansen_clustered_se_by_finite_differences():
    # IJ with clusters: sqrt(sum over clusters of (dF / d eps)^2), where eps scales the weights
    # of one cluster's members by (1 + eps).  Computed here by central differences.
    cr = pd.read_csv(FIX / "competing.csv").iloc[:120]
    w = (1 + np.arange(len(cr)) % 3).astype(float)
    cl = np.arange(len(cr)) // 3
    times = [5.0, 10.0, 20.0]
    a = aalen_johansen(cr["day"], cr["type"], 1, w, cluster=cl)
    eps = 1e-6
    sq = np.zeros(len(times))
    for c in np.unique(cl):
        up, dn = w.copy(), w.copy()
        up[cl == c] *= 1 + eps
        dn[cl == c] *= 1 - eps
        fu = aalen_johansen(cr["day"], cr["type"], 1, up)
        fd = aalen_johansen(cr["day"], cr["type"], 1, dn)
        sq += np.array([(_at(fu, t, "cumulative_incidence") - _at(fd, t, "cumulative_incidence")) / (2 * eps)
                        for t in times]) ** 2
    np.testing.assert_allclose([_at(a, t, "se") for t in times], np.sqrt(sq), rtol=1e-5)
    # a cluster per person is no clustering; small chunks give the same answer
    b = aalen_johansen(cr["day"], cr["type"], 1, w, cluster=np.arange(len(cr)), chunk=7)
    c = aalen_johansen(cr["day"], cr["type"], 1, w)
    np.testing.assert_allclose(b["se"], c["se"], rtol=1e-12)
    d = aalen_johansen(cr["day"], cr["type"], 1, w, cluster=cl, chunk=5)
    np.testing.assert_allclose(d["se"], a["se"], rtol=1e-12)


def test_cox_e_values_common_outcome(rossi):
    # 114 of 432 arrested (26%): common outcome. fin HR = exp(-0.3794) = 0.6843; its upper
    # limit exp(-0.3794 + 1.96 * 0.19138) = 0.9957 -> the interval excludes 1
    hr = cox_ph(rossi, "week", "arrest", COVS)
    assert "common" in hr.attrs["e_value_rule"]
    b, se = hr.loc["fin", "coef"], hr.loc["fin", "se"]

    def rr(h):  # VanderWeele & Ding (2017), common outcome
        return (1 - 0.5 ** np.sqrt(h)) / (1 - 0.5 ** np.sqrt(1 / h))

    def ev(r):
        r = 1 / r if r < 1 else r
        return r + np.sqrt(r * (r - 1))

    assert hr.loc["fin", "e_value"] == pytest.approx(ev(rr(np.exp(b))))
    assert hr.loc["fin", "e_value_ci"] == pytest.approx(ev(rr(np.exp(b + 1.959964 * se))), rel=1e-5)
    # age's interval excludes 1 too; race's includes 1 -> 1
    assert hr.loc["race", "e_value_ci"] == 1.0


def test_cif_plot_draws_curve_and_band():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from evaluation.survival import cif_plot

    cr = pd.read_csv(FIX / "competing.csv")
    aj = aalen_johansen(cr["day"], cr["type"], 1)
    ax = cif_plot({"all": aj})
    line = ax.get_lines()[0]
    assert line.get_ydata()[-1] == pytest.approx(aj["cumulative_incidence"].iloc[-1])
    assert len(ax.collections) == 1          # the confidence band
    plt.close(ax.figure)
