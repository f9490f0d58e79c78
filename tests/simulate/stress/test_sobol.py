"""Sobol' indices (SALib) beside standardised regression coefficients, for any mechanism."""

import numpy as np

from simulate.scenario import load_scenario
from simulate.stress import sobol


def test_the_outcome_measure_drives_the_payment_by_results_provider_and_the_regression_agrees():
    frame = sobol(load_scenario("lancs-ehwb-000"), base_draws=64, seed=3)
    assert frame.attrs["output"] == "provider_net_gbp" and frame.attrs["draws"] == 64 * (4 + 2)
    assert len(frame) == 4 and np.isfinite(frame[["S1", "ST", "src"]].to_numpy()).all()
    # Family payments follow the share of families showing notable progress, so its change on
    # the outcome measure has the largest total index, and its regression coefficient is positive.
    top = frame.iloc[0]
    assert top["input"] == "outcomes.distance_travelled.0.mean_change" and top["src"] > 0
    # The staff vacancy rate moves the provider's net far less than the outcome measure does.
    vacancy = frame.set_index("input").loc["workforce.vacancy_rate"]
    assert vacancy["ST"] < top["ST"] / 3
