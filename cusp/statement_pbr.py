"""The payments statement's sections for payment by results (000 Appendix 1).

*"The remaining 40% of the contract will be paid on a per-family basis upon the achievement of
agreed outcomes and following completion of the intervention"* (000 Appendix 1): up-front
payments by area and contract year, families by status with the conditions they missed, and the
pooled per-family budget (:mod:`simulate.payments.pbr`). Counts of families go through the
disclosure policy; up-front money is paid for an area as a whole and rests on no count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from evaluation.disclosure import get_policy

from . import presentation as pr
from .presentation import disclosure as rt
from .statement_base import Part, as_html, money_frame, published_count, year_label

__all__ = ["pbr_upfront_table", "pbr_family_table", "pbr_reasons_table", "pbr_pool_table", "pbr_parts", "pbr_points"]

def pbr_upfront_table(payments: pd.DataFrame) -> pd.DataFrame:
    """Up-front payments due to date (£) by area (rows, then ``Total``) and contract year (columns)."""
    up = payments[payments["metric"] == "upfront"]
    table = up.pivot_table(index="district", columns="contract_year", values="amount", aggfunc="sum", fill_value=0.0)
    table.columns = [f"{year_label(c)} (£)" for c in table.columns]
    table.loc["Total"] = table.sum()
    table.index.name = "district"
    return table


def pbr_family_table(audit: pd.DataFrame, policy: str):
    """Families by status of the per-family payment, with the £ paid: a disclosed table.

    Rows: ``paid``, ``capped``, ``not achieved``, ``not yet due``, ``not eligible`` (those present);
    columns ``families`` (a count through the policy) and ``£ paid`` (suppressed with its count).
    """
    fam = audit[audit["metric"] == "family_outcome"]
    order = [s for s in ("paid", "capped", "not achieved", "not yet due", "not eligible") if s in set(fam["status"])]
    table = pd.DataFrame({"families": fam.groupby("status").size(), "£ paid": fam.groupby("status")["amount"].sum()}).reindex(order)
    table.index = [s[:1].upper() + s[1:] for s in table.index]
    table.index.name = "Status"
    return rt.kpi_table(table.fillna(0.0), policy, guards=[(None, "families")], derived=["£ paid"], formats={"£ paid": "gbp"})


def pbr_reasons_table(audit: pd.DataFrame, policy: str):
    """Families whose support ended without the payment, by condition not met (a family can miss several).

    Reads the audit's reasons (``ended DATE: condition; condition``); counts through the policy.
    """
    fam = audit[(audit["metric"] == "family_outcome") & (audit["status"] == "not achieved")]
    reasons = fam["reason"].astype(str).str.replace(r"^ended \d{4}-\d\d-\d\d:?\s*", "", regex=True).str.split("; ").explode()
    counts = reasons[reasons.str.len() > 0].value_counts()
    counts.index = [c[:1].upper() + c[1:] for c in counts.index]
    frame = counts.rename_axis("Condition not met").to_frame("families")
    return rt.count_table(frame, policy, total_row=False, total_column=False)


def pbr_pool_table(scenario: Any, payments: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """The pooled per-family budget by contract year: its £, £ due to date, £ cut by the cap, % used.

    The pool is ``1 − upfront_share`` (40%) of the summed area values each contract year
    (000 Appendix 1; :mod:`simulate.payments.pbr`). Index ``contract year``.
    """
    mech = scenario.payment
    pool = sum(d.annual_value_gbp or 0.0 for d in scenario.districts) * (1.0 - mech.upfront_share)
    years = max(1, -(-scenario.horizon.referral_months // 12))
    fam = payments[payments["metric"] == "family_outcome"]
    paid = fam.groupby("contract_year")["amount"].sum().reindex(range(1, years + 1), fill_value=0.0)
    cut = pd.Series(0.0, index=paid.index)
    if "capped_gbp" in audit and "due_date" in audit and len(audit):
        capped = audit[(audit["metric"] == "family_outcome") & (audit["capped_gbp"] > 0)]
        if len(capped):  # the year a capped payment would have counted against (due date; the last year at most)
            due, start = pd.to_datetime(capped["due_date"]), pd.Timestamp(scenario.horizon.start_date)
            year = (((due.dt.year - start.year) * 12 + due.dt.month - start.month) // 12 + 1).clip(1, years)
            cut = capped.groupby(year.to_numpy())["capped_gbp"].sum().reindex(paid.index, fill_value=0.0)
    table = pd.DataFrame({"pooled budget (£)": pool, "due to date (£)": paid.to_numpy(), "cut by the cap (£)": cut.to_numpy()},
                         index=[year_label(y) for y in paid.index])
    table["budget used (%)"] = table["due to date (£)"] / pool if pool > 0 else float("nan")
    table.index.name = "contract year"
    return table


def pbr_parts(scenario: Any, payments: pd.DataFrame, audit: pd.DataFrame, as_of: dt.date, policy: str) -> list[Part]:
    mech = scenario.payment
    up_share = pr.pct(mech.upfront_share, 0)
    pool_share = pr.pct(1.0 - mech.upfront_share, 0)
    return [
        Part("Up-front payments", f"Each area is paid {up_share} of its annual value every contract year "
             f"({pr.label(mech.upfront_schedule, capital=False)}), whatever its families achieve.",
             [money_frame(pbr_upfront_table(payments), f"Up-front payments due to {as_of:%d %B %Y}, by area and contract year (£)")]),
        Part("Families paid, not achieved and capped", f"The other {pool_share} is paid per family that completes support with "
             "all three conditions met (a jointly agreed action plan, outcomes agreed achieved at exit, notable progress on the "
             "self-assessment), quarterly in arrears. A family counts once per referral; counts are published through the "
             "disclosure policy.",
             [as_html(pr.disclosed(pbr_family_table(audit, policy), "Families by status of the per-family payment")),
              as_html(pr.disclosed(pbr_reasons_table(audit, policy), "Families not paid: the conditions they did not meet"))]),
        Part(f"The pooled {pool_share}", f"The {pool_share} is one budget for all areas each contract year (000 §3.1): families "
             "are paid in due-date order until it is used, and the rest are capped.",
             [money_frame(pbr_pool_table(scenario, payments, audit), f"The pooled per-family budget by contract year, to {as_of:%d %B %Y}",
                           {"budget used (%)": "share"})]),
    ]


def pbr_points(result: Any, policy: str) -> list[str]:
    """The summary's sentence: up-front and per-family money, families paid, not achieved and capped."""
    pol = get_policy(policy)
    pay, audit = result.payments, result.audit
    up = float(pay.loc[pay["metric"] == "upfront", "amount"].sum())
    n = audit.loc[audit["metric"] == "family_outcome", "status"].value_counts()
    fam_money = float(pay.loc[pay["metric"] == "family_outcome", "amount"].sum())
    return [f"Up-front payments {pr.gbp(up)}; per-family payments {pr.gbp(fam_money)} for {published_count(pol, n.get('paid', 0))} "
            f"families; {published_count(pol, n.get('not achieved', 0))} families ended support without the outcomes paid for, "
            f"{published_count(pol, n.get('capped', 0))} were capped by the pooled budget (counts as published)."]
