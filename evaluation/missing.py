"""Missing data: multiple imputation of covariates with Rubin's rules, and children without a
follow-up assessment (attrition weighting and worst/best-case bounds).

* :func:`rubin_pool` — Rubin's (1987) rules for m completed-data estimates, with Barnard &
  Rubin's (1999) small-sample degrees of freedom.
* :func:`multiple_imputation` — m imputations of the blank covariates by chained equations
  (statsmodels ``MICEData``: each incomplete numeric column regressed on all the others, the
  outcome and treatment included, predictive mean matching from a draw of the coefficients),
  any Cusp estimator run on each completed table, pooled by :func:`rubin_pool`, reported beside
  the complete-case estimate.  Assumption: missing at random given the variables in the
  imputation model.
* :func:`share_improved_bounds` — Manski-style worst/best case for a share improved when some
  children with a baseline have no follow-up: all of them not improved / all improved.  No
  assumption about why the follow-up is missing.
* :func:`attrition_weighted_share` — inverse probability of having a follow-up (logistic
  model on the baseline score and covariates) weighting of the completers, with an
  M-estimation sandwich SE.  Assumption: follow-up missing at random given those variables.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.balance import DataInputError, expand_covariates

__all__ = ["rubin_pool", "multiple_imputation", "share_improved_bounds", "attrition_weighted_share"]


def rubin_pool(estimates, variances, df_complete: float | None = None,
               level: float = 0.95) -> dict:
    """Pool m completed-data estimates by Rubin's rules.

    With q_j and u_j the estimate and its squared SE in imputation j (Rubin 1987, *Multiple
    Imputation for Nonresponse in Surveys*, §3.1):

    * pooled estimate  Q̄ = mean(q_j);
    * within variance  Ū = mean(u_j);  between variance  B = Σ (q_j − Q̄)² / (m − 1);
    * total variance   T = Ū + (1 + 1/m) B;
    * degrees of freedom ν_m = (m − 1) (1 + Ū / ((1 + 1/m) B))²; with the complete-data degrees
      of freedom ν_com given, Barnard & Rubin (1999): ν_obs = (ν_com + 1)/(ν_com + 3) · ν_com ·
      (1 − λ), λ = (1 + 1/m) B / T, and ν = 1 / (1/ν_m + 1/ν_obs);
    * interval Q̄ ± t_ν · sqrt(T).
    * relative increase in variance r = (1 + 1/m) B / Ū; fraction of missing information
      γ = (r + 2/(ν + 3)) / (r + 1) (Rubin 1987, eq. 3.1.10; R ``mice``'s ``fmi``).

    Parameters
    ----------
    estimates, variances : array-like
        One per imputation (variance = SE²), on the scale where the estimate is roughly normal
        (log for ratios).
    df_complete : float, optional
        Complete-data degrees of freedom (n − parameters); infinite if not given.
    level : float
        Confidence level.

    Returns
    -------
    dict
        ``estimate, se, ci_low, ci_high, df, within, between, total, riv`` (r), ``lambda_`` (λ,
        the share of the total variance due to missing data), ``fmi`` (γ), ``m``.
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = q.size
    if m < 2:
        raise ValueError("Rubin's rules need at least two imputations")
    qbar, ubar = float(q.mean()), float(u.mean())
    b = float(q.var(ddof=1))
    total = ubar + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / total if total > 0 else 0.0
    df = math.inf if b == 0 else (m - 1) * (1 + ubar / ((1 + 1 / m) * b)) ** 2
    if df_complete is not None and np.isfinite(df_complete):
        df_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - lam)
        df = 1 / (1 / df + 1 / df_obs) if np.isfinite(df) else df_obs
    riv = (1 + 1 / m) * b / ubar if ubar > 0 else math.inf
    fmi = (riv + 2 / (df + 3)) / (riv + 1) if np.isfinite(df) else lam
    se = math.sqrt(total)
    crit = stats.norm.ppf(0.5 + level / 2) if not np.isfinite(df) else stats.t.ppf(0.5 + level / 2, df)
    return dict(estimate=qbar, se=se, ci_low=qbar - crit * se, ci_high=qbar + crit * se, df=df,
                within=ubar, between=b, total=total, riv=riv, lambda_=lam, fmi=fmi, m=m)


