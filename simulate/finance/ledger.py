"""The finance layer: monthly payments and costs → every party's cash flows and the headline figures.

Array entry point :func:`settle_finance` (used by the stress engine for every draw) and the tidy
entry point :func:`cash_flows` (tables in, tables out).

Parties: ``commissioner`` and ``lcf`` (Life Chances Fund) pay outcome payments to the ``spv``
(the investor's vehicle); the ``investor`` pays capital into the SPV and receives capital back
and surplus; the SPV pays the ``provider`` its fee for service and any performance share and
surplus, and the ``fund_manager`` its fee; the provider pays ``staff_and_suppliers``. Every
transfer appears twice in the monthly table (minus for the payer, plus for the payee), so each
month's amounts sum to zero: money is neither created nor lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import FinanceError
from .funders import FunderFlows, split_funders
from .payers import apply_caps, cap_grant, split_by_payer
from .returns import IrrResult, irr, money_multiple, present_value
from .savings import savings_by_month
from .spv import SpvFlows, run_spv
from .terms import FinanceTerms

MONTHLY_COLUMNS = ["party", "counterparty", "month", "date", "flow_type", "amount_gbp"]


@dataclass
class FinanceOutcome:
    """Every monthly flow of one replication plus its headline figures (``summary``)."""

    terms: FinanceTerms
    due: np.ndarray
    commissioner: np.ndarray
    lcf: np.ndarray
    cut: np.ndarray
    costs: np.ndarray
    spv: SpvFlows
    savings: np.ndarray
    irr: IrrResult
    summary: dict = field(default_factory=dict)
    funders: FunderFlows | None = None

    @property
    def investor_net(self) -> np.ndarray:
        """The social investor's flows by month (its share of the vehicle's capital)."""
        return self.funders.investor_net if self.funders is not None else self.spv.investor_net


def settle_finance(due: np.ndarray, costs: np.ndarray, terms: FinanceTerms, days_avoided: np.ndarray | None = None,
                   with_irr: bool = True) -> FinanceOutcome:
    """Run caps, payers, the SPV and the valuation of care avoided on monthly arrays.

    Parameters
    ----------
    due
        Outcome payments due by contract month (£, before caps).
    costs
        The provider's delivery costs by month (£).
    terms
        From :func:`simulate.finance.terms.finance_terms`.
    days_avoided
        Care days avoided by month (counterfactual minus service), or None; it may run past
        the contract's last month (a savings horizon longer than the contract) and is then
        valued and discounted over its own length.
    with_irr
        Compute the IRR (skip for speed when only the multiple is needed).

    Returns
    -------
    FinanceOutcome
        ``summary`` keys: ``capital_committed_gbp``, ``capital_drawn_gbp``,
        ``capital_over_commitment_gbp``, ``peak_capital_gbp``, ``months_to_break_even``,
        ``irr``, ``irr_status``, ``irr_reason``, ``money_multiple``, ``investor_net_gbp``,
        ``investor_loss``, ``outcome_payments_due_gbp``, ``outcome_payments_gbp``,
        ``cap_cut_gbp``, ``cap_reached``, ``cap_reached_month``, ``commissioner_payments_gbp``,
        ``lcf_payments_gbp``, ``commissioner_payments_pv_gbp``, ``lcf_payments_pv_gbp``,
        ``provider_costs_gbp``, ``provider_income_gbp``, ``provider_net_gbp``,
        ``management_fees_gbp``, ``care_days_avoided``, ``savings_pv_gbp``,
        ``commissioner_net_benefit_pv_gbp``, ``capital_unreturned_gbp`` (the social investor's
        capital never returned), ``co_funder_capital_drawn_gbp``, ``co_funder_net_gbp``,
        ``lcf_cap_shifted_gbp`` (top-up the grant cap moved to the commissioner) and
        ``payments_forgone_gbp`` (due after an early termination, so never paid). Capital,
        IRR, multiple and net are the social investor's (its ``investor_share`` of the vehicle).
    """
    due = np.asarray(due, float)
    costs = np.asarray(costs, float)
    if len(due) != terms.months or len(costs) != terms.months or (days_avoided is not None and len(days_avoided) < terms.months):
        raise FinanceError(f"monthly inputs must have {terms.months} months (payments {len(due)}, costs {len(costs)})")
    live = terms.months if terms.end_month is None else min(terms.months, terms.end_month + 1)
    forgone = float(due[live:].sum())
    if live < terms.months:       # terminated: nothing falls due, and nobody is paid, after the break
        due, costs = due.copy(), costs.copy()
        due[live:], costs[live:] = 0.0, 0.0
    capped = apply_caps(due, terms.total_cap, terms.per_year_cap)
    commissioner, lcf = split_by_payer(capped.paid, terms.lcf_share, terms.lcf_end_month)
    commissioner, lcf, shifted = cap_grant(commissioner, lcf, terms.lcf_grant_cap)
    spv = _pad(run_spv(capped.paid[:live], costs[:live], terms.spv, terms.total_cap), terms.months)
    funders = split_funders(spv, terms.investor_share, terms.co_funder_terms)
    days = np.zeros(terms.months) if days_avoided is None else np.asarray(days_avoided, float)
    savings = savings_by_month(days, terms.care_cost_per_day, terms.deadweight, terms.optimism_bias)
    net = funders.investor_net
    result = irr(net, terms.dates) if with_irr else IrrResult(float("nan"), "not computed")
    cum = np.cumsum(net)
    drawn_any = np.cumsum(funders.investor_drawn) > 0
    back = np.nonzero(drawn_any & (cum >= -1e-6) & (np.arange(len(cum)) >= np.argmax(drawn_any)))[0]
    r = terms.discount_rate
    drawn = float(funders.investor_drawn.sum())
    inv_outstanding = np.cumsum(funders.investor_drawn - funders.investor_returned)
    provider_income = float((spv.fee_for_service + spv.performance_share + spv.provider_surplus).sum())
    s = {
        "capital_committed_gbp": terms.spv.capital_commitment * terms.investor_share,
        "capital_drawn_gbp": drawn,
        "capital_over_commitment_gbp": max(0.0, float(inv_outstanding.max(initial=0.0)) - terms.spv.capital_commitment * terms.investor_share),
        "peak_capital_gbp": float(inv_outstanding.max(initial=0.0)),
        "months_to_break_even": float(back[0] + 1) if len(back) and drawn > 0 else float("nan"),
        "irr": result.value,
        "irr_status": result.status,
        "irr_reason": result.reason,
        "money_multiple": money_multiple(net),
        "investor_net_gbp": float(net.sum()),
        "investor_loss": bool(net.sum() < -1e-6),
        "outcome_payments_due_gbp": float(due.sum()),
        "outcome_payments_gbp": float(capped.paid.sum()),
        "cap_cut_gbp": max(0.0, float(capped.cut.sum())),
        "cap_reached": capped.cap_reached_month is not None,
        "cap_reached_month": float(capped.cap_reached_month) if capped.cap_reached_month is not None else float("nan"),
        "commissioner_payments_gbp": float(commissioner.sum()),
        "lcf_payments_gbp": float(lcf.sum()),
        "commissioner_payments_pv_gbp": present_value(commissioner, r),
        "lcf_payments_pv_gbp": present_value(lcf, r),
        "provider_costs_gbp": float(costs.sum()),
        "provider_income_gbp": provider_income,
        "provider_net_gbp": provider_income - float(costs.sum()),
        "management_fees_gbp": float(spv.management_fee.sum()),
        "care_days_avoided": float(days.sum()),
        "capital_unreturned_gbp": max(0.0, float(inv_outstanding[-1])) if len(inv_outstanding) else 0.0,
        "co_funder_capital_drawn_gbp": float(funders.co_drawn.sum()),
        "co_funder_net_gbp": float(funders.co_net.sum()),
        "lcf_cap_shifted_gbp": shifted,
        "payments_forgone_gbp": forgone,
        "savings_pv_gbp": present_value(savings, r),
    }
    s["commissioner_net_benefit_pv_gbp"] = s["savings_pv_gbp"] - s["commissioner_payments_pv_gbp"]
    return FinanceOutcome(terms, due, commissioner, lcf, capped.cut, costs, spv, savings, result, s, funders)


def _pad(spv: SpvFlows, months: int) -> SpvFlows:
    """The vehicle's flows with zero months after a termination (it has wound up)."""
    n = len(spv.receipts)
    if n == months:
        return spv
    grow = lambda a: np.concatenate([a, np.zeros(months - n)])  # noqa: E731
    return SpvFlows(*(grow(getattr(spv, f)) for f in ("receipts", "fee_for_service", "performance_share", "management_fee",
                                                     "capital_drawn", "capital_returned", "investor_surplus", "provider_surplus", "cash")))


