"""Tables of a reforecast: money by month and payer, headline figures, planned vs achieved vs
forecast per outcome metric, and the waterfall against a previous reforecast.

Intervals are the 5th, 50th and 95th percentiles over the draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulate.payments.days import to_date

from .run import QUANTILES, Reforecast
from .sib import _by_month, _days

METRIC_LINES = ("stability_milestone", "stability_tariff", "family_star_plus", "my_star", "education", "reading")


def _q(values) -> dict:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return {f"p{int(q * 100)}": float("nan") for q in QUANTILES}
    return {f"p{int(q * 100)}": float(np.quantile(v, q)) for q in QUANTILES}


def remaining_by_month(run: Reforecast) -> pd.DataFrame:
    """Remaining £ by contract month and payer (after caps) with 5/50/95% intervals and the mean.

    A month's remaining amount is the capped amount the finance layer pays that month less what
    is already settled in it (so the as-of month shows only its part still to come).
    """
    ctx = run.context
    pay = ctx.settlement.payments
    days = _days(pay["due_date"])
    payer = pay["payer"].astype(str).to_numpy()
    rows = []
    first = int(np.searchsorted(ctx.edges_day, ctx.day, side="right") - 1)
    realised = {"commissioner": _by_month(days[payer == "commissioner"], pay["amount"].to_numpy(float)[payer == "commissioner"], ctx.edges_day),
                "life_chances_fund": _by_month(days[payer == "life_chances_fund"], pay["amount"].to_numpy(float)[payer == "life_chances_fund"], ctx.edges_day)}
    arrays = {"commissioner": run.commissioner, "life_chances_fund": run.lcf}
    for m in range(max(first, 0), len(ctx.edges_day) - 1):
        month = to_date(int(ctx.edges_day[m])).isoformat()[:7]
        parts = {}
        for name, arr in arrays.items():
            parts[name] = np.clip(arr[:, m] - realised[name][m], 0.0, None)
        parts["total"] = parts["commissioner"] + parts["life_chances_fund"]
        for name, v in parts.items():
            rows.append({"month": month, "payer": name, "mean_gbp": float(v.mean()), **{k + "_gbp": x for k, x in _q(v).items()}})
    return pd.DataFrame(rows)


def headline(run: Reforecast) -> dict:
    """Settled to date, the forecast totals, P(cap reached), P(loss), IRR and money multiple."""
    t = run.draws
    settled = run.settled_to_date
    irr = t["irr"].to_numpy(float)
    return {
        "as_of": run.meta["as_of"], "draws": int(len(t)), "seed": run.meta["seed"], "priors": run.meta["priors"],
        "settled_to_date_gbp": settled,
        "future_due_gbp": {"mean": float(t["future_due_gbp"].mean()), **_q(t["future_due_gbp"])},
        "total_outcome_payments_gbp": {"mean": float(t["outcome_payments_gbp"].mean()), **_q(t["outcome_payments_gbp"])},
        "total_due_before_caps_gbp": {"mean": float(t["total_due_gbp"].mean()), **_q(t["total_due_gbp"])},
        "p_cap_reached": float(t["cap_reached"].mean()),
        "p_investor_loss": float(t["investor_loss"].mean()),
        "irr": {**_q(irr), "share_defined": float(np.isfinite(irr).mean())},
        "money_multiple": _q(t["money_multiple"]),
        "new_children": {"mean": float(t["new_children"].mean()), **_q(t["new_children"])},
        "children_referred_to_date": int(run.context.state.n),
        "waterfall_parts": waterfall_parts(run),
    }


def planned_achieved_forecast(run: Reforecast, planned: Reforecast | None = None) -> pd.DataFrame:
    """The INDIGO-style table: per outcome metric, planned (a reforecast from the contract's
    start, the scenario alone), achieved to date, and forecast to the end (mean and interval)."""
    ctx = run.context
    pay = ctx.settlement.payments
    achieved = pay.groupby(pay["metric"].astype(str))["amount"].sum()
    rows = []
    n_now = ctx.state.n
    rows.append({"metric": "children engaged", "unit": "children",
                 "planned": float(planned.draws["new_children"].mean() + planned.context.state.n) if planned is not None else float("nan"),
                 "achieved_to_date": float(n_now), "forecast_mean": float(n_now + run.draws["new_children"].mean()),
                 **{f"forecast_{k}": n_now + v for k, v in _q(run.draws["new_children"]).items()}})
    for m in METRIC_LINES:
        col = f"future_{m}_gbp"
        done = float(achieved.get(m, 0.0))
        plan = float(planned.draws[col].mean() + planned.context.settlement.payments.pipe(
            lambda p: p.loc[p["metric"].astype(str) == m, "amount"].sum())) if planned is not None else float("nan")
        rows.append({"metric": m, "unit": "£ before caps", "planned": plan, "achieved_to_date": done,
                     "forecast_mean": done + float(run.draws[col].mean()), **{f"forecast_{k}": done + v for k, v in _q(run.draws[col]).items()}})
    return pd.DataFrame(rows)


def summarise(run: Reforecast, planned: Reforecast | None = None) -> dict[str, pd.DataFrame | dict]:
    """Every table of a reforecast, keyed by the file name the command writes."""
    return {
        "summary.json": headline(run),
        "remaining_by_month.csv": remaining_by_month(run),
        "planned_achieved_forecast.csv": planned_achieved_forecast(run, planned),
        "calibration.csv": pd.DataFrame(run.context.calibration.table()),
        "draws.csv": run.draws,
    }


def waterfall(current: dict, previous: dict, calib_now: pd.DataFrame, calib_before: pd.DataFrame) -> pd.DataFrame:
    """What moved the expected total since the previous reforecast, as a waterfall.

    Steps: settled since, the expected future of children already referred, the expected future
    of children still to come; each with the drivers that moved it (new referrals, new periods
    away, recalibrated rates). The steps add up from the previous expected total to the current one.
    """
    def parts(s: dict) -> tuple[float, float, float]:
        w = s["waterfall_parts"]
        return w["settled_gbp"], w["existing_future_gbp"], w["new_future_gbp"]

    a0, b0, c0 = parts(previous)
    a1, b1, c1 = parts(current)
    seen = lambda t, c: float(t[c].sum()) if c in t else float("nan")  # noqa: E731
    rate = lambda t: float(t["posterior_engagements_per_year"].sum()) if "posterior_engagements_per_year" in t else float("nan")  # noqa: E731
    rows = [
        {"step": f"expected total at {previous['as_of']}", "change_gbp": a0 + b0 + c0, "running_gbp": a0 + b0 + c0, "drivers": ""},
        {"step": "settled since", "change_gbp": a1 - a0, "running_gbp": a0 + b0 + c0 + (a1 - a0),
         "drivers": f"settled to date £{a0:,.0f} -> £{a1:,.0f}"},
        {"step": "children already referred", "change_gbp": b1 - b0, "running_gbp": a1 + b1 + c0,
         "drivers": f"new referrals {seen(calib_now, 'engaged_so_far') - seen(calib_before, 'engaged_so_far'):+.0f}; "
                    f"new periods away {seen(calib_now, 'care_entries_seen') - seen(calib_before, 'care_entries_seen'):+.0f}"},
        {"step": "children still to come", "change_gbp": c1 - c0, "running_gbp": a1 + b1 + c1,
         "drivers": f"engagement rate {rate(calib_before):.1f} -> {rate(calib_now):.1f} a year (posterior mean)"},
        {"step": f"expected total at {current['as_of']}", "change_gbp": a1 + b1 + c1, "running_gbp": a1 + b1 + c1, "drivers": ""},
    ]
    return pd.DataFrame(rows)


def waterfall_parts(run: Reforecast) -> dict:
    """The expected total split into settled, future of referred children, future of new children (£, before caps)."""
    t = run.draws
    new = float(t["new_children_gbp"].mean())
    return {"settled_gbp": run.settled_to_date, "existing_future_gbp": float(t["future_due_gbp"].mean()) - new, "new_future_gbp": new}


__all__ = ["headline", "planned_achieved_forecast", "remaining_by_month", "summarise", "waterfall", "waterfall_parts"]
