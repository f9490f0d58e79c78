"""Diagnostic figures of the evaluation methods, each returned with alt text computed from the data.

* :func:`propensity_overlap_plot` — mirrored histograms of the estimated propensity score for the
  served (above the axis) and the comparison pool (below), optionally weighted (matching or IPW
  weights), so a reader sees where the groups overlap (common support).

The alt text states shares and quantiles, never counts of children, so it is safe to publish
under the disclosure policies of ``evaluation.disclosure``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["propensity_overlap_plot", "overlap_summary"]


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    o = np.argsort(x, kind="stable")
    cw = np.cumsum(w[o])
    return float(x[o][np.searchsorted(cw, q * cw[-1], side="left").clip(0, x.size - 1)])


def overlap_summary(ps, treatment, weights=None) -> dict:
    """Numbers the overlap figure and its alt text rest on.

    Parameters
    ----------
    ps : array-like
        Propensity score per person (probability, 0–1).
    treatment : array-like
        1 served, 0 comparison.
    weights : array-like, optional
        Case weights (people with weight 0 are left out).

    Returns
    -------
    dict
        Per group (``served``, ``comparison``): weighted 5th, 50th and 95th percentiles; and
        ``served_above_comparison_max`` / ``comparison_below_served_min``: weighted shares of each
        group outside the other's range (no common support).
    """
    p = np.asarray(ps, dtype=float)
    t = np.asarray(treatment, dtype=int)
    w = np.ones_like(p) if weights is None else np.asarray(weights, dtype=float)
    keep = w > 0
    p, t, w = p[keep], t[keep], w[keep]
    out: dict = {}
    for name, g in (("served", 1), ("comparison", 0)):
        x, wx = p[t == g], w[t == g]
        out[name] = ({q: _wquantile(x, wx, q) for q in (0.05, 0.5, 0.95)} if x.size
                     else {q: float("nan") for q in (0.05, 0.5, 0.95)})
    s, c = t == 1, t == 0
    if s.any() and c.any():
        out["served_above_comparison_max"] = float(w[s][p[s] > p[c].max()].sum() / w[s].sum())
        out["comparison_below_served_min"] = float(w[c][p[c] < p[s].min()].sum() / w[c].sum())
    else:
        out["served_above_comparison_max"] = out["comparison_below_served_min"] = float("nan")
    return out


def propensity_overlap_plot(ps, treatment, weights=None, *, ax=None, bins: int = 30,
                            labels: tuple[str, str] = ("served", "comparison"),
                            title: str = "Overlap of propensity scores"):
    """Mirrored histograms of the propensity score, served above and comparison below the axis.

    Parameters
    ----------
    ps : array-like
        Propensity score per person (probability, 0–1), e.g.
        ``evaluation.matching.propensity_score(cohort, "served", covariates)``.
    treatment : array-like
        1 served, 0 comparison.
    weights : array-like, optional
        Matching or IPW weights (shares are weighted; bars show weighted shares).
    ax : matplotlib.axes.Axes, optional
    bins : int
        Equal-width bins over [0, 1].
    labels : tuple of str
        Names of the served and comparison groups.
    title : str

    Returns
    -------
    fig : matplotlib.figure.Figure
    alt_text : str
        A description of the figure computed from the data (percentiles and shares outside
        common support; no counts).
    """
    import matplotlib.pyplot as plt

    p = np.asarray(ps, dtype=float)
    t = np.asarray(treatment, dtype=int)
    w = np.ones_like(p) if weights is None else np.asarray(weights, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    edges = np.linspace(0, 1, bins + 1)
    for g, sign, colour, label in ((1, 1, "#4C72B0", labels[0]), (0, -1, "#DD8452", labels[1])):
        m = (t == g) & (w > 0)
        h, _ = np.histogram(p[m], bins=edges, weights=w[m])
        share = h / h.sum() if h.sum() > 0 else h
        ax.bar(edges[:-1], sign * share, width=np.diff(edges), align="edge", color=colour,
               edgecolor="white", label=label)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlim(0, 1)
    ticks = ax.get_yticks()
    ax.set_yticks(ticks, [f"{abs(v):.0%}" for v in ticks])
    ax.set_xlabel("estimated propensity score (probability of being served)")
    ax.set_ylabel("share of group in each bin")
    ax.set_title(title)
    ax.legend(frameon=False)
    s = overlap_summary(p, t, w)

    def describe(name: str) -> str:
        q = s[name]
        return f"median {q[0.5]:.2f}, middle 90% from {q[0.05]:.2f} to {q[0.95]:.2f}"

    alt = (f"{title}{' (weighted)' if weights is not None else ''}: mirrored histograms of the "
           f"estimated propensity score, {labels[0]} above the axis and {labels[1]} below. "
           f"{labels[0].capitalize()}: {describe('served')}. {labels[1].capitalize()}: "
           f"{describe('comparison')}. Outside common support: {s['served_above_comparison_max']:.0%} "
           f"of the {labels[0]} score above every {labels[1]} score, and "
           f"{s['comparison_below_served_min']:.0%} of the {labels[1]} below every {labels[0]} score.")
    return fig, alt
