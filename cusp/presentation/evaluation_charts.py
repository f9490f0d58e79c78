"""The annual evaluation's charts, drawn from *published* values, each with alt text written from them.

Every function returns the figure (or axes) and its alt text; a suppressed value reads "suppressed
(small count)" on the chart and in the alt text, never a point or bar at zero. Re-exported by
:mod:`cusp.presentation.evaluation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .formats import MISSING, pct
from .labels import label

if TYPE_CHECKING:
    from evaluation.disclosure import DisclosedTable

__all__ = ["forest", "effects_figure", "km_figure", "love_alt", "cif_alt", "covariate_label"]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]



_COVARIATE_GROUPS = ("sub_cohort", "district", "sex", "ethnicity")


def covariate_label(name: str) -> str:
    """A matching covariate as a reader names it: ``sub_cohort_diversion_10_15`` → "Sub-cohort: Diversion,
    aged 10–15"; ``distance`` → "Propensity score (log-odds)"."""
    if name == "distance":
        return "Propensity score (log-odds)"
    for g in _COVARIATE_GROUPS:
        if name.startswith(g + "_"):
            return f"{_cap(label(g))}: {_cap(label(name[len(g) + 1:]))}"
    return _cap(label(name))


def _shown(v: float, fmt: Callable[[float], str]) -> str:
    return MISSING if v is None or pd.isna(v) else fmt(v)


def forest(rows: pd.DataFrame, *, title: str, xlabel: str, fmt: Callable[[float], str] = lambda v: f"{v:.2f}",
           suppressed: pd.Series | None = None, scale: float = 1.0):
    """Estimates with their 95% CIs, one line each; a suppressed row reads "suppressed", never a point at 0.

    Parameters
    ----------
    rows
        Index: what each row measures; columns ``estimate, ci_low, ci_high`` (published values, NaN where
        suppressed).
    scale
        Multiplier for drawing (100 draws shares as percentage points); ``fmt`` reads the unscaled values.

    Returns
    -------
    (figure, alt text)
    """
    import matplotlib.pyplot as plt

    hid = suppressed.reindex(rows.index).fillna(False).astype(bool) if suppressed is not None else rows["estimate"].isna()
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(rows) + 1.3))
    y = np.arange(len(rows))[::-1]
    for yi, (_, r), h in zip(y, rows.iterrows(), hid):
        if h or pd.isna(r["estimate"]):
            ax.text(0.5, yi, "suppressed (small count)", transform=ax.get_yaxis_transform(), ha="center",
                    va="center", fontsize=8, style="italic", color="#505a5f")
            continue
        est, lo, hi = scale * r["estimate"], scale * r["ci_low"], scale * r["ci_high"]
        ax.errorbar([est], [yi], xerr=[[est - lo], [hi - est]], fmt="o", color="black", capsize=3)
    ax.axvline(0, color="grey", linewidth=1)
    ax.set_yticks(y, [_cap(label(str(i))) for i in rows.index], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set(xlabel=xlabel, title=title)
    fig.tight_layout()
    parts = [f"{_cap(label(str(i)))} suppressed" if h or pd.isna(r['estimate']) else
             f"{_cap(label(str(i)))} {fmt(r['estimate'])} (95% CI {_shown(r['ci_low'], fmt)} to {_shown(r['ci_high'], fmt)})"
             for (i, r), h in zip(rows.iterrows(), hid)]
    return fig, f"Forest plot: {title} ({xlabel}). " + "; ".join(parts) + "."


def effects_figure(rows: pd.DataFrame, suppressed: pd.Series | None = None):
    """The matched effects (differences, not ratios), one panel each with its own unit, 0 marked.

    ``rows``: published :func:`effect_rows` values (index outcome; ``measure, estimate, ci_low,
    ci_high``); risk differences are drawn and described in percentage points. A suppressed
    estimate reads "suppressed", never a point at 0. Returns ``(figure, alt text)``.
    """
    import matplotlib.pyplot as plt

    hid = suppressed.reindex(rows.index).fillna(False).astype(bool) if suppressed is not None else rows["estimate"].isna()
    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 0.8 * len(rows) + 0.7))
    parts = []
    for ax, (name, r), h in zip(np.atleast_1d(axes), rows.iterrows(), hid):
        rd = r["measure"] == "risk difference"
        k = 100.0 if rd else 1.0
        unit = "percentage points" if rd else (name[name.find("(") + 1:-1] if "(" in name else "units").replace("% points", "percentage points")
        ax.set_yticks([0], [f"{_cap(label(str(name)))} ({unit})" if rd else _cap(label(str(name)))], fontsize=8)
        ax.axvline(0, color="grey", linewidth=1)
        ax.tick_params(labelsize=8)
        if h or pd.isna(r["estimate"]):
            ax.text(0.5, 0, "suppressed (small count)", transform=ax.get_yaxis_transform(), ha="center", va="center",
                    fontsize=8, style="italic")
            parts.append(f"{_cap(label(str(name)))} suppressed")
            continue
        est, lo, hi = k * r["estimate"], k * r["ci_low"], k * r["ci_high"]
        ax.errorbar([est], [0], xerr=[[est - lo], [hi - est]], fmt="o", color="black", capsize=3)
        a, b = min(lo, 0), max(hi, 0)
        ax.set_xlim(a - 0.15 * (b - a), b + 0.15 * (b - a))
        parts.append(f"{_cap(label(str(name)))} {est:+.1f} {unit} (95% CI {lo:.1f} to {hi:.1f})" if rd else
                     f"{_cap(label(str(name)))} {est:+.2f} {unit} (95% CI {lo:.2f} to {hi:.2f})")
    fig.suptitle("Effects: served minus matched comparison, 95% CI (0 = no effect)", fontsize=10)
    fig.tight_layout()
    return fig, ("Forest plot of the effects on the matched sample, served minus matched comparison, with 95% "
                 "confidence intervals (0 = no effect): " + "; ".join(parts) + ".")


