"""Block contracts' reforecast (002 mentoring and befriending, 003 young carers).

Money: the block value is fixed. Settled to date is
:func:`simulate.payments.settle.block_schedule` as of the as-of day (exactly what
``cusp payments settle`` gives); the future is the rest of the same schedule, i.e. the
schedule as of the contract's last day less what is settled, identical in every draw.

Risk: the provider's delivery cost against that fixed income, and the commissioner's cost per
family started. Costs are costed as the stress test's block mechanism costs them
(:func:`simulate.stress.families.delivery_costs`): staff by month while the service is staffed
(:func:`simulate.stress.families.compile_families`) plus the cost per case at each start.
Cases still to come: per district, referrals over the rest of the referral window at the
plan's monthly intensity (seasonality, trend, volume) × a multiplier drawn from its
gamma–Poisson posterior (prior: the plan, worth ``referral_prior_months`` months of planned
referrals; evidence: referrals received so far against the plan's expected count over the
window elapsed); accepted with the scenario's probability; started while the open caseload
(the families open on the as-of day, then the new starts, each occupying a place for the mean
support duration) leaves room under staffed capacity, as :func:`simulate.stress.families.draw_families`
starts them. Families turned away cost nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from simulate.payments.days import add_months_day, to_day
from simulate.payments.settle import block_schedule, settle_scenario
from simulate.scenario import Scenario, annual_referrals
from simulate.stress import scenario_data
from simulate.stress.families import FamilyParams, compile_families

from .base import ContextBase, Outcome, by_month, day_numbers
from .calibrate import Priors
from .errors import ReforecastError
from .posterior import GammaRate, multiplier_prior
from .state import as_known_on

PAYERS = ("commissioner",)
LINES = ("block",)

# figure -> (human label, kind): see simulate.reforecast.base
FIGURES = {
    "provider_income_gbp": ("Provider income, whole contract", "gbp"),
    "provider_costs_gbp": ("Provider delivery cost, whole contract", "gbp"),
    "provider_net_gbp": ("Provider net", "gbp"),
    "cost_per_case_gbp": ("Commissioner's cost per case started", "gbp"),
    "cases_started": ("Cases started, whole contract", "count"),
    "cases_turned_away": ("Cases turned away, still to come", "count"),
    "provider_loss": ("P(provider loss)", "probability"),
}


@dataclass
class BlockCalibration:
    """The referral multiplier's prior and posterior by district, and the evidence.

    ``planned_per_year``: the plan's referrals a year (first-year rate); ``expected_so_far``:
    referrals the plan expected over the window elapsed; ``seen``: referrals received.
    """

    districts: tuple[str, ...]
    planned_per_year: np.ndarray
    expected_so_far: np.ndarray
    seen: np.ndarray
    prior: list[GammaRate]
    posterior: list[GammaRate]

    def table(self) -> list[dict]:
        """One row per district: prior, evidence and posterior (rates a year at the plan's first-year rate)."""
        return [{
            "district": d,
            "planned_referrals_per_year": float(self.planned_per_year[i]),
            "prior_worth_referrals": float(self.prior[i].shape),
            "referrals_so_far": int(self.seen[i]),
            "planned_referrals_so_far": float(self.expected_so_far[i]),
            "referral_multiplier_posterior_mean": self.posterior[i].mean,
            "referral_multiplier_posterior_sd": self.posterior[i].sd,
            "posterior_referrals_per_year": self.posterior[i].mean * float(self.planned_per_year[i]),
            "posterior_referrals_per_year_sd": self.posterior[i].sd * float(self.planned_per_year[i]),
        } for i, d in enumerate(self.districts)]

    def published_table(self, count: Callable[[str, int, float], int | None]) -> list[dict]:
        """:meth:`table` with the referrals as published (``count(column, row, n)``: rounded,
        ``None`` when suppressed) and the posterior recomputed from the published count, blank
        where suppressed."""
        rows = self.table()
        for i, row in enumerate(rows):
            n = count("referrals_so_far", i, float(self.seen[i]))
            row["referrals_so_far"] = n
            cols = ("referral_multiplier_posterior_mean", "referral_multiplier_posterior_sd", "posterior_referrals_per_year",
                    "posterior_referrals_per_year_sd")
            if n is None:
                row.update(dict.fromkeys(cols, None))
                continue
            post = self.prior[i].update(n, self.expected_so_far[i])
            plan = float(self.planned_per_year[i])
            row.update(zip(cols, (post.mean, post.sd, post.mean * plan, post.sd * plan)))
        return rows


@dataclass
class BlockContext(ContextBase):
    """Everything the draws share; the block's parts after the generic ones."""

    params: FamilyParams
    schedule_by_month: np.ndarray      # £ block payments by contract month, whole contract
    first_month: int                   # contract month of the as-of day
    remaining: np.ndarray              # (districts × months) the plan's referrals still to come
    load: np.ndarray                   # open cases by month from families open on the as-of day
    started_to_date: int
    staff_cost: float                  # £ staff cost, whole contract


def _window_share(edges_day: np.ndarray, day: int, months: int) -> np.ndarray:
    """Share of each contract month elapsed by the end of ``day`` (0 to 1)."""
    lo, hi = edges_day[:months].astype(float), edges_day[1:months + 1].astype(float)
    return np.clip((day + 1 - lo) / (hi - lo), 0.0, 1.0)


def _districts(scenario: Scenario) -> tuple[tuple[str, ...], np.ndarray]:
    """District names and their shares of the plan's referrals."""
    refs = annual_referrals(scenario)
    per = refs.groupby("district", sort=False)["per_year"].sum()
    names = tuple(d.name for d in scenario.districts)
    share = np.array([float(per.get(n, 0.0)) for n in names])
    total = share.sum()
    return names, (share / total if total > 0 else np.full(len(names), 1.0 / len(names)))


def _district_index(referrals: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """Index of each referral's district (a one-district service needs no district column)."""
    if len(names) == 1 or not len(referrals):
        return np.zeros(len(referrals), np.int64)
    if "district" not in referrals:
        raise ReforecastError("referrals.csv: column district: missing; the scenario has several districts")
    pos = pd.Index(names).get_indexer(referrals["district"].astype(str))
    if (pos < 0).any():
        row = int(np.flatnonzero(pos < 0)[0])
        raise ReforecastError(f"referrals.csv row {row + 2}, column district: {referrals['district'].iloc[row]!r} is not a "
                              f"district of the scenario ({', '.join(names)})")
    return pos.astype(np.int64)


def prepare(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date, priors: Priors = Priors()) -> BlockContext:
    """Settle to date, count the referrals so far and learn the referral rate (module docstring)."""
    fp = compile_families(scenario_data(scenario))
    h = scenario.horizon
    start, day, months = to_day(h.start_date), to_day(as_of), h.total_months
    edges_day = np.array([add_months_day(start, k) for k in range(months + 1)], np.int64)
    settlement, _ = settle_scenario(scenario, frames, as_of)
    pay = settlement.payments
    realised = by_month(day_numbers(pay["due_date"]), pay["amount"].to_numpy(float), edges_day)
    whole = block_schedule(scenario, h.contract_end - dt.timedelta(days=1)).payments
    schedule = by_month(day_numbers(whole["due_date"]), whole["amount"].to_numpy(float), edges_day)

    names, share = _districts(scenario)
    R = fp.referral_months
    plan = np.zeros((len(names), months))
    plan[:, :R] = share[:, None] * fp.per_month[None, :R]          # referrals by district and month
    done = _window_share(edges_day, day, months)
    expected = (plan * done[None, :]).sum(axis=1)
    remaining = plan * (1.0 - done)[None, :]

    known = as_known_on(frames, as_of)
    ref = known.get("referrals.csv", pd.DataFrame(columns=["referral_date"]))
    rday = day_numbers(ref["referral_date"]) if len(ref) else np.zeros(0, np.int64)
    in_window = (rday >= start) & (rday < to_day(h.referral_end))
    ref = ref[in_window].reset_index(drop=True)
    seen = np.bincount(_district_index(ref, names), minlength=len(names)).astype(float)
    prior = [multiplier_prior(float(plan[i, :R].sum() / R * priors.referral_prior_months)) for i in range(len(names))]
    post = [p.update(seen[i], expected[i]) for i, p in enumerate(prior)]
    calibration = BlockCalibration(names, share * float(fp.per_month[:min(R, 12)].mean() * 12), expected, seen, prior, post)

    # families started by the as-of day, and the places those still open hold from then on
    sday = day_numbers(ref["start_date"]) if "start_date" in ref and len(ref) else np.zeros(len(ref), np.int64)
    eday = day_numbers(ref["end_date"]) if "end_date" in ref and len(ref) else np.full(len(ref), -1)
    started = (sday >= start) & (sday <= day)
    first = int(np.searchsorted(edges_day, day, side="right") - 1)
    load = np.zeros(months)
    span = len(fp.open_after)
    for s in np.flatnonzero(started & ((eday < 0) | (eday > day))):
        m0 = int(np.searchsorted(edges_day, sday[s], side="right") - 1)
        k = np.arange(first, months) - m0
        occ = np.where(k < span, fp.open_after[np.clip(k, 0, span - 1)], 0.0)
        occ[0] = max(occ[0], 1.0)                     # open on the as-of day: it holds its place this month
        load[first:] += occ
    return BlockContext(settlement=settlement, edges_day=edges_day, day=day, realised_by_month=realised, payers=PAYERS, lines=LINES,
                        cases_to_date=int(len(ref)), case_unit="referrals received", risk_bearer="provider",
                        calibration=calibration, params=fp, schedule_by_month=schedule, first_month=first,
                        remaining=remaining, load=load, started_to_date=int(started.sum()), staff_cost=float(fp.staff_cost.sum()))


def start_families(accepted: np.ndarray, capacity: np.ndarray, load: np.ndarray, open_after: np.ndarray, first: int) -> np.ndarray:
    """Starts by month from ``first``: as many accepted families as the room under capacity
    allows (each start holds ``open_after[k]`` of a place ``k`` months later), the rest turned away."""
    months = len(accepted)
    span = int(len(open_after))
    load = np.concatenate((np.asarray(load, float), np.zeros(span))).tolist()
    occ = open_after.tolist()
    started = np.zeros(months)
    for m in range(first, months):
        room = capacity[m] - load[m]
        s = float(min(accepted[m], math.floor(room / occ[0]))) if room > 0 and occ[0] > 0 else 0.0
        if s > 0:
            started[m] = s
            for j in range(span):
                load[m + j] += s * occ[j]
    return started


def run_draw(ctx: BlockContext, rng: np.random.Generator) -> Outcome:
    """One draw: referrals still to come (posterior multiplier × plan), starts under capacity, costs."""
    fp = ctx.params
    cal = ctx.calibration
    mult = np.array([p.draw(rng) for p in cal.posterior])
    referred = rng.poisson(mult[:, None] * ctx.remaining).sum(axis=0)
    accepted = rng.binomial(referred, fp.acceptance)
    started = start_families(accepted, fp.capacity, ctx.load, fp.open_after, ctx.first_month)
    future = ctx.schedule_by_month - ctx.realised_by_month
    income = float(ctx.schedule_by_month.sum())
    n_started = ctx.started_to_date + float(started.sum())
    costs = ctx.staff_cost + fp.cost_per_case * n_started
    net = income - costs
    figures = {"provider_income_gbp": income, "provider_costs_gbp": costs, "provider_net_gbp": net,
               "cost_per_case_gbp": income / n_started if n_started > 0 else float("nan"), "cases_started": n_started,
               "cases_turned_away": float((accepted - started).sum()), "provider_loss": float(net < -1e-6)}
    return Outcome(future, {"commissioner": ctx.schedule_by_month.copy()}, {"block": float(future.sum())}, int(referred.sum()), 0.0, figures)


__all__ = ["BlockCalibration", "BlockContext", "FIGURES", "LINES", "PAYERS", "prepare", "run_draw", "start_families"]
