"""Small hand-checked cases for the matching algorithms, and plots as smoke tests."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from evaluation.balance import balance_table, love_plot
from evaluation.matching import CoarsenedExactMatch, ExactMatch, NearestNeighborMatch
from evaluation.survival import kaplan_meier, km_plot


pytestmark = pytest.mark.filterwarnings("ignore::evaluation.balance.BalanceWarning")


def _toy(d, t, **extra):
    return pd.DataFrame({"t": t, "x": np.arange(len(t)), **extra}), np.array(d, dtype=float)


def test_greedy_largest_first():
    # treated 0.9 and 0.8; controls 0.85 and 0.1: 0.9 chooses first and takes 0.85
    data, d = _toy([0.9, 0.8, 0.85, 0.1], [1, 1, 0, 0])
    m = NearestNeighborMatch(distance=d).fit(data, "t", ["x"])
    assert m.match_matrix_[:, 0].tolist() == [2, 3]
    m = NearestNeighborMatch(distance=d, m_order="smallest").fit(data, "t", ["x"])
    assert m.match_matrix_[:, 0].tolist() == [3, 2]


def test_caliper_in_sd_units():
    data, d = _toy([0.5, 0.52, 0.9, 0.1], [1, 0, 1, 0])
    sd = np.std(d, ddof=1)
    m = NearestNeighborMatch(distance=d, caliper=0.05 / sd).fit(data, "t", ["x"])
    assert m.caliper_width_ == pytest.approx(0.05)
    assert m.match_matrix_[:, 0].tolist() == [1, -1]       # 0.9 has nothing within 0.05
    assert m.weights_.tolist() == [1, 1, 0, 0]


def test_replacement_shares_a_control():
    data, d = _toy([0.5, 0.51, 0.49, 0.1], [1, 1, 0, 0])
    m = NearestNeighborMatch(distance=d, replace=True).fit(data, "t", ["x"])
    assert m.match_matrix_[:, 0].tolist() == [2, 2]
    # control 2 used twice: weight 2 rescaled so matched controls average 1 -> 1
    assert m.weights_.tolist() == [1, 1, 1, 0]
    assert m.n_control_matched_ == 1 and m.ess_control_ == pytest.approx(1.0)


def test_one_to_two_weights():
    data, d = _toy([0.5, 0.45, 0.56, 0.8, 0.3], [1, 0, 0, 1, 0])
    m = NearestNeighborMatch(distance=d, ratio=2).fit(data, "t", ["x"])
    # round 1: 0.8 takes 0.56, 0.5 takes 0.45; round 2: 0.8 takes 0.3, 0.5 has none left
    assert m.match_matrix_.tolist() == [[1, -1], [2, 4]]
    w = m.weights_.to_numpy()
    # control weights 1, 1/2, 1/2 rescaled to average 1 over 3 controls: 1.5, 0.75, 0.75
    assert w.tolist() == pytest.approx([1, 1.5, 0.75, 1, 0.75])


def test_exact_strata_respected():
    data, d = _toy([0.5, 0.51, 0.6, 0.49], [1, 0, 0, 1], area=["a", "b", "a", "b"])
    m = NearestNeighborMatch(distance=d, exact=["area"]).fit(data, "t", ["x"])
    assert m.match_matrix_[:, 0].tolist() == [2, 1]


def test_exact_and_cem_weights():
    data = pd.DataFrame({"t": [1, 1, 0, 0, 0, 1], "g": ["a", "a", "a", "b", "b", "c"],
                         "age": [1.0, 2.0, 3.0, 10.0, 11.0, 5.0]})
    m = ExactMatch().fit(data, "t", ["g"])
    # stratum a: 2 treated, 1 control -> control weight 2, rescaled over 1 control -> 1
    assert m.weights_.tolist() == [1, 1, 1, 0, 0, 0]
    c = CoarsenedExactMatch(cutpoints=2).fit(data, "t", ["age"])
    # bins [1, 6) and [6, 11]: treated 1, 2, 5 with control 3; controls 10, 11 unmatched
    assert c.weights_.tolist() == [1, 1, 1, 0, 0, 1]


def test_warns_when_imbalance_remains():
    from evaluation.balance import BalanceWarning

    data, d = _toy([0.9, 0.1, 0.5], [1, 0, 0], z=[5.0, 0.0, 1.0])
    with pytest.warns(BalanceWarning, match="z"):
        m = NearestNeighborMatch(distance=d).fit(data, "t", ["z"])
    assert m.imbalanced_ == ["distance", "z"]


def test_missing_covariate_is_a_one_line_user_error():
    from evaluation.balance import DataInputError
    from evaluation.errors import EvaluationError

    data = pd.DataFrame({"t": [1, 0, 0], "x": [1.0, None, 2.0]})
    with pytest.raises(EvaluationError, match="'x' has 1 missing"):
        NearestNeighborMatch().fit(data, "t", ["x"])
    with pytest.raises(DataInputError, match="'nope' is not a column"):
        ExactMatch().fit(data, "t", ["nope"])


def test_bad_options():
    data, d = _toy([0.5, 0.4], [1, 0])
    with pytest.raises(ValueError):
        NearestNeighborMatch(distance=d, ratio=0).fit(data, "t", ["x"])
    with pytest.raises(ValueError):
        NearestNeighborMatch(distance="mahalanobis", caliper=0.1).fit(data, "t", ["x"])


def test_plots_draw():
    data = pd.DataFrame({"t": [1, 1, 0, 0, 0], "x": [1.0, 2, 3, 4, 5]})
    b = balance_table(data, "t", ["x"])
    a = balance_table(data, "t", ["x"], weights=np.array([1, 1, 1, 1, 0.0]))
    ax = love_plot(b, a)
    assert ax.get_xlabel().endswith("(treated SD)")
    km = kaplan_meier([1, 2, 3], [1, 0, 1])
    ax = km_plot({"served": km, "comparison": km})
    assert len(ax.lines) == 2


def _brute_force(d, t, ratio, replace, caliper, order):
    """Plain O(n^2) statement of the rule: nearest available control below and above the
    treated unit in (distance, row) order, the nearer one (the lower on a tie), in rounds."""
    treated = [i for i in range(len(t)) if t[i] == 1]
    controls = [i for i in range(len(t)) if t[i] == 0]
    used = {c: 0 for c in controls}
    cap = len(treated) if replace else 1
    mm = [[-1] * ratio for _ in treated]
    for r in range(ratio):
        for ti in order:
            u = treated[ti]
            cand = [c for c in controls if used[c] < cap and c not in mm[ti][:r]]
            below = [c for c in cand if (d[c], c) < (d[u], u)]
            above = [c for c in cand if (d[c], c) > (d[u], u)]
            lo = max(below, key=lambda c: (d[c], c)) if below else None
            hi = min(above, key=lambda c: (d[c], c)) if above else None
            dl = abs(d[u] - d[lo]) if lo is not None else np.inf
            dh = abs(d[u] - d[hi]) if hi is not None else np.inf
            if caliper is not None:
                dl = np.inf if dl > caliper else dl
                dh = np.inf if dh > caliper else dh
            if np.isinf(dl) and np.isinf(dh):
                continue
            k = lo if dl <= dh else hi
            mm[ti][r] = k
            used[k] += 1
    return np.array(mm)


@pytest.mark.parametrize("seed", range(12))
def test_fast_matcher_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 60))
    t = (rng.random(n) < 0.35).astype(int)
    t[0], t[1] = 1, 0
    d = rng.integers(0, 15, n) / 14.0          # many exact ties
    ratio = int(rng.integers(1, 4))
    replace = bool(seed % 2)
    caliper = None if seed % 3 == 0 else 0.08
    data = pd.DataFrame({"t": t, "x": np.arange(n)})
    m = NearestNeighborMatch(distance=d, ratio=ratio, replace=replace, caliper=caliper,
                             std_caliper=False).fit(data, "t", ["x"])
    dt = d[t == 1]
    order = np.arange(dt.size) if replace else np.argsort(-dt, kind="stable")
    expected = _brute_force(d, t, ratio, replace, caliper, order)
    assert m.match_matrix_.tolist() == expected.tolist()
