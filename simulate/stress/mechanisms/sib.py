"""Edge-of-care Social Impact Bond (004 §6, §9): the investor's vehicle, co-funders and the Life Chances Fund.

The pipeline of :mod:`simulate.stress.pipeline` (cohort model → payment engine → finance
layer) behind the mechanism protocol; see docs/finance.md.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ...finance.ledger import transfers as finance_transfers
from ...finance.returns import irr, money_multiple
from ..params import compile_params
from ..pipeline import run_draw
from .base import Draw, NamedStress, Question, fmt_money, fmt_share, register

COLUMNS = (
    "irr", "irr_status", "irr_reason", "money_multiple", "investor_net_gbp", "investor_loss", "capital_drawn_gbp",
    "peak_capital_gbp", "capital_over_commitment_gbp", "months_to_break_even", "outcome_payments_due_gbp",
    "outcome_payments_gbp", "cap_reached", "cap_reached_month", "cap_cut_gbp", "commissioner_payments_gbp",
    "lcf_payments_gbp", "commissioner_payments_pv_gbp", "savings_pv_gbp", "commissioner_net_benefit_pv_gbp",
    "care_days_avoided", "provider_costs_gbp", "children_referred", "children_engaged", "children_turned_away",
    "milestone_rate", "out_of_care_rate", "children_diverted", "cost_per_child_diverted_gbp",
    "deadweight_payment_share", "capital_unreturned_gbp", "co_funder_capital_drawn_gbp", "co_funder_net_gbp",
    "lcf_cap_shifted_gbp", "payments_forgone_gbp",
)


def _net(out: dict) -> float:
    return out["pooled_investor_net_gbp"]


def _payments_minus_savings(out: dict) -> float:
    return out["commissioner_payments_pv_gbp"] - out["savings_pv_gbp"]


def as_draw(result: Any) -> Draw:
    """A :class:`~simulate.stress.pipeline.DrawResult` as the protocol's :class:`Draw`."""
    fin = result.finance
    return Draw(result.outputs, fin.investor_net, finance_transfers(fin), fin.terms.dates, None, result)


