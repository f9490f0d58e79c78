"""What an investment committee reads from a stress run: probabilities, percentiles, fan chart,
global sensitivity (standardised regression coefficients) and one-at-a-time tornado swings.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..finance.errors import StressError
from ..scenario import Scenario
from .mechanisms import mechanism_for
from .params import compile_params, override_data, scenario_data
from .pipeline import run_draw
from .sampling import draw_rng


def headline(table: pd.DataFrame, kind: str = "sib_edge_of_care") -> pd.DataFrame:
    """Headline statistics of a run's draws as a tidy table (``metric, value``), by the mechanism's own reading.

    ``kind`` is the scenario's ``payment.kind`` (a run's ``meta["mechanism"]``). For the bond,
    IRR percentiles are over draws whose IRR is defined; the count of ambiguous or undefined
    IRRs is reported beside them.
    """
    return mechanism_for(kind).headline(table)


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
    """Mean figures over ``replications`` with common random numbers, and figures of the mean cash flow.

    The mean cash flow is the risk-bearing party's (an investor or provider holding the average
    outcome): ``pooled_net_gbp`` for every mechanism, and the bond's pooled IRR and multiple,
    which is what "the IRR is 0%" means in a reverse stress test. ``p_loss`` is the share of
    replications in which that party lost money.
    """
    mech = mechanism_for(data)
    p = mech.compile(data, effects)
    rows, net = [], None
    for i in range(replications):
        r = mech.draw(p, draw_rng(seed, i), candidate_factor, with_irr=False)
        rows.append(r.outputs)
        net = r.net.astype(float) if net is None else net + r.net
    net = net / replications
    frame = pd.DataFrame(rows)
    out = {k: float(frame[k].mean()) for k in frame.columns if pd.api.types.is_numeric_dtype(frame[k]) or pd.api.types.is_bool_dtype(frame[k])}
    out["p_loss"] = float(frame[mech.loss_column].mean())
    if "cap_reached" in frame:
        out.update(p_cap_reached=float(frame["cap_reached"].mean()), p_investor_loss=float(frame["investor_loss"].mean()),
                   peak_capital_p95_gbp=float(frame["peak_capital_gbp"].quantile(0.95)))
    out.update(mech.pooled_figures(net, p))
    return out


def mean_years(data: dict, effects: Mapping[str, float] | None, replications: int, seed: int) -> pd.DataFrame | None:
    """The risk-bearing party's per-contract-year view averaged over replications (None if the mechanism has none)."""
    mech = mechanism_for(data)
    p = mech.compile(data, effects)
    frames = [mech.draw(p, draw_rng(seed, i), with_irr=False).years for i in range(replications)]
    if frames[0] is None:
        return None
    keys = [c for c in ("envelope", "contract_year") if c in frames[0].columns]
    return pd.concat(frames).groupby(keys, sort=False).mean().reset_index()


def expected_transfers(data: dict, replications: int, seed: int) -> tuple[list, list]:
    """Every transfer averaged over replications (the expected ledger) and the month-end dates."""
    mech = mechanism_for(data)
    p = mech.compile(data)
    total: dict[tuple[str, str, str], np.ndarray] = {}
    dates = None
    for i in range(replications):
        r = mech.draw(p, draw_rng(seed, i), with_irr=False)
        dates = r.dates
        for payer, payee, kind, amounts in r.transfers:
            key = (payer, payee, kind)
            total[key] = total.get(key, 0.0) + np.asarray(amounts, float)
    return [(*k, v / replications) for k, v in total.items()], dates


