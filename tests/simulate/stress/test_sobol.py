"""Sobol' indices (SALib) beside standardised regression coefficients, for any mechanism."""

import numpy as np

from simulate.scenario import load_scenario
from simulate.stress import sobol


def test_the_outcome_measure_drives_the_payment_by_results_provider_and_the_regression_agrees():
    frame = sobol(load_scenario("lancs-ehwb-000"), base_draws=64, seed=3)
    assert frame.attrs["output"] == "provider_net_gbp" and frame.attrs["draws"] == 64 * (4 + 2)
    assert len(frame) == 4 and np.isfinite(frame[["S1", "ST", "src"]].to_numpy()).all()
    by = frame.set_index("input")
    # A vacant post saves its cost (£36,000 × 1.15 = £41,400 a year) but loses only the family
    # payments it would have earned: about 14 × 0.855 open cases turning over every 2.3 months,
    # ~62 families a year, two thirds with notable progress at £358 = ~£15,000. So vacancies
    # raise the provider's net, and they drive it more than anything else.
    assert frame.iloc[0]["input"] == "workforce.vacancy_rate" and by.loc["workforce.vacancy_rate", "src"] > 0
    # More notable progress means more family payments: a positive coefficient; the referral
    # volume, with capacity nearly full, matters least.
    assert by.loc["outcomes.distance_travelled.0.mean_change", "src"] > 0
    assert frame.iloc[-1]["input"] == "referrals.volume_multiplier"