def multiple_imputation(data: pd.DataFrame, estimator: Callable[[pd.DataFrame], pd.DataFrame],
                        impute: Sequence[str], *, predictors: Sequence[str] | None = None,
                        m: int = 20, burn_in: int = 10, skip: int = 3,
                        method: str = "norm", k_pmm: int = 5,
                        seed: int | np.random.Generator = 0, level: float = 0.95) -> pd.DataFrame:
    """Complete-case and multiply imputed estimates side by side.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person, blanks in the ``impute`` columns.
    estimator : callable
        Table → one-row table with ``estimand, estimate, se`` (e.g.
        ``lambda d: regression_adjustment(d, "y", "served", covs)``, or a function that matches
        and calls :func:`evaluation.estimates.att_mean_difference`).  Rows whose ``estimand``
        contains "ratio" are pooled on the log scale (their ``se`` is on the log scale).
    impute : sequence of str
        Numeric columns with blanks to impute.
    predictors : sequence of str, optional
        Other columns of the imputation model (numeric, or categorical → indicators); default
        every other numeric column without blanks.  Include the outcome and the treatment.
    m : int
        Number of imputations.
    burn_in, skip : int
        Chained-equation cycles before the first imputation and between imputations.
    method : {"norm", "pmm"}
        ``"norm"`` (default): Bayesian linear-regression imputation (R ``mice``'s "norm"): a
        draw of the coefficients and of the residual variance σ*² = σ̂²·df/χ²_df, then the
        prediction plus N(0, σ*²) noise.  ``"pmm"``: predictive mean matching (statsmodels'
        ``MICEData``), robust to skewed or whole-number covariates, but pulled towards the
        centre when the missing values sit where few donors are.
    k_pmm : int
        Donors for predictive mean matching (R ``mice``'s default 5; statsmodels' default 20
        pulls imputations towards the centre when the missing are at an extreme).
    seed : int or numpy.random.Generator
        Random stream of the imputations.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``analysis`` = "complete case" and "multiple imputation (m = …)", with
        ``estimand, estimate, se, ci_low, ci_high, n, n_incomplete, fmi`` (fraction of missing
        information; blank for complete case).
    """
    from statsmodels.imputation.mice import MICEData

    impute = list(impute)
    for c in impute:
        if c not in data.columns:
            raise DataInputError(f"column {c!r} to impute is not a column of the data")
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise DataInputError(f"column {c!r} to impute must be numeric (code categories as 0/1 first)")
    if predictors is None:
        predictors = [c for c in data.columns if c not in impute
                      and pd.api.types.is_numeric_dtype(data[c]) and data[c].notna().all()]
    pred = expand_covariates(data, list(predictors)).reset_index(drop=True)
    pred.columns = [f"p{i}" for i in range(pred.shape[1])]   # formula-safe names
    pred = pred.loc[:, pred.std() > 0]
    target = data[impute].reset_index(drop=True).astype(float)
    target.columns = [f"m{i}" for i in range(len(impute))]
    frame = pd.concat([target, pred], axis=1)
    incomplete = data[impute].isna().any(axis=1)
    cc = estimator(data[~incomplete])
    name = str(cc["estimand"].iloc[0])
    log = "ratio" in name
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if method not in ("norm", "pmm"):
        raise ValueError(f"method must be 'norm' or 'pmm', got {method!r}")
    imp = (_NormMICEData if method == "norm" else MICEData)(frame, k_pmm=k_pmm, rng=rng)
    imp.update_all(burn_in)
    qs, us = [], []
    for j in range(m):
        if j:
            imp.update_all(skip)
        done = data.copy()
        filled = imp.data[target.columns].to_numpy()
        for i, c in enumerate(impute):
            done[c] = filled[:, i]
        r = estimator(done).iloc[0]
        q = math.log(r["estimate"]) if log else float(r["estimate"])
        qs.append(q)
        us.append(float(r["se"]) ** 2)
    pooled = rubin_pool(qs, us, df_complete=len(data) - len(predictors) - 2, level=level)
    est, lo, hi = pooled["estimate"], pooled["ci_low"], pooled["ci_high"]
    if log:
        est, lo, hi = math.exp(est), math.exp(lo), math.exp(hi)
    rows = [dict(analysis="complete case", estimand=name, estimate=float(cc["estimate"].iloc[0]),
                 se=float(cc["se"].iloc[0]), ci_low=float(cc["ci_low"].iloc[0]),
                 ci_high=float(cc["ci_high"].iloc[0]), n=int((~incomplete).sum()),
                 n_incomplete=int(incomplete.sum()), fmi=math.nan),
            dict(analysis=f"multiple imputation (m = {m})", estimand=name, estimate=est,
                 se=pooled["se"], ci_low=lo, ci_high=hi, n=len(data),
                 n_incomplete=int(incomplete.sum()), fmi=pooled["fmi"])]
    return pd.DataFrame(rows)


