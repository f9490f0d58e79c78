"""Matched comparison cohorts: propensity-score nearest neighbour, Mahalanobis, exact and CEM.

Estimators follow scikit-learn conventions (options in ``__init__``, ``fit`` returns ``self``,
learned results end in ``_``).  Algorithms reproduce R's MatchIt 4.5.1 (checked on its lalonde
data in ``tests/evaluation/test_matching_lalonde.py``):

* **Nearest neighbour on a distance** (``NearestNeighborMatch``): units are sorted by distance
  (stable, ties in data order).  Matching is greedy, in rounds: round r gives every treated unit
  (in ``m_order``; default "largest" distance first, "data" order when matching with
  replacement) its r-th control.  The candidate controls are the nearest still-available control
  on each side of the treated unit in the sorted order; the closer one wins, the lower one on a
  tie.  A caliper (in SDs of the distance over the whole sample, ``std_caliper=True``) discards a
  side whose nearest candidate is too far.  ``exact`` columns split the data into strata matched
  separately.  Controls already used are skipped with path-compressed "next available" pointers,
  so 1,000 treated against 100,000 controls takes well under a second.
* **Mahalanobis** (``distance="mahalanobis"``): the pooled within-group covariance of the
  covariates; treated units in data order; nearest available control, first in data order on
  ties.
* **Exact** and **coarsened exact** matching (``ExactMatch``, ``CoarsenedExactMatch``): strata
  of identical (coarsened) values holding both groups; ATT weights = 1 for treated and
  n_treated/n_control of the stratum for controls, rescaled to average 1 among matched
  controls.  CEM's default bins follow Sturges' rule (equal-width, ceil(log2 n + 1) bins).

Weights for nearest neighbour: 1 per matched treated unit; each control gets 1/k for every
treated unit it is one of k matches for, rescaled so matched controls' weights average 1.
"""

from __future__ import annotations

import math
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from evaluation.balance import BalanceWarning, DataInputError, balance_table, check_balance, expand_covariates

__all__ = ["propensity_score", "NearestNeighborMatch", "ExactMatch", "CoarsenedExactMatch"]


def propensity_score(data: pd.DataFrame, treatment: str, covariates: Sequence[str],
                     link: Literal["logit", "linear.logit"] = "logit") -> np.ndarray:
    """Logistic-regression propensity score (statsmodels ``Logit``, maximum likelihood).

    Parameters
    ----------
    data : pandas.DataFrame
    treatment : str
        0/1 column.
    covariates : sequence of str
        Main effects; categorical columns enter as indicators (first level dropped).
    link : {"logit", "linear.logit"}
        ``"logit"`` returns probabilities; ``"linear.logit"`` the linear predictor (log-odds),
        MatchIt's ``link = "linear.logit"``.

    Returns
    -------
    numpy.ndarray
        One value per row of ``data``.
    """
    import statsmodels.api as sm

    X = expand_covariates(data, covariates, drop_first=True)
    X = sm.add_constant(X.to_numpy(), has_constant="add")
    y = data[treatment].to_numpy(dtype=float)
    # Newton-Raphson on the logit likelihood (same MLE as R's glm IRLS; p x p solves, so it is
    # fast for a 100,000-child pool)
    res = sm.Logit(y, X).fit(method="newton", maxiter=100, tol=1e-10, disp=0)
    eta = X @ res.params
    if link == "linear.logit":
        return eta
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-eta))
    raise ValueError(f"link must be 'logit' or 'linear.logit', got {link!r}")


class _Available:
    """Controls in sorted order with O(α) 'nearest still-available to the left/right' queries."""

    def __init__(self, n: int):
        self.n = n
        self.right = np.arange(n + 1)  # right[i]: candidate >= i (n = none)
        self.left = np.arange(-1, n)   # left[i+1]: candidate <= i (-1 = none)

    def find_right(self, i: int) -> int:
        r = self.right
        root = i
        while r[root] != root:
            root = r[root]
        while r[i] != root:
            r[i], i = root, r[i]
        return int(root)

    def find_left(self, i: int) -> int:
        left = self.left
        root = i
        while left[root + 1] != root:
            root = left[root + 1]
        while left[i + 1] != root:
            left[i + 1], i = root, left[i + 1]
        return int(root)

    def remove(self, i: int) -> None:
        self.right[i] = i + 1
        self.left[i + 1] = i - 1


