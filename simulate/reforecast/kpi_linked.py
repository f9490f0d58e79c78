"""The 001 KPI-linked contract's reforecast: what is reconciled, and draws of the years still open.

Settled to date is :func:`simulate.payments.settle.settle_scenario` on the extracts as given
(``kpi_results.csv``, ``spend.csv``): the very settlement ``cusp payments settle`` makes. A
contract year is *reconciled* when the settlement's reconciliation table has it and its year
end is on or before the as-of day; its KPI money, withholding and gain share are kept exactly.
Every other year is *open*: each draw

1. runs the family-flow model the stress test uses (:func:`simulate.stress.families.draw_families`)
   for the whole contract and reads each KPI's value by contract year
   (:func:`simulate.stress.mechanisms.kpi.kpi_values`);
2. moves each KPI by a persistent shift learned from the years already reported (below);
3. compares the shifted value with the scenario's ``kpi_targets`` exactly as
   :func:`simulate.payments.kpi.reconcile_kpi` does, sums the weights met and runs
   :func:`simulate.payments.kpi.envelope_year` for both envelopes (ECC at risk from
   ``at_risk_from_year``), with the year's delivery cost as the stress model costs it (staff plus
   the cost per family started), or the year's observed spend where ``spend.csv`` already has it.

**What is learned (a Normal shift per KPI).** On a transformed scale — logit for a share
(values in [0, 1]), log for a count — each KPI is the model's value plus a shift ``δ`` that
persists across years, plus year-to-year noise ``ε ~ N(0, σ²)`` the model does not carry.
Prior ``δ ~ N(0, τ²)`` (the plan is right on average); each reported year ``y`` gives a
residual ``r_y`` = transformed reported value − the plan's mean transformed value for that year
(the mean of :data:`PLAN_DRAWS` model draws on a fixed seed). The contract year in progress
adds a residual from ``referrals.csv`` as known on the as-of day
(:func:`.kpi_shift.extract_evidence`: the registry's value over the year's days so far, a count
scaled to a whole year) weighted by the share of the year observed, ``w``. Posterior: precision
``1/τ² + Σw/σ²``, mean ``(Σ w r / σ²) / precision``. Each draw takes one ``δ`` per KPI from its
posterior and one ``ε`` per KPI and open year. A service reporting below plan moves every open
year's value down; the more years reported, the narrower the shift. Shares are clipped to
[0.001, 0.999] (:data:`.kpi_shift.EDGE`) before the logit and a shifted value beyond those
edges is read as 0 or 1 (a model value of exactly 1 stays 1 unless the shift is negative).
The pieces of the update are in :mod:`.kpi_shift`.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulate.kpis import REGISTRY
from simulate.payments.days import add_months_day, to_day
from simulate.payments.kpi import envelope_year
from simulate.payments.settle import settle_scenario
from simulate.payments.sib import Settlement
from simulate.scenario import KpiLinked, Scenario
from simulate.stress import scenario_data
from simulate.stress.families import FamilyParams, contract_years, delivery_costs, draw_families
from simulate.stress.mechanisms.kpi import PIPELINE, kpi_values

from .base import Outcome, by_month
from .errors import ReforecastError
from .kpi_shift import KpiCalibration, KpiPriors, extract_evidence, is_share, shift_posterior, target_text, transform, untransform

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
ENVELOPES = ("ecc", "west_ccg")
LINES = ("instalment", "kpi_year_end")
#: model draws (fixed seed) whose mean is the plan's value of each KPI by contract year
PLAN_DRAWS = 64
PLAN_SEED = 0x001C

FIGURES: dict[str, tuple[str, str]] = {
    "withheld_gbp": ("KPI money withheld, whole contract", "gbp"),
    "income_at_risk_gbp": ("Income at risk still to be reconciled", "gbp"),
    "withheld_open_gbp": ("KPI money withheld in the years still open", "gbp"),
    "provider_income_gbp": ("Provider income, whole contract", "gbp"),
    "provider_net_gbp": ("Provider net of delivery cost and gain share returned", "gbp"),
    "gain_share_returned_gbp": ("Gain share returned to the commissioners, whole contract", "gbp"),
    "any_withheld": ("P(KPI money withheld in a year still open)", "probability"),
    "provider_loss": ("P(provider loses money)", "probability"),
}


@dataclass
class KpiContext:
    """Everything the draws share (built once, sent to every worker)."""

    settlement: Settlement
    reconciliation: pd.DataFrame
    edges_day: np.ndarray
    day: int
    realised_by_month: np.ndarray
    calibration: KpiCalibration
    families: FamilyParams
    terms: dict                            # the stress pipeline's compiled payment terms
    values: dict                           # envelope -> annual value (£)
    years: int                             # contract years
    months_in_year: np.ndarray             # (years,) contract months in each year
    open_years: tuple[int, ...]            # 1-based contract years not yet reconciled
    kpi_names: tuple[str, ...]             # kpi_weights' names, in order
    kpi_metric: tuple[str | None, ...]     # each KPI's metric (None: no target)
    kpi_share: tuple[bool, ...]
    shift: np.ndarray                      # (kpis, 2) posterior mean and sd of the shift
    year_sd: np.ndarray                    # (kpis,)
    settled_spend: dict                    # (year, envelope) -> observed spend £ (spend.csv through the reconciliation)
    reconciled: dict                       # the reconciled years' withheld and gain share returned (£)
    instalment_rows: list                  # (envelope, year, due day, £) not in the settlement
    cases_to_date: int = 0
    payers: tuple[str, ...] = ("commissioner",)
    lines: tuple[str, ...] = LINES
    case_unit: str = "families started"
    risk_bearer: str = "provider"
    kpi_info: dict = field(default_factory=dict)   # kpi -> {"label", "target"} for kpi_probabilities.csv


def _year_end_day(start: int, year: int) -> int:
    return add_months_day(start, 12 * year) - 1


def prepare(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date, priors: object = None,
            kpi_priors: KpiPriors = KpiPriors()) -> KpiContext:
    """Settle to date, find the open contract years and learn each KPI's shift (see the module docstring).

    Raises
    ------
    ReforecastError
        The scenario's payment is not ``kpi_linked``.
    """
    mech = scenario.payment
    if not isinstance(mech, KpiLinked):
        raise ReforecastError(f"payment.kind: {mech.kind!r} is not kpi_linked")
    settlement, table = settle_scenario(scenario, frames, as_of)
    fp, terms = PIPELINE.compile(scenario_data(scenario))
    start, day = to_day(scenario.horizon.start_date), to_day(as_of)
    M = fp.months
    edges = np.array([add_months_day(start, k) for k in range(M + 1)], np.int64)
    pay = settlement.payments
    due = pd.to_datetime(pay["due_date"]).to_numpy("datetime64[D]").astype(np.int64) if len(pay) else np.zeros(0, np.int64)
    realised = by_month(due, pay["amount"].to_numpy(float), edges)
    R = fp.referral_months
    years = int(math.ceil(R / 12))
    months_in = np.array([min(12, R - 12 * y) for y in range(years)])
    values = {"ecc": mech.annual_value_gbp - mech.west_ccg_annual_value_gbp, "west_ccg": mech.west_ccg_annual_value_gbp}
    in_table = set(table["contract_year"].astype(int)) if len(table) else set()
    reconciled_years = {y for y in in_table if _year_end_day(start, y) <= day}
    open_years = tuple(y for y in range(1, years + 1) if y not in reconciled_years)
    rec = table[table["contract_year"].astype(int).isin(reconciled_years)]
    reconciled = {"withheld": float(rec["withheld"].sum()), "returned": float(rec["commissioner_gain"].sum())}
    # observed spend by (year, envelope), reconciled or open; a year without it is costed by the model
    settled_spend = {(int(r.contract_year), r.envelope): float(r.spend) for r in table.itertuples(index=False)
                     if r.spend is not None and not pd.isna(r.spend)}
    # instalments the settlement has not paid: those falling due after the as-of day (the
    # settlement pays every instalment due by then, reported year or not)
    step = 1 if mech.payment_schedule == "monthly" else 3
    inst = []
    for y in range(1, years + 1):
        first = add_months_day(start, 12 * (y - 1))
        n = int(months_in[y - 1]) // step or 1
        for env in ENVELOPES:
            if values[env] <= 0:
                continue
            risk = mech.at_risk_share if env == "ecc" and y >= mech.at_risk_from_year else 0.0
            v = values[env] * months_in[y - 1] / 12.0
            for k in range(n):
                d = add_months_day(first, step * k)
                if d > day:
                    inst.append((env, y, d, v * (1 - risk) / n))
    targets = {t.name: t for t in scenario.kpi_targets}
    names = tuple(mech.kpi_weights)
    metric = tuple(targets[k].metric if k in targets else None for k in names)
    share = tuple(bool(m and is_share(m)) for m in metric)
    # the plan: the mean transformed value of each KPI by contract year over fixed-seed draws
    plan_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(PLAN_SEED)))
    draws = [kpi_values(draw_families(fp, plan_rng), M) for _ in range(PLAN_DRAWS)]
    res = frames.get("kpi_results.csv")
    # the years still open that have begun: their KPIs so far, read from the case-level extract
    so_far = extract_evidence(scenario, frames, as_of, open_years, {m for m in metric if m})
    shift, year_sd, rows = np.zeros((len(names), 2)), np.zeros(len(names)), []
    for i, (name, m, sh) in enumerate(zip(names, metric, share)):
        prior_sd = kpi_priors.share_prior_sd if sh else kpi_priors.count_prior_sd
        year_sd[i] = kpi_priors.share_year_sd if sh else kpi_priors.count_year_sd
        if m is None or m not in draws[0]:
            rows.append({"kpi": name, "metric": m or "", "modelled": False, "years_reported": 0})
            continue
        plan_z = np.mean([transform(d[m], sh) for d in draws], axis=0)   # (years,)
        observed = []
        if res is not None and len(res):
            sel = res[(res["kpi"].astype(str) == name) & res["contract_year"].astype(int).isin(reconciled_years)]
            observed = [(int(y), float(v)) for y, v in zip(sel["contract_year"], sel["value"]) if 1 <= int(y) <= years]
        partial = so_far.get(m, [])
        resid = np.array([transform(np.array([v]), sh)[0] - plan_z[y - 1] for y, v in observed]
                         + [transform(np.array([v]), sh)[0] - plan_z[y - 1] for y, v, _ in partial])
        weights = np.array([1.0] * len(observed) + [f for _, _, f in partial])
        mean, sd = shift_posterior(resid, prior_sd, year_sd[i], weights)
        shift[i] = (mean, sd)
        plan_value = float(np.mean(untransform(plan_z, sh)))
        rows.append({"kpi": name, "metric": m, "modelled": True, "plan_value": plan_value, "prior_shift_sd": prior_sd,
                     "years_reported": len(observed), "reported_mean": float(np.mean([v for _, v in observed])) if observed else float("nan"),
                     "open_year_share_observed": float(sum(f for _, _, f in partial)),
                     "open_year_value_so_far": float(partial[-1][1]) if partial else float("nan"),
                     "posterior_shift": mean, "posterior_shift_sd": sd,
                     "posterior_value": float(np.mean(untransform(plan_z + mean, sh)))})
    cases = 0
    refs = frames.get("referrals.csv")
    if refs is not None and "start_date" in refs:
        cases = int((pd.to_datetime(refs["start_date"]) <= pd.Timestamp(as_of)).sum())
    info = {k: {"label": REGISTRY[m].label if m in REGISTRY else k,
                "target": target_text(targets[k].comparison, targets[k].threshold, sh) if k in targets else ""}
            for k, m, sh in zip(names, metric, share)}
    return KpiContext(settlement, table, edges, day, realised, KpiCalibration(rows), fp, terms, values, years, months_in,
                      open_years, names, metric, share, shift, year_sd, settled_spend, reconciled, inst, cases, kpi_info=info)


def draw_kpi_values(ctx: KpiContext, rng: np.random.Generator, fam_values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each KPI's value by contract year (0-based index) in one draw: model value + shift + year noise."""
    out = {}
    Y = ctx.years
    for i, (name, m, sh) in enumerate(zip(ctx.kpi_names, ctx.kpi_metric, ctx.kpi_share)):
        delta = rng.normal(ctx.shift[i, 0], ctx.shift[i, 1])
        noise = rng.normal(0.0, ctx.year_sd[i], Y)
        if m is None or m not in fam_values:
            continue
        out[name] = untransform(transform(fam_values[m][:Y], sh) + delta + noise, sh)
    return out