def km_figure(curves: Mapping[str, pd.DataFrame], risk: "DisclosedTable", times: Sequence[float], ax=None):
    """Kaplan–Meier step curves with the *disclosed* numbers at risk beneath (``risk``:
    :func:`at_risk_table` through :func:`.disclosure.count_table`), as :func:`evaluation.survival.km_plot`
    draws them but with the published counts.

    Returns
    -------
    (axes, alt text)
        The alt text gives each curve's share not yet in care at each year and the published numbers at risk.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.6))
    for name, km in curves.items():
        ax.step(np.r_[0.0, km["time"].to_numpy()], np.r_[1.0, km["survival"].to_numpy()], where="post", label=label(name))
    ax.set(ylim=(0, 1.02), xlim=(0, max(times) * 1.05), xlabel="days since the index date",
           ylabel="share not yet in care")
    ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.legend(loc="lower left", frameon=False)
    ax.text(0, -0.2, "numbers at risk", transform=ax.transAxes, fontsize=8, ha="left", style="italic")
    for i, name in enumerate(curves):
        y = -0.27 - 0.07 * i
        ax.text(-0.03, y, label(name), transform=ax.transAxes, ha="right", va="top", fontsize=8)
        for t, text in zip(times, risk.display.loc[name].iloc[: len(times)]):
            ax.text(t, y, text, transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8)
    years = [t for t in times if t > 0]
    head = ("Step chart (Kaplan–Meier) of the share of children not yet in care by days since the index date, "
            "with the published numbers at risk at " + ", ".join(f"day {t:g}" for t in times) + ". ")
    if risk.suppressed.iloc[:, 0].any():  # a curve over a handful of children gives back counts: not put into words
        return ax, head + "The curves rest on small numbers of children (suppressed), so their values are not given."
    said = []
    for name, km in curves.items():
        at = [pct(float(km.loc[km["time"] <= t, "survival"].iloc[-1]) if (km["time"] <= t).any() else 1.0) for t in years]
        said.append(f"{_cap(label(name))}: " + ", ".join(f"{a} at year {k}" for k, a in enumerate(at, 1))
                    + "; numbers at risk " + ", ".join(risk.display.loc[name].iloc[: len(times)].astype(str)))
    return ax, head + ". ".join(said) + "."


def love_alt(before: pd.DataFrame, after: pd.DataFrame, left_out: int, threshold: float = 0.1) -> str:
    """Alt text of the love plot: how many covariates, the largest |SMD| before and after, those left out."""
    b, a = before["smd"].abs().dropna(), after["smd"].abs().dropna()
    if b.empty or a.empty:
        return (f"Dot plot of the absolute standardised mean difference (|SMD|) before and after matching, with a dashed "
                f"line at {threshold:g}: no covariate is drawn, because the balance statistics of all {left_out} rest on small counts.")
    return (f"Dot plot of the absolute standardised mean difference (|SMD|) of {len(b)} covariates before (open) and "
            f"after (filled) matching, with a dashed line at {threshold:g}. Before matching the largest is "
            f"{b.max():.3f} ({covariate_label(str(b.idxmax()))}); after matching the largest is {a.max():.3f} "
            f"({covariate_label(str(a.idxmax()))}); {int((a > threshold).sum())} above {threshold:g} after matching."
            + (f" {left_out} covariates are left out because their balance statistics rest on small counts." if left_out else ""))


def cif_alt(cif: Mapping[str, pd.DataFrame], years: Sequence[int] = (1, 2, 3), small: bool = False) -> str:
    """Alt text of the cumulative incidence plot: each curve's value and 95% band at whole years
    (not given when ``small``: the curves rest on suppressed numbers of children)."""
    head = ("Step chart of the cumulative incidence of care entry, remand counted as a competing event, by days since "
            "the index date, with 95% bands. ")
    if small:
        return head + "The curves rest on small numbers of children (suppressed), so their values are not given."
    said = []
    for name, aj in cif.items():
        vals = []
        for k in years:
            row = aj[aj["time"] <= 365 * k]
            if len(row):
                r = row.iloc[-1]
                vals.append(f"{pct(r['cumulative_incidence'])} by year {k} (95% band {pct(r['ci_low'])} to {pct(r['ci_high'])})")
        said.append(f"{_cap(label(name))}: " + ("; ".join(vals) if vals else "no follow-up"))
    return head + ". ".join(said) + "."
