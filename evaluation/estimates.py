"""Effects on the matched sample (ATT) and the sensitivity estimators beside them.

* :func:`att_mean_difference` — weighted difference in means, served minus matched comparison,
  from a weighted least-squares regression ``y ~ 1 + served`` with cluster-robust standard
  errors on matched sets (statsmodels ``cov_type="cluster"``, with its small-sample
  correction), or HC1 when no cluster is given.  For a 0/1 outcome this is the risk difference.
* :func:`att_ratio` — ratio of the weighted means (risk ratio, or rate ratio for absence), with a
  delta-method interval on the log scale from the same cluster-robust covariance.
* :func:`ipw_att` — inverse-probability weighting for the ATT (served 1, comparison
  e/(1 − e) from a logistic propensity score); M-estimation sandwich standard errors that carry
  the estimated propensity score (or, ``se="known-weights"``, HC1 treating weights as fixed).
* :func:`regression_adjustment` — OLS of the outcome on served and the covariates, HC1 SEs: the
  served coefficient, a constant-effect estimate.
* :func:`att_outcome_regression` — the doubly robust estimate MatchIt's guidance recommends:
  weighted outcome regression with served × covariate interactions on the matched sample,
  g-computation over the served.
* :func:`add_sensitivity` — E-values and the Rosenbaum Γ beside every matched estimate.
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
from evaluation.sensitivity import add_sensitivity

__all__ = ["att_mean_difference", "att_ratio", "att_outcome_regression", "ipw_att",
           "regression_adjustment", "event_within", "add_sensitivity",
           "COHORT_COVARIATES", "build_cohort", "matched_effects", "sensitivity_effects"]

COHORT_COVARIATES = ["need_level", "risk_factors", "prior_care_episodes", "age", "sex", "ethnicity",
                     "district", "sub_cohort"]
"""Covariates :func:`build_cohort` provides for the propensity score and balance tables."""


VCOV_TYPES = ("cluster", "HC3", "HC1")
"""Standard-error types: ``"cluster"`` (on matched sets; MatchIt's advice for nearest-neighbour
pairs), ``"HC3"`` (MatchIt's advice for exact, coarsened exact and subclassification matching,
whose weights come from strata rather than pairs), ``"HC1"``."""


def _fit(y, X, w, groups, vcov: str | None = None):
    import statsmodels.api as sm

    model = sm.WLS(y, X, weights=w)
    if vcov is None:
        vcov = "cluster" if groups is not None else "HC1"
    if vcov not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES}, got {vcov!r}")
    if vcov == "cluster":
        if groups is None:
            raise ValueError("vcov='cluster' needs a cluster column")
        codes = pd.factorize(pd.Series(groups))[0]
        return model.fit(cov_type="cluster", cov_kwds={"groups": codes}), "cluster-robust on " + "matched sets"
    return model.fit(cov_type=vcov), f"{vcov} robust"


def _vcov_of(data: pd.DataFrame, vcov: str | None) -> str | None:
    """The SE type asked for, else the one the matcher recommended (``data.attrs["vcov"]``)."""
    if vcov is not None:
        return vcov
    # only a recommendation of HC3 changes the default (cluster when a cluster column is given)
    return "HC3" if data.attrs.get("vcov") == "HC3" else None


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
                        level: float = 0.95, vcov: str | None = None) -> pd.DataFrame:
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
    vcov : {"cluster", "HC3", "HC1"}, optional
        Standard-error type; default: what the matcher recommended (``data.attrs["vcov"]``, set
        by ``matched_data``: HC3 for exact and coarsened exact matching), else cluster-robust on
        ``cluster`` when given, else HC1.
    """
    vcov = _vcov_of(data, vcov)
    d, y, t, w, g = _prep(data, outcome, treatment, weights, None if vcov in ("HC3", "HC1") else cluster)
    res, var = _fit(y, np.column_stack([np.ones_like(t), t]), w, g, vcov)
    return _row(f"ATT mean difference in {outcome}", float(res.params[1]), float(res.bse[1]), level,
                int((t == 1).sum()), int((t == 0).sum()), var, int(data[outcome].isna().sum()))