def _nn_on_distance(dist: np.ndarray, treat: np.ndarray, ratio: int, reuse_max: int,
                    order: np.ndarray, caliper: float | None) -> np.ndarray:
    """Match one stratum. Returns (n_treated, ratio) array of positions within the stratum (-1)."""
    n = dist.size
    srt = np.argsort(dist, kind="stable")
    is_c_sorted = treat[srt] == 0
    ctrl_sorted = srt[is_c_sorted]                  # controls, in sorted order
    cd = dist[ctrl_sorted]
    # number of controls strictly before each unit in the global sorted order
    before = np.cumsum(is_c_sorted) - is_c_sorted
    pos_of = np.empty(n, dtype=np.int64)
    pos_of[srt] = before
    treated = np.flatnonzero(treat == 1)
    mm = np.full((treated.size, ratio), -1, dtype=np.int64)
    nc = ctrl_sorted.size
    if nc == 0:
        return mm
    avail = _Available(nc)
    used = np.zeros(nc, dtype=np.int64)
    for r in range(ratio):
        for ti in order:
            unit = treated[ti]
            p = int(pos_of[unit])
            d = dist[unit]
            mine = set(mm[ti, :r].tolist()) if r > 0 and reuse_max > 1 else ()
            lo = avail.find_left(p - 1) if p - 1 >= 0 else -1
            while lo >= 0 and ctrl_sorted[lo] in mine:
                lo = avail.find_left(lo - 1) if lo - 1 >= 0 else -1
            hi = avail.find_right(p) if p < nc else nc
            while hi < nc and ctrl_sorted[hi] in mine:
                hi = avail.find_right(hi + 1)
            dl = abs(d - cd[lo]) if lo >= 0 else math.inf
            dr = abs(d - cd[hi]) if hi < nc else math.inf
            if caliper is not None:
                if dl > caliper:
                    dl = math.inf
                if dr > caliper:
                    dr = math.inf
            if dl == math.inf and dr == math.inf:
                continue
            k = lo if dl <= dr else hi
            mm[ti, r] = ctrl_sorted[k]
            used[k] += 1
            if used[k] >= reuse_max:
                avail.remove(k)
    return mm


def _nn_mahalanobis(Z: np.ndarray, treat: np.ndarray, ratio: int, reuse_max: int,
                    order: np.ndarray) -> np.ndarray:
    """Greedy Mahalanobis matching on whitened covariates Z (rows = units of one stratum)."""
    treated = np.flatnonzero(treat == 1)
    controls = np.flatnonzero(treat == 0)
    mm = np.full((treated.size, ratio), -1, dtype=np.int64)
    used = np.zeros(controls.size, dtype=np.int64)
    Zc = Z[controls]
    for r in range(ratio):
        for ti in order:
            ok = used < reuse_max
            if r > 0:
                ok[np.isin(controls, mm[ti, :r])] = False
            if not ok.any():
                continue
            dd = np.einsum("ij,ij->i", Zc - Z[treated[ti]], Zc - Z[treated[ti]])
            dd[~ok] = np.inf
            k = int(np.argmin(dd))
            mm[ti, r] = controls[k]
            used[k] += 1
    return mm


def _weights_from_match_matrix(mm: np.ndarray, treated: np.ndarray, n: int) -> np.ndarray:
    w = np.zeros(n)
    for ti, row in enumerate(mm):
        row = row[row >= 0]
        if row.size:
            w[treated[ti]] = 1.0
            np.add.at(w, row, 1.0 / row.size)
    is_c = np.ones(n, dtype=bool)
    is_c[treated] = False
    cw = w[is_c]
    if cw.sum() > 0:
        w[is_c] = cw * (cw > 0).sum() / cw.sum()
    return w


