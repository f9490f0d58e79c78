"""What an investment committee reads from a stress run: probabilities, percentiles, fan chart,
global sensitivity (standardised regression coefficients) and one-at-a-time tornado swings.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..finance.returns import irr, money_multiple
from ..scenario import Scenario
from .params import compile_params, override_data, scenario_data
from .pipeline import run_draw
from .sampling import draw_rng


def headline(table: pd.DataFrame) -> pd.DataFrame:
    """Headline statistics of a run's draws as a tidy table (``metric, value``).

    IRR percentiles are over draws whose IRR is defined; the count of ambiguous or undefined
    IRRs is reported beside them.
    """
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


def fan(cumulative_cash: np.ndarray, quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Quantiles of the investor's cumulative cash position by month (``month, q05, q25, …``)."""
    q = np.quantile(cumulative_cash.astype(float), quantiles, axis=0)
    frame = pd.DataFrame({f"q{int(round(x * 100)):02d}": q[i] for i, x in enumerate(quantiles)})
    frame.insert(0, "month", np.arange(cumulative_cash.shape[1]))
    return frame


def src(table: pd.DataFrame, inputs: list[str], output: str = "money_multiple") -> pd.DataFrame:
    """Standardised regression coefficients of an output on the uncertain inputs.

    Returns ``input, src, share`` sorted by ``|src|``: a coefficient is the change in the
    output, in standard deviations, per standard deviation of the input, others held fixed;
    ``share`` is ``src²`` over their sum (with ``r2``, the linear model's R², in ``attrs``).
    """
    data = table[inputs + [output]].dropna()
    x = data[inputs].to_numpy(float)
    y = data[output].to_numpy(float)
    sx, sy = x.std(axis=0), y.std()
    keep = sx > 0
    z = (x[:, keep] - x[:, keep].mean(axis=0)) / sx[keep]
    zy = (y - y.mean()) / sy if sy > 0 else np.zeros_like(y)
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(z)), z]), zy, rcond=None)
    beta = np.zeros(len(inputs))
    beta[keep] = coef[1:]
    fitted = np.column_stack([np.ones(len(z)), z]) @ coef
    r2 = 1.0 - float(((zy - fitted) ** 2).sum() / max(float((zy**2).sum()), 1e-300))
    out = pd.DataFrame({"input": [i.removeprefix("in:") for i in inputs], "src": beta})
    out["share"] = out["src"] ** 2 / max(float((out["src"] ** 2).sum()), 1e-300)
    out = out.reindex(out["src"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    out.attrs["r2"] = r2
    out.attrs["output"] = output
    return out


def pooled(data: dict, effects: Mapping[str, float] | None, replications: int, seed: int,
           candidate_factor: float = 0.0) -> dict[str, Any]:
    """Mean figures over ``replications`` with common random numbers, and the pooled investor IRR.

    The pooled IRR and multiple are those of the mean investor cash flow (an investor holding
    the average outcome), which is what "the IRR is 0%" means in a reverse stress test.
    """
    p = compile_params(data, effects)
    rows, net = [], np.zeros(p.months)
    for i in range(replications):
        r = run_draw(p, draw_rng(seed, i), candidate_factor, with_irr=False)
        rows.append(r.outputs)
        net += r.finance.spv.investor_net
    net /= replications
    frame = pd.DataFrame(rows)
    out = {k: float(frame[k].mean()) for k in frame.columns if pd.api.types.is_numeric_dtype(frame[k]) or pd.api.types.is_bool_dtype(frame[k])}
    out.update(p_cap_reached=float(frame["cap_reached"].mean()), p_investor_loss=float(frame["investor_loss"].mean()))
    res = irr(net, p.finance.dates)
    out.update(pooled_irr=res.value, pooled_irr_status=res.status, pooled_multiple=money_multiple(net),
               pooled_investor_net_gbp=float(net.sum()), peak_capital_p95_gbp=float(frame["peak_capital_gbp"].quantile(0.95)))
    return out


def tornado(scenario: Scenario, replications: int = 100, seed: int = 0, output: str = "pooled_multiple",
            effects: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One-at-a-time swings: each uncertain input at its low and high end, the rest at the scenario's values.

    Returns ``input, low, high, output_low, output_high, base, swing`` sorted by swing
    (largest first); every point uses the same replications (common random numbers).
    """
    data = scenario_data(scenario)
    base = pooled(data, effects, replications, seed)[output]
    rows = []
    for r in scenario.uncertainty:
        lo = pooled(override_data(data, {r.parameter: r.low}), effects, replications, seed)[output]
        hi = pooled(override_data(data, {r.parameter: r.high}), effects, replications, seed)[output]
        rows.append({"input": r.parameter, "low": r.low, "high": r.high, "output_low": lo, "output_high": hi,
                     "base": base, "swing": abs(hi - lo)})
    frame = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    frame.attrs["output"] = output
    return frame


def expected_finance(scenario: Scenario, replications: int = 100, seed: int = 0):
    """The finance layer run on the *mean* monthly payments due, costs and care days avoided.

    A planning view (INDIGO ``Planned`` payments, the investment committee's expected case):
    caps, payers and the vehicle see the average month rather than any one replication.
    Returns a :class:`simulate.finance.ledger.FinanceOutcome`.
    """
    from ..finance.ledger import settle_finance

    p = compile_params(scenario_data(scenario))
    due, costs, days = np.zeros(p.months), np.zeros(p.months), 0.0
    for i in range(replications):
        r = run_draw(p, draw_rng(seed, i), with_irr=False)
        due += r.settled.due
        costs += r.settled.costs
        days += r.settled.days_avoided
    return settle_finance(due / replications, costs / replications, p.finance, days / replications)
