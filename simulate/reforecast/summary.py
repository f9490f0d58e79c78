"""Tables of a reforecast: money by month and payer, headline figures, planned vs achieved vs
forecast per outcome metric, and the waterfall against a previous reforecast.

Intervals are the 5th, 50th and 95th percentiles over the draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulate.payments.days import to_date

from .base import by_month, count_columns, day_numbers
from .run import QUANTILES, Reforecast


def _q(values) -> dict:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return {f"p{int(q * 100)}": float("nan") for q in QUANTILES}
    return {f"p{int(q * 100)}": float(np.quantile(v, q)) for q in QUANTILES}


def _stats(values) -> dict:
    v = np.asarray(values, float)
    ok = v[np.isfinite(v)]
    return {"mean": float(ok.mean()) if len(ok) else float("nan"), **_q(v)}


def remaining_by_month(run: Reforecast) -> pd.DataFrame:
    """Remaining £ by contract month and payer (after caps) with 5/50/95% intervals and the mean.

    Columns: month (YYYY-MM), payer (each of the context's payers, then "total"), mean_gbp,
    p5_gbp, p50_gbp, p95_gbp. A month's remaining amount is the capped amount the draw pays
    that month less what is already settled in it (so the as-of month shows only its part
    still to come).
    """
    ctx = run.context
    pay = ctx.settlement.payments
    days = day_numbers(pay["due_date"])
    payer = pay["payer"].astype(str).to_numpy()
    amount = pay["amount"].to_numpy(float)
    realised = {name: by_month(days[payer == name], amount[payer == name], ctx.edges_day) for name in ctx.payers}
    first = int(np.searchsorted(ctx.edges_day, ctx.day, side="right") - 1)
    rows = []
    for m in range(max(first, 0), len(ctx.edges_day) - 1):
        month = to_date(int(ctx.edges_day[m])).isoformat()[:7]
        parts = {name: np.clip(run.by_payer[name][:, m] - realised[name][m], 0.0, None) for name in ctx.payers}
        parts["total"] = sum(parts[name] for name in ctx.payers)
        for name, v in parts.items():
            rows.append({"month": month, "payer": name, "mean_gbp": float(v.mean()), **{k + "_gbp": x for k, x in _q(v).items()}})
    return pd.DataFrame(rows, columns=["month", "payer", "mean_gbp", "p5_gbp", "p50_gbp", "p95_gbp"])


def figures_table(run: Reforecast) -> list[dict]:
    """The mechanism's figures over the draws: name, label, kind, mean, p5, p50, p95 and the
    share of draws where the figure is defined (an IRR may not be)."""
    rows = []
    for name, (label, kind) in run.figures.items():
        v = np.asarray(run.draws[name], float)
        rows.append({"name": name, "label": label, "kind": kind, **_stats(v), "share_defined": float(np.isfinite(v).mean())})
    return rows


def _aliases(summary: dict, figures: list[dict], aliases: dict) -> dict:
    """Old summary keys a mechanism keeps (its module's ``SUMMARY_ALIASES``: old key ->
    (figure or summary key, "mean" | "quantiles" | "key"))."""
    by_name = {f["name"]: f for f in figures}
    out = {}
    for old, (source, how) in aliases.items():
        if how == "key":
            out[old] = summary[source]
        elif how == "mean":
            out[old] = by_name[source]["mean"]
        else:
            f = by_name[source]
            out[old] = {k: f[k] for k in ("p5", "p50", "p95", "share_defined")}
    return out


def headline(run: Reforecast) -> dict:
    """summary.json: settled to date, the forecast totals, the mechanism's figures (see
    :mod:`simulate.reforecast.base`), cases, and the parts of the waterfall."""
    from importlib import import_module

    from .run import MECHANISMS

    t = run.draws
    ctx = run.context
    total_paid = sum(run.by_payer[p].sum(axis=1) for p in ctx.payers)
    figures = figures_table(run)
    summary = {
        "as_of": run.meta["as_of"], "draws": int(len(t)), "seed": run.meta["seed"], "priors": run.meta["priors"],
        "mechanism": run.meta.get("mechanism", ""), "risk_bearer": ctx.risk_bearer, "case_unit": ctx.case_unit,
        "settled_to_date_gbp": run.settled_to_date,
        "future_due_gbp": _stats(t["future_due_gbp"]),
        "total_due_before_caps_gbp": _stats(t["total_due_gbp"]),
        "total_outcome_payments_gbp": _stats(total_paid),
        "figures": figures,
        "new_cases": _stats(t["new_cases"]),
        "cases_to_date": int(ctx.cases_to_date),
        "calibration_totals": calibration_totals(ctx.calibration),
        "waterfall_parts": waterfall_parts(run),
    }
    module = MECHANISMS.get(run.meta.get("mechanism", ""))
    aliases = getattr(import_module(module), "SUMMARY_ALIASES", {}) if module else {}
    summary.update(_aliases(summary, figures, aliases))
    return summary


def calibration_totals(calibration) -> dict[str, int]:
    """Each count column of the calibration table summed over its rows (real counts)."""
    t = pd.DataFrame(calibration.table())
    return {c: int(t[c].sum()) for c in count_columns(calibration) if c in t}


def _unit(case_unit: str) -> str:
    return case_unit.split()[0] if case_unit else "cases"


def planned_achieved_forecast(run: Reforecast, planned: Reforecast | None = None) -> pd.DataFrame:
    """The INDIGO-style table: cases, then per outcome line (£ before caps), planned (a
    reforecast from the contract's start, the scenario alone), achieved to date, and forecast
    to the end (mean and 5/50/95%).

    Columns: metric, unit, planned, achieved_to_date, forecast_mean, forecast_p5, forecast_p50,
    forecast_p95.
    """
    ctx = run.context
    pay = ctx.settlement.payments
    achieved = pay.groupby(pay["metric"].astype(str))["amount"].sum()
    rows = []
    n_now = ctx.cases_to_date
    rows.append({"metric": ctx.case_unit, "unit": _unit(ctx.case_unit),
                 "planned": float(planned.draws["new_cases"].mean() + planned.context.cases_to_date) if planned is not None else float("nan"),
                 "achieved_to_date": float(n_now), "forecast_mean": float(n_now + run.draws["new_cases"].mean()),
                 **{f"forecast_{k}": n_now + v for k, v in _q(run.draws["new_cases"]).items()}})
    for m in ctx.lines:
        col = f"future_{m}_gbp"
        done = float(achieved.get(m, 0.0))
        plan = float("nan")
        if planned is not None:
            p = planned.context.settlement.payments
            plan = float(planned.draws[col].mean() + p.loc[p["metric"].astype(str) == m, "amount"].sum())
        rows.append({"metric": m, "unit": "£ before caps", "planned": plan, "achieved_to_date": done,
                     "forecast_mean": done + float(run.draws[col].mean()), **{f"forecast_{k}": done + v for k, v in _q(run.draws[col]).items()}})
    return pd.DataFrame(rows)


def kpi_probabilities(run: Reforecast) -> pd.DataFrame | None:
    """P(met) of each KPI in each period not yet settled: kpi, label, period, target, p_met.

    Labels and targets come from the context's optional ``kpi_info`` (kpi -> {"label", "target"}).
    """
    if run.kpis is None or not len(run.kpis):
        return None
    info = getattr(run.context, "kpi_info", {}) or {}
    k = run.kpis
    return pd.DataFrame({"kpi": k["kpi"], "label": [info.get(x, {}).get("label", x) for x in k["kpi"]], "period": k["period"],
                         "target": [info.get(x, {}).get("target", "") for x in k["kpi"]], "p_met": k["p_met"]})


def summarise(run: Reforecast, planned: Reforecast | None = None) -> dict[str, pd.DataFrame | dict]:
    """Every table of a reforecast, keyed by the file name the command writes."""
    out: dict[str, pd.DataFrame | dict] = {
        "summary.json": headline(run),
        "remaining_by_month.csv": remaining_by_month(run),
        "planned_achieved_forecast.csv": planned_achieved_forecast(run, planned),
        "calibration.csv": pd.DataFrame(run.context.calibration.table()),
        "draws.csv": run.draws,
    }
    kpis = kpi_probabilities(run)
    if kpis is not None:
        out["kpi_probabilities.csv"] = kpis
    return out


# what a change in a calibration count column is called in the waterfall's drivers
DRIVER_LABELS = {"engaged_so_far": "new referrals", "referrals_so_far": "new referrals", "cases_so_far": "new referrals",
                 "care_entries_seen": "new periods away"}


def _rate_columns(t: pd.DataFrame) -> list[str]:
    return [c for c in t.columns if c.startswith("posterior_") and c.endswith("_per_year")]


def waterfall(current: dict, previous: dict, calib_now: pd.DataFrame, calib_before: pd.DataFrame, suppressed: str = "*") -> pd.DataFrame:
    """What moved the expected total since the previous reforecast, as a waterfall.

    Steps: settled since, the expected future of cases already referred, the expected future
    of cases still to come; each with the drivers that moved it (new referrals and the other
    counts of the calibration table, recalibrated rates). The steps add up from the previous
    expected total to the current one. Columns: step, change_gbp, running_gbp, drivers.

    Calibration tables as published may hold blanks (NaN) for suppressed counts: a driver resting
    on one shows ``suppressed`` instead of a number.
    """
    def parts(s: dict) -> tuple[float, float, float]:
        w = s["waterfall_parts"]
        return w["settled_gbp"], w["existing_future_gbp"], w["new_future_gbp"]

    a0, b0, c0 = parts(previous)
    a1, b1, c1 = parts(current)
    unit = _unit(current.get("case_unit", "children engaged"))
    counts = [c for c in count_columns(None) if c in calib_now and c in calib_before]
    def total(t: pd.DataFrame, c: str) -> float:
        v = pd.to_numeric(t[c], errors="coerce")
        return float(v.sum()) if v.notna().all() else float("nan")

    def text(x: float, fmt: str) -> str:
        return suppressed if np.isnan(x) else format(x, fmt)

    def seen(s: dict, t: pd.DataFrame, c: str) -> float:
        # the summary's total of the column (as published) when it has one, else the table's sum
        v = (s.get("calibration_totals") or {}).get(c)
        if v is None:
            return total(t, c)
        return float(v) if isinstance(v, (int, float)) else float("nan")

    moved = [f"{DRIVER_LABELS.get(c, 'new ' + c.replace('_', ' '))} {text(seen(current, calib_now, c) - seen(previous, calib_before, c), '+.0f')}"
             for c in counts]
    rates = [c for c in _rate_columns(calib_now) if c in calib_before]
    recal = [f"{c[len('posterior_'):-len('s_per_year')].replace('_', ' ')} rate {text(total(calib_before, c), '.1f')} -> "
             f"{text(total(calib_now, c), '.1f')} a year (posterior mean)" for c in rates]
    rows = [
        {"step": f"expected total at {previous['as_of']}", "change_gbp": a0 + b0 + c0, "running_gbp": a0 + b0 + c0, "drivers": ""},
        {"step": "settled since", "change_gbp": a1 - a0, "running_gbp": a0 + b0 + c0 + (a1 - a0),
         "drivers": f"settled to date £{a0:,.0f} -> £{a1:,.0f}"},
        {"step": f"{unit} already referred", "change_gbp": b1 - b0, "running_gbp": a1 + b1 + c0, "drivers": "; ".join(moved)},
        {"step": f"{unit} still to come", "change_gbp": c1 - c0, "running_gbp": a1 + b1 + c1, "drivers": "; ".join(recal)},
        {"step": f"expected total at {current['as_of']}", "change_gbp": a1 + b1 + c1, "running_gbp": a1 + b1 + c1, "drivers": ""},
    ]
    return pd.DataFrame(rows)


def waterfall_parts(run: Reforecast) -> dict:
    """The expected total split into settled, future of cases already referred, future of new cases (£, before caps)."""
    t = run.draws
    new = float(t["new_cases_gbp"].mean())
    return {"settled_gbp": run.settled_to_date, "existing_future_gbp": float(t["future_due_gbp"].mean()) - new, "new_future_gbp": new}


__all__ = ["DRIVER_LABELS", "figures_table", "headline", "kpi_probabilities", "planned_achieved_forecast", "remaining_by_month",
           "summarise", "waterfall", "waterfall_parts"]
