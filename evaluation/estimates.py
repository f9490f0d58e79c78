"""Effects on the matched sample (ATT) and the sensitivity estimators beside them.

* :func:`att_mean_difference` — weighted difference in means, served minus matched comparison,
  from a weighted least-squares regression ``y ~ 1 + served`` with cluster-robust standard
  errors on matched sets (statsmodels ``cov_type="cluster"``, with its small-sample
  correction), or HC1 when no cluster is given.  For a 0/1 outcome this is the risk difference.
* :func:`att_ratio` — ratio of the weighted means (risk ratio, or rate ratio for absence), with a
  delta-method interval on the log scale from the same cluster-robust covariance.
* :func:`ipw_att` — inverse-probability weighting for the ATT (served 1, comparison
  e/(1 − e) from a logistic propensity score), HC1 standard errors that treat the weights as
  known (usually conservative for the ATT).
* :func:`regression_adjustment` — OLS of the outcome on served and the covariates, HC1 SEs: the
  served coefficient, a constant-effect estimate.
* :func:`event_within` — 0/1 "event within d days of the index date", blank when follow-up is
  shorter than d days and no event was seen (such people are excluded and counted).

Each returns a one-row DataFrame with ``estimand, estimate, se, ci_low, ci_high, n_served,
n_comparison, variance``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.balance import expand_covariates

__all__ = ["att_mean_difference", "att_ratio", "ipw_att", "regression_adjustment", "event_within"]


def _fit(y, X, w, groups):
    import statsmodels.api as sm

    model = sm.WLS(y, X, weights=w)
    if groups is not None:
        codes = pd.factorize(pd.Series(groups))[0]
        return model.fit(cov_type="cluster", cov_kwds={"groups": codes}), "cluster-robust on " + "matched sets"
    return model.fit(cov_type="HC1"), "HC1 robust"


def _prep(data, outcome, treatment, weights, cluster):
    d = data[data[outcome].notna()]
    if weights is not None:
        d = d[d[weights] > 0]
    y = d[outcome].to_numpy(dtype=float)
    t = d[treatment].to_numpy(dtype=float)
    w = np.ones(len(d)) if weights is None else d[weights].to_numpy(dtype=float)
    g = None if cluster is None else d[cluster].to_numpy()
    return d, y, t, w, g


def _row(name, est, se, level, n1, n0, variance, excluded=0):
    q = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame([dict(estimand=name, estimate=est, se=se, ci_low=est - q * se,
                              ci_high=est + q * se, n_served=n1, n_comparison=n0,
                              excluded_missing=excluded, variance=variance)])


def att_mean_difference(data: pd.DataFrame, outcome: str, treatment: str = "served",
                        weights: str | None = "weights", cluster: str | None = "matched_set",
                        level: float = 0.95) -> pd.DataFrame:
    """Weighted mean difference (served − comparison) with cluster-robust SE.

    Parameters
    ----------
    data : pandas.DataFrame
        Matched data (e.g. ``matcher.matched_data(df)``): one row per person.
    outcome : str
        Outcome column; rows where it is blank are excluded and counted.
    treatment : str
        0/1 served indicator.
    weights, cluster : str or None
        Matching-weight and matched-set columns.
    level : float
        Confidence level (normal approximation).
    """
    d, y, t, w, g = _prep(data, outcome, treatment, weights, cluster)
    res, var = _fit(y, np.column_stack([np.ones_like(t), t]), w, g)
    return _row(f"ATT mean difference in {outcome}", float(res.params[1]), float(res.bse[1]), level,
                int((t == 1).sum()), int((t == 0).sum()), var, int(data[outcome].isna().sum()))


def att_ratio(data: pd.DataFrame, outcome: str, treatment: str = "served",
              weights: str | None = "weights", cluster: str | None = "matched_set",
              level: float = 0.95) -> pd.DataFrame:
    """Ratio of weighted means served / comparison (risk or rate ratio), delta method on log scale.

    Returns a one-row table; ``estimate`` is the ratio and the interval is exp(log ratio ± z·se)
    with ``se`` on the log scale.
    """
    d, y, t, w, g = _prep(data, outcome, treatment, weights, cluster)
    res, var = _fit(y, np.column_stack([np.ones_like(t), t]), w, g)
    b0, b1 = res.params
    V = np.asarray(res.cov_params())
    m1 = b0 + b1
    if b0 <= 0 or m1 <= 0:
        est, se = math.nan, math.nan
    else:
        grad = np.array([1 / m1 - 1 / b0, 1 / m1])
        se = float(math.sqrt(grad @ V @ grad))
        est = m1 / b0
    q = stats.norm.ppf(0.5 + level / 2)
    row = _row(f"ATT ratio of means in {outcome}", est, se, level, int((t == 1).sum()),
               int((t == 0).sum()), var + "; delta method, SE on log scale", int(data[outcome].isna().sum()))
    if np.isfinite(est):
        row["ci_low"], row["ci_high"] = est * math.exp(-q * se), est * math.exp(q * se)
    return row


def ipw_att(data: pd.DataFrame, outcome: str, treatment: str, covariates: Sequence[str],
            level: float = 0.95) -> pd.DataFrame:
    """ATT by inverse-probability (odds) weighting with a logistic propensity score."""
    from evaluation.matching import propensity_score

    d = data[data[outcome].notna()].reset_index(drop=True)
    ps = propensity_score(d, treatment, covariates)
    t = d[treatment].to_numpy(dtype=float)
    w = np.where(t == 1, 1.0, ps / (1 - ps))
    res, var = _fit(d[outcome].to_numpy(dtype=float), np.column_stack([np.ones_like(t), t]), w, None)
    return _row(f"IPW ATT mean difference in {outcome}", float(res.params[1]), float(res.bse[1]), level,
                int((t == 1).sum()), int((t == 0).sum()), var + "; weights treated as known",
                int(data[outcome].isna().sum()))


def regression_adjustment(data: pd.DataFrame, outcome: str, treatment: str,
                          covariates: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """OLS of the outcome on served and covariates (constant effect), HC1 standard errors."""
    d = data[data[outcome].notna()].reset_index(drop=True)
    X = expand_covariates(d, covariates, drop_first=True).to_numpy()
    t = d[treatment].to_numpy(dtype=float)
    Xf = np.column_stack([np.ones_like(t), t, X])
    res, var = _fit(d[outcome].to_numpy(dtype=float), Xf, np.ones_like(t), None)
    return _row(f"regression-adjusted difference in {outcome}", float(res.params[1]), float(res.bse[1]),
                level, int((t == 1).sum()), int((t == 0).sum()), var, int(data[outcome].isna().sum()))


def event_within(index_date, event_date, end_of_data, days: int) -> pd.Series:
    """1 if the event falls within ``days`` of the index date, 0 if not, blank if unknowable.

    Parameters
    ----------
    index_date, event_date : array-like of dates
        Start of follow-up and first event after it (blank = none seen).
    end_of_data : date or array-like of dates
        Censoring date (data end, or leaving the cohort).
    days : int
        Window, e.g. 182, 365, 730 for 6, 12, 24 months.

    Returns
    -------
    pandas.Series
        Float 1.0 / 0.0 / NaN (follow-up shorter than the window and no event seen).
    """
    i = pd.to_datetime(pd.Series(index_date)).reset_index(drop=True)
    e = pd.to_datetime(pd.Series(event_date)).reset_index(drop=True)
    end = pd.to_datetime(pd.Series(end_of_data)).reset_index(drop=True)
    if len(end) == 1 and len(i) > 1:
        end = pd.Series([end.iloc[0]] * len(i))
    win = pd.Timedelta(days=days)
    hit = e.notna() & (e >= i) & (e - i <= win)
    known = hit | (end - i >= win)
    return pd.Series(np.where(known, hit.astype(float), np.nan))
