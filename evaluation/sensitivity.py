"""Sensitivity of a matched estimate to unmeasured confounding: E-values and Rosenbaum bounds.

**E-values** (VanderWeele & Ding 2017, *Ann Intern Med* 167:268): the minimum strength of
association, on the risk-ratio scale, that an unmeasured confounder would need with both the
treatment and the outcome, conditional on the measured covariates, to fully explain away the
observed association.  For a risk ratio RR ≥ 1, ``E = RR + sqrt(RR (RR − 1))``; for RR < 1 use
1/RR.  The E-value for the confidence limit closer to the null is 1 when the interval includes 1.
Other scales are first turned into an approximate risk ratio (the paper's Table):

* hazard ratio, rare outcome (< 15% by the end of follow-up): RR ≈ HR;
* hazard ratio, common outcome: RR ≈ (1 − 0.5^sqrt(HR)) / (1 − 0.5^sqrt(1/HR));
* odds ratio: rare RR ≈ OR; common RR ≈ sqrt(OR);
* standardised mean difference d (continuous outcome): RR ≈ exp(0.91 d), interval
  exp(0.91 d ± 1.78 SE(d)).

**Rosenbaum bounds** (Rosenbaum 2002, *Observational Studies*, ch. 4): in matched pairs, a hidden
bias Γ ≥ 1 lets the odds of treatment of the two members of a pair differ by up to a factor Γ.
The largest one-sided p-value consistent with Γ is computed for

* a binary outcome (McNemar / sign test on discordant pairs): with D discordant pairs of which T
  go the way of the effect, ``p⁺(Γ) = P(Binomial(D, Γ/(1+Γ)) ≥ T)``;
* a numeric outcome (Wilcoxon signed-rank test): T = the sum of the ranks of |difference| over
  pairs whose difference goes the way of the effect; under Γ its upper bound has mean
  p⁺ Σ rank and variance p⁺(1 − p⁺) Σ rank², p⁺ = Γ/(1+Γ); exact (convolution of the
  rank-times-Bernoulli sum) for up to 100 pairs, else the normal approximation as R's
  ``rbounds::psens``.  Zero differences are dropped, tied |differences| get average ranks.

:func:`gamma_threshold` returns the Γ at which the result stops being significant (the upper
p-value reaches ``alpha``): the larger, the more hidden bias it takes to explain the effect away.

:func:`add_sensitivity` puts both beside the rows of a matched estimate
(``evaluation.estimates.matched_effects`` calls it for every outcome).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = ["e_value_rr", "e_value", "rr_from_hr", "rr_from_or", "rr_from_smd",
           "rosenbaum_sign_test", "rosenbaum_signed_rank", "gamma_threshold", "paired_differences",
           "add_sensitivity"]


def e_value_rr(rr: float) -> float:
    """E-value for a risk ratio (VanderWeele & Ding 2017, eq. in section "The E-value").

    Parameters
    ----------
    rr : float
        Risk ratio (> 0).  Ratios below 1 are inverted first.

    Returns
    -------
    float
        ``RR* + sqrt(RR* (RR* − 1))`` with ``RR* = max(RR, 1/RR)``; NaN for a non-positive or
        missing ratio.
    """
    if rr is None or not np.isfinite(rr) or rr <= 0:
        return math.nan
    r = rr if rr >= 1 else 1.0 / rr
    return r + math.sqrt(r * (r - 1.0))


def rr_from_hr(hr: float, rare: bool) -> float:
    """Approximate risk ratio from a hazard ratio: HR itself if the outcome is rare (< 15%),
    else ``(1 − 0.5^sqrt(HR)) / (1 − 0.5^sqrt(1/HR))`` (VanderWeele & Ding 2017, Table)."""
    if rare:
        return hr
    return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))


def rr_from_or(odds_ratio: float, rare: bool) -> float:
    """Approximate risk ratio from an odds ratio: OR if rare, else sqrt(OR)."""
    return odds_ratio if rare else math.sqrt(odds_ratio)


def rr_from_smd(d: float) -> float:
    """Approximate risk ratio from a standardised mean difference: ``exp(0.91 d)``."""
    return math.exp(0.91 * d)


def e_value(estimate: float, ci_low: float | None = None, ci_high: float | None = None, *,
            scale: Literal["rr", "hr", "or", "smd"] = "rr", rare: bool = True,
            se: float | None = None) -> tuple[float, float]:
    """E-value of a point estimate and of the confidence limit closer to the null.

    Parameters
    ----------
    estimate : float
        Risk ratio, hazard ratio, odds ratio, or standardised mean difference (``scale``).
    ci_low, ci_high : float, optional
        Confidence limits on the same scale.  For ``scale="smd"`` pass ``se`` instead (or the
        limits of d).
    scale : {"rr", "hr", "or", "smd"}
        Scale of ``estimate``.
    rare : bool
        Outcome rare (< 15% by the end of follow-up) — for hazard and odds ratios.
    se : float, optional
        Standard error of d (``scale="smd"``): limits exp(0.91 d ± 1.78 se).

    Returns
    -------
    tuple of float
        ``(e_value_estimate, e_value_ci)``; the second is 1 when the interval includes the null,
        NaN when no interval was given.
    """
    if estimate is None or not np.isfinite(estimate):
        return (math.nan, math.nan)
    if scale == "smd":
        rr = rr_from_smd(estimate)
        if se is not None and np.isfinite(se):
            lo, hi = math.exp(0.91 * estimate - 1.78 * se), math.exp(0.91 * estimate + 1.78 * se)
        elif ci_low is not None and ci_high is not None:
            lo, hi = rr_from_smd(ci_low), rr_from_smd(ci_high)
        else:
            lo = hi = math.nan
    else:
        conv = {"rr": lambda x: x, "hr": lambda x: rr_from_hr(x, rare),
                "or": lambda x: rr_from_or(x, rare)}.get(scale)
        if conv is None:
            raise ValueError(f"scale must be 'rr', 'hr', 'or' or 'smd', got {scale!r}")
        if estimate <= 0:
            return (math.nan, math.nan)
        rr = conv(estimate)
        ok = ci_low is not None and ci_high is not None and np.isfinite(ci_low) and np.isfinite(ci_high) and ci_low > 0
        lo, hi = (conv(ci_low), conv(ci_high)) if ok else (math.nan, math.nan)
    e = e_value_rr(rr)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return (e, math.nan)
    if lo <= 1 <= hi:
        return (e, 1.0)
    return (e, e_value_rr(lo if rr > 1 else hi))


# ----------------------------------------------------------------------------- Rosenbaum bounds

def _p_plus(gamma: float) -> float:
    return gamma / (1.0 + gamma)


def rosenbaum_sign_test(treated_events: int, control_events: int, gamma: float) -> float:
    """Upper bound on the one-sided p-value of McNemar's (sign) test under hidden bias Γ.

    Parameters
    ----------
    treated_events : int
        Discordant pairs in which only the treated member had the outcome.
    control_events : int
        Discordant pairs in which only the control had it.  The test is in the direction of
        the larger count: T = max of the two, D = their sum.
    gamma : float
        Hidden-bias parameter Γ ≥ 1.

    Returns
    -------
    float
        ``P(Binomial(D, Γ/(1+Γ)) ≥ T)``.
    """
    t = max(int(treated_events), int(control_events))
    d = int(treated_events) + int(control_events)
    if d == 0:
        return 1.0
    return float(stats.binom.sf(t - 1, d, _p_plus(gamma)))


def rosenbaum_signed_rank(differences, gamma: float, exact: bool | None = None) -> float:
    """Upper bound on the one-sided p-value of Wilcoxon's signed-rank test under hidden bias Γ.

    Parameters
    ----------
    differences : array-like
        Treated minus control outcome per matched pair; the test is in the direction of the
        larger of the two signed-rank sums (the observed direction of the effect).
    gamma : float
        Hidden-bias parameter Γ ≥ 1.
    exact : bool, optional
        ``True``: the exact upper-bound distribution — T⁺ = Σ rank_i·B_i with independent
        B_i ~ Bernoulli(Γ/(1+Γ)) — by convolution (ties: average ranks, doubled to integers);
        ``False``: the normal approximation ``1 − Φ((T − E⁺)/sqrt(V⁺))`` (R's
        ``rbounds::psens``).  Default: exact for up to 100 non-zero pairs.

    Returns
    -------
    float
        The upper bound on the one-sided p-value.
    """
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d) & (d != 0)]
    if d.size == 0:
        return 1.0
    ranks = stats.rankdata(np.abs(d))
    pos = (ranks[d > 0]).sum()
    neg = (ranks[d < 0]).sum()
    t = max(pos, neg)
    p = _p_plus(gamma)
    if exact is None:
        exact = d.size <= 100
    if exact:
        r2 = np.rint(2 * ranks).astype(np.int64)
        dist = np.zeros(int(r2.sum()) + 1)
        dist[0] = 1.0
        for r in r2:
            new = dist * (1 - p)
            new[r:] += dist[:-r] * p
            dist = new
        return float(min(1.0, dist[int(round(2 * t)):].sum()))
    mean = p * ranks.sum()
    var = p * (1 - p) * (ranks ** 2).sum()
    return float(stats.norm.sf((t - mean) / math.sqrt(var)))


def gamma_threshold(p_upper, alpha: float = 0.05, gamma_max: float = 1e4) -> float:
    """Smallest Γ at which the upper-bound p-value reaches ``alpha``.

    Parameters
    ----------
    p_upper : callable
        Γ → upper-bound p-value (e.g. ``lambda g: rosenbaum_sign_test(2, 12, g)``).
    alpha : float
        Significance level (one-sided).
    gamma_max : float
        Search limit; ``inf`` is returned when the result survives every Γ up to it.

    Returns
    -------
    float
        Γ (1.0 when the result is not significant even with no hidden bias).
    """
    if p_upper(1.0) >= alpha:
        return 1.0
    if p_upper(gamma_max) < alpha:
        return math.inf
    return float(optimize.brentq(lambda g: p_upper(g) - alpha, 1.0, gamma_max, xtol=1e-8))


def paired_differences(matched: pd.DataFrame, outcome: str, treatment: str = "served",
                       pair: str = "matched_set") -> np.ndarray | None:
    """Treated minus control outcome per 1:1 matched pair; None if the sets are not pairs.

    Pairs with a blank outcome on either side are dropped.
    """
    d = matched[[treatment, pair, outcome]].dropna()
    d = d[d[pair] >= 0]
    size = d.groupby(pair)[treatment].agg(["size", "sum"])
    if len(size) == 0 or not ((size["size"] <= 2) & (size["sum"] <= 1)).all():
        return None
    full = size.index[(size["size"] == 2) & (size["sum"] == 1)]
    d = d[d[pair].isin(full)].sort_values([pair, treatment])
    y = d[outcome].to_numpy(dtype=float).reshape(-1, 2)
    return y[:, 1] - y[:, 0]


def add_sensitivity(rows: pd.DataFrame, matched: pd.DataFrame, outcome: str, *, binary: bool,
                    treatment: str = "served", weights: str = "weights", pair: str = "matched_set",
                    alpha: float = 0.05) -> pd.DataFrame:
    """Add E-values and the Rosenbaum Γ to the estimate rows of one outcome.

    * ``e_value`` / ``e_value_ci`` (:func:`evaluation.sensitivity.e_value`): for a 0/1 outcome
      from the risk-ratio row (shared by the risk-difference row); for a numeric outcome from
      the standardised difference d = estimate / SD, SD = sqrt of the mean of the two groups'
      weighted outcome variances, SE(d) = SE / SD.
    * ``rosenbaum_gamma``: the Γ at which the one-sided test of the matched pairs loses
      significance at ``alpha`` (McNemar/sign test for 0/1 outcomes, Wilcoxon signed rank for
      numeric ones); blank unless the matched sets are 1:1 pairs.
    """
    out = rows.copy()
    d = matched[matched[outcome].notna()]
    y = d[outcome].to_numpy(dtype=float)
    t = d[treatment].to_numpy(dtype=int)
    w = d[weights].to_numpy(dtype=float) if weights in d else np.ones(len(d))
    if binary:
        rr = out[out["estimand"].str.startswith("ATT ratio")]
        ev = (e_value(*rr[["estimate", "ci_low", "ci_high"]].iloc[0].tolist()) if len(rr)
              else (math.nan, math.nan))
        out["e_value"], out["e_value_ci"] = ev
    else:
        def wvar(g):
            m = np.average(y[t == g], weights=w[t == g])
            return np.average((y[t == g] - m) ** 2, weights=w[t == g])
        sd = math.sqrt((wvar(1) + wvar(0)) / 2) if (t == 1).sum() > 1 and (t == 0).sum() > 1 else math.nan
        evs = [e_value(r.estimate / sd, scale="smd", se=r.se / sd) if sd > 0 else (math.nan, math.nan)
               for r in out.itertuples()]
        out["e_value"] = [e[0] for e in evs]
        out["e_value_ci"] = [e[1] for e in evs]
    diffs = paired_differences(matched, outcome, treatment, pair) if pair in matched else None
    gamma = math.nan
    if diffs is not None and diffs.size:
        if binary:
            gamma = gamma_threshold(lambda g: rosenbaum_sign_test(int((diffs > 0).sum()), int((diffs < 0).sum()), g),
                                    alpha)
        else:
            gamma = gamma_threshold(lambda g: rosenbaum_signed_rank(diffs, g), alpha)
    out["rosenbaum_gamma"] = gamma
    return out
