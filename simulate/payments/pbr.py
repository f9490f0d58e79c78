"""Payment by results (000 Appendix 1): an up-front share plus a price per family.

Readings (quoted in ``docs/payments.md``):

- each district is paid ``upfront_share`` (60%) of its annual value every contract year, on
  ``upfront_schedule`` (annual, quarterly or monthly in advance, from the contract start);
- "The remaining 40% of the contract will be paid on a per-family basis upon the achievement of
  agreed outcomes and following completion of the intervention" (Appendix 1): the 40% of the
  summed district values divided by the summed indicative capacities is the price of one family
  (case), the same in every district, paid for a family that completes (``end_date`` set) with all three conditions met: ``action_plan_agreed``,
  ``outcomes_achieved_at_exit``, and a self-assessment (tool ``self_assessment_tool``) at
  baseline and at the end (the ``exit`` timepoint, else the latest later one) in which at least ``notable_progress_min_areas_share`` of the areas improved
  by at least ``notable_progress_min_change`` points in the better direction;
- family payments are due quarterly in arrears: on the first day of the contract quarter after
  the one in which the family completed;
- "resources should not be mapped against district boundaries but, Lancashire's combined
  footprint" (§3.1): the 40% is one pooled budget for the whole contract each contract year, not
  one per district, so a busy district's families are paid while a quiet district is under. The
  provider is never paid beyond the contract value in a contract year: families are paid in
  due-date order (then by completion date and case) until the pooled 40% is used, and the rest
  are 'capped'. Completions after the last referral year count against the last year's value.
  The same reading as the stress model (``simulate/stress/mechanisms/pbr.py``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from simulate.scenario import PaymentByResults, Scenario

from .caps import contract_year
from .days import add_months_day, to_date, to_day
from .errors import PaymentScenarioError
from .sib import Settlement

SELF_ASSESSMENT_TOOL = "cfw_radar"   # the family self-assessment a settlement reads by default
_STEP = {"annual_in_advance": 12, "quarterly_in_advance": 3, "monthly_in_advance": 1}


def upfront_schedule(scenario: Scenario) -> pd.DataFrame:
    """Up-front payments of every district: columns district, contract_year, due (day), amount."""
    mech, h = scenario.payment, scenario.horizon
    step = _STEP[mech.upfront_schedule]
    years = max(1, -(-h.referral_months // 12))
    start = to_day(h.start_date)
    rows = []
    for d in scenario.districts:
        value = d.annual_value_gbp or 0.0
        for y in range(years):
            for k in range(12 // step):
                rows.append((d.name, y + 1, add_months_day(start, 12 * y + step * k), value * mech.upfront_share / (12 // step)))
    return pd.DataFrame(rows, columns=["district", "contract_year", "due", "amount"])


def notable_progress(assessments: pd.DataFrame, tool: str, min_change: float, min_share: float,
                     higher_is_better: dict[str, bool] | None = None) -> pd.Series:
    """Per person: did the self-assessment show 'notable positive progress' from baseline to exit?

    The end assessment is the ``exit`` timepoint, or failing that the latest later assessment
    (a six-month review that was the last one). Returns a boolean Series indexed by person_id
    (persons lacking a baseline or an end assessment are absent).
    """
    a = assessments[assessments["tool"].astype(str) == tool]
    tp = a["timepoint"].astype(str)
    base = a[tp == "baseline"].groupby(["person_id", "area"])["score"].last()
    later = a[tp != "baseline"].assign(_exit=(tp[tp != "baseline"] == "exit").astype(int),
                                       _day=pd.to_datetime(a.loc[tp != "baseline", "assessment_date"]))
    end = later.sort_values(["_exit", "_day"], kind="stable").groupby(["person_id", "area"])["score"].last()
    wide = pd.concat({"baseline": base, "exit": end}, axis=1).dropna(subset=["baseline", "exit"])
    if wide.empty:
        return pd.Series(dtype=bool)
    sign = wide.index.get_level_values("area").map(lambda area: 1.0 if (higher_is_better or {}).get(area, True) else -1.0)
    improved = (wide["exit"] - wide["baseline"]) * np.asarray(sign, dtype=float) >= min_change
    share = improved.groupby(level="person_id").mean()
    return share >= min_share - 1e-9


def pooled_price(scenario: Scenario) -> tuple[float, float]:
    """The pooled 40% of one contract year and the price of one family (£).

    (1 − ``upfront_share``) × the summed district values, and that divided by the summed
    indicative capacities (families a year).
    """
    mech = scenario.payment
    total_value = sum(d.annual_value_gbp or 0.0 for d in scenario.districts)
    total_capacity = sum(d.capacity_families_per_year or 0.0 for d in scenario.districts)
    if total_value <= 0 or total_capacity <= 0:
        raise PaymentScenarioError("districts: payment by results needs each district's annual_value_gbp and capacity_families_per_year")
    budget = (1 - mech.upfront_share) * total_value
    return budget, budget / total_capacity


def last_contract_year(scenario: Scenario) -> int:
    """The last contract year with a value (1-based): completions after it count against it."""
    return max(1, -(-scenario.horizon.referral_months // 12))


def quarterly_in_arrears(end_day: np.ndarray, start: int) -> np.ndarray:
    """Due day of a family completing on ``end_day``: the first day of the next contract quarter.

    Day numbers in and out; ``start`` is the contract's first day.
    """
    bounds = [add_months_day(start, 3 * q) for q in range(200)]
    quarter = np.searchsorted(bounds, np.minimum(np.asarray(end_day, np.int64), 10**7), side="right")
    table = np.array(bounds + [add_months_day(start, 600)], dtype=np.int64)
    return table[quarter]


def outcome_year(end_day: np.ndarray, start: int, last_year: int) -> np.ndarray:
    """Contract year (1-based) whose pooled 40% a completion on ``end_day`` counts against."""
    return np.minimum(contract_year(np.asarray(end_day), start), last_year)


def pooled_amounts(year: np.ndarray, due: np.ndarray, end: np.ndarray, case: np.ndarray, gross: np.ndarray,
                   budget: float) -> np.ndarray:
    """£ paid to each family under the pooled yearly budget, in the order given.

    Within a contract year families are paid in due-date, completion-day and ``case`` order
    until ``budget`` is used; the family that crosses it gets the rest, later ones nothing.
    ``case`` is any sortable key (the case id in a settlement).
    """
    gross = np.asarray(gross, float)
    year = np.asarray(year)
    if len(gross) and year.min() >= 0 and np.bincount(year, weights=gross).max() <= budget * (1 - 1e-9):
        # no year reaches the budget (with room for rounding): every family is paid in full, as
        # the running sum below would give exactly
        return gross.copy()
    fam = pd.DataFrame({"i": np.arange(len(gross)), "contract_year": year, "due": due, "end": end, "case_id": case,
                        "gross": gross})
    fam = fam.sort_values(["contract_year", "due", "end", "case_id"], kind="stable")
    before = fam.groupby("contract_year")["gross"].cumsum().to_numpy() - fam["gross"].to_numpy()
    out = np.zeros(len(fam))
    out[fam["i"].to_numpy()] = np.clip(budget - before, 0.0, fam["gross"].to_numpy())
    return out


def end_assessment_day(assessments: pd.DataFrame, tool: str) -> pd.Series:
    """Per person: the day of the end self-assessment :func:`notable_progress` reads (the ``exit``
    timepoint, else the latest later one), as a day number (persons with none are absent)."""
    a = assessments[assessments["tool"].astype(str) == tool]
    later = a[a["timepoint"].astype(str) != "baseline"]
    when = pd.to_datetime(later["assessment_date"])
    is_exit = later["timepoint"].astype(str) == "exit"
    day = when.groupby(later["person_id"].astype(str)).max()
    exit_day = when[is_exit].groupby(later.loc[is_exit, "person_id"].astype(str)).max()
    out = exit_day.combine_first(day)
    return pd.Series(out.to_numpy("datetime64[D]").astype(np.int64), index=out.index)


def settle_pbr(
    referrals: pd.DataFrame, assessments: pd.DataFrame, scenario: Scenario, as_of: dt.date,
    self_assessment_tool: str = SELF_ASSESSMENT_TOOL, higher_is_better: dict[str, bool] | None = None,
) -> Settlement:
    """Settle 000's payment by results as of ``as_of``.

    ``referrals`` needs case_id, child_id, family_id, district, start_date, end_date,
    action_plan_agreed, outcomes_achieved_at_exit; ``assessments`` the self-assessment rows
    (person_id = family_id or child_id, timepoints 'baseline' and 'exit').

    Returns
    -------
    Settlement
        ``payments`` (district, contract_year, child_id, case_id, metric 'upfront' or
        'family_outcome', due_date, amount, payer 'commissioner') and ``audit`` (one row per case).
    """
    mech = scenario.payment
    if not isinstance(mech, PaymentByResults):
        raise PaymentScenarioError(f"payment.kind: {mech.kind!r} is not payment_by_results")
    day, start = to_day(as_of), to_day(scenario.horizon.start_date)
    last_year = last_contract_year(scenario)
    budget, unit_price = pooled_price(scenario)  # the pooled 40% of one contract year; one family's price

    up = upfront_schedule(scenario)
    up = up[up["due"] <= day].assign(metric="upfront", child_id="", case_id="")

    r = referrals.reset_index(drop=True)
    end = pd.to_datetime(r["end_date"]).to_numpy(dtype="datetime64[D]")
    end_day = np.where(np.isnat(end), np.iinfo(np.int64).max, end.astype(np.int64))
    done = ~np.isnat(end) & (end_day <= day)
    known = assessments[pd.to_datetime(assessments["assessment_date"]) <= pd.Timestamp(as_of)]
    progress = notable_progress(known, self_assessment_tool, mech.notable_progress_min_change,
                                mech.notable_progress_min_areas_share, higher_is_better)
    prog = r["family_id"].astype(str).map(progress).fillna(r["child_id"].astype(str).map(progress))
    plan = r.get("action_plan_agreed", pd.Series(False, index=r.index)).astype("boolean").fillna(False).to_numpy(bool)
    achieved = r.get("outcomes_achieved_at_exit", pd.Series(False, index=r.index)).astype("boolean").fillna(False).to_numpy(bool)
    notable = prog.astype("boolean").fillna(False).to_numpy(bool)
    has_sa = prog.notna().to_numpy()
    ok = done & plan & achieved & notable

    due = np.where(done, quarterly_in_arrears(end_day, start), start)
    year = outcome_year(np.where(done, end_day, start), start, last_year)
    district = r["district"].astype(str).to_numpy()
    price = np.full(len(r), unit_price)

    fam = pd.DataFrame({"i": np.arange(len(r)), "district": district, "contract_year": year, "due": due,
                        "end": end_day, "case_id": r["case_id"].astype(str), "gross": np.where(ok, price, 0.0)})
    fam = fam[ok]
    fam["amount"] = pooled_amounts(fam["contract_year"].to_numpy(), fam["due"].to_numpy(), fam["end"].to_numpy(),
                                   fam["case_id"].to_numpy(), fam["gross"].to_numpy(), budget)
    fam = fam.sort_values(["contract_year", "due", "end", "case_id"], kind="stable")
    fam["paid"] = fam["due"] <= day
    amount = np.zeros(len(r))
    cut = np.zeros(len(r))
    amount[fam["i"]] = np.where(fam["paid"], fam["amount"], 0.0)
    cut[fam["i"]] = np.where(fam["paid"], fam["gross"] - fam["amount"], 0.0)

    status, reason = [], []
    for i in range(len(r)):
        s, why = _case_status(i, r, done, plan, achieved, has_sa, notable, ok, due, day, amount, cut, end)
        status.append(s)
        reason.append(why)
    audit = pd.DataFrame({"child_id": r["child_id"].astype(str), "case_id": r["case_id"].astype(str), "district": district,
                          "metric": "family_outcome", "status": status, "amount": amount, "gross": np.where(ok, price, 0.0),
                          "capped_gbp": cut, "due_date": pd.to_datetime(np.where(ok, due, -1).astype(float), unit="D").where(ok),
                          "reason": reason})
    paid = fam[fam["paid"] & (fam["amount"] > 0)]
    outcome = pd.DataFrame({"district": paid["district"], "contract_year": paid["contract_year"], "due": paid["due"],
                            "amount": paid["amount"], "metric": "family_outcome",
                            "child_id": r["child_id"].astype(str).to_numpy()[paid["i"]], "case_id": paid["case_id"]})
    payments = pd.concat([up, outcome], ignore_index=True)
    payments["due_date"] = pd.to_datetime(payments["due"].astype(float), unit="D")
    payments["payer"] = "commissioner"
    payments = payments.sort_values(["due_date", "district", "metric", "case_id"], kind="stable").reset_index(drop=True)
    return Settlement(as_of, payments[["district", "contract_year", "child_id", "case_id", "metric", "due_date", "amount", "payer"]], audit)


def _case_status(i, r, done, plan, achieved, has_sa, notable, ok, due, day, amount, cut, end) -> tuple[str, str]:
    if pd.isna(r.at[i, "start_date"]):
        return "not eligible", "support never started"
    if not done[i]:
        return "not yet due", "support still open"
    ended = str(end[i])
    if not ok[i]:
        missing = [text for flag, text in ((plan[i], "no jointly agreed action plan"),
                                           (achieved[i], "outcomes not agreed achieved at exit"),
                                           (has_sa[i], "no self-assessment at both start and end"),
                                           (notable[i] or not has_sa[i], "self-assessment showed no notable positive progress")) if not flag]
        return "not achieved", f"ended {ended}: " + "; ".join(missing)
    when = to_date(int(due[i]))
    if due[i] > day:
        return "not yet due", f"ended {ended} with all three conditions met; due quarterly in arrears on {when}"
    if cut[i] > 0:
        return "capped", f"ended {ended}, conditions met; district's annual value reached: £{cut[i]:,.2f} not paid"
    return "paid", f"ended {ended} with all three conditions met; paid in arrears on {when}"
