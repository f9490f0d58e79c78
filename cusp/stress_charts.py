"""Charts of the investor stress-test report, each with alt text written from its data.

Every function takes :func:`simulate.stress.report.risk_report`'s result and returns
``(figure, alt text)`` for :func:`cusp.presentation.show_figure`: axes carry units (money scaled
to £ thousand or £m with the scale in the label), legends list only what was drawn, and the alt
text states the figures a sighted reader takes from the chart.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

import numpy as np

from . import presentation as pr
from .stress_labels import figure_kind, figure_label, fmt, input_label, input_value

__all__ = ["money_scale", "distribution_chart", "fan_chart", "tornado_chart"]

BLUE, DARK, RED, GREEN = "#1d70b8", "#0b0c0c", "#d4351c", "#00703c"


def money_scale(values: Any) -> tuple[float, str]:
    """Divisor and unit for an axis of pounds: ``(1e6, "£m")``, ``(1e3, "£ thousand")`` or ``(1, "£")``."""
    top = float(np.nanmax(np.abs(np.asarray(values, float)))) if np.size(values) else 0.0
    if top >= 2e6:
        return 1e6, "£m"
    if top >= 2e4:
        return 1e3, "£ thousand"
    return 1.0, "£"


def _what(report: Any) -> tuple[str, str, str]:
    """The distribution's column, its label (without unit) and its kind."""
    column = "money_multiple" if report.kind == "sib_edge_of_care" else "provider_net_gbp"
    return column, figure_label(column).split(" (")[0], figure_kind(column)


def distribution_chart(report: Any):
    """Histogram over the draws of the risk-bearing party's result, with its 5th percentile, median and break-even."""
    import matplotlib.pyplot as plt

    column, name, kind = _what(report)
    values = report.run.table[column].dropna().astype(float)
    scale, unit = money_scale(values) if kind == "gbp" else (1.0, "× capital")
    even = 1.0 if kind == "multiple" else 0.0
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.hist(values / scale, bins=min(40, max(5, len(values) // 4)), color=BLUE, alpha=0.85)
    p5, med, p95 = (float(values.quantile(q)) for q in (0.05, 0.5, 0.95))
    ax.axvline(p5 / scale, color=DARK, linestyle=":", label=f"5th percentile {fmt(p5, kind)}")
    ax.axvline(med / scale, color=DARK, linestyle="--", label=f"median {fmt(med, kind)}")
    ax.axvline(even / scale, color=RED, linewidth=1.2, label="money back" if kind == "multiple" else "break-even (£0)")
    ax.set(xlabel=f"{name} ({unit})", ylabel="draws (number)", title=f"{name} over {len(values):,} draws")
    pr.tidy_legend(ax, fontsize=8)
    fig.tight_layout()
    below = float((values < even).mean()) if len(values) else float("nan")
    alt = (f"Histogram of the {name[:1].lower() + name[1:]} over {len(values):,} draws of the uncertainty ranges ({unit}). "
           f"5th percentile {fmt(p5, kind)}, median {fmt(med, kind)}, 95th percentile {fmt(p95, kind)}; "
           f"{pr.pct(below)} of draws fall below {'1.00 (money back)' if kind == 'multiple' else '£0 (a loss)'}.")
    return fig, alt


def fan_chart(report: Any, start: dt.date | None = None):
    """The risk-bearing party's cumulative cash by contract month: median, 25–75th and 5–95th percentile bands."""
    import matplotlib.pyplot as plt

    f = report.fan
    scale, unit = money_scale(f[["q05", "q95"]].to_numpy())
    x = f["month"].to_numpy()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.fill_between(x, f["q05"] / scale, f["q95"] / scale, color=BLUE, alpha=0.2, label="5th to 95th percentile")
    ax.fill_between(x, f["q25"] / scale, f["q75"] / scale, color=BLUE, alpha=0.4, label="25th to 75th percentile")
    ax.plot(x, f["q50"] / scale, color=DARK, label="median")
    ax.axhline(0, color=DARK, linewidth=0.8)
    who = report.risk_bearer
    ax.set(xlabel="contract month" + (f" (month 0 = {start:%B %Y})" if start else ""), ylabel=f"cumulative cash ({unit})",
           title=f"The {who}'s cumulative cash position")
    pr.tidy_legend(ax, fontsize=8, loc="best")
    fig.tight_layout()
    med, low = f["q50"].to_numpy(float), f["q05"].to_numpy(float)
    i = int(np.argmin(med))
    text = (f"Fan chart of the {who}'s cumulative cash position by contract month over {len(x)} months ({unit}; paid out "
            f"negative, received positive). The median reaches its lowest, {pr.gbp(med[i])}, in month {int(x[i])} and ends at "
            f"{pr.gbp(med[-1])}; the 5th percentile reaches {pr.gbp(low.min())} in month {int(x[int(np.argmin(low))])}")
    if med[i] < 0:
        back = np.nonzero(med[i:] >= 0)[0]
        text += (f"; the median is back above zero in month {int(x[i + back[0]])}." if len(back)
                 else "; the median does not return above zero within the contract.")
    else:
        text += "; the median never falls below zero."
    return fig, text


def tornado_chart(report: Any):
    """One-at-a-time swings of the result, largest on top: each input at its low and high end."""
    import matplotlib.pyplot as plt

    t = report.tornado
    key = t.attrs.get("output", "")
    kind, name = figure_kind(key), figure_label(key)
    base_name = name.split(" (")[0]
    scale, unit = money_scale(t[["output_low", "output_high"]].to_numpy()) if kind == "gbp" else (1.0, name.split(" (")[-1].rstrip(")"))
    f = t.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(f) + 1.4))
    base = float(f["base"].iloc[0]) if len(f) else 0.0
    y = np.arange(len(f))
    ax.barh(y, (f["output_low"] - base) / scale, left=base / scale, color=RED, alpha=0.8, label="input at its low end")
    ax.barh(y, (f["output_high"] - base) / scale, left=base / scale, color=GREEN, alpha=0.8, label="input at its high end")
    ax.set_yticks(y, [textwrap.fill(input_label(i)[:1].upper() + input_label(i)[1:], 34) for i in f["input"]], fontsize=8)
    ax.axvline(base / scale, color=DARK, linewidth=0.8)
    ax.set(xlabel=f"{base_name} ({unit})", title=f"What moves the {base_name[:1].lower() + base_name[1:]}, one input at a time")
    pr.tidy_legend(ax, fontsize=8, loc="lower right")
    fig.tight_layout()
    parts = [f"{input_label(r.input)} from {input_value(r.input, r.low)} to {input_value(r.input, r.high)} moves it from "
             f"{fmt(r.output_low, kind)} to {fmt(r.output_high, kind)}" for r in t.itertuples()]
    alt = (f"Tornado chart of the {base_name[:1].lower() + base_name[1:]} ({unit}), base case {fmt(base, kind)}, largest swing first: "
           + "; ".join(parts) + ".")
    return fig, alt
