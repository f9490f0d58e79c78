"""Block contracts (002, 003): a fixed annual value, the commissioner's cost per family and the provider's margin.

Reading: the commissioner pays ``annual_value_gbp`` every contract year of referrals, in equal
instalments in advance (``payment_schedule``: monthly, or quarterly in months 0, 3, 6 and 9 of
the year); no outcome element. Nobody's income moves with results, so the risk the block
carries is the provider's cost against a fixed income and the commissioner's cost per family
when demand falls short of capacity (utilisation) or exceeds it (families turned away).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..families import FamilyParams, compile_families, contract_years, delivery_costs, draw_families
from .base import CohortOnly, Draw, NamedStress, Question, fmt_money, fmt_share, register

_STEP = {"monthly": 1, "quarterly": 3}


def block_by_month(months: int, referral_months: int, value: float, step: int) -> np.ndarray:
    """£ block payments by contract month: the annual value each contract year, in advance instalments."""
    out = np.zeros(months)
    for y in range(max(1, math.ceil(referral_months / 12))):
        for k in range(12 // step):
            m = 12 * y + step * k
            if m < months:
                out[m] += value / (12 // step)
    return out


class BlockPipeline(CohortOnly):
    kind = "block"
    models = ("cohort",)
    flow_label = "a block contract"
    risk_bearer = "provider"
    columns = (
        "commissioner_payments_gbp", "provider_costs_gbp", "provider_net_gbp", "provider_loss", "families_referred",
        "families_started", "families_turned_away", "families_completed", "families_achieving",
        "cost_per_family_started_gbp", "cost_per_family_completed_gbp", "cost_per_family_achieving_gbp",
        "utilisation_mean", "months_at_capacity_share",
    )
    key_output = "cost_per_family_started_gbp"
    tornado_output = "cost_per_family_started_gbp"
    loss_column = "provider_loss"
    questions = (
        Question("capacity_binds", "Referral volume (× plan) at which mean caseload utilisation reaches 100%",
                 "referrals.volume_multiplier", 0.05, 5.0, lambda o: o["utilisation_mean"] - 0.999),
        Question("provider_breaks_even_vacancy", "Vacancy rate at which the provider's cost equals the block value",
                 "workforce.vacancy_rate", 0.0, 0.95, lambda o: o["pooled_net_gbp"]),
    )

    def compile(self, data: dict, effects: Mapping[str, float] | None = None, engine: str = "payments") -> tuple[FamilyParams, dict]:
        pay = data["payment"]
        return compile_families(data, effects), {"value": float(pay["annual_value_gbp"]), "step": _STEP[pay.get("payment_schedule", "monthly")]}

    def draw(self, params: Any, rng: np.random.Generator, candidate_factor: float = 0.0, with_irr: bool = True) -> Draw:
        fp, t = params
        return self.settle(fp, t, draw_families(fp, rng, candidate_factor))

    def settle(self, fp: FamilyParams, t: dict, fam: Any) -> Draw:
        M = fp.months
        pay = block_by_month(M, fp.referral_months, t["value"], t["step"])
        costs = delivery_costs(fp, fam)
        net = pay - costs
        total = float(pay.sum())
        started, completed, achieved = float(fam.started.sum()), float(fam.completed.sum()), float(fam.achieved.sum())
        R = fp.referral_months
        util = fam.load[:R] / np.maximum(fam.capacity[:R], 1e-9)
        per = lambda n: total / n if n > 0 else float("nan")  # noqa: E731
        out = {
            "commissioner_payments_gbp": total, "provider_costs_gbp": float(costs.sum()), "provider_net_gbp": float(net.sum()),
            "provider_loss": bool(net.sum() < -1e-6), "families_referred": float(fam.referred.sum()), "families_started": started,
            "families_turned_away": float(fam.turned_away.sum()), "families_completed": completed, "families_achieving": achieved,
            "cost_per_family_started_gbp": per(started), "cost_per_family_completed_gbp": per(completed),
            "cost_per_family_achieving_gbp": per(achieved), "utilisation_mean": float(util.mean()),
            "months_at_capacity_share": float((fam.turned_away[:R] > 0).mean()),
        }
        y = contract_years(M)

        def years() -> pd.DataFrame:
            Y = y.max() + 1
            frame = pd.DataFrame({"contract_year": np.arange(Y) + 1, "block_payments_gbp": np.bincount(y, pay, Y),
                                  "provider_costs_gbp": np.bincount(y, costs, Y), "families_started": np.bincount(y, fam.started, Y),
                                  "families_turned_away": np.bincount(y, fam.turned_away, Y),
                                  "utilisation_mean": [float(np.mean((fam.load / np.maximum(fam.capacity, 1e-9))[y == k])) for k in range(Y)]})
            frame["cost_per_family_started_gbp"] = frame["block_payments_gbp"] / frame["families_started"].where(frame["families_started"] > 0)
            return frame

        transfers = [("commissioner", "provider", "block_payment", pay), ("provider", "staff_and_suppliers", "delivery_cost", costs)]
        return Draw(out, net, transfers, fp.dates, years)

    def headline(self, table: pd.DataFrame) -> pd.DataFrame:
        c = table["cost_per_family_started_gbp"]
        rows = {
            "draws": len(table), "cost_per_family_started_p5_gbp": c.quantile(0.05), "cost_per_family_started_median_gbp": c.median(),
            "cost_per_family_started_p95_gbp": c.quantile(0.95),
            "cost_per_family_achieving_median_gbp": table["cost_per_family_achieving_gbp"].median(),
            "utilisation_mean_share": table["utilisation_mean"].mean(),
            "p_capacity_binds": (table["families_turned_away"] > 0).mean(),
            "families_turned_away_mean": table["families_turned_away"].mean(),
            "p_provider_loss": table["provider_loss"].mean(), "provider_net_median_gbp": table["provider_net_gbp"].median(),
        }
        return pd.DataFrame({"metric": list(rows), "value": [float(v) for v in rows.values()]})

    def base_rows(self, b: dict) -> list[tuple[str, str]]:
        return [
            ("Block payments (commissioner)", fmt_money(b["commissioner_payments_gbp"])),
            ("Cost per family started; completing; with notable progress (mean)",
             f"{fmt_money(b['cost_per_family_started_gbp'])}; {fmt_money(b['cost_per_family_completed_gbp'])}; {fmt_money(b['cost_per_family_achieving_gbp'])}"),
            ("Caseload utilisation (mean)", fmt_share(b["utilisation_mean"])),
            ("Families referred; started; turned away (mean)", f"{b['families_referred']:,.0f}; {b['families_started']:,.0f}; {b['families_turned_away']:,.0f}"),
            ("Provider delivery cost (mean); net of the mean cash flow", f"{fmt_money(b['provider_costs_gbp'])}; {fmt_money(b['pooled_net_gbp'])}"),
            ("P(provider loses money)", fmt_share(b["p_loss"])),
        ]

    def compare_row(self, table: pd.DataFrame) -> dict:
        return {"cost_per_family_median_gbp": table["cost_per_family_started_gbp"].median(), "utilisation_mean": table["utilisation_mean"].mean(),
                "turned_away_mean": table["families_turned_away"].mean(), "p_loss": table["provider_loss"].mean()}

    def builtin_stresses(self, scenario: Any) -> list[NamedStress]:
        return [NamedStress("demand_halved", "Referrals at half the plan: the block is paid for idle capacity",
                            overrides={"referrals.volume_multiplier": 0.5})]


PIPELINE = register(BlockPipeline())
