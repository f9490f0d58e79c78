"""The per-mechanism risk report: every table and figure the stress-test notebook shows, for any preset.

The notebook only calls :func:`risk_report` and displays its parts, so it holds no logic and
renders for every payment mechanism: the party that carries the risk (the bond's investor, the
payment-by-results or KPI-linked provider, a block contract's provider and commissioner) gets
its own base case, year-by-year view, named stresses, distribution, cash at risk, drivers
(tornado, standardised regression coefficients, Sobol' indices) and break-even values.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..scenario import Scenario
from .analysis import expected_transfers, fan, headline, mean_years, pooled, sobol, src, tornado
from .mechanisms import ledger_frame, mechanism_for
from .named import compare_stresses, named_stresses
from .params import scenario_data
from .reverse import reverse_stress
from .runner import StressRun, run_stress


@dataclass
class RiskReport:
    """Parts of the report (tidy tables; ``lines`` the plain-English summary)."""

    kind: str
    risk_bearer: str
    key_output: str
    base: dict
    base_table: pd.DataFrame
    years: pd.DataFrame | None
    by_year: pd.DataFrame
    """Expected transfers (£) by ``payer, payee, flow_type`` (index) and contract year (columns)."""
    named: pd.DataFrame
    run: StressRun
    headline: pd.DataFrame
    fan: pd.DataFrame
    tornado: pd.DataFrame
    src: pd.DataFrame
    sobol: pd.DataFrame
    reverse: pd.DataFrame
    lines: list[str]


def _ledger_by_year(data: dict, replications: int, seed: int) -> pd.DataFrame:
    transfers, dates = expected_transfers(data, replications, seed)
    ledger = ledger_frame(transfers, dates)
    ledger["contract_year"] = ledger["month"] // 12 + 1
    received = ledger[ledger["amount_gbp"] > 0].rename(columns={"counterparty": "payer", "party": "payee"})
    return received.pivot_table(index=["payer", "payee", "flow_type"], columns="contract_year",
                                values="amount_gbp", aggfunc="sum", fill_value=0.0)


def risk_report(scenario: Scenario, draws: int = 2000, seed: int = 1, jobs: int = 1, replications: int = 200,
                named_draws: int = 300, sobol_base: int = 64) -> RiskReport:
    """Run everything the report shows (same seed throughout, common random numbers where it matters)."""
    data = scenario_data(scenario)
    mech = mechanism_for(data)
    base = pooled(data, None, replications, seed)
    base_table = pd.DataFrame(mech.base_rows(base), columns=["figure", "value"])
    named = compare_stresses(scenario, named_stresses(scenario), named_draws, seed, jobs)
    run = run_stress(scenario, draws, seed, jobs=jobs)
    head = headline(run.table, mech.kind)
    swings = tornado(scenario, replications, seed)
    coefficients = src(run.table, run.inputs, mech.key_output) if run.inputs else pd.DataFrame(columns=["input", "src", "share"])
    indices = sobol(scenario, sobol_base, seed, jobs) if run.inputs else pd.DataFrame()
    reverse = reverse_stress(scenario, max(replications // 2, 2), seed)
    loss = float(run.table[mech.loss_column].mean())
    lines = [f"Mechanism {mech.kind}: the {mech.risk_bearer} carries the risk."]
    lines += [f"Base case — {figure}: {value}." for figure, value in base_table.itertuples(index=False)]
    lines.append(f"Over {draws:,} draws of the uncertainty ranges the {mech.risk_bearer} loses money in {loss:.1%} of them.")
    if len(swings):
        lines.append(f"The input that moves {swings.attrs['output']} most, one at a time, is {swings.loc[0, 'input']}.")
    if len(indices):
        lines.append(f"Across all inputs together, {indices.loc[0, 'input']} has the largest total Sobol' index "
                     f"({indices.loc[0, 'ST']:.2f}) for {indices.attrs['output']}.")
    for r in reverse.itertuples():
        lines.append(f"{r.description}: {r.value:.3g}." if r.status == "found" else f"{r.description}: {r.status}.")
    return RiskReport(mech.kind, mech.risk_bearer, mech.key_output, base, base_table, mean_years(data, None, replications, seed),
                      _ledger_by_year(data, replications, seed), named, run, head, fan(run.cumulative_cash), swings,
                      coefficients, indices, reverse, lines)
