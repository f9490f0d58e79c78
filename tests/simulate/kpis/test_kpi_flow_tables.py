"""The flow's KPI tables through the registry: windows of every kind agree with each other.

Counts and sums are additive: the twelve months of a contract year (April starts, so months
and financial years line up with contract years) add up to the year, and the quarters too.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulate.flow import kpi_table, run_replication
from simulate.scenario import load_scenario

ADDITIVE = ["referrals", "accepted", "families_started", "reviews", "hours_delivered", "exits", "completions"]


@pytest.fixture(scope="module")
def rep():
    return run_replication(load_scenario("lancs-young-carers-003"), seed=4, replication=0)


def _values(rep, period, metric):
    t = kpi_table(rep, period)
    sel = t[(t["metric"] == metric) & (t["district"] == "all")].sort_values("index")
    return sel["value"].to_numpy(float), sel


@pytest.mark.parametrize("metric", ADDITIVE)
def test_months_quarters_and_financial_years_add_up_to_contract_years(rep, metric):
    year, _ = _values(rep, "year", metric)
    month, _ = _values(rep, "month", metric)
    quarter, _ = _values(rep, "quarter", metric)
    fy, _ = _values(rep, "financial_year", metric)
    n = year.size
    assert month[: 12 * n].reshape(n, 12).sum(axis=1) == pytest.approx(year)
    assert quarter[: 4 * n].reshape(n, 4).sum(axis=1) == pytest.approx(year)
    assert fy == pytest.approx(year)  # the contract starts on 1 April
    contract, _ = _values(rep, "contract", metric)
    assert contract[0] == pytest.approx(year.sum())


def test_districts_add_up_and_shares_carry_their_denominator(rep):
    t = kpi_table(rep, "quarter")
    s = t[t["metric"] == "share_started_within_target"]
    for _, g in s.groupby("index"):
        parts = g[g["district"] != "all"]
        total = g[g["district"] == "all"].iloc[0]
        assert parts["denominator"].sum() == total["denominator"]
        if total["denominator"] > 0:
            assert total["value"] == pytest.approx(total["numerator"] / total["denominator"])


def test_first_rolling_window_is_the_first_contract_year(rep):
    # the contract starts on 1 April 2027: the first 12-month window ends on 31 March 2028, the
    # only window of row "2028-03", and it is contract year 1 itself
    roll, sel = _values(rep, "rolling_12_months", "families_worked_with")
    year, _ = _values(rep, "year", "families_worked_with")
    assert sel.iloc[0]["label"] == "2028-03"
    assert roll[0] == year[0]
    # later rows are the worst of several windows, each a count of families
    assert np.all(roll[np.isfinite(roll)] >= 0)