def _by_month(frame: pd.DataFrame, name: str, value: str, months: int) -> np.ndarray:
    missing = {"month", value} - set(frame.columns)
    if missing:
        raise FinanceError(f"{name}: missing column {sorted(missing)[0]!r} (needs month, {value})")
    month = frame["month"].to_numpy()
    bad = np.nonzero((month < 0) | (month >= months))[0]
    if len(bad):
        raise FinanceError(f"{name}: row {bad[0] + 1}: month {month[bad[0]]} is outside the contract (0..{months - 1})")
    return np.bincount(month.astype(int), weights=frame[value].to_numpy(float), minlength=months)


def cash_flows(terms: FinanceTerms, payments_due: pd.DataFrame, delivery_costs: pd.DataFrame,
               days_avoided: pd.DataFrame | None = None) -> FinanceOutcome:
    """Tidy entry point: tables of payments due, delivery costs and care days avoided by month.

    Parameters
    ----------
    payments_due
        Columns ``month`` (contract month, 0 = first) and ``amount_gbp``; any other columns
        (child, metric, payer) are summed over.
    delivery_costs
        Columns ``month`` and ``amount_gbp`` (e.g. one row per month and cost type).
    days_avoided
        Columns ``month`` and ``days`` (care days avoided), optional.
    """
    due = _by_month(payments_due, "payments_due", "amount_gbp", terms.months)
    costs = _by_month(delivery_costs, "delivery_costs", "amount_gbp", terms.months)
    days = None if days_avoided is None else _by_month(days_avoided, "days_avoided", "days", terms.months)
    return settle_finance(due, costs, terms, days)