def att_ratio(data: pd.DataFrame, outcome: str, treatment: str = "served",
              weights: str | None = "weights", cluster: str | None = "matched_set",
              level: float = 0.95, vcov: str | None = None) -> pd.DataFrame:
    """Ratio of weighted means served / comparison (risk or rate ratio), delta method on log scale.

    Returns a one-row table; ``estimate`` is the ratio and the interval is exp(log ratio ± z·se)
    with ``se`` on the log scale.  ``vcov`` as :func:`att_mean_difference`.
    """
    vcov = _vcov_of(data, vcov)
    d, y, t, w, g = _prep(data, outcome, treatment, weights, None if vcov in ("HC3", "HC1") else cluster)
    res, var = _fit(y, np.column_stack([np.ones_like(t), t]), w, g, vcov)
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
            level: float = 0.95, se: str = "m-estimation") -> pd.DataFrame:
    """ATT by inverse-probability (odds) weighting with a logistic propensity score.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person; rows with a blank outcome are excluded and counted.
    outcome, treatment : str
        Outcome column and 0/1 served column.
    covariates : sequence of str
        Propensity-score covariates (main effects).
    level : float
        Confidence level (normal approximation).
    se : {"m-estimation", "known-weights"}
        ``"m-estimation"`` (default): sandwich variance of the stacked estimating equations —
        the logistic score equations of the propensity model and the two weighted means — so
        the uncertainty of the estimated propensity score is carried into the SE (Lunceford &
        Davidian 2004; Stefanski & Boos 2002).  ``"known-weights"``: HC1 of the weighted
        regression, weights treated as fixed (what earlier versions reported).
    """
    from evaluation.matching import propensity_score

    d = data[data[outcome].notna()].reset_index(drop=True)
    t = d[treatment].to_numpy(dtype=float)
    y = d[outcome].to_numpy(dtype=float)
    lin = propensity_score(d, treatment, covariates, link="linear.logit")
    odds = np.exp(lin)
    w = np.where(t == 1, 1.0, odds)
    n1, n0 = int((t == 1).sum()), int((t == 0).sum())
    excluded = int(data[outcome].isna().sum())
    if se == "known-weights":
        res, var = _fit(y, np.column_stack([np.ones_like(t), t]), w, None)
        return _row(f"IPW ATT mean difference in {outcome}", float(res.params[1]), float(res.bse[1]), level,
                    n1, n0, var + "; weights treated as known", excluded)
    if se != "m-estimation":
        raise ValueError(f"se must be 'm-estimation' or 'known-weights', got {se!r}")
    X = np.column_stack([np.ones_like(t), expand_covariates(d, covariates, drop_first=True).to_numpy()])
    est, var_att = _ipw_att_sandwich(X, t, y, odds)
    return _row(f"IPW ATT mean difference in {outcome}", est, math.sqrt(var_att), level, n1, n0,
                "M-estimation sandwich (propensity score estimated)", excluded)


def _ipw_att_sandwich(X: np.ndarray, t: np.ndarray, y: np.ndarray, odds: np.ndarray) -> tuple[float, float]:
    """ATT and its sandwich variance from the stacked estimating equations.

    θ = (β, μ₁, μ₀); per person ψ = [X(t − e); t(y − μ₁); (1 − t)·o·(y − μ₀)] with e the
    propensity score and o = e/(1 − e) = exp(Xβ).  V = A⁻¹ B A⁻ᵀ / n with A = −mean ∂ψ/∂θ,
    B = mean ψψᵀ; ATT = μ₁ − μ₀.
    """
    n, p = X.shape
    e = odds / (1 + odds)
    c = 1 - t
    mu1 = float((t * y).sum() / t.sum())
    mu0 = float((c * odds * y).sum() / (c * odds).sum())
    psi = np.column_stack([X * (t - e)[:, None], t * (y - mu1), c * odds * (y - mu0)])
    A = np.zeros((p + 2, p + 2))
    A[:p, :p] = (X * (e * (1 - e))[:, None]).T @ X / n
    A[p, p] = t.mean()
    A[p + 1, :p] = -(X * (c * odds * (y - mu0))[:, None]).sum(axis=0) / n
    A[p + 1, p + 1] = (c * odds).mean()
    B = psi.T @ psi / n
    Ainv = np.linalg.inv(A)
    V = Ainv @ B @ Ainv.T / n
    g = np.zeros(p + 2)
    g[p], g[p + 1] = 1.0, -1.0
    return mu1 - mu0, float(g @ V @ g)


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


