"""Figures of the payment engine: one child's stability timeline.

``python -m simulate.payments.plots docs/payments_timeline.png`` redraws the figure in
``docs/payments.md`` (a worked child of the 004 preset).
"""

from __future__ import annotations

import datetime as dt
import sys

import pandas as pd

from .days import OPEN_END, add_months_day, to_date, to_day
from .stability import StabilityRules, settle_stability


def plot_child_timeline(t0: dt.date, spells: list[tuple[dt.date, dt.date | None, str]], as_of: dt.date,
                        rules: StabilityRules, title: str = "", ax=None):
    """Draw one child's spells, milestone and monthly tariff payments.

    Parameters
    ----------
    t0
        Start of the stability clock (engagement, or return home for reunification).
    spells
        ``(start, end or None, 'care' | 'remand')``; end is the day home again.
    as_of
        Settlement date (open spells run to it).
    rules
        Prices and rule parameters.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    days = [(to_day(s), to_day(e) if e else int(OPEN_END)) for s, e, _ in spells]
    res = settle_stability(to_day(t0), days, to_day(as_of), rules)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 3.6))
    else:
        fig = ax.figure
    m6, m24 = to_date(add_months_day(to_day(t0), rules.milestone_months)), to_date(
        add_months_day(to_day(t0), rules.milestone_months + rules.tariff_months))
    ts = lambda d: pd.Timestamp(d)  # noqa: E731
    ax.axvspan(ts(t0), ts(m6), color="#dbe9f6", label="milestone window (home every day)")
    ax.axvspan(ts(m6), ts(m24), color="#eef6e8", label="tariff tracking window")
    colours = {"care": "#d62728", "remand": "#9467bd"}
    seen = set()
    for (s, e, kind), (_, e_day) in zip(spells, days):
        end = to_date(min(e_day, to_day(as_of) + 1))
        ax.axvspan(ts(s), ts(end), color=colours[kind], alpha=0.35, label=None if kind in seen else f"{kind} spell (away)")
        seen.add(kind)
    if res.tariff:
        due = [ts(to_date(d)) for d, _, _ in res.tariff]
        ax.bar(due, [a for _, _, a in res.tariff], width=20, color="#2ca02c", label="tariff paid (month end)")
    if res.milestone_amount > 0:
        ax.bar([ts(m6)], [res.milestone_amount], width=20, color="#1f77b4", label="milestone paid")
    if res.stop_day is not None:
        ax.axvline(ts(to_date(res.stop_day)), color="black", linestyle="--", label=f"tracking {('stopped', 'failed')[res.tariff_status == 5]}")
    ax.axvline(ts(as_of), color="grey", linestyle=":", label="settlement date")
    ax.set_ylabel("£ due")
    ax.set_title(title or f"Milestone £{res.milestone_amount:,.0f}; tariff £{res.tariff_amount:,.0f} ({sum(h for _, h, _ in res.tariff)} home days)")
    ax.legend(loc="upper right", fontsize=7, ncol=2)
    ax.set_ylim(0, max([res.milestone_amount] + [a for _, _, a in res.tariff] + [1.0]) * 1.6)
    fig.tight_layout()
    return fig


def main(path: str) -> None:
    """Draw the documentation's worked child to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    rules = StabilityRules(contract_end=to_day(dt.date(2026, 9, 1)), milestone_price=6800.0, tariff_price=10200.0)
    spells = [(dt.date(2020, 11, 2), dt.date(2020, 12, 12), "remand"),
              (dt.date(2021, 6, 7), dt.date(2021, 8, 30), "care")]
    fig = plot_child_timeline(dt.date(2020, 1, 15), spells, dt.date(2022, 3, 31), rules,
                              "Engaged 2020-01-15: milestone paid; a 40-day remand pauses the tariff; "
                              "an 84-day care spell ends tracking")
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/payments_timeline.png")