def tornado(scenario: Scenario, replications: int = 100, seed: int = 0, output: str | None = None,
            effects: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One-at-a-time swings: each uncertain input at its low and high end, the rest at the scenario's values.

    ``output`` is a :func:`pooled` figure; by default the mechanism's ``tornado_output`` (the
    bond's pooled money multiple, the provider's pooled net, a block's cost per family).

    Returns ``input, low, high, output_low, output_high, base, swing`` sorted by swing
    (largest first); every point uses the same replications (common random numbers).
    """
    data = scenario_data(scenario)
    output = output or mechanism_for(data).tornado_output
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


def sobol(scenario: Scenario, base_draws: int = 64, seed: int = 0, jobs: int = 1, output: str | None = None,
          effects: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Sobol' first-order and total indices of a run-table output, beside its standardised regression coefficients.

    Saltelli's design (:func:`SALib.sample.sobol.sample`, ``base_draws × (inputs + 2)`` draws,
    no second-order terms) on the unit cube is mapped to each uncertain input by its range's
    distribution and run through the scenario's pipeline (draw ``i`` on its own stream, as any
    run); :func:`SALib.analyze.sobol.analyze` estimates the indices with bootstrap confidence
    intervals. ``output`` defaults to the mechanism's ``key_output``; draws where it is not
    defined take its mean. ``base_draws`` should be a power of two.

    Returns ``input, S1, S1_conf, ST, ST_conf, src`` sorted by ``ST`` (largest first); ``attrs``
    hold ``output``, ``draws`` and the regression's ``r2``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from .runner import run_stress
    from .sampling import to_values

    ranges = list(scenario.uncertainty)
    if not ranges:
        raise StressError("uncertainty: the scenario has no uncertain inputs to attribute variance to")
    names = [r.parameter for r in ranges]
    problem = {"num_vars": len(ranges), "names": names, "bounds": [[0.0, 1.0]] * len(ranges)}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # SALib warns when base_draws is not a power of two
        u = sobol_sample.sample(problem, int(base_draws), calc_second_order=False, seed=seed)
    values = to_values(np.clip(u, 1e-12, 1 - 1e-12), ranges)
    run = run_stress(scenario, len(values), seed, jobs=jobs, effects=effects, keep_monthly=False, values=values)
    output = output or run.meta["key_output"]
    y = run.table[output].to_numpy(float)
    y = np.where(np.isfinite(y), y, np.nanmean(y) if np.isfinite(y).any() else 0.0)
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed, print_to_console=False)
    frame = pd.DataFrame({"input": names, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"]})
    reg = src(run.table, [f"in:{n}" for n in names], output)
    frame = frame.merge(reg[["input", "src"]], on="input", how="left")
    frame = frame.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    frame.attrs.update(output=output, draws=len(values), r2=reg.attrs["r2"])
    return frame


def indigo_returns(scenario: Scenario, replications: int = 100, seed: int = 0) -> dict:
    """The social investor's expected-case IRR and its IRR if outcome payments reach the total cap.

    The second scales the expected case's monthly payments due up (or down) so they add up to
    the cap, keeping their timing and the delivery costs: the most the contract lets the
    investor earn on that delivery plan. NaN when the contract has no total cap.
    """
    from ..finance.ledger import settle_finance

    p = compile_params(scenario_data(scenario))
    due, costs = np.zeros(p.months), np.zeros(p.months)
    for i in range(replications):
        r = run_draw(p, draw_rng(seed, i), with_irr=False)
        due += r.settled.due
        costs += r.settled.costs
    due, costs = due / replications, costs / replications
    expected = settle_finance(due, costs, p.finance)
    cap = p.finance.total_cap
    at_cap = float("nan")
    if cap and due.sum() > 0:
        at_cap = settle_finance(due * cap / due.sum(), costs, p.finance).irr.value
    return {"irr_target": expected.irr.value, "irr_at_cap": at_cap}


def _to_date(p, r, as_of) -> dict:
    import datetime as dt

    from ..finance.calendar import month_ends

    ends = month_ends(p.start_date, p.months)
    upto = np.array([d <= as_of for d in ends])
    day = (as_of - p.start_date).days
    c, s = r.children, r.settled
    from .params import DAYS_PER_MONTH

    ms_day = c.t0 + p.milestone_months * DAYS_PER_MONTH
    return {
        "engaged": float((c.engage <= day).sum()),
        "stability_children": float((s.milestone_ok & (ms_day <= day)).sum()),
        "stability_gbp": float(s.stability_due[upto].sum()),
        "other_gbp": float((s.due - s.stability_due)[upto].sum()),
        "start": p.start_date, "end": min(as_of, ends[-1]) if isinstance(as_of, dt.date) else as_of,
    }


def expected_vs_achieved(scenario: Scenario, as_of, achieved_replication: int = 0, replications: int = 100, seed: int = 0) -> pd.DataFrame:
    """Expected vs achieved to date per outcome metric group, as INDIGO project pages show.

    ``expected`` is the mean over ``replications``; ``achieved`` is replication
    ``achieved_replication`` (a model's stand-in for the data the payment engine settles from
    real extracts). Metric groups: ``stability`` (children past the six-month milestone, £ of
    milestone and tariff due) and ``one_off_metrics`` (family functioning, education, reading:
    £ due; children not counted).

    Returns ``outcome_metric_id, period_start, period_end, children_engaged, expected_children,
    children_achieved, expected_payments_gbp, payments_gbp``.
    """
    p = compile_params(scenario_data(scenario))
    exp = [_to_date(p, run_draw(p, draw_rng(seed, i), with_irr=False), as_of) for i in range(replications)]
    got = _to_date(p, run_draw(p, draw_rng(seed, achieved_replication), with_irr=False), as_of)
    mean = lambda k: float(np.mean([e[k] for e in exp]))  # noqa: E731
    rows = [
        ("stability", mean("stability_children"), got["stability_children"], mean("stability_gbp"), got["stability_gbp"]),
        ("one_off_metrics", float("nan"), float("nan"), mean("other_gbp"), got["other_gbp"]),
    ]
    return pd.DataFrame([{"outcome_metric_id": m, "period_start": got["start"].isoformat(), "period_end": got["end"].isoformat(),
                          "children_engaged": got["engaged"], "expected_children": ec, "children_achieved": ac,
                          "expected_payments_gbp": ep, "payments_gbp": ap} for m, ec, ac, ep, ap in rows])
