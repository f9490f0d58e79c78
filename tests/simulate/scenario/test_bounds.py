"""Every number is finite, a number, and within what a service could be; what-ifs are checked.

Worked examples at the edges of the bounds listed in docs/scenarios.md ("Bounds").
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from simulate.errors import ScenarioError
from simulate.scenario import scenario_from_dict, with_overrides


def _issues(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    return {i.key_path: i.reason for i in info.value.issues}


@pytest.mark.parametrize(
    ("section", "key", "edge", "beyond"),
    [
        (("referrals", "streams", 0), "per_year", 100_000, 100_000.5),
        (("workforce",), "caseload_cap_per_fte", 1_000, 1_000.5),
        (("workforce",), "hours_per_fte_per_week", 168, 168.5),
        (("workforce",), "cost_per_fte_gbp_per_year", 1_000_000, 1_000_001),
        (("horizon",), "referral_months", 240, 241),
        (("horizon",), "tracking_months", 120, 121),
        (("referrals",), "acceptance_probability", 1.0, 1.0000001),
    ],
)
def test_a_bound_admits_its_edge_and_refuses_beyond(minimal: dict, section: tuple, key: str, edge: float, beyond: float) -> None:
    node = minimal
    for part in section:
        node = node[part]
    node[key] = edge
    scenario_from_dict(minimal)
    node[key] = beyond
    path = ".".join(str(p) for p in section).replace(".0", "[0]") + f".{key}"
    assert path in _issues(minimal)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_no_number_is_infinite_or_nan(minimal: dict, value: float) -> None:
    minimal["referrals"]["annual_trend"] = value
    assert "finite" in _issues(minimal)["referrals.annual_trend"]


def test_yes_is_not_one_and_text_is_not_a_number(minimal: dict) -> None:
    minimal["intervention"] = {"cap_weeks": True, "extension_weeks": "4"}
    issues = _issues(minimal)
    assert "yes/no" in issues["intervention.cap_weeks"]
    assert "not text" in issues["intervention.extension_weeks"]


def test_true_is_a_boolean_and_1_is_not(minimal: dict) -> None:
    payment = {"kind": "kpi_linked", "annual_value_gbp": 1e6, "at_risk_share": 0.1, "kpi_weights": {"starts": 1.0}}
    minimal["payment"] = dict(payment, provider_gain_ring_fenced=False)
    assert scenario_from_dict(minimal).payment.provider_gain_ring_fenced is False
    minimal["payment"] = dict(payment, provider_gain_ring_fenced=1)
    assert "boolean" in _issues(minimal)["payment.provider_gain_ring_fenced"]


def test_a_whole_number_written_with_a_point_is_still_whole(minimal: dict) -> None:
    minimal["horizon"]["referral_months"] = 24.0
    assert scenario_from_dict(minimal).horizon.referral_months == 24
    minimal["horizon"]["referral_months"] = 24.5
    assert "horizon.referral_months" in _issues(minimal)


def test_dates_outside_1990_to_2100_are_refused(minimal: dict) -> None:
    minimal["horizon"]["start_date"] = "2101-01-01"
    assert "horizon.start_date" in _issues(minimal)


def test_total_referral_draws_are_bounded(minimal: dict) -> None:
    # 60 a year × 1000 × 24/12 years = 120,000 draws: fine. With a 100% trend, growth over
    # 2 years is 4 and the busiest month 12 × (mean 1): 60 × 1000 × 4 × 2 = 480,000: fine.
    minimal["referrals"]["volume_multiplier"] = 1000
    minimal["referrals"]["annual_trend"] = 1.0
    scenario_from_dict(minimal)
    # 100,000 a year on one stream: 100,060 × 1000 × 4 × 2 = 800m draws: refused.
    minimal["referrals"]["streams"][0]["per_year"] = 100_000
    assert "at most 5,000,000" in _issues(minimal)["referrals"]


def test_an_uncertainty_range_is_checked_at_both_ends(minimal: dict) -> None:
    minimal["uncertainty"] = [{"parameter": "referrals.acceptance_probability", "low": -0.1, "high": 1.95}]
    issues = _issues(minimal)
    assert "greater than or equal to 0" in issues["uncertainty[0].low"]
    assert "less than or equal to 1" in issues["uncertainty[0].high"]
    assert "referrals.acceptance_probability" in issues["uncertainty[0].high"]


def test_a_triangular_mode_is_checked(minimal: dict) -> None:
    minimal["uncertainty"] = [{"parameter": "workforce.vacancy_rate", "low": 0.0, "mode": 0.9, "high": 0.9, "distribution": "triangular"}]
    scenario_from_dict(minimal)
    minimal["uncertainty"] = [{"parameter": "horizon.referral_months", "low": 12, "mode": 300, "high": 300, "distribution": "triangular"}]
    assert set(_issues(minimal)) == {"uncertainty[0].mode", "uncertainty[0].high"}


def test_a_stress_override_is_checked_against_its_field_naming_the_stress(minimal: dict) -> None:
    minimal["stresses"] = [{"name": "vacancies", "overrides": {"workforce.vacancy_rate": 5}}]
    reason = _issues(minimal)["stresses[0].overrides.workforce.vacancy_rate"]
    assert "'vacancies'" in reason and "less than or equal to 1" in reason


def test_stress_overrides_valid_alone_but_not_together(minimal: dict) -> None:
    # each share alone breaks the 0.6 + 0.4 = 1 sum; together (0.5 + 0.5) they keep it
    minimal["stresses"] = [{"name": "even", "overrides": {"districts.North.referral_share": 0.5, "districts.South.referral_share": 0.5}}]
    scenario_from_dict(minimal)
    minimal["stresses"] = [{"name": "lopsided", "overrides": {"districts.North.referral_share": 0.6, "districts.South.referral_share": 0.6}}]
    issues = _issues(minimal)
    assert "'lopsided' makes districts invalid" in issues["stresses[0].overrides"]
    assert "sum to 1" in issues["stresses[0].overrides"]


def test_with_overrides_still_refuses_a_bad_value(minimal: dict) -> None:
    sc = scenario_from_dict(minimal)
    with pytest.raises(ScenarioError, match="workforce.vacancy_rate"):
        with_overrides(sc, {"workforce.vacancy_rate": 1.5})
