"""The whole finance layer: conservation of money (property test) and a small worked contract."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.finance.errors import FinanceError
from simulate.finance.ledger import cash_flows, monthly_table, settle_finance, summary_table
from simulate.finance.spv import SpvTerms
from simulate.finance.terms import FinanceTerms, finance_terms, lcf_end_month
from simulate.scenario import load_scenario

money = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    months=st.integers(min_value=1, max_value=30),
    lcf_share=st.floats(0.0, 1.0),
    lcf_end=st.one_of(st.none(), st.integers(0, 30)),
    cap=st.one_of(st.none(), money),
    fee=money,
    margin=st.floats(0.0, 0.5),
    perf=st.floats(0.0, 0.5),
    surplus=st.floats(0.0, 1.0),
    interval=st.integers(1, 13),
)
def test_money_is_neither_created_nor_lost(data, months, lcf_share, lcf_end, cap, fee, margin, perf, surplus, interval):
    due = np.array(data.draw(st.lists(money, min_size=months, max_size=months)))
    costs = np.array(data.draw(st.lists(money, min_size=months, max_size=months)))
    terms = FinanceTerms(
        start_date=dt.date(2021, 1, 1), months=months, lcf_share=lcf_share, lcf_end_month=lcf_end, total_cap=cap,
        spv=SpvTerms(capital_commitment=1e6, management_fee_per_month=fee / 100, provider_margin=margin,
                     provider_performance_share=perf, investor_surplus_share=surplus, distribution_interval_months=interval),
    )
    out = settle_finance(due, costs, terms, with_irr=False)
    table = monthly_table(out)
    # every month's transfers sum to zero across the parties
    by_month = table.groupby("month")["amount_gbp"].sum()
    assert np.allclose(by_month.to_numpy(), 0.0, atol=1e-6 * max(1.0, due.sum() + costs.sum()))
    # the vehicle receives exactly what the commissioner and the fund pay
    received = table.query("party == 'spv' and flow_type == 'outcome_payment'")["amount_gbp"].sum()
    paid = -table.query("party in ['commissioner', 'lcf'] and flow_type == 'outcome_payment'")["amount_gbp"].sum()
    assert received == pytest.approx(paid, rel=1e-9, abs=1e-6)
    assert received == pytest.approx(out.commissioner.sum() + out.lcf.sum(), rel=1e-9, abs=1e-6)
    # nothing is left in the vehicle at the end, and it never holds negative cash
    assert out.spv.cash[-1] == pytest.approx(0.0, abs=1e-6 * max(1.0, due.sum() + costs.sum()))
    assert (out.spv.cash >= -1e-6).all()
    # payments never exceed the cap
    if cap is not None:
        assert out.commissioner.sum() + out.lcf.sum() <= cap + 1e-6


def test_small_contract_worked_by_hand():
    # Two-year contract, one flow a year: costs 1,000 in month 0; outcome payment 1,210 due in month 23.
    terms = FinanceTerms(start_date=dt.date(2021, 1, 1), months=24, lcf_share=0.25, lcf_end_month=12,
                         spv=SpvTerms(capital_commitment=5000.0, distribution_interval_months=24))
    due = pd.DataFrame({"month": [23], "amount_gbp": [1210.0]})
    costs = pd.DataFrame({"month": [0], "amount_gbp": [1000.0]})
    out = cash_flows(terms, due, costs)
    s = out.summary
    assert s["capital_drawn_gbp"] == 1000.0 and s["peak_capital_gbp"] == 1000.0
    assert s["money_multiple"] == pytest.approx(1.21)
    # flows dated 31 Jan 2021 and 31 Dec 2022: 699 days; (1.21)^(365/699) - 1
    assert s["irr"] == pytest.approx(1.21 ** (365 / 699) - 1, abs=1e-9)
    assert s["months_to_break_even"] == 24.0
    assert s["lcf_payments_gbp"] == 0.0            # the fund closed after month 11
    assert s["commissioner_payments_gbp"] == 1210.0
    assert set(summary_table(out)["metric"]) >= {"irr", "peak_capital_gbp", "money_multiple"}


def test_bad_month_names_the_row():
    terms = FinanceTerms(start_date=dt.date(2021, 1, 1), months=3, spv=SpvTerms(capital_commitment=0.0))
    with pytest.raises(FinanceError, match="row 2: month 7"):
        cash_flows(terms, pd.DataFrame({"month": [0, 7], "amount_gbp": [1.0, 1.0]}), pd.DataFrame({"month": [0], "amount_gbp": [1.0]}))


def test_terms_from_the_004_preset():
    sc = load_scenario("lancs-edge-of-care-004")
    terms = finance_terms(sc)
    assert terms.months == sc.horizon.total_months
    # the fund pays nothing due on or after its end date (the 1st of a month): that month is the first skipped
    end, start = sc.finance.lcf_end_date, sc.horizon.start_date
    assert end.day == 1
    assert terms.lcf_end_month == (end.year - start.year) * 12 + (end.month - start.month)
    assert lcf_end_month(dt.date(2019, 9, 1), 84, dt.date(2025, 3, 1)) == 66   # March 2025 is month 66
    assert terms.care_cost_per_day == pytest.approx(sc.finance.placement_costs.mean_weekly_gbp / 7)