def _norm_mice_class():
    from statsmodels.imputation.mice import MICEData

    class NormMICEData(MICEData):
        """MICEData imputing by Bayesian linear regression instead of predictive mean matching."""

        def impute(self, vname):
            _, _, exog_miss, _, predict_miss_kwds = self.get_split_data(vname)
            res = self.results[vname]
            df = max(float(res.df_resid), 1.0)
            sigma2 = float(res.scale) * df / self.rng.chisquare(df)
            pred = self._get_predicted(self.models[vname].predict(self.params[vname], exog_miss,
                                                                  **predict_miss_kwds))
            self._store_changes(vname, pred + math.sqrt(sigma2) * self.rng.standard_normal(len(pred)))

    return NormMICEData


class _LazyNorm:
    def __call__(self, *args, **kwargs):
        return _norm_mice_class()(*args, **kwargs)


_NormMICEData = _LazyNorm()


def share_improved_bounds(improved: int, paired: int, missing: int, level: float = 0.95) -> dict:
    """Worst/best-case (Manski) bounds on a share improved when ``missing`` children with a
    baseline have no follow-up.

    Parameters
    ----------
    improved, paired : int
        Children improved and children with a follow-up (the completers' numerator and
        denominator).
    missing : int
        Children with a baseline (eligible: not at the best score) but no follow-up.
    level : float
        Confidence level of the Wilson intervals on each bound.

    Returns
    -------
    dict
        ``completers`` (improved/paired), ``lower`` = improved/(paired + missing) (none of the
        missing improved), ``upper`` = (improved + missing)/(paired + missing) (all did), and
        ``lower_ci_low``, ``upper_ci_high``: the outer Wilson limits.
    """
    from evaluation.intervals import wilson_interval

    n = paired + missing
    lower = improved / n if n else math.nan
    upper = (improved + missing) / n if n else math.nan
    return dict(completers=improved / paired if paired else math.nan, lower=lower, upper=upper,
                lower_ci_low=wilson_interval(improved, n, level)[0] if n else math.nan,
                upper_ci_high=wilson_interval(improved + missing, n, level)[1] if n else math.nan,
                paired=paired, missing=missing)


def attrition_weighted_share(data: pd.DataFrame, improved: str, covariates: Sequence[str],
                             level: float = 0.95) -> dict:
    """Share improved weighting completers by the inverse probability of having a follow-up.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per child with a baseline: ``improved`` is 1/0 for completers and blank for
        children without a follow-up; ``covariates`` (e.g. the baseline score, age band,
        district) complete for everyone.
    improved : str
        0/1 column, blank = no follow-up.
    covariates : sequence of str
        Predictors of having a follow-up.
    level : float
        Confidence level (normal approximation).

    Returns
    -------
    dict
        ``estimate`` (weighted share improved), ``se``, ``ci_low``, ``ci_high``, ``completers``
        (unweighted share among completers), ``n``, ``n_missing``.

    Raises
    ------
    ValueError
        When the logistic model of follow-up does not converge (e.g. perfect separation).

    Notes
    -----
    θ = (β, μ); per child ψ = [X(r − p); (r/p)(y − μ)] with r = 1 if followed up, p the logistic
    probability of follow-up.  The SE is the sandwich A⁻¹BA⁻ᵀ/n of these stacked equations, so
    the estimated weights' uncertainty is included (as :func:`evaluation.estimates.ipw_att`).
    """
    import statsmodels.api as sm

    y_raw = data[improved]
    r = y_raw.notna().to_numpy(dtype=float)
    y = np.nan_to_num(y_raw.to_numpy(dtype=float))
    X = sm.add_constant(expand_covariates(data, covariates, drop_first=True).to_numpy(), has_constant="add")
    fit = sm.Logit(r, X).fit(method="newton", disp=0, maxiter=100, warn_convergence=False)
    if not fit.mle_retvals.get("converged", True) or not np.all(np.isfinite(fit.params)):
        raise ValueError("the follow-up model did not converge (perfect separation?)")
    p = 1 / (1 + np.exp(-(X @ fit.params)))
    w = r / p
    mu = float((w * y).sum() / w.sum())
    n, k = X.shape
    psi = np.column_stack([X * (r - p)[:, None], w * (y - mu)])
    A = np.zeros((k + 1, k + 1))
    A[:k, :k] = (X * (p * (1 - p))[:, None]).T @ X / n
    A[k, :k] = (X * (r * (y - mu) * (1 - p) / p)[:, None]).sum(axis=0) / n
    A[k, k] = w.mean()
    B = psi.T @ psi / n
    Ainv = np.linalg.inv(A)
    se = float(math.sqrt((Ainv @ B @ Ainv.T / n)[k, k]))
    z = stats.norm.ppf(0.5 + level / 2)
    return dict(estimate=mu, se=se, ci_low=mu - z * se, ci_high=mu + z * se,
                completers=float(y[r == 1].mean()) if r.sum() else math.nan,
                n=int(n), n_missing=int((r == 0).sum()))
