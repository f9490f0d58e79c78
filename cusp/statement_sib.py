"""The bond's own sections of the payments statement (004): leading indicators and a child's timeline.

Used by :mod:`cusp.statement_parts`. The leading indicators (004 §8.3.2) and the RAG rating of
stability go through the disclosure policy; one child's stability timeline is never published:
the chart and its payment reasons are written to ``restricted-internal-use/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from . import presentation as pr

__all__ = ["indicators_and_rag", "child_timeline"]


def indicators_and_rag(scenario: Any, frames: dict, result: Any, as_of: dt.date, policy: str) -> tuple[Any, str]:
    """The leading-indicator table (a DisclosedTable) and the RAG chart (HTML ``<img>`` with alt text)."""
    import matplotlib.pyplot as plt

    from simulate.payments.indicators import leading_indicators

    from . import payments_report as pay

    indicators = pay.indicator_table(leading_indicators(frames["referrals.csv"], result, scenario), policy)
    rag = pay.rag_table(result.children, policy)
    fig, alt = pay.plot_counts(rag, "children", f"RAG rating of stability at home, {as_of:%d %B %Y}", ["#2ca02c", "#ff7f0e", "#d62728"])
    chart = pr.figure_html(fig, alt)
    plt.close(fig)
    return indicators, chart


def child_timeline(scenario: Any, frames: dict, result: Any, as_of: dt.date, results_path: str) -> bool:
    """Write one child's stability timeline (chart and reasons) to the restricted folder.

    The child is one whose tariff was stopped, else failed, else paid, preferring one with a
    period away (to show the rules at work). Returns False when no child has a tariff line.
    """
    import matplotlib.pyplot as plt

    from simulate.payments.plots import plot_child_timeline
    from simulate.payments.stability import StabilityRules
    from simulate.payments.terms import sib_terms

    from .render.results import save_restricted

    audit, children = result.audit, result.children
    episodes = frames.get("care_episodes.csv")
    tariff = audit[(audit["metric"] == "stability_tariff") & audit["status"].isin(["stopped", "failed", "paid"])]
    candidates = tariff.merge(children[["case_id", "t0"]], on="case_id")
    if candidates.empty:
        return False
    with_spells = candidates[candidates["child_id"].isin(episodes["child_id"])] if episodes is not None else candidates
    pool = with_spells if len(with_spells) else candidates
    order = {"stopped": 0, "failed": 1, "paid": 2}
    pick = pool.assign(o=pool["status"].map(order)).sort_values(["o", "case_id"]).iloc[0]
    mine = episodes[episodes["child_id"] == pick["child_id"]] if episodes is not None else None
    spells = [(s.date(), None if pd.isna(e) else e.date(), k) for s, e, k in
              zip(mine["start_date"], mine["end_date"], mine["episode_type"])] if mine is not None else []
    terms = sib_terms(scenario)
    prices = terms.prices(pick["sub_cohort"])
    m = terms.mechanism
    rules = StabilityRules(m.milestone_months, m.tariff_months, m.max_spell_days_to_resume, m.failing_spell_number,
                           terms.contract_end, prices.milestone, prices.tariff, terms.deadweight(pick["sub_cohort"]))
    fig = plot_child_timeline(pick["t0"].date(), spells, as_of, rules)
    save_restricted(fig, "child_timeline.png", results_path)
    save_restricted(pick["reason"], "child_timeline.txt", results_path)
    plt.close(fig)
    return True
