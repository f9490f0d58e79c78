"""Covariate balance between a treated group and its (weighted) comparison group.

Statistics follow R's MatchIt 4.5 ``summary.matchit`` (standardize = TRUE) so Cusp's tables can be
checked against it:

* ``smd``: (weighted mean treated − weighted mean control) / SD.  The denominator is an explicit
  option named in every table: ``"treated"`` (MatchIt's choice for the ATT: the SD of the treated
  group in the *unmatched* sample, fixed before and after matching) or ``"pooled"`` (sqrt of the
  mean of the two groups' unmatched variances).  For a binary (0/1) covariate the variance is
  p(1 − p); otherwise the unbiased sample variance.
* ``var_ratio``: weighted variance treated / weighted variance control (reliability-weights
  formula, as ``cov.wt``); blank for binary covariates.
* ``ecdf_mean`` / ``ecdf_max``: mean and maximum absolute difference of the two weighted empirical
  CDFs evaluated at every distinct value of the covariate (all units, including weight-zero ones);
  for binary covariates both equal the absolute difference in proportions.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from evaluation.errors import EvaluationError

__all__ = ["BalanceWarning", "DataInputError", "expand_covariates", "balance_table", "check_balance", "love_plot"]

SmdDenominator = Literal["treated", "pooled"]
_EPS = math.sqrt(np.finfo(float).eps)


class DataInputError(EvaluationError, ValueError):
    """A table handed to an evaluation method lacks a column or holds values it cannot use.

    Used across ``balance``, ``matching``, ``estimates``, ``distance`` and ``disclosure``; the
    command line prints ``one_line()`` and exits 2.
    """


class BalanceWarning(UserWarning):
    """Some covariate is still imbalanced (|SMD| above the threshold) after adjustment."""


def expand_covariates(data: pd.DataFrame, covariates: Sequence[str],
                      drop_first: bool = False) -> pd.DataFrame:
    """Numeric design columns: numbers as they are, categories as 0/1 indicators.

    Parameters
    ----------
    data : pandas.DataFrame
        Source table.
    covariates : sequence of str
        Column names; object, string, categorical and boolean columns are expanded into one
        indicator per level named ``f"{column}_{level}"`` (levels sorted, as R's factor()).
    drop_first : bool
        Drop the first level of each categorical (treatment contrasts, for model fitting).

    Returns
    -------
    pandas.DataFrame
        Float columns, same index as ``data``.
    """
    cols: dict[str, np.ndarray] = {}
    for name in covariates:
        if name not in data.columns:
            raise DataInputError(f"covariate {name!r} is not a column of the data")
        s = data[name]
        if s.isna().any():
            raise DataInputError(f"covariate {name!r} has {int(s.isna().sum())} missing values; "
                                 "impute or drop them first")
        if pd.api.types.is_bool_dtype(s):
            cols[name] = s.to_numpy(dtype=float)
        elif pd.api.types.is_numeric_dtype(s):
            cols[name] = s.to_numpy(dtype=float)
        else:
            levels = sorted(pd.unique(s.astype(str)))
            for level in levels[1:] if drop_first else levels:
                cols[f"{name}_{level}"] = (s.astype(str) == level).to_numpy(dtype=float)
    return pd.DataFrame(cols, index=data.index)


def _is_binary(x: np.ndarray) -> bool:
    return bool(np.all((x == 0) | (x == 1)))


def _wvar(x: np.ndarray, w: np.ndarray | None, binary: bool) -> float:
    w = np.ones_like(x) if w is None else w
    total = w.sum()
    if total <= 0:
        return math.nan
    w = w / total
    m = float((w * x).sum())
    if binary:
        return m * (1 - m)
    denom = 1 - float((w * w).sum())
    return float((w * (x - m) ** 2).sum()) / denom if denom > 0 else math.nan


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    s = w.sum()
    return float((x * w).sum() / s) if s > 0 else math.nan


def _ecdf_stats(x: np.ndarray, treat: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    w = w.astype(float).copy()
    for g in (0, 1):
        s = w[treat == g].sum()
        if s > 0:
            w[treat == g] /= s
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    signed = np.where(treat[order] == 1, -ws, ws)
    cum = np.abs(np.cumsum(signed))
    last_of_value = np.append(xs[1:] != xs[:-1], True)
    ediff = cum[last_of_value]
    return float(ediff.mean()), float(ediff.max())


def _one_row(x: np.ndarray, treat: np.ndarray, w: np.ndarray, sd: float) -> dict[str, float]:
    binary = _is_binary(x)
    t1, t0 = treat == 1, treat == 0
    m1, m0 = _wmean(x[t1], w[t1]), _wmean(x[t0], w[t0])
    diff = m1 - m0
    smd = diff / sd if abs(diff) > _EPS and np.isfinite(sd) and sd > _EPS else diff
    if binary:
        vr = math.nan
        e_mean = e_max = abs(diff)
    else:
        v0 = _wvar(x[t0], w[t0], False)
        vr = _wvar(x[t1], w[t1], False) / v0 if v0 and v0 > 0 else math.nan
        e_mean, e_max = _ecdf_stats(x, treat, w)
    return dict(mean_treated=m1, mean_control=m0, smd=smd, var_ratio=vr,
                ecdf_mean=e_mean, ecdf_max=e_max)


def balance_table(data: pd.DataFrame, treatment: str, covariates: Sequence[str],
                  weights: np.ndarray | pd.Series | None = None,
                  smd_denominator: SmdDenominator = "treated",
                  distance: np.ndarray | None = None) -> pd.DataFrame:
    """Balance statistics for each covariate (categoricals expanded to one row per level).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person, the whole sample (matched and unmatched).
    treatment : str
        0/1 column: 1 = served (treated), 0 = comparison pool.
    covariates : sequence of str
        Columns to summarise.
    weights : array-like, optional
        Matching or balancing weights (0 = not in the matched sample).  ``None`` = unadjusted.
    smd_denominator : {"treated", "pooled"}
        SD used to standardise mean differences; always computed on the *unweighted* full
        sample, so the denominator is the same before and after matching.
    distance : array-like, optional
        Propensity score / distance; if given it is the first row, named ``distance``.

    Returns
    -------
    pandas.DataFrame
        Index ``covariate``; columns ``mean_treated, mean_control, smd, var_ratio, ecdf_mean,
        ecdf_max``.  ``.attrs["smd_denominator"]`` names the denominator and ``.attrs["note"]``
        states it in words, for printing under the table.
    """
    if smd_denominator not in ("treated", "pooled"):
        raise ValueError(f"smd_denominator must be 'treated' or 'pooled', got {smd_denominator!r}")
    treat = data[treatment].to_numpy()
    if not np.isin(treat, (0, 1)).all():
        raise DataInputError(f"treatment column {treatment!r} must be 0/1")
    treat = treat.astype(int)
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    X = expand_covariates(data, covariates)
    if distance is not None:
        X.insert(0, "distance", np.asarray(distance, dtype=float))
    rows = {}
    for name in X.columns:
        x = X[name].to_numpy()
        binary = _is_binary(x)
        v1 = _wvar(x[treat == 1], None, binary)
        if smd_denominator == "treated":
            sd = math.sqrt(v1)
        else:
            sd = math.sqrt((v1 + _wvar(x[treat == 0], None, binary)) / 2)
        rows[name] = _one_row(x, treat, w, sd)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "covariate"
    out.attrs["smd_denominator"] = smd_denominator
    out.attrs["note"] = (
        "SMD denominator: SD of the served (treated) group before matching (MatchIt's ATT convention)"
        if smd_denominator == "treated" else
        "SMD denominator: pooled SD, sqrt((var_treated + var_comparison) / 2), before matching")
    return out


def check_balance(table: pd.DataFrame, threshold: float = 0.1, warn: bool = True) -> list[str]:
    """Names of covariates whose |SMD| exceeds ``threshold``; warns (BalanceWarning) if any."""
    bad = [str(i) for i, v in table["smd"].items() if np.isfinite(v) and abs(v) > threshold]
    if bad and warn:
        warnings.warn(f"|SMD| > {threshold} remains for: {', '.join(bad)} "
                      f"({table.attrs.get('smd_denominator', 'unstated')} denominator)",
                      BalanceWarning, stacklevel=2)
    return bad


def love_plot(before: pd.DataFrame, after: pd.DataFrame, threshold: float = 0.1, ax=None):
    """Love plot of absolute SMDs before and after adjustment.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Tables from :func:`balance_table` (same covariates).
    threshold : float
        Reference line drawn at this |SMD|.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.35 * len(before) + 1.5))
    names = list(before.index)
    y = np.arange(len(names))[::-1]
    ax.scatter(before["smd"].abs(), y, marker="o", facecolors="none", edgecolors="grey", label="before")
    ax.scatter(after.loc[names, "smd"].abs(), y, marker="o", color="black", label="after")
    ax.axvline(threshold, linestyle="--", color="red", linewidth=1)
    ax.set_yticks(y, names)
    ax.set_xlabel(f"|standardised mean difference| ({before.attrs.get('smd_denominator', '')} SD)")
    ax.legend(loc="lower right")
    return ax
