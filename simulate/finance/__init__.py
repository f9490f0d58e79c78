"""The finance layer: monthly cash flows of investor, provider, commissioner and Life Chances Fund.

>>> from simulate.finance import finance_terms, cash_flows, monthly_table  # doctest: +SKIP
>>> out = cash_flows(finance_terms(scenario), payments_due, delivery_costs)  # doctest: +SKIP
>>> out.summary["irr"], out.summary["peak_capital_gbp"]  # doctest: +SKIP
"""

from .calendar import interval_days_by_month, month_edges, month_ends, month_of
from .errors import FinanceError, StressError
from .ledger import FinanceOutcome, cash_flows, monthly_table, settle_finance, summary_table
from .payers import CappedPayments, apply_caps, split_by_payer
from .returns import IrrResult, irr, money_multiple, npv, present_value, sign_changes
from .savings import care_cost_per_day, days_in_care, savings_by_month, savings_pv
from .spv import SpvFlows, SpvTerms, run_spv, waterfall
from .terms import FinanceTerms, finance_terms, lcf_end_month

__all__ = [
    "CappedPayments", "FinanceError", "FinanceOutcome", "FinanceTerms", "IrrResult", "SpvFlows", "SpvTerms",
    "StressError", "apply_caps", "care_cost_per_day", "cash_flows", "days_in_care", "finance_terms",
    "interval_days_by_month", "irr", "lcf_end_month", "money_multiple", "month_edges", "month_ends", "month_of",
    "monthly_table", "npv", "present_value", "run_spv", "savings_by_month", "savings_pv", "settle_finance",
    "sign_changes", "split_by_payer", "summary_table", "waterfall",
]