def transfers(out: FinanceOutcome) -> list[tuple[str, str, str, np.ndarray]]:
    """Every flow between two parties: ``(payer, payee, flow_type, £ by month)``."""
    s = out.spv
    return [
        ("commissioner", "spv", "outcome_payment", out.commissioner),
        ("lcf", "spv", "outcome_payment", out.lcf),
        *_funder_transfers(out),
        ("spv", "provider", "fee_for_service", s.fee_for_service),
        ("spv", "provider", "performance_share", s.performance_share),
        ("spv", "fund_manager", "management_fee", s.management_fee),
        ("spv", "provider", "surplus", s.provider_surplus),
        ("provider", "staff_and_suppliers", "delivery_cost", out.costs),
    ]


def _funder_transfers(out: FinanceOutcome) -> list[tuple[str, str, str, np.ndarray]]:
    f = out.funders if out.funders is not None else split_funders(out.spv)
    return [
        ("investor", "spv", "capital_drawn", f.investor_drawn), ("co_funder", "spv", "capital_drawn", f.co_drawn),
        ("spv", "investor", "capital_returned", f.investor_returned), ("spv", "co_funder", "capital_returned", f.co_returned),
        ("spv", "investor", "surplus", f.investor_surplus), ("spv", "co_funder", "surplus", f.co_surplus),
    ]


def ledger_frame(transfers: list[tuple[str, str, str, np.ndarray]], dates: list) -> pd.DataFrame:
    """Tidy who-pays-whom table from transfers (payer, payee, flow_type, £ by month).

    Columns :data:`MONTHLY_COLUMNS`; ``amount_gbp`` is signed from the party's side (+ received,
    − paid): each transfer is two rows, one per side; zero flows are left out.
    """
    parts = []
    for payer, payee, kind, amounts in transfers:
        amounts = np.asarray(amounts, float)
        m = np.nonzero(np.abs(amounts) > 0)[0]
        if len(m) == 0:
            continue
        a = amounts[m]
        parts.append(pd.DataFrame({"party": payer, "counterparty": payee, "month": m, "flow_type": kind, "amount_gbp": -a}))
        parts.append(pd.DataFrame({"party": payee, "counterparty": payer, "month": m, "flow_type": kind, "amount_gbp": a}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MONTHLY_COLUMNS)
    frame["date"] = [dates[int(k)] for k in frame["month"]]
    return frame[MONTHLY_COLUMNS].sort_values(["month", "party", "flow_type"], kind="stable").reset_index(drop=True)


def monthly_table(out: FinanceOutcome) -> pd.DataFrame:
    """One tidy row per party, month and flow type (``party, counterparty, month, date, flow_type, amount_gbp``).

    ``amount_gbp`` is signed from the party's side (+ received, − paid); zero flows are left out.
    """
    return ledger_frame(transfers(out), out.terms.dates)


def summary_table(out: FinanceOutcome, extra: dict | None = None) -> pd.DataFrame:
    """The headline figures as a tidy table (``metric, value``); ``extra`` adds more."""
    items = {**out.summary, **(extra or {})}
    return pd.DataFrame({"metric": list(items), "value": [items[k] for k in items]})
