"""Stress tests of every payment mechanism: thousands of what-ifs through the mechanism's pipeline.

One runner for all; each mechanism (bond, payment by results, KPI-linked, block) plugs in as one
module of :mod:`simulate.stress.mechanisms`.

>>> from simulate.scenario import load_scenario
>>> from simulate.stress import run_stress, headline
>>> run = run_stress(load_scenario("lancs-edge-of-care-004"), draws=1000, seed=1, jobs=2)  # doctest: +SKIP
>>> headline(run.table)  # doctest: +SKIP

Which engine does what (docs/finance.md): arrivals and care spells come from the simplified
vectorised cohort model (:mod:`.cohort`); stability payments from the payment engine's
vectorised path (:mod:`simulate.payments.vectorised`); one-off metrics, costs and care days
avoided from :mod:`.settle`; money from :mod:`simulate.finance`.
"""

from .analysis import expected_transfers, fan, headline, mean_years, pooled, sobol, src, tornado
from .mechanisms import REGISTRY, Draw, Mechanism, ledger_frame, mechanism_for, party_totals
from .named import builtin_stresses, find_stress, named_stresses
from .params import CohortParams, compile_params, override_data, scenario_data
from .pipeline import DrawResult, run_draw
from .reverse import QUESTIONS, reverse_stress
from .runner import OUTPUT_COLUMNS, StressRun, monthly_frame, run_stress, write_parquet
from .sampling import design, draw_rng, draw_seed

__all__ = [
    "REGISTRY", "Draw", "sobol", "Mechanism", "expected_transfers", "ledger_frame", "mean_years", "mechanism_for", "party_totals",
    "OUTPUT_COLUMNS", "QUESTIONS", "CohortParams", "DrawResult", "StressRun", "builtin_stresses", "compile_params",
    "design", "draw_rng", "draw_seed", "fan", "find_stress", "headline", "monthly_frame", "named_stresses",
    "override_data", "pooled", "reverse_stress", "run_draw", "run_stress", "scenario_data", "src", "tornado",
    "write_parquet",
]