def att_outcome_regression(data: pd.DataFrame, outcome: str, covariates: Sequence[str],
                           treatment: str = "served", weights: str | None = "weights",
                           cluster: str | None = "matched_set", level: float = 0.95,
                           vcov: str | None = None, scale: str = "difference") -> pd.DataFrame:
    """Doubly robust ATT: outcome regression on the matched sample, g-computation over the served.

    MatchIt's guidance ("Estimating Effects After Matching"): fit the outcome on treatment,
    covariates and their interaction with the matching weights, then average the predicted
    difference over the treated.  For a linear model that average is the treatment coefficient
    when the covariates are centred at the (weighted) mean of the served, which is how it is
    computed here; its SE is the coefficient's (cluster-robust on matched sets for nearest
    neighbour, HC3 for exact/CEM; the served's covariate means treated as fixed, as
    ``marginaleffects::avg_comparisons`` does).  Consistent if either the matching (propensity)
    model or the outcome model is right.

    Parameters
    ----------
    data : pandas.DataFrame
        Matched data (``matcher.matched_data(df)``).
    outcome : str
        Outcome column; blank rows excluded and counted.
    covariates : sequence of str
        Covariates of the outcome model (categorical columns become indicators).
    treatment, weights, cluster, level, vcov
        As :func:`att_mean_difference`.
    scale : {"difference", "ratio"}
        ``"ratio"``: the served's mean over their g-computed mean without support (intercept
        + coefficient over intercept, as centring makes the intercept the latter), delta method
        on the log scale as :func:`att_ratio`.

    Returns
    -------
    pandas.DataFrame
        One row, columns as :func:`att_mean_difference`; ``estimand`` starts "doubly robust".
    """
    vcov = _vcov_of(data, vcov)
    d, y, t, w, g = _prep(data, outcome, treatment, weights, None if vcov in ("HC3", "HC1") else cluster)
    X = expand_covariates(d, covariates, drop_first=True).to_numpy()
    keep = np.ptp(X, axis=0) > 1e-12 if X.size else np.zeros(0, dtype=bool)
    X = X[:, keep]
    treated = t == 1
    centre = (X[treated] * w[treated, None]).sum(axis=0) / w[treated].sum()
    Xc = X - centre
    inter = Xc * t[:, None]
    inter = inter[:, np.ptp(inter, axis=0) > 1e-12] if inter.size else inter
    design = np.column_stack([np.ones_like(t), t, Xc, inter])
    res, var = _fit(y, design, w, g, vcov)
    if scale == "ratio":
        b0, b1 = float(res.params[0]), float(res.params[1])
        V = np.asarray(res.cov_params())[:2, :2]
        est, se = math.nan, math.nan
        if b0 > 0 and b0 + b1 > 0:
            grad = np.array([1 / (b0 + b1) - 1 / b0, 1 / (b0 + b1)])
            est, se = (b0 + b1) / b0, float(math.sqrt(grad @ V @ grad))
        row = _row(f"doubly robust ATT ratio in {outcome}", est, se, level, int(treated.sum()),
                   int((~treated).sum()), var + "; outcome regression with served x covariate "
                   "interactions on the matched sample; delta method, SE on log scale",
                   int(data[outcome].isna().sum()))
        if np.isfinite(est):
            q = stats.norm.ppf(0.5 + level / 2)
            row["ci_low"], row["ci_high"] = est * math.exp(-q * se), est * math.exp(q * se)
        return row
    if scale != "difference":
        raise ValueError(f"scale must be 'difference' or 'ratio', got {scale!r}")
    return _row(f"doubly robust ATT in {outcome}", float(res.params[1]), float(res.bse[1]), level,
                int(treated.sum()), int((~treated).sum()),
                var + "; outcome regression with served x covariate interactions on the matched sample",
                int(data[outcome].isna().sum()))


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


