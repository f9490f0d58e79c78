"""Reverse stress tests: the break-even value of a key input, found by root-finding.

The questions are the payment mechanism's (:attr:`Mechanism.questions`); the bond's are below.
Each question is a function of one input evaluated as the mean over a fixed set of
replications with common random numbers (the same children, arrivals and care spells at every
value tried; candidates are drawn at twice the plan rate so the referral volume can rise or fall
without reshuffling them), and :func:`scipy.optimize.brentq` finds where it crosses zero:

- ``irr_zero``: the care-entry hazard multiplier (and the out-of-care rate it implies) at which
  the investor's pooled IRR is 0% (money back, no gain);
- ``capital_lost``: the referral shortfall at which the investor starts to lose capital;
- ``payments_exceed_savings``: the out-of-care rate at which the commissioner's outcome payments
  (present value) equal its savings from care avoided.
"""

from __future__ import annotations

import pandas as pd

from ..scenario import Scenario
from .analysis import pooled
from .mechanisms import Question, mechanism_for
from .mechanisms.sib import SibPipeline
from .params import override_data, scenario_data

CANDIDATE_FACTOR = 2.0

QUESTIONS = SibPipeline.questions
"""The bond's questions (each mechanism carries its own)."""


def _evaluate(data: dict, q: Question, x: float, replications: int, seed: int) -> dict:
    if q.parameter.startswith("effect:"):
        return pooled(data, {q.parameter.removeprefix("effect:"): x}, replications, seed, CANDIDATE_FACTOR)
    return pooled(override_data(data, {q.parameter: x}), None, replications, seed, CANDIDATE_FACTOR)


def reverse_stress(scenario: Scenario, replications: int = 100, seed: int = 0, xtol: float = 1e-3,
                   questions: tuple[Question, ...] | None = None) -> pd.DataFrame:
    """Answer each reverse stress question by root-finding on common random numbers.

    Returns
    -------
    pandas.DataFrame
        One row per question: ``question, description, parameter, status`` (``found`` or
        ``no crossing``), ``value`` (the input at the root), ``out_of_care_rate``,
        ``milestone_rate``, ``referral_shortfall`` and ``target_at_low`` / ``target_at_high``
        (the function's value at the ends of the range searched), ``evaluations``.
    """
    from scipy.optimize import brentq

    data = scenario_data(scenario)
    mech = mechanism_for(data)
    rows = []
    for q in questions if questions is not None else mech.questions:
        calls = {"n": 0}
        cache: dict[float, dict] = {}

        def f(x: float, q: Question = q) -> float:
            calls["n"] += 1
            cache[x] = _evaluate(data, q, x, replications, seed)
            return q.target(cache[x])

        a, b = f(q.low), f(q.high)
        row = {"question": q.name, "description": q.description, "parameter": q.parameter.removeprefix("effect:"),
               "target_at_low": a, "target_at_high": b}
        if a == 0 or b == 0 or (a > 0) != (b > 0):
            root = brentq(f, q.low, q.high, xtol=xtol)
            at = cache.get(root) or _evaluate(data, q, root, replications, seed)
            row.update(status="found", value=root, out_of_care_rate=at.get("out_of_care_rate", float("nan")),
                       milestone_rate=at.get("milestone_rate", float("nan")),
                       referral_shortfall=1.0 - root if q.parameter == "referrals.volume_multiplier" else float("nan"))
        else:
            row.update(status=f"no crossing in [{q.low:g}, {q.high:g}]", value=float("nan"), out_of_care_rate=float("nan"),
                       milestone_rate=float("nan"), referral_shortfall=float("nan"))
        row["evaluations"] = calls["n"]
        rows.append(row)
    cols = ["question", "description", "parameter", "status", "value", "out_of_care_rate", "milestone_rate",
            "referral_shortfall", "target_at_low", "target_at_high", "evaluations"]
    return pd.DataFrame(rows)[cols]