def _weights_from_strata(stratum: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """ATT weights from stratum labels (-1 = unmatched), MatchIt's weights.subclass."""
    w = np.zeros(treat.size)
    ok = stratum >= 0
    if not ok.any():
        return w
    k = stratum.max() + 1
    n1 = np.bincount(stratum[ok & (treat == 1)], minlength=k)
    n0 = np.bincount(stratum[ok & (treat == 0)], minlength=k)
    w[ok & (treat == 1)] = 1.0
    c = ok & (treat == 0)
    w[c] = n1[stratum[c]] / n0[stratum[c]]
    w[c] *= c.sum() / w[c].sum()
    return w


def _check_columns(data: pd.DataFrame, treatment: str, columns: Sequence[str]) -> None:
    missing = [c for c in [treatment, *columns] if c not in data.columns]
    if missing:
        raise DataInputError(f"column {missing[0]!r} is not a column of the data")
    if not data[treatment].isin([0, 1]).all():
        raise DataInputError(f"treatment column {treatment!r} must be 0/1 with no blanks")


class _MatcherBase:
    """Shared result handling: weights, matched data, balance tables."""

    smd_denominator: str = "treated"
    vcov_: str = "cluster"
    """Standard errors MatchIt's guidance recommends for effects after this matching method:
    cluster-robust on matched sets (pairs) for nearest neighbour, HC3 for exact and coarsened
    exact matching (strata, not pairs: clustering on a dozen strata understates the SE)."""

    def _finish(self, data: pd.DataFrame, treatment: str, covariates: Sequence[str],
                weights: np.ndarray, matched_set: np.ndarray, distance=None) -> None:
        treat = data[treatment].to_numpy().astype(int)
        self.weights_ = pd.Series(weights, index=data.index, name="weights")
        self.matched_set_ = pd.Series(np.where(matched_set >= 0, matched_set, -1),
                                      index=data.index, name="matched_set")
        self.n_treated_matched_ = int(((weights > 0) & (treat == 1)).sum())
        self.n_control_matched_ = int(((weights > 0) & (treat == 0)).sum())
        self.n_treated_unmatched_ = int(((weights == 0) & (treat == 1)).sum())
        cw = weights[treat == 0]
        self.ess_control_ = float(cw.sum() ** 2 / (cw ** 2).sum()) if cw.sum() > 0 else 0.0
        self.balance_before_ = balance_table(data, treatment, covariates, None,
                                             self.smd_denominator, distance)
        self.balance_ = balance_table(data, treatment, covariates, weights,
                                      self.smd_denominator, distance)
        self.imbalanced_ = check_balance(self.balance_, threshold=0.1, warn=False)
        if self.imbalanced_:
            import warnings

            warnings.warn(f"|SMD| > 0.1 remains after matching for: {', '.join(self.imbalanced_)} "
                          f"({self.smd_denominator} SD denominator)", BalanceWarning, stacklevel=3)

    def matched_data(self, data: pd.DataFrame) -> pd.DataFrame:
        """Rows with positive weight, with ``weights`` and ``matched_set`` columns added.

        ``.attrs["vcov"]`` carries :attr:`vcov_`, which the estimators in
        ``evaluation.estimates`` use by default.
        """
        out = data.assign(weights=self.weights_, matched_set=self.matched_set_)
        out = out[out["weights"] > 0].copy()
        out.attrs["vcov"] = self.vcov_
        return out


class NearestNeighborMatch(_MatcherBase):
    """Greedy 1:k nearest-neighbour matching (MatchIt ``method = "nearest"``), ATT.

    Parameters
    ----------
    distance : {"glm", "mahalanobis"} or array-like
        ``"glm"``: logistic propensity score from ``covariates``; ``"mahalanobis"``: Mahalanobis
        distance on ``covariates``; an array: a user-supplied distance per row.
    link : {"logit", "linear.logit"}
        Scale of the propensity score used as the distance (probability or log-odds).
    ratio : int
        Controls per treated unit (k).
    replace : bool
        Allow a control to be matched to several treated units.
    caliper : float, optional
        Maximum distance difference; in SDs of the distance if ``std_caliper``.
    std_caliper : bool
        Interpret ``caliper`` in SDs of the distance over the whole sample (MatchIt default).
    exact : sequence of str, optional
        Columns on which matches must agree exactly (e.g. district, sub-cohort).
    m_order : {"largest", "smallest", "data"}, optional
        Order in which treated units choose; default "largest" (distance matching without
        replacement) else "data".
    smd_denominator : {"treated", "pooled"}
        Passed to the balance tables.
    """

    def __init__(self, *, distance="glm", link: str = "logit", ratio: int = 1,
                 replace: bool = False, caliper: float | None = None, std_caliper: bool = True,
                 exact: Sequence[str] | None = None, m_order: str | None = None,
                 smd_denominator: str = "treated"):
        self.distance = distance
        self.link = link
        self.ratio = ratio
        self.replace = replace
        self.caliper = caliper
        self.std_caliper = std_caliper
        self.exact = exact
        self.m_order = m_order
        self.smd_denominator = smd_denominator

    def fit(self, data: pd.DataFrame, treatment: str, covariates: Sequence[str]):
        """Match; sets ``distance_, match_matrix_, weights_, matched_set_, balance_`` etc."""
        if int(self.ratio) < 1:
            raise ValueError("ratio must be a positive integer")
        _check_columns(data, treatment, [*covariates, *(self.exact or [])])
        data = data.reset_index(drop=True) if not data.index.is_unique else data
        treat = data[treatment].to_numpy().astype(int)
        n, ratio = treat.size, int(self.ratio)
        treated = np.flatnonzero(treat == 1)
        n1 = treated.size
        mahal = isinstance(self.distance, str) and self.distance == "mahalanobis"
        if mahal and self.caliper is not None:
            raise ValueError("a caliper needs a scalar distance (use distance='glm')")
        if mahal:
            dist = None
            X = expand_covariates(data, covariates).to_numpy()
            Z = self._whiten(X, treat)
        elif isinstance(self.distance, str):
            if self.distance != "glm":
                raise ValueError(f"distance must be 'glm', 'mahalanobis' or an array, got {self.distance!r}")
            dist = propensity_score(data, treatment, covariates, self.link)
        else:
            dist = np.asarray(self.distance, dtype=float)
        self.distance_ = dist
        reuse_max = max(n1, 1) if self.replace else 1
        caliper = None
        if self.caliper is not None:
            caliper = float(self.caliper) * (float(np.std(dist, ddof=1)) if self.std_caliper else 1.0)
        self.caliper_width_ = caliper
        m_order = self.m_order or ("data" if (mahal or self.replace) else "largest")
        self.m_order_ = m_order
        if self.exact:
            key = data.groupby(list(self.exact), sort=False, dropna=False).ngroup().to_numpy()
        else:
            key = np.zeros(n, dtype=np.int64)
        mm = np.full((n1, ratio), -1, dtype=np.int64)
        t_pos = np.full(n, -1, dtype=np.int64)
        t_pos[treated] = np.arange(n1)
        by_key = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[by_key])) + 1
        for idx in np.split(by_key, bounds):
            tr = treat[idx]
            if not (tr == 1).any() or not (tr == 0).any():
                continue
            if m_order == "data":
                order = np.arange((tr == 1).sum())
            else:
                dt = dist[idx][tr == 1]
                order = np.argsort(-dt if m_order == "largest" else dt, kind="stable")
            if mahal:
                sub = _nn_mahalanobis(Z[idx], tr, ratio, reuse_max, order)
            else:
                sub = _nn_on_distance(dist[idx], tr, ratio, reuse_max, order, caliper)
            rows = t_pos[idx[tr == 1]]
            mm[rows] = np.where(sub >= 0, idx[np.maximum(sub, 0)], -1)
        self.match_matrix_ = mm
        self.treated_positions_ = treated
        weights = _weights_from_match_matrix(mm, treated, n)
        # matched sets are the clusters for standard errors; with replacement a control can sit
        # in several sets, so every person is their own cluster (robust by person)
        matched_set = np.where(weights > 0, np.arange(n), -1) if self.replace else np.full(n, -1, dtype=np.int64)
        if not self.replace:
            for ti, row in enumerate(mm):
                row = row[row >= 0]
                if row.size:
                    matched_set[treated[ti]] = ti
                    matched_set[row] = ti
        self._finish(data, treatment, covariates, weights, matched_set, dist)
        return self

    @staticmethod
    def _whiten(X: np.ndarray, treat: np.ndarray) -> np.ndarray:
        """Transform so Euclidean distance = Mahalanobis with pooled within-group covariance."""
        keep = np.ptp(X, axis=0) > 1e-8
        X = X[:, keep]
        Xc = X.copy()
        for g in (0, 1):
            Xc[treat == g] -= Xc[treat == g].mean(axis=0)
        cov = Xc.T @ Xc / (X.shape[0] - 2)
        L = np.linalg.cholesky(np.linalg.pinv(cov))
        return X @ L


