"""Settle any scenario's payment mechanism from tidy extracts: one entry point for the CLI.

Frames are keyed by file name (``referrals.csv``, ``care_episodes.csv``, ``assessments.csv``,
``school.csv``, ``reading.csv``, ``kpi_results.csv``, ``spend.csv``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from simulate.scenario import Block, KpiLinked, PaymentByResults, Scenario, SibEdgeOfCare

from .days import add_months_day, to_day
from .errors import PaymentDataError
from .kpi import reconcile_kpi
from .pbr import settle_pbr
from .sib import Settlement, settle_sib
from .terms import sib_terms

_EMPTY_EPISODES = pd.DataFrame({"child_id": pd.Series(dtype=str), "start_date": pd.Series(dtype="datetime64[ns]"),
                                "end_date": pd.Series(dtype="datetime64[ns]")})


def block_schedule(scenario: Scenario, as_of: dt.date) -> Settlement:
    """A block contract: the annual value in equal monthly or quarterly payments in advance."""
    mech, h = scenario.payment, scenario.horizon
    step = 1 if mech.payment_schedule == "monthly" else 3
    start, day = to_day(h.start_date), to_day(as_of)
    dues = [add_months_day(start, k) for k in range(0, h.total_months, step)]
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
        table = reconcile_kpi(scenario, need("kpi_results.csv"), frames.get("spend.csv"))
        table = table[pd.to_datetime(table["year_end"]) <= pd.Timestamp(as_of)].reset_index(drop=True)
        pay = pd.DataFrame({"metric": "kpi_linked_year_end", "contract_year": table["contract_year"],
                            "due_date": pd.to_datetime(table["year_end"]), "amount": table["total_due"], "payer": "commissioner"})
        audit = pd.DataFrame({"metric": "kpi_linked_year_end", "contract_year": table["contract_year"],
                              "status": "paid", "amount": table["total_due"],
                              "reason": [f"KPIs met: {k or 'none'}; withheld £{w:,.2f}" for k, w in zip(table["kpis_met"], table["withheld"])]})
        return Settlement(as_of, pay, audit), table
    if isinstance(mech, Block):
        return block_schedule(scenario, as_of), None
    raise PaymentDataError("scenario", [], f"no settlement for payment kind {mech.kind!r}")
