"""Payment by results (000 Appendix 1): the provider's income against its delivery cost.

Readings (quoted in docs/finance.md):

- "Service Providers will receive 60% of the contract value as an up-front payment": each
  contract year the commissioner pays ``upfront_share`` of the summed district values on
  ``upfront_schedule`` (quarterly in advance: a quarter of it in months 0, 3, 6, 9 of the year);
- "The remaining 40% of the contract will be paid on a per-family basis upon the achievement of
  agreed outcomes and following completion of the intervention": the price of one family is the
  40% of the summed values divided by the summed indicative capacities (families a year);
- "resources should not be mapped against district boundaries but, Lancashire's combined
  footprint" (000 §3.1): families are paid against the pooled 40% of the whole contract, never
  against one district's share, so a busy district is paid while a quiet one is under;
- "The payments will be made quarterly": a family completing in a contract quarter is due in
  the first month of the next quarter (a completion in the last quarter of the contract falls in
  its final month);
- the 40% is of the contract value, so one contract year's family payments stop at the pooled
  40% of that year (completions after the last referral year count against the last year).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ...finance.errors import StressError
from ..families import FamilyParams, compile_families, contract_years, delivery_costs, draw_families
from .base import CohortOnly, Draw, NamedStress, Question, fmt_money, fmt_share, register

_STEP = {"annual_in_advance": 12, "quarterly_in_advance": 3, "monthly_in_advance": 1}


def pbr_terms(data: dict) -> dict:
    """Price per family, up-front payments by month and the yearly outcome budget from the scenario."""
    pay = data["payment"]
    value = sum(float(d.get("annual_value_gbp") or 0.0) for d in data["districts"])
    capacity = sum(float(d.get("capacity_families_per_year") or 0.0) for d in data["districts"])
    if value <= 0 or capacity <= 0:
        raise StressError("districts: payment by results needs each district's annual_value_gbp and capacity_families_per_year")
    share = float(pay["upfront_share"])
    return {"value": value, "capacity": capacity, "upfront_share": share, "step": _STEP[pay["upfront_schedule"]],
            "price": (1.0 - share) * value / capacity, "outcome_budget": (1.0 - share) * value}


def upfront_by_month(months: int, referral_months: int, value: float, share: float, step: int) -> np.ndarray:
    """£ up-front payments by contract month: ``share`` × annual value each contract year, in advance."""
    out = np.zeros(months)
    years = max(1, -(-referral_months // 12))
    for y in range(years):
        for k in range(12 // step):
            m = 12 * y + step * k
            if m < months:
                out[m] += value * share / (12 // step)
    return out


def family_payments(achieved: np.ndarray, price: float, budget_per_year: float, referral_months: int) -> tuple[np.ndarray, np.ndarray]:
    """£ family payments by due month and £ cut by the yearly pooled budget.

    ``achieved`` counts families completing with notable progress by completion month. A family
    completing in quarter q is due in the first month of quarter q + 1 (the last month of the
    contract at the latest); a contract year's families are paid in due order until that year's
    pooled 40% is used (completions after the last referral year count against the last year).
    """
    M = len(achieved)
    due_month = np.minimum((np.arange(M) // 3 + 1) * 3, M - 1)
    owed = np.bincount(due_month, weights=achieved * price, minlength=M)
    years = np.minimum(contract_years(M), max(0, math.ceil(referral_months / 12) - 1))
    completion_year = years
    paid = np.zeros(M)
    left = {y: budget_per_year for y in set(years.tolist())}
    for m in range(M):                      # completions of month m, in due order
        amount = achieved[m] * price
        if amount <= 0:
            continue
        y = int(completion_year[m])
        give = min(amount, left[y])
        left[y] -= give
        paid[due_month[m]] += give
    return paid, owed - paid


class PaymentByResultsPipeline(CohortOnly):
    kind = "payment_by_results"
    models = ("cohort",)
    flow_label = "payment by results"
    risk_bearer = "provider"
    columns = (
        "provider_income_gbp", "provider_costs_gbp", "provider_net_gbp", "provider_loss", "upfront_payments_gbp",
        "outcome_payments_due_gbp", "outcome_payments_gbp", "cap_cut_gbp", "price_per_family_gbp",
        "families_referred", "families_started", "families_turned_away", "families_completed",
        "families_achieving", "families_paid", "families_to_break_even", "break_even_margin_families",
        "utilisation_mean", "commissioner_payments_gbp", "commissioner_cost_per_family_achieving_gbp",
    )
    key_output = "provider_net_gbp"
    tornado_output = "pooled_net_gbp"
    loss_column = "provider_loss"
    questions = (
        Question("provider_breaks_even_volume", "Referral volume (× plan) at which the provider's income equals its cost",
                 "referrals.volume_multiplier", 0.05, 3.0, lambda o: o["pooled_net_gbp"]),
        Question("provider_breaks_even_progress", "Notable-progress rate (× plan) at which the provider breaks even",
                 "effect:progress_multiplier", 0.0, 1.6, lambda o: o["pooled_net_gbp"]),
    )

    def compile(self, data: dict, effects: Mapping[str, float] | None = None, engine: str = "payments") -> tuple[FamilyParams, dict]:
        fp = compile_families(data, effects)
        return fp, pbr_terms(data)

    def draw(self, params: Any, rng: np.random.Generator, candidate_factor: float = 0.0, with_irr: bool = True) -> Draw:
        fp, t = params
        fam = draw_families(fp, rng, candidate_factor)
        return self.settle(fp, t, fam)

    def settle(self, fp: FamilyParams, t: dict, fam: Any) -> Draw:
        """Money of one draw's families (the arithmetic the worked examples check)."""
        M = fp.months
        upfront = upfront_by_month(M, fp.referral_months, t["value"], t["upfront_share"], t["step"])
        paid, cut = family_payments(fam.achieved, t["price"], t["outcome_budget"], fp.referral_months)
        costs = delivery_costs(fp, fam)
        income = upfront + paid
        net = income - costs
        total_cost, total_up = float(costs.sum()), float(upfront.sum())
        achieving = float(fam.achieved.sum())
        need = max(0.0, (total_cost - total_up) / t["price"])
        out = {
            "provider_income_gbp": float(income.sum()), "provider_costs_gbp": total_cost, "provider_net_gbp": float(net.sum()),
            "provider_loss": bool(net.sum() < -1e-6), "upfront_payments_gbp": total_up,
            "outcome_payments_due_gbp": float(paid.sum() + cut.sum()), "outcome_payments_gbp": float(paid.sum()),
            "cap_cut_gbp": float(cut.sum()), "price_per_family_gbp": t["price"],
            "families_referred": float(fam.referred.sum()), "families_started": float(fam.started.sum()),
            "families_turned_away": float(fam.turned_away.sum()), "families_completed": float(fam.completed.sum()),
            "families_achieving": achieving, "families_paid": float(paid.sum()) / t["price"],
            "families_to_break_even": need, "break_even_margin_families": float(paid.sum()) / t["price"] - need,
            "utilisation_mean": float(np.mean(fam.load[: fp.referral_months] / np.maximum(fam.capacity[: fp.referral_months], 1e-9))),
            "commissioner_payments_gbp": float(income.sum()),
            "commissioner_cost_per_family_achieving_gbp": float(income.sum()) / achieving if achieving > 0 else float("nan"),
        }
        transfers = [("commissioner", "provider", "upfront_payment", upfront), ("commissioner", "provider", "outcome_payment", paid),
                     ("provider", "staff_and_suppliers", "delivery_cost", costs)]
        y = contract_years(M)

        def years() -> pd.DataFrame:
            frame = pd.DataFrame({
                "contract_year": np.arange(y.max() + 1) + 1,
                "families_achieving": np.bincount(y, fam.achieved, y.max() + 1),
                "upfront_gbp": np.bincount(y, upfront, y.max() + 1), "outcome_payments_gbp": np.bincount(y, paid, y.max() + 1),
                "cap_cut_gbp": np.bincount(y, cut, y.max() + 1), "provider_costs_gbp": np.bincount(y, costs, y.max() + 1),
            })
            frame["provider_net_gbp"] = frame["upfront_gbp"] + frame["outcome_payments_gbp"] - frame["provider_costs_gbp"]
            return frame

        return Draw(out, net, transfers, fp.dates, years)

    def headline(self, table: pd.DataFrame) -> pd.DataFrame:
        n = table["provider_net_gbp"]
        rows = {
            "draws": len(table), "p_provider_loss": table["provider_loss"].mean(),
            "provider_net_p5_gbp": n.quantile(0.05), "provider_net_median_gbp": n.median(), "provider_net_p95_gbp": n.quantile(0.95),
            "provider_income_mean_gbp": table["provider_income_gbp"].mean(), "provider_costs_mean_gbp": table["provider_costs_gbp"].mean(),
            "families_achieving_mean": table["families_achieving"].mean(), "families_to_break_even_mean": table["families_to_break_even"].mean(),
            "p_cap_reached": (table["cap_cut_gbp"] > 0).mean(), "cap_cut_mean_gbp": table["cap_cut_gbp"].mean(),
            "utilisation_mean_share": table["utilisation_mean"].mean(),
            "commissioner_cost_per_family_achieving_median_gbp": table["commissioner_cost_per_family_achieving_gbp"].median(),
        }
        return pd.DataFrame({"metric": list(rows), "value": [float(v) for v in rows.values()]})

    def base_rows(self, b: dict) -> list[tuple[str, str]]:
        return [
            ("Provider income (mean): up-front; per family", f"{fmt_money(b['upfront_payments_gbp'])}; {fmt_money(b['outcome_payments_gbp'])}"),
            ("Provider delivery cost (mean)", fmt_money(b["provider_costs_gbp"])),
            ("Provider net (of the mean cash flow)", fmt_money(b["pooled_net_gbp"])),
            ("P(provider loses money)", fmt_share(b["p_loss"])),
            ("Price per family achieving", fmt_money(b["price_per_family_gbp"])),
            ("Families achieving (mean); needed to break even", f"{b['families_achieving']:,.0f}; {b['families_to_break_even']:,.0f}"),
            ("Family payments refused by the yearly 40% (mean)", fmt_money(b["cap_cut_gbp"])),
            ("Families referred; started; turned away (mean)", f"{b['families_referred']:,.0f}; {b['families_started']:,.0f}; {b['families_turned_away']:,.0f}"),
            ("Caseload utilisation (mean)", fmt_share(b["utilisation_mean"])),
        ]

    def compare_row(self, table: pd.DataFrame) -> dict:
        return {"net_median_gbp": table["provider_net_gbp"].median(), "p_loss": table["provider_loss"].mean(),
                "payments_mean_gbp": table["outcome_payments_gbp"].mean(), "families_achieving_mean": table["families_achieving"].mean(),
                "cap_cut_mean_gbp": table["cap_cut_gbp"].mean()}

    def builtin_stresses(self, scenario: Any) -> list[NamedStress]:
        return [NamedStress("progress_20pct_lower", "Notable progress 20% less often than the distance-travelled measure implies",
                            effects={"progress_multiplier": 0.8})]


PIPELINE = register(PaymentByResultsPipeline())