class ExactMatch(_MatcherBase):
    """Exact matching on all named covariates (MatchIt ``method = "exact"``), ATT weights.

    Effects after it use HC3 standard errors by default (``vcov_ = "HC3"``), MatchIt's advice.
    """

    vcov_ = "HC3"

    def __init__(self, *, smd_denominator: str = "treated"):
        self.smd_denominator = smd_denominator

    def _strata_frame(self, data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
        return data[list(covariates)].astype(str)

    def fit(self, data: pd.DataFrame, treatment: str, covariates: Sequence[str]):
        """Form strata; sets ``stratum_, weights_, matched_set_, balance_``."""
        _check_columns(data, treatment, covariates)
        treat = data[treatment].to_numpy().astype(int)
        frame = self._strata_frame(data, covariates)
        codes = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
        uniq = np.arange(codes.max() + 1)
        has1 = np.bincount(codes[treat == 1], minlength=uniq.size) > 0
        has0 = np.bincount(codes[treat == 0], minlength=uniq.size) > 0
        good = has1 & has0
        relabel = np.full(uniq.size, -1)
        relabel[good] = np.arange(good.sum())
        stratum = relabel[codes]
        self.stratum_ = stratum
        self.n_strata_ = int(good.sum())
        weights = _weights_from_strata(stratum, treat)
        self._finish(data, treatment, covariates, weights, stratum)
        return self


class CoarsenedExactMatch(ExactMatch):
    """Coarsened exact matching (MatchIt ``method = "cem"``, its in-house ``cem_matchit``).

    Parameters
    ----------
    cutpoints : "sturges", int or dict
        Number of equal-width bins for every numeric covariate (``"sturges"`` =
        ceil(log2(n) + 1)), or a dict per column of a bin count or explicit cut points.
        Non-numeric covariates are matched exactly.
    """

    def __init__(self, *, cutpoints="sturges", smd_denominator: str = "treated"):
        self.cutpoints = cutpoints
        self.smd_denominator = smd_denominator

    def _strata_frame(self, data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
        out = {}
        for c in covariates:
            s = data[c]
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                out[c] = s.astype(str).to_numpy()
                continue
            x = s.to_numpy(dtype=float)
            spec = self.cutpoints.get(c, "sturges") if isinstance(self.cutpoints, dict) else self.cutpoints
            if isinstance(spec, str):
                if spec != "sturges":
                    raise ValueError(f"unknown cutpoints rule {spec!r} for {c!r}")
                spec = int(math.ceil(math.log2(x.size) + 1))
            if np.ndim(spec) == 0:
                bins = int(spec)
                lo, hi = x.min(), x.max()
                inner = lo + np.arange(1, bins) * ((hi - lo) / bins)
            else:
                inner = np.unique(np.asarray(spec, dtype=float))
            out[c] = np.searchsorted(inner, x, side="right").astype(str)
        return pd.DataFrame(out, index=data.index)