def _first_after(events: pd.DataFrame, index: pd.Series, date_col: str) -> pd.Series:
    """Per child, the first ``date_col`` strictly after the child's index date (NaT if none)."""
    # A plain two-column frame: the index's own name (often child_id) must not leak into the
    # merge, or pandas cannot tell the index level from the column when there are no events.
    dates = pd.DataFrame({"child_id": index.index.to_numpy(), "index_date": index.to_numpy()})
    e = events[["child_id", date_col]].merge(dates, on="child_id")
    e = e[e[date_col] > e["index_date"]]
    return e.groupby("child_id")[date_col].min()


def build_cohort(referrals: pd.DataFrame, pool: pd.DataFrame, care_episodes: pd.DataFrame,
                 end_date, school: pd.DataFrame | None = None,
                 reading: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per child, served or comparison, with covariates and outcomes for the ATT.

    Parameters
    ----------
    referrals, pool, care_episodes, school, reading : pandas.DataFrame
        Extracts as read by ``evaluation.extracts`` (``referrals.csv`` …).
    end_date : date
        The data's end date: follow-up is censored there.

    Returns
    -------
    pandas.DataFrame
        ``child_id, served`` (1 = support started; index date = start of support; 0 = the pool,
        index date = ``index_date``), the covariates in ``COHORT_COVARIATES`` (``age`` in years at
        the index date), ``days_to_care, care_event`` (first care spell starting after the
        index date; censored at ``end_date``), ``care_within_6m/12m/24m`` (1/0, blank when
        follow-up is too short), ``absence_change`` (unauthorised-absence rate over terms
        starting in the two years after the index date minus the year before, in percentage
        points of possible days) and ``reading_gain`` (reading age minus the school's forecast at
        the first reading ≥ 150 days after the index date, years).  Referred children whose
        support never started are not in the cohort.
    """
    from evaluation.survival import time_to_event

    cols = ["child_id", "district", "sub_cohort", "need_level", "date_of_birth", "sex",
            "ethnicity", "risk_factors", "prior_care_episodes"]
    ref = referrals[referrals["start_date"].notna()].sort_values("start_date", kind="stable")
    served = ref.drop_duplicates("child_id")[cols + ["start_date"]].rename(
        columns={"start_date": "index_date"}).assign(served=1)
    comp = pool[cols + ["index_date"]].assign(served=0)
    comp = comp[~comp["child_id"].isin(served["child_id"])]
    c = pd.concat([served, comp], ignore_index=True)
    c["index_date"] = pd.to_datetime(c["index_date"])
    c["age"] = (c["index_date"] - pd.to_datetime(c["date_of_birth"])).dt.days / 365.25
    idx = c.set_index("child_id")["index_date"]
    care = care_episodes[care_episodes["episode_type"] == "care"].assign(
        start_date=lambda d: pd.to_datetime(d["start_date"]))
    first = _first_after(care, idx, "start_date")
    # Through a dict: mapping by an empty datetime Series fails (pandas casts it to float).
    c["care_date"] = pd.to_datetime(c["child_id"].map(dict(first.items())))
    tte = time_to_event(c["index_date"], c["care_date"], end_date)
    c["days_to_care"], c["care_event"] = tte["time"].to_numpy(), tte["event"].to_numpy()
    for label, days in (("6m", 182), ("12m", 365), ("24m", 730)):
        c[f"care_within_{label}"] = event_within(c["index_date"], c["care_date"], end_date, days).to_numpy()
    if school is not None and len(school):
        s = school.merge(idx.rename("index_date"), left_on="child_id", right_index=True)
        start = pd.to_datetime(s["period_start"])
        rel = (start - s["index_date"]).dt.days
        pre = s[(rel < 0) & (rel >= -365)].groupby("child_id")[["unauthorised_absence_days", "possible_days"]].sum()
        post = s[(rel >= 0) & (rel < 730)].groupby("child_id")[["unauthorised_absence_days", "possible_days"]].sum()
        rate = lambda t: 100 * t["unauthorised_absence_days"] / t["possible_days"]  # noqa: E731
        c["absence_change"] = c["child_id"].map(rate(post) - rate(pre))
    else:
        c["absence_change"] = np.nan
    if reading is not None and len(reading):
        r = reading.merge(idx.rename("index_date"), left_on="child_id", right_index=True)
        r = r[r["forecast_reading_age"].notna()
              & ((pd.to_datetime(r["assessment_date"]) - r["index_date"]).dt.days >= 150)]
        r = r.sort_values("assessment_date", kind="stable").drop_duplicates("child_id")
        c["reading_gain"] = c["child_id"].map(
            r.set_index("child_id")["reading_age"] - r.set_index("child_id")["forecast_reading_age"])
    else:
        c["reading_gain"] = np.nan
    return c.drop(columns=["date_of_birth", "care_date"])


def _both_groups(d: pd.DataFrame, outcome: str) -> bool:
    if outcome not in d:
        return False
    ok = d[outcome].notna()
    return bool((d.loc[ok, "served"] == 1).any() and (d.loc[ok, "served"] == 0).any())


OUTCOMES = {"care_within_6m": "binary", "care_within_12m": "binary", "care_within_24m": "binary",
            "absence_change": "mean", "reading_gain": "mean"}


def matched_effects(matched: pd.DataFrame, level: float = 0.95, *,
                    covariates: Sequence[str] | None = None, vcov: str | None = None,
                    alpha: float = 0.05) -> pd.DataFrame:
    """ATT table on a matched sample: risk difference and ratio for care entry within 6/12/24
    months, mean difference in absence change and reading gain (cluster-robust on matched sets,
    or HC3 after exact/CEM matching), each with its sensitivity to unmeasured confounding.

    Parameters
    ----------
    matched : pandas.DataFrame
        ``matcher.matched_data(build_cohort(...))`` (columns ``weights`` and ``matched_set``).
    level : float
        Confidence level.
    covariates : sequence of str, optional
        When given, a doubly robust row (:func:`att_outcome_regression`) follows each outcome's
        unadjusted difference.
    vcov : str, optional
        Standard-error type (see :func:`att_mean_difference`).
    alpha : float
        One-sided level for the Rosenbaum Γ.

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`att_mean_difference` plus ``e_value, e_value_ci, rosenbaum_gamma``
        (see :func:`add_sensitivity`).
    """
    parts = []
    for outcome, kind in OUTCOMES.items():
        if not _both_groups(matched, outcome):
            continue
        rows = [att_mean_difference(matched, outcome, "served", "weights", "matched_set", level, vcov)]
        if kind == "binary":
            rows.append(att_ratio(matched, outcome, "served", "weights", "matched_set", level, vcov))
        if covariates is not None:
            rows.append(att_outcome_regression(matched, outcome, covariates, "served", "weights",
                                               "matched_set", level, vcov))
        parts.append(add_sensitivity(pd.concat(rows, ignore_index=True), matched, outcome,
                                     binary=kind == "binary", alpha=alpha))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def sensitivity_effects(cohort: pd.DataFrame, covariates: Sequence[str] = tuple(COHORT_COVARIATES),
                        level: float = 0.95) -> pd.DataFrame:
    """IPW and regression-adjusted estimates of the same outcomes on the whole cohort."""
    parts = []
    for outcome in OUTCOMES:
        if not _both_groups(cohort, outcome):
            continue
        parts.append(ipw_att(cohort, outcome, "served", covariates, level))
        parts.append(regression_adjustment(cohort, outcome, "served", covariates, level))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
