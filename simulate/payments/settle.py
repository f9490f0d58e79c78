"""Settle any scenario's payment mechanism from tidy extracts: one entry point for the CLI.

Frames are keyed by file name (``referrals.csv``, ``care_episodes.csv``, ``assessments.csv``,
``school.csv``, ``reading.csv``, ``kpi_results.csv``, ``spend.csv``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from simulate.scenario import Block, KpiLinked, PaymentByResults, Scenario, SibEdgeOfCare

from .days import add_months_day, to_date, to_day
from .errors import PaymentDataError
from .kpi import ENVELOPES, reconcile_kpi
from .pbr import settle_pbr
from .sib import Settlement, settle_sib
from .terms import sib_terms

_EMPTY_EPISODES = pd.DataFrame({"child_id": pd.Series(dtype=str), "start_date": pd.Series(dtype="datetime64[ns]"),
                                "end_date": pd.Series(dtype="datetime64[ns]")})


def block_schedule(scenario: Scenario, as_of: dt.date) -> Settlement:
    """A block contract: the annual value in equal monthly or quarterly payments in advance.

    The value is paid for every contract year of referrals (``horizon.referral_months``, rounded
    up to whole years), not for the tracking months after them, which only let the last families
    finish: the same reading as the stress model (``simulate.stress.mechanisms.block.block_by_month``).
    """
    mech, h = scenario.payment, scenario.horizon
    step = 1 if mech.payment_schedule == "monthly" else 3
    start, day = to_day(h.start_date), to_day(as_of)
    paid_months = min(12 * max(1, -(-h.referral_months // 12)), h.total_months)
    dues = [add_months_day(start, k) for k in range(0, paid_months, step)]
    dues = [d for d in dues if d <= day]
    pay = pd.DataFrame({"metric": "block", "due_date": pd.to_datetime(pd.Series(dues, dtype=float), unit="D"),
                        "amount": mech.annual_value_gbp * step / 12, "payer": "commissioner"})
    return Settlement(as_of, pay, pd.DataFrame(columns=["metric", "status", "amount", "reason"]))


def settle_scenario(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date,
                    higher_is_better: dict[str, bool] | None = None,
                    allow_no_return_home: bool = False, known_at: dt.date | None = None) -> tuple[Settlement, pd.DataFrame | None]:
    """Settle ``scenario``'s mechanism as of ``as_of``.

    ``allow_no_return_home``, ``known_at``: see :func:`simulate.payments.sib.settle_sib`.

    Returns
    -------
    (Settlement, reconciliation)
        ``reconciliation`` is the KPI-linked year-end table (None for other mechanisms).

    Raises
    ------
    PaymentDataError
        A file the mechanism needs is missing, or its rows are inconsistent.
    """
    mech = scenario.payment

    def need(name: str) -> pd.DataFrame:
        if name not in frames:
            raise PaymentDataError(name, [], f"file needed by a {mech.kind} settlement is missing")
        return frames[name]

    if isinstance(mech, SibEdgeOfCare):
        result = settle_sib(need("referrals.csv"), frames.get("care_episodes.csv", _EMPTY_EPISODES), sib_terms(scenario), as_of,
                            frames.get("assessments.csv"), frames.get("school.csv"), frames.get("reading.csv"),
                            allow_no_return_home=allow_no_return_home, known_at=known_at)
        return result, None
    if isinstance(mech, PaymentByResults):
        return settle_pbr(need("referrals.csv"), need("assessments.csv"), scenario, as_of, higher_is_better=higher_is_better), None
    if isinstance(mech, KpiLinked):
        return settle_kpi_linked(scenario, need("kpi_results.csv"), frames.get("spend.csv"), as_of)
    if isinstance(mech, Block):
        return block_schedule(scenario, as_of), None
    raise PaymentDataError("scenario", [], f"no settlement for payment kind {mech.kind!r}")


def settle_kpi_linked(scenario: Scenario, kpi_results: pd.DataFrame, spend: pd.DataFrame | None,
                      as_of: dt.date) -> tuple[Settlement, pd.DataFrame]:
    """Cash due under 001's KPI-linked contract as of ``as_of``, by envelope.

    Each envelope's value not at risk is paid in equal instalments in advance through the
    contract year (``payment_schedule``: monthly or quarterly; the specification leaves the
    instalments to Schedule 4E, which is not published); only the ECC at-risk part waits for the
    year-end reconciliation (L383), where the KPIs met earn their weights of it. The gain share
    returned to the commissioner is in the reconciliation table, not a payment to the provider.
    """
    mech = scenario.payment
    table = reconcile_kpi(scenario, kpi_results, spend)
    step = 1 if mech.payment_schedule == "monthly" else 3
    start = to_day(scenario.horizon.start_date)
    day = to_day(as_of)
    values = {"ecc": mech.annual_value_gbp - mech.west_ccg_annual_value_gbp, "west_ccg": mech.west_ccg_annual_value_gbp}
    referral_months = scenario.horizon.referral_months
    pay_rows, audit_rows = [], []
    # instalments fall due whether or not the year's KPI results or spend have been reported:
    # every contract year of the term (a last part year pro rata), each envelope's value not at risk
    for year in range(1, -(-referral_months // 12) + 1):
        months_in = min(12, referral_months - 12 * (year - 1))
        first = add_months_day(start, 12 * (year - 1))
        n = max(1, months_in // step)
        for env in ENVELOPES:
            if values[env] <= 0:
                continue
            risk = mech.at_risk_share if env == "ecc" and year >= mech.at_risk_from_year else 0.0
            amount = values[env] * months_in / 12.0 * (1.0 - risk) / n
            for k in range(n):
                due = add_months_day(first, step * k)
                if due <= day:
                    pay_rows.append((env, year, "instalment", to_date(due), amount))
    reported = set(table["contract_year"].astype(int)) if len(table) else set()
    for row in table.itertuples(index=False):
        year_end = to_day(row.year_end)
        if row.at_risk > 0 and year_end <= day:
            pay_rows.append((row.envelope, row.contract_year, "kpi_year_end", row.year_end, row.kpi_payment))
        if row.at_risk > 0:
            status = "paid" if year_end <= day else "not yet due"
            audit_rows.append((row.envelope, row.contract_year, "kpi_year_end", status, row.kpi_payment if year_end <= day else 0.0,
                               f"{row.envelope.upper().replace('_', ' ')} envelope, contract year {row.contract_year}: KPIs met "
                               f"{row.kpis_met or 'none'} (weight {row.weight_met:.0%}); £{row.kpi_payment:,.2f} of £{row.at_risk:,.2f} "
                               f"at risk earned, £{row.withheld:,.2f} withheld; due {row.year_end:%Y-%m-%d}"))
    # a year ended without KPI results is never 'nothing met': its at-risk money waits for them
    for year in range(max(1, mech.at_risk_from_year), -(-referral_months // 12) + 1):
        year_end = add_months_day(start, 12 * year) - 1
        if year not in reported and year_end <= day and values["ecc"] > 0:
            audit_rows.append(("ecc", year, "kpi_year_end", "awaiting KPI results", 0.0,
                               f"ECC envelope, contract year {year}: ended {to_date(year_end):%Y-%m-%d} with no row in "
                               f"kpi_results.csv; the at-risk money is not reconciled until its KPI results are reported"))
    pay = pd.DataFrame(pay_rows, columns=["envelope", "contract_year", "metric", "due_date", "amount"])
    pay["due_date"] = pd.to_datetime(pay["due_date"])
    pay["payer"] = "commissioner"
    audit = pd.DataFrame(audit_rows, columns=["envelope", "contract_year", "metric", "status", "amount", "reason"])
    return Settlement(as_of, pay, audit), table
