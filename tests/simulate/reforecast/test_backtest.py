"""Back test on synthetic 004 extracts with known truth (slow: many seeds).

For each seed the full extract is settled at the contract's end (the realised total); the
reforecast as of the end of year 2 reads the same extract only as it stood then. Its 90%
interval of total outcome payments should cover the realised total in about 90% of seeds: with
n seeds the count of covers is Binomial(n, 0.9) if the intervals are calibrated, and the test
accepts anything the two-sided 99% binomial range allows. The interval must also narrow as the
as-of date moves later (year 4 against year 2, on the same seeds).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.stats import binom

from data_synthetic import synthesise
from simulate.payments.settle import settle_scenario
from simulate.reforecast import reforecast
from simulate.scenario import load_scenario

SEEDS = 40
DRAWS = 200


@pytest.mark.slow
def test_ninety_percent_interval_covers_the_realised_total_in_about_ninety_percent_of_seeds():
    sc = load_scenario("lancs-edge-of-care-004")
    end = sc.horizon.contract_end - dt.timedelta(days=1)
    covered, width2, width4 = [], [], []
    for s in range(SEEDS):
        frames = synthesise(sc, seed=2000 + s).frames
        settled, _ = settle_scenario(sc, frames, end, allow_no_return_home=True)
        realised = float(settled.payments["amount"].sum())
        lo, hi = np.quantile(reforecast(sc, frames, dt.date(2021, 8, 31), DRAWS, seed=s).draws["outcome_payments_gbp"], [0.05, 0.95])
        covered.append(lo <= realised <= hi)
        width2.append(hi - lo)
        lo4, hi4 = np.quantile(reforecast(sc, frames, dt.date(2023, 8, 31), DRAWS, seed=s).draws["outcome_payments_gbp"], [0.05, 0.95])
        width4.append(hi4 - lo4)
    low, high = binom.ppf(0.005, SEEDS, 0.9), binom.ppf(0.995, SEEDS, 0.9)
    assert low <= sum(covered) <= high, f"{sum(covered)}/{SEEDS} covered; calibrated intervals give {low:.0f}-{high:.0f}"
    assert np.mean(width4) < 0.8 * np.mean(width2)
    assert np.mean(np.array(width4) < np.array(width2)) > 0.9