def run_draw(ctx: KpiContext, rng: np.random.Generator) -> Outcome:
    """One draw of every open contract year: KPIs met, withholding, gain share and the cash they make."""
    fp = ctx.families
    fam = draw_families(fp, rng)
    values = draw_kpi_values(ctx, rng, kpi_values(fam, fp.months))
    costs = delivery_costs(fp, fam)
    start = int(ctx.edges_day[0])
    t = ctx.terms
    y_of = contract_years(fp.months)
    total = sum(ctx.values.values())
    share = {e: (ctx.values[e] / total if total > 0 else 0.0) for e in ENVELOPES}
    months = len(ctx.edges_day) - 1
    future = np.zeros(months)
    as_of_month = int(np.searchsorted(ctx.edges_day, ctx.day, side="right") - 1)

    def month_of(day: int) -> int:
        # money the settlement has not paid but already due falls in the as-of month
        return int(np.searchsorted(ctx.edges_day, max(day, ctx.day), side="right") - 1)

    by_line = dict.fromkeys(LINES, 0.0)
    for env, y, d, amount in ctx.instalment_rows:
        m = month_of(d)
        if 0 <= m < months:
            future[m] += amount
        by_line["instalment"] += amount
    kpis: dict[tuple[str, str], bool] = {}
    withheld = returned = kpi_future = 0.0
    spend_all = 0.0
    for y in range(1, ctx.years + 1):
        yi = y - 1
        model = float(costs[(y_of == yi)].sum()) if y < ctx.years else float(costs[np.arange(fp.months) >= 12 * yi].sum())
        for env in ENVELOPES:
            if ctx.values[env] > 0:
                spend_all += ctx.settled_spend.get((y, env), model * share[env])
    any_withheld = False
    for y in ctx.open_years:
        yi = y - 1
        met = []
        for name in ctx.kpi_names:
            if name not in values:
                if ctx.kpi_metric[ctx.kpi_names.index(name)] is not None:   # a target the model does not produce: met (as the stress model)
                    met.append(name)
                continue
            target = t["targets"][name]
            ok = bool(_OPS[target["comparison"]](float(values[name][yi]), float(target["threshold"])))
            if y >= t["from_year"]:   # reported for the years whose money waits on the KPIs
                kpis[(name, f"contract year {y}")] = ok
            if ok:
                met.append(name)
        weight = sum(t["weights"].get(k, 0.0) for k in met)
        spend_year = float(costs[(y_of == yi)].sum()) if y < ctx.years else float(costs[np.arange(fp.months) >= 12 * yi].sum())
        year_end = _year_end_day(start, y)
        for env in ENVELOPES:
            if ctx.values[env] <= 0:
                continue
            risk = t["at_risk"] if env == "ecc" and y >= t["from_year"] else 0.0
            sp = ctx.settled_spend.get((y, env), spend_year * share[env])
            e = envelope_year(ctx.values[env], int(ctx.months_in_year[yi]), risk, weight, sp, t["efficiency"], t["provider_share"])
            withheld += e["withheld"]
            returned += e["gain_returned"]
            any_withheld |= e["withheld"] > 1e-9
            if risk > 0:
                m = month_of(year_end)
                if 0 <= m < months:
                    future[m] += e["kpi_payment"]
                kpi_future += e["kpi_payment"]
    by_line["kpi_year_end"] = kpi_future
    paid = ctx.realised_by_month + future
    income = float(paid.sum())
    withheld_all = ctx.reconciled["withheld"] + withheld
    returned_all = ctx.reconciled["returned"] + returned
    # delivery cost: the observed spend where spend.csv has it, the model's cost elsewhere
    net = income - returned_all - spend_all
    at_risk_open = sum(ctx.values["ecc"] * ctx.months_in_year[y - 1] / 12.0 * t["at_risk"] for y in ctx.open_years if y >= t["from_year"])
    started = fam.started[as_of_month + 1:] if as_of_month + 1 < len(fam.started) else np.zeros(0)
    figures = {"withheld_gbp": withheld_all, "income_at_risk_gbp": float(at_risk_open), "withheld_open_gbp": withheld,
               "provider_income_gbp": income,
               "provider_net_gbp": net, "gain_share_returned_gbp": returned_all, "any_withheld": float(any_withheld),
               "provider_loss": float(net < -1e-6)}
    return Outcome(future, {"commissioner": paid}, by_line, int(round(float(started.sum()))), 0.0, figures, kpis)


__all__ = ["FIGURES", "KpiCalibration", "KpiContext", "KpiPriors", "draw_kpi_values", "extract_evidence", "is_share", "prepare", "run_draw",
           "shift_posterior", "target_text", "transform", "untransform"]
