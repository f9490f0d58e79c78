"""Capital drawdown, peak capital and the waterfall on small hand-worked examples."""

import numpy as np
import pytest

from simulate.finance.spv import SpvTerms, run_spv, waterfall


def test_three_period_drawdown_and_peak_capital():
    # month 0: -100 -> draw 100; month 1: +50 - 100 -> draw 50; month 2: +200 - 20 = 180 distributed
    terms = SpvTerms(capital_commitment=500.0, distribution_interval_months=12)
    flows = run_spv(np.array([0.0, 50.0, 200.0]), np.array([100.0, 100.0, 20.0]), terms)
    assert flows.capital_drawn.tolist() == [100.0, 50.0, 0.0]
    assert flows.capital_outstanding.max() == 150.0          # peak capital
    assert flows.capital_returned.tolist() == [0.0, 0.0, 150.0]
    assert flows.investor_surplus.tolist() == [0.0, 0.0, 30.0]
    assert flows.investor_net.tolist() == [-100.0, -50.0, 180.0]


def test_management_fee_is_drawn_too():
    # fee 10 a month: draws 110 and 60; final cash 200 - 30 = 170 returns exactly the capital
    terms = SpvTerms(capital_commitment=500.0, management_fee_per_month=10.0)
    flows = run_spv(np.array([0.0, 50.0, 200.0]), np.array([100.0, 100.0, 20.0]), terms)
    assert flows.capital_drawn.tolist() == [110.0, 60.0, 0.0]
    assert flows.investor_net.sum() == pytest.approx(0.0)


def test_waterfall_returns_capital_first_then_splits_surplus():
    assert waterfall(100.0, 60.0, 0.8) == pytest.approx((60.0, 32.0, 8.0))
    assert waterfall(50.0, 60.0, 0.8) == pytest.approx((50.0, 0.0, 0.0))
    assert waterfall(-5.0, 60.0, 0.8) == (0.0, 0.0, 0.0)


def test_interim_distribution_keeps_a_reserve_for_planned_outgoings():
    # distribution after month 1 (interval 2): cash 250, reserve = outgoings of months 2-3 = 50
    terms = SpvTerms(capital_commitment=500.0, distribution_interval_months=2, investor_surplus_share=0.5)
    flows = run_spv(np.array([0.0, 300.0, 0.0, 0.0]), np.array([100.0, 50.0, 50.0, 0.0]), terms)
    assert flows.capital_drawn.tolist() == [100.0, 0.0, 0.0, 0.0]
    assert flows.capital_returned.tolist() == [0.0, 100.0, 0.0, 0.0]
    assert flows.investor_surplus.tolist() == [0.0, 50.0, 0.0, 0.0]
    assert flows.provider_surplus.tolist() == [0.0, 50.0, 0.0, 0.0]
    assert flows.cash.tolist() == [0.0, 50.0, 0.0, 0.0]


def test_fee_for_service_margin_and_performance_share():
    terms = SpvTerms(capital_commitment=0.0, provider_margin=0.1, provider_performance_share=0.2)
    flows = run_spv(np.array([100.0]), np.array([50.0]), terms)
    assert flows.fee_for_service.tolist() == pytest.approx([55.0])
    assert flows.performance_share.tolist() == pytest.approx([20.0])
    assert flows.investor_surplus.tolist() == pytest.approx([25.0])


def test_reserve_covers_outgoings_the_cap_can_no_longer_fund():
    # cap 300 and 200 received in month 0: at most 100 more can come, but months 1-3 need 200.
    terms = SpvTerms(capital_commitment=1000.0, distribution_interval_months=1)
    receipts = np.array([200.0, 0.0, 100.0, 0.0])
    costs = np.array([50.0, 50.0, 50.0, 100.0])
    flows = run_spv(receipts, costs, terms, receipts_cap=300.0)
    # month 0: cash 150; reserve max(next month 50, remaining 200 - headroom 100 = 100) = 100
    assert flows.capital_returned[0] + flows.investor_surplus[0] == 50.0
    assert flows.capital_drawn.sum() == 0.0            # never has to call capital again
    without = run_spv(receipts, costs, terms)          # no cap known: keeps only next month's 50
    assert without.capital_drawn.sum() > 0.0
