"""Paired (pre/post) effect sizes, named explicitly after Lakens (2013), and the Reliable Change Index.

Libraries disagree on what "paired Cohen's d" means, so every variant here is named:

``d_z``
    mean(diff) / sd(diff).  Lakens (2013) eq. 7.
``d_av``
    mean(diff) / ((sd_pre + sd_post) / 2).  Lakens (2013) eq. 10 (Cumming's d_av).
``d_rm``
    mean(diff) / sqrt(sd_pre² + sd_post² − 2·r·sd_pre·sd_post) · sqrt(2(1 − r)).  Lakens eq. 9.
``g_*``
    each of the above times Hedges' correction J = 1 − 3 / (4(n − 1) − 1), df = n − 1.

Confidence intervals: the paired t statistic t = mean/(sd_diff/√n) has a noncentral t
distribution; its noncentrality interval (Steiger & Fouladi) is rescaled to each standardiser
(``sd_diff/√n / standardiser``).  For d_z this is the exact interval; for d_av and d_rm it is the
Algina & Keselman (2003) style interval conditional on the observed standardiser ratio.
Signs: ``diff = post − pre``; the caller turns "lower is better" into positive improvement.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.intervals import noncentral_t_interval

__all__ = ["hedges_j", "paired_effect_sizes", "reliable_change_index"]


def hedges_j(df: float) -> float:
    """Hedges' small-sample correction ``J = 1 − 3 / (4·df − 1)``."""
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def paired_effect_sizes(pre: np.ndarray, post: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """Paired standardised mean differences with Hedges-corrected versions and CIs.

    Parameters
    ----------
    pre, post : array-like
        Paired scores, same length; pairs with a NaN in either are dropped.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per variant (``d_z, d_av, d_rm, g_z, g_av, g_rm``) with columns
        ``measure, estimate, ci_low, ci_high, n, standardiser``.
    """
    a = np.asarray(pre, dtype=float)
    b = np.asarray(post, dtype=float)
    if a.shape != b.shape:
        raise ValueError("pre and post must have the same length")
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    n = a.size
    rows = []
    if n < 3:
        for name in ("d_z", "d_av", "d_rm", "g_z", "g_av", "g_rm"):
            rows.append(dict(measure=name, estimate=math.nan, ci_low=math.nan,
                             ci_high=math.nan, n=n, standardiser=math.nan))
        return pd.DataFrame(rows)
    diff = b - a
    m = diff.mean()
    s_diff = diff.std(ddof=1)
    s1, s2 = a.std(ddof=1), b.std(ddof=1)
    r = float(np.corrcoef(a, b)[0, 1]) if s1 > 0 and s2 > 0 else 0.0
    s_av = (s1 + s2) / 2
    s_rm = math.sqrt(s1**2 + s2**2 - 2 * r * s1 * s2) / math.sqrt(2 * (1 - r)) if r < 1 else math.nan
    se = s_diff / math.sqrt(n)
    t_obs = m / se if se > 0 else math.nan
    lo_ncp, hi_ncp = noncentral_t_interval(t_obs, n - 1, level)
    j = hedges_j(n - 1)
    for suffix, standardiser in (("z", s_diff), ("av", s_av), ("rm", s_rm)):
        d = m / standardiser
        scale = se / standardiser
        rows.append(dict(measure=f"d_{suffix}", estimate=d, ci_low=lo_ncp * scale,
                         ci_high=hi_ncp * scale, n=n, standardiser=standardiser))
    for suffix in ("z", "av", "rm"):
        base = next(row for row in rows if row["measure"] == f"d_{suffix}")
        rows.append(dict(measure=f"g_{suffix}", estimate=base["estimate"] * j,
                         ci_low=base["ci_low"] * j, ci_high=base["ci_high"] * j, n=n,
                         standardiser=base["standardiser"]))
    return pd.DataFrame(rows)


def reliable_change_index(pre: np.ndarray, post: np.ndarray, reliability: float,
                          sd_baseline: float | None = None) -> np.ndarray:
    """Jacobson & Truax (1991) Reliable Change Index per person.

    ``RCI = (post − pre) / S_diff`` with ``S_diff = sqrt(2 · SE²)`` and
    ``SE = SD_baseline · sqrt(1 − reliability)``.

    Parameters
    ----------
    pre, post : array-like
        Paired scores.
    reliability : float
        Test–retest (or internal-consistency) reliability of the tool, in (0, 1); a documented
        per-tool parameter.
    sd_baseline : float, optional
        Standard deviation of baseline scores; defaults to the sample SD of ``pre`` (ddof=1).

    Returns
    -------
    numpy.ndarray
        RCI per pair (positive = score went up). ``|RCI| > 1.96`` is reliable change.
    """
    if not 0 < reliability < 1:
        raise ValueError(f"reliability must be in (0, 1), got {reliability}")
    a = np.asarray(pre, dtype=float)
    b = np.asarray(post, dtype=float)
    sd = float(np.nanstd(a, ddof=1)) if sd_baseline is None else float(sd_baseline)
    se = sd * math.sqrt(1 - reliability)
    s_diff = math.sqrt(2 * se * se)
    return (b - a) / s_diff


RCI_CRITICAL = float(stats.norm.ppf(0.975))