class SibPipeline:
    kind = "sib_edge_of_care"
    models = ("cohort", "flow")
    risk_bearer = "investor"
    columns = COLUMNS
    key_output = "money_multiple"
    tornado_output = "pooled_multiple"
    loss_column = "investor_loss"
    questions = (
        Question("irr_zero", "Out-of-care rate at which the investor's IRR is 0%", "effect:care_hazard_multiplier", 0.05, 40.0, _net),
        Question("capital_lost", "Referral shortfall at which the investor loses capital", "referrals.volume_multiplier", 0.02, 2.0, _net),
        Question("payments_exceed_savings", "Out-of-care rate at which commissioner payments equal its savings",
                 "effect:care_hazard_multiplier", 0.05, 40.0, _payments_minus_savings),
    )

    def compile(self, data: dict, effects: Mapping[str, float] | None = None, engine: str = "payments") -> Any:
        return compile_params(data, effects, engine)

    def draw(self, params: Any, rng: np.random.Generator, candidate_factor: float = 0.0, with_irr: bool = True) -> Draw:
        return as_draw(run_draw(params, rng, candidate_factor, with_irr=with_irr))

    def flow_draw(self, data: dict, params: Any, seed: int, index: int, effects: Mapping[str, float] | None) -> Draw:
        from ..flowmodel import flow_children

        return as_draw(run_draw(params, None, children=flow_children(data, params, seed, index, effects)))

    def pooled_figures(self, net: np.ndarray, params: Any) -> dict:
        res = irr(net, params.finance.dates)
        return {"pooled_irr": res.value, "pooled_irr_status": res.status, "pooled_multiple": money_multiple(net),
                "pooled_investor_net_gbp": float(net.sum()), "pooled_net_gbp": float(net.sum())}

    def headline(self, table: pd.DataFrame) -> pd.DataFrame:
        ok = table.loc[table["irr_status"] == "ok", "irr"]
        pay = table["outcome_payments_gbp"]
        rows = {
            "draws": len(table),
            "irr_p5": ok.quantile(0.05), "irr_median": ok.median(), "irr_p95": ok.quantile(0.95),
            "irr_not_defined_draws": int((table["irr_status"] != "ok").sum()),
            "money_multiple_p5": table["money_multiple"].quantile(0.05),
            "money_multiple_median": table["money_multiple"].median(),
            "money_multiple_mean": table["money_multiple"].mean(),
            "p_investor_loss": table["investor_loss"].mean(),
            "p_cap_reached": table["cap_reached"].mean(),
            "outcome_payments_mean_gbp": pay.mean(), "outcome_payments_p5_gbp": pay.quantile(0.05),
            "peak_capital_mean_gbp": table["peak_capital_gbp"].mean(),
            "peak_capital_p95_gbp": table["peak_capital_gbp"].quantile(0.95),
            "p_capital_over_commitment": (table["capital_over_commitment_gbp"] > 0).mean(),
            "savings_pv_mean_gbp": table["savings_pv_gbp"].mean(),
            "commissioner_payments_pv_mean_gbp": table["commissioner_payments_pv_gbp"].mean(),
            "p_payments_exceed_savings": (table["commissioner_payments_pv_gbp"] > table["savings_pv_gbp"]).mean(),
            "cost_per_child_diverted_median_gbp": table["cost_per_child_diverted_gbp"].median(),
            "deadweight_payment_share_mean": table["deadweight_payment_share"].mean(),
        }
        return pd.DataFrame({"metric": list(rows), "value": [float(v) for v in rows.values()]})

    def base_rows(self, b: dict) -> list[tuple[str, str]]:
        irr_text = f"{b['pooled_irr']:.1%}" if b["pooled_irr_status"] == "ok" else f"not defined ({b['pooled_irr_status']})"
        return [
            ("Investor IRR (of the mean cash flow)", irr_text),
            ("Money multiple (of the mean cash flow)", f"{b['pooled_multiple']:.2f}"),
            ("Capital committed", fmt_money(b["capital_committed_gbp"])),
            ("Peak capital (mean; 95th percentile)", f"{fmt_money(b['peak_capital_gbp'])}; {fmt_money(b['peak_capital_p95_gbp'])}"),
            ("Months to break-even (mean)", f"{b['months_to_break_even']:.0f}"),
            ("Outcome payments (mean)", fmt_money(b["outcome_payments_gbp"])),
            ("  of which commissioner; Life Chances Fund", f"{fmt_money(b['commissioner_payments_gbp'])}; {fmt_money(b['lcf_payments_gbp'])}"),
            ("P(cap reached)", fmt_share(b["p_cap_reached"])),
            ("Savings from care avoided (PV at 3.5% real)", fmt_money(b["savings_pv_gbp"])),
            ("Commissioner payments (PV at 3.5% real)", fmt_money(b["commissioner_payments_pv_gbp"])),
            ("Care days avoided", f"{b['care_days_avoided']:,.0f}"),
            ("Children engaged; net diverted from care", f"{b['children_engaged']:,.0f}; {b['children_diverted']:,.0f}"),
            ("Share of outcome payments paying for deadweight", fmt_share(b["deadweight_payment_share"])),
            ("Co-funder: capital drawn; net (mean)", f"{fmt_money(b['co_funder_capital_drawn_gbp'])}; {fmt_money(b['co_funder_net_gbp'])}"),
            ("Life Chances Fund top-up moved to the commissioner by the grant cap (mean)", fmt_money(b["lcf_cap_shifted_gbp"])),
            ("Investor capital never returned; payments forgone by a termination (mean)",
             f"{fmt_money(b['capital_unreturned_gbp'])}; {fmt_money(b['payments_forgone_gbp'])}"),
        ]

    def compare_row(self, table: pd.DataFrame) -> dict:
        ok = table.loc[table["irr_status"] == "ok", "irr"]
        return {"irr_median": ok.median(), "multiple_median": table["money_multiple"].median(), "p_loss": table["investor_loss"].mean(),
                "p_cap_reached": table["cap_reached"].mean(), "payments_mean_gbp": table["outcome_payments_gbp"].mean(),
                "peak_capital_p95_gbp": table["peak_capital_gbp"].quantile(0.95), "savings_pv_mean_gbp": table["savings_pv_gbp"].mean(),
                "capital_unreturned_mean_gbp": table["capital_unreturned_gbp"].mean(), "co_funder_net_mean_gbp": table["co_funder_net_gbp"].mean()}

    def builtin_stresses(self, scenario: Any) -> list[NamedStress]:
        out = [NamedStress("stability_success_20pct_lower", "Stability success 20% lower than the hazards imply",
                           effects={"stability_success_multiplier": 0.8})]
        caps = getattr(scenario.payment, "caps", None)
        if caps is not None and caps.total_gbp:
            out.append(NamedStress("cap_reached_early", "Total outcome cap at 60% of the contract's",
                                   overrides={"payment.caps.total_gbp": round(caps.total_gbp * 0.6, 2)}))
        years = -(-int(scenario.horizon.total_months) // 12)
        if scenario.finance.early_termination_year is None and years > 3:
            out.append(NamedStress("terminated_after_year_3", "Contract stopped at the end of year 3 (as Peterborough's after 4 of 6 years)",
                                   overrides={"finance.early_termination_year": 3}))
        return out


PIPELINE = register(SibPipeline())
