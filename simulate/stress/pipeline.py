"""One draw of the full stress pipeline: cohort → payments → finance → headline figures.

Which engines are used (see docs/finance.md): referrals, engagement and care spells come from
the stress engine's own simplified vectorised cohort model (:mod:`simulate.stress.cohort`), not
the discrete-event flow simulation; stability payments are settled by the payment engine's
vectorised path (:func:`simulate.payments.vectorised.settle_stability_arrays`); the one-off
metrics, delivery costs and care days avoided by :mod:`simulate.stress.settle`; money by
:mod:`simulate.finance`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..finance.ledger import FinanceOutcome, settle_finance
from .cohort import Children, draw_children
from .params import CohortParams
from .settle import Settled, settle


@dataclass
class DrawResult:
    """A draw's headline figures (``outputs``), its investor cash position by month and its parts."""

    outputs: dict
    cumulative_cash: np.ndarray
    children: Children
    settled: Settled
    finance: FinanceOutcome


def run_draw(p: CohortParams, rng: np.random.Generator | None, candidate_factor: float = 0.0, with_irr: bool = True,
             children: Children | None = None) -> DrawResult:
    """Run one draw and return its figures.

    ``children`` (from :func:`simulate.stress.flowmodel.flow_children`) replaces the cohort
    model's draw; ``rng`` is then not used.

    ``outputs`` holds every key of :func:`simulate.finance.ledger.settle_finance`'s summary
    plus ``children_referred``, ``children_engaged``, ``children_turned_away``,
    ``milestone_rate`` (share of engaged children reaching the stability milestone),
    ``out_of_care_rate`` (share with no care entry in their tracking window),
    ``children_diverted`` (net: counterfactual care entrants minus service care entrants),
    ``cost_per_child_diverted_gbp`` and ``deadweight_payment_share`` (share of outcome
    payments that are stability payments for children who would not have entered care anyway).
    """
    if children is None:
        children = draw_children(p, rng, candidate_factor)
    s = settle(p, children, p.engine)
    fin = settle_finance(s.due, s.costs, p.finance, s.days_avoided, with_irr=with_irr)
    out = dict(fin.summary)
    n = len(children.t0)
    diverted = float(s.cf_entered.sum() - (~s.out_of_care).sum())
    paid = out["outcome_payments_gbp"]
    scale = paid / out["outcome_payments_due_gbp"] if out["outcome_payments_due_gbp"] > 0 else 0.0
    dead = float(s.stability_by_child[~s.cf_entered].sum()) * scale
    out.update(
        children_referred=float(children.referred),
        children_engaged=float(n),
        children_turned_away=float(children.turned_away),
        milestone_rate=float(s.milestone_ok.mean()) if n else float("nan"),
        out_of_care_rate=float(s.out_of_care.mean()) if n else float("nan"),
        children_diverted=diverted,
        cost_per_child_diverted_gbp=paid / diverted if diverted > 0 else float("nan"),
        deadweight_payment_share=dead / paid if paid > 0 else float("nan"),
    )
    return DrawResult(out, np.cumsum(fin.investor_net), children, s, fin)
