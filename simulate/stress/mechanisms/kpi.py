"""KPI-linked payment with gain share (001 [FINANCIAL MODEL AND PAYMENT], L383 and L388), by envelope.

Readings (quoted in docs/finance.md):

- two financial envelopes with "a clear separation of ECC and West CCG budgets" (L388): the ECC
  envelope is ``annual_value_gbp − west_ccg_annual_value_gbp``, West CCG's is
  ``west_ccg_annual_value_gbp``;
- "From Contract Year 2, a maximum percentage … of the total annual contract value for the ECC
  financial envelope, (excluding the West CCG financial envelope), is dependent upon achieving
  specific key performance indicators, and payment will be reconciled at financial year end"
  (L383): from ``at_risk_from_year`` the ECC envelope's ``at_risk_share`` waits for the
  reconciliation in the contract year's last month, where each KPI met earns its weight of it
  and the rest is withheld; West CCG's envelope is never at risk;
- cash is timed as the contract pays: the specification leaves the instalments to Schedule 4E,
  which is not published, so Cusp pays each envelope's not-at-risk value in equal instalments in
  advance (``payment_schedule``: monthly by default, as NHS Standard Contract payments are);
- "a 50/50 gain share between commissioner and provider for this underspend will apply at the
  end of each contract year" for an underspend "above and beyond efficiencies" (L388), the ECC
  arrangement "separate from the 50/50 gain share arrangement for West CCG": each envelope's
  underspend is what it actually paid in the year (after any withholding) less what the
  provider spent on it, less the planned efficiency; the commissioner's half is returned at the
  year end and the provider's half is retained (ring-fenced for reinvestment). Money withheld
  for missed KPIs is therefore never counted as an underspend. An overspend is the provider's;
- the provider's delivery cost is split between the envelopes in proportion to their values
  (aligned budgets; the specification gives no separate cost base for the West CCG services).

KPI values by contract year come from the family-flow model (:mod:`simulate.stress.families`):
``coverage_within_window`` (universal contacts done / due), ``share_started_within_target``
(families started / accepted), ``share_improved`` (completers with notable progress /
completers), ``families_started``; a KPI whose metric the model does not produce is taken as
met and counted in ``kpis_not_modelled``.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..families import FamilyParams, compile_families, contract_years, delivery_costs, draw_families
from ...payments.kpi import envelope_year
from .base import CohortOnly, Draw, NamedStress, Question, fmt_money, fmt_share, register

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
_STEP = {"monthly": 1, "quarterly": 3}


def kpi_values(fam: Any, months: int) -> dict[str, np.ndarray]:
    """Each modelled KPI metric by contract year."""
    y = contract_years(months)
    Y = y.max() + 1
    s = lambda a: np.bincount(y, a, Y)  # noqa: E731
    ratio = lambda a, b: np.divide(s(a), s(b), out=np.ones(Y), where=s(b) > 0)  # noqa: E731
    return {"coverage_within_window": ratio(fam.universal_done, fam.universal_due),
            "share_started_within_target": ratio(fam.started, fam.accepted),
            "share_improved": ratio(fam.achieved, fam.completed), "families_started": s(fam.started)}


def instalments(months: np.ndarray, step: int) -> np.ndarray:
    """Weight of each month of a contract year in its instalments (equal, in advance every ``step`` months)."""
    return np.where(months % step == 0, 1.0, 0.0)


class KpiLinkedPipeline(CohortOnly):
    kind = "kpi_linked"
    models = ("cohort",)
    flow_label = "a KPI-linked contract"
    risk_bearer = "provider"
    columns = (
        "provider_income_gbp", "provider_costs_gbp", "provider_net_gbp", "provider_loss", "ecc_value_gbp", "west_ccg_value_gbp",
        "at_risk_gbp", "withheld_gbp", "kpi_payments_gbp", "kpi_weight_met_mean", "years_with_kpi_missed", "kpis_not_modelled",
        "ecc_gain_returned_gbp", "ecc_gain_retained_gbp", "west_ccg_gain_returned_gbp", "west_ccg_gain_retained_gbp",
        "commissioner_net_cost_gbp", "families_started", "families_turned_away", "utilisation_mean",
    )
    key_output = "provider_net_gbp"
    tornado_output = "pooled_net_gbp"
    loss_column = "provider_loss"
    questions = (
        Question("withheld_vacancy", "Vacancy rate at which KPI money starts to be withheld (mean withheld £1,000)",
                 "workforce.vacancy_rate", 0.0, 0.9, lambda o: o["withheld_gbp"] - 1000.0),
        Question("provider_breaks_even_vacancy", "Vacancy rate at which the provider's cost falls to its income",
                 "workforce.vacancy_rate", 0.0, 0.9, lambda o: -o["pooled_net_gbp"]),
    )

    def compile(self, data: dict, effects: Mapping[str, float] | None = None, engine: str = "payments") -> tuple[FamilyParams, dict]:
        pay = data["payment"]
        targets = {t["name"]: t for t in data.get("kpi_targets") or []}
        total, west = float(pay["annual_value_gbp"]), float(pay.get("west_ccg_annual_value_gbp") or 0.0)
        return compile_families(data, effects), {
            "ecc": total - west, "west": west, "at_risk": float(pay["at_risk_share"]), "from_year": int(pay["at_risk_from_year"]),
            "weights": dict(pay["kpi_weights"]), "targets": targets, "efficiency": float(pay.get("planned_efficiency_share", 0.0)),
            "provider_share": float(pay.get("gain_share_provider", 0.5)), "step": _STEP[pay.get("payment_schedule", "monthly")]}

    def draw(self, params: Any, rng: np.random.Generator, candidate_factor: float = 0.0, with_irr: bool = True) -> Draw:
        fp, t = params
        return self.settle(fp, t, draw_families(fp, rng, candidate_factor))

    def weight_met(self, t: dict, values: dict[str, np.ndarray], year: int) -> tuple[float, int, int]:
        """Weight of the KPIs met in a year, the number missed and the number the model does not produce."""
        w, missed, unknown = 0.0, 0, 0
        for name, weight in t["weights"].items():
            target = t["targets"].get(name)
            metric = target["metric"] if target else None
            if metric not in values:
                w, unknown = w + weight, unknown + 1
                continue
            if _OPS[target["comparison"]](float(values[metric][year]), float(target["threshold"])):
                w += weight
            else:
                missed += 1
        return w, missed, unknown

    def settle(self, fp: FamilyParams, t: dict, fam: Any) -> Draw:
        M = fp.months
        R = fp.referral_months
        costs = delivery_costs(fp, fam)
        months = np.arange(M)
        y = contract_years(M)
        Y = int(math.ceil(R / 12))
        values = kpi_values(fam, M)
        total = t["ecc"] + t["west"]
        share = {"ecc": t["ecc"] / total if total > 0 else 0.0, "west": t["west"] / total if total > 0 else 0.0}
        flows = {k: np.zeros(M) for k in ("ecc_inst", "west_inst", "ecc_kpi", "ecc_ret", "west_ret")}
        sums = {env: dict.fromkeys(("value", "at_risk", "withheld", "kpi_payment", "gain_returned", "gain_retained"), 0.0)
                for env in ("ecc", "west")}
        rows, weights, missed_years, unknown = [], [], 0, 0
        for yr in range(Y):
            in_year = (y == yr) & (months < R)
            n = int(in_year.sum())
            last = int(np.nonzero(in_year)[0][-1])
            wmet, missed, unknown = self.weight_met(t, values, yr)
            risk = t["at_risk"] if yr + 1 >= t["from_year"] else 0.0
            weights.append(wmet if risk > 0 else 1.0)
            missed_years += int(missed > 0 and risk > 0)
            inst_w = instalments(months[in_year] - 12 * yr, t["step"])
            inst_w = inst_w / inst_w.sum()
            # the last year's spend includes the months after the referral period (none for 001)
            spend_year = float(costs[(y == yr)].sum()) if yr < Y - 1 else float(costs[months >= 12 * yr].sum())
            for env in ("ecc", "west"):
                e = envelope_year(t[env], n, risk if env == "ecc" else 0.0, wmet, spend_year * share[env],
                                  t["efficiency"], t["provider_share"])
                flows[f"{env}_inst"][in_year] += e["instalments"] * inst_w
                if env == "ecc":
                    flows["ecc_kpi"][last] += e["kpi_payment"]
                flows[f"{env}_ret"][last] += e["gain_returned"]
                for k in sums[env]:
                    sums[env][k] += e[k]
                rows.append((env, yr, wmet if env == "ecc" and risk > 0 else float("nan"), e))
        income = flows["ecc_inst"] + flows["west_inst"] + flows["ecc_kpi"]
        returned = flows["ecc_ret"] + flows["west_ret"]
        net = income - returned - costs
        E, W = sums["ecc"], sums["west"]
        out = {
            "provider_income_gbp": float(income.sum()), "provider_costs_gbp": float(costs.sum()), "provider_net_gbp": float(net.sum()),
            "provider_loss": bool(net.sum() < -1e-6), "ecc_value_gbp": E["value"], "west_ccg_value_gbp": W["value"],
            "at_risk_gbp": E["at_risk"], "withheld_gbp": E["withheld"], "kpi_payments_gbp": E["kpi_payment"],
            "kpi_weight_met_mean": float(np.mean(weights)), "years_with_kpi_missed": float(missed_years), "kpis_not_modelled": float(unknown),
            "ecc_gain_returned_gbp": E["gain_returned"], "ecc_gain_retained_gbp": E["gain_retained"],
            "west_ccg_gain_returned_gbp": W["gain_returned"], "west_ccg_gain_retained_gbp": W["gain_retained"],
            "commissioner_net_cost_gbp": float(income.sum() - returned.sum()),
            "families_started": float(fam.started.sum()), "families_turned_away": float(fam.turned_away.sum()),
            "utilisation_mean": float(np.mean(fam.load[:R] / np.maximum(fam.capacity[:R], 1e-9))),
        }

        def years() -> pd.DataFrame:
            return pd.DataFrame([{"envelope": "ECC" if env == "ecc" else "West CCG", "contract_year": yr + 1, "weight_met": w,
                                  **{k: e[k] for k in ("value", "withheld", "paid", "spend", "gain_returned", "gain_retained")}}
                                 for env, yr, w, e in rows])

        transfers = [
            ("ecc", "provider", "instalment", flows["ecc_inst"]), ("west_ccg", "provider", "instalment", flows["west_inst"]),
            ("ecc", "provider", "kpi_payment", flows["ecc_kpi"]),
            ("provider", "ecc", "gain_share_returned", flows["ecc_ret"]), ("provider", "west_ccg", "gain_share_returned", flows["west_ret"]),
            ("provider", "staff_and_suppliers", "delivery_cost", costs),
        ]
        return Draw(out, net, transfers, fp.dates, years)

    def headline(self, table: pd.DataFrame) -> pd.DataFrame:
        rows = {
            "draws": len(table), "p_provider_loss": table["provider_loss"].mean(),
            "provider_net_p5_gbp": table["provider_net_gbp"].quantile(0.05), "provider_net_median_gbp": table["provider_net_gbp"].median(),
            "p_kpi_money_withheld": (table["withheld_gbp"] > 0).mean(), "withheld_mean_gbp": table["withheld_gbp"].mean(),
            "withheld_p95_gbp": table["withheld_gbp"].quantile(0.95), "at_risk_mean_gbp": table["at_risk_gbp"].mean(),
            "ecc_gain_returned_mean_gbp": table["ecc_gain_returned_gbp"].mean(),
            "west_ccg_gain_returned_mean_gbp": table["west_ccg_gain_returned_gbp"].mean(),
            "commissioner_net_cost_mean_gbp": table["commissioner_net_cost_gbp"].mean(),
        }
        return pd.DataFrame({"metric": list(rows), "value": [float(v) for v in rows.values()]})

    def base_rows(self, b: dict) -> list[tuple[str, str]]:
        return [
            ("ECC envelope; West CCG envelope (whole contract)", f"{fmt_money(b['ecc_value_gbp'])}; {fmt_money(b['west_ccg_value_gbp'])}"),
            ("ECC value at risk on KPIs; withheld (mean)", f"{fmt_money(b['at_risk_gbp'])}; {fmt_money(b['withheld_gbp'])}"),
            ("Gain share returned to ECC; to West CCG (mean)", f"{fmt_money(b['ecc_gain_returned_gbp'])}; {fmt_money(b['west_ccg_gain_returned_gbp'])}"),
            ("Gain retained by the provider, ring-fenced: ECC; West CCG (mean)", f"{fmt_money(b['ecc_gain_retained_gbp'])}; {fmt_money(b['west_ccg_gain_retained_gbp'])}"),
            ("Provider income; delivery cost (mean)", f"{fmt_money(b['provider_income_gbp'])}; {fmt_money(b['provider_costs_gbp'])}"),
            ("Provider net (of the mean cash flow)", fmt_money(b["pooled_net_gbp"])),
            ("P(provider loses money)", fmt_share(b["p_loss"])),
            ("Share of KPI weight met in at-risk years (mean)", fmt_share(b["kpi_weight_met_mean"])),
        ]

    def compare_row(self, table: pd.DataFrame) -> dict:
        return {"net_median_gbp": table["provider_net_gbp"].median(), "p_loss": table["provider_loss"].mean(),
                "withheld_mean_gbp": table["withheld_gbp"].mean(), "p_withheld": (table["withheld_gbp"] > 0).mean(),
                "gain_returned_mean_gbp": (table["ecc_gain_returned_gbp"] + table["west_ccg_gain_returned_gbp"]).mean()}

    def builtin_stresses(self, scenario: Any) -> list[NamedStress]:
        return [NamedStress("improvement_20pct_lower", "Families improving 20% less often than the distance-travelled measure implies",
                            effects={"progress_multiplier": 0.8})]


PIPELINE = register(KpiLinkedPipeline())
