"""Charts for the investor stress-test report (matplotlib; each returns its Figure).

Notebooks call these rather than defining plotting code of their own.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def distributions(table: pd.DataFrame):
    """Histograms of the investor's IRR (defined draws) and money multiple, with P5 and median marked."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    irr = table.loc[table["irr_status"] == "ok", "irr"] * 100
    for ax, values, label in ((axes[0], irr, "Investor IRR (% a year)"), (axes[1], table["money_multiple"], "Money multiple")):
        ax.hist(values, bins=40, color="#4c72b0", alpha=0.85)
        for q, style in ((0.05, ":"), (0.5, "--")):
            ax.axvline(values.quantile(q), color="k", linestyle=style, label=f"{'P5' if q == 0.05 else 'median'} {values.quantile(q):.2f}")
        ax.set_xlabel(label)
        ax.set_ylabel("draws")
        ax.legend(frameon=False)
    axes[1].axvline(1.0, color="#c44e52", label="money back")
    fig.tight_layout()
    return fig


def histogram(table: pd.DataFrame, column: str, label: str | None = None):
    """Histogram of one run-table column over the draws, with its P5 and median marked."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    values = table[column].dropna().astype(float)
    ax.hist(values, bins=40, color="#4c72b0", alpha=0.85)
    for q, style in ((0.05, ":"), (0.5, "--")):
        ax.axvline(values.quantile(q), color="k", linestyle=style, label=f"{'P5' if q == 0.05 else 'median'} {values.quantile(q):,.2f}")
    ax.set_xlabel(label or column.replace("_", " "))
    ax.set_ylabel("draws")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def fan_chart(fan_frame: pd.DataFrame, start: dt.date | None = None, party: str = "investor"):
    """Fan chart of a party's cumulative cash position (£m) by contract month."""
    fig, ax = plt.subplots(figsize=(10, 4))
    x = fan_frame["month"].to_numpy()
    ax.fill_between(x, fan_frame["q05"] / 1e6, fan_frame["q95"] / 1e6, color="#4c72b0", alpha=0.2, label="5th-95th percentile")
    ax.fill_between(x, fan_frame["q25"] / 1e6, fan_frame["q75"] / 1e6, color="#4c72b0", alpha=0.4, label="25th-75th percentile")
    ax.plot(x, fan_frame["q50"] / 1e6, color="#1f3b73", label="median")
    ax.axhline(0, color="k", linewidth=0.8)
    ax.set_xlabel("contract month" + (f" (month 0 = {start:%b %Y})" if start else ""))
    ax.set_ylabel(f"{party} cumulative cash (£m)")
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def tornado_chart(frame: pd.DataFrame, label: str = "money multiple"):
    """Tornado chart from :func:`simulate.stress.analysis.tornado` (largest swing on top)."""
    f = frame.iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(f) + 1.2))
    base = float(f["base"].iloc[0]) if len(f) else 0.0
    y = np.arange(len(f))
    ax.barh(y, f["output_low"] - base, left=base, color="#c44e52", alpha=0.8, label="input at its low end")
    ax.barh(y, f["output_high"] - base, left=base, color="#55a868", alpha=0.8, label="input at its high end")
    ax.set_yticks(y, [s.replace("outcomes.care.", "").replace("_per_year", "") for s in f["input"]])
    ax.axvline(base, color="k", linewidth=0.8)
    ax.set_xlabel(label)
    ax.legend(frameon=False, loc="lower right")
    fig.tight_layout()
    return fig
