"""Worked examples of the scenario helpers: calendar months, overrides, diffs, distributions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulate.errors import ScenarioError
from simulate.scenario import (
    Gamma,
    LogNormal,
    Triangular,
    add_months,
    annual_referrals,
    diff_scenarios,
    scenario_from_dict,
    with_overrides,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2019, 9, 1), 60, dt.date(2024, 9, 1)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year: clamp to the 29th
        (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
        (dt.date(2020, 8, 31), 6, dt.date(2021, 2, 28)),
        (dt.date(2020, 3, 15), -3, dt.date(2019, 12, 15)),
    ],
)
def test_add_months_is_calendar_arithmetic(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(0, 400))
def test_add_months_never_goes_backwards_and_keeps_the_month_count(day: dt.date, months: int) -> None:
    later = add_months(day, months)
    assert later >= day
    assert (later.year - day.year) * 12 + later.month - day.month == months


def test_annual_referrals_split_by_district_share(minimal: dict[str, Any]) -> None:
    table = annual_referrals(scenario_from_dict(minimal))
    by = table.groupby(["district", "sub_cohort"]).per_year.sum()
    assert by[("North", "diversion")] == pytest.approx(50 * 0.6)
    assert by[("South", "diversion")] == pytest.approx(50 * 0.4)
    assert by[("North", "reunification")] == pytest.approx(10)  # the stream names its district
    assert ("South", "reunification") not in by.index


def test_with_overrides_returns_a_new_valid_scenario(minimal: dict[str, Any]) -> None:
    base = scenario_from_dict(minimal)
    stressed = with_overrides(base, {"referrals.volume_multiplier": 0.7, "districts.North.referral_share": 0.6})
    assert stressed.referrals.volume_multiplier == 0.7
    assert base.referrals.volume_multiplier == 1.0
    assert annual_referrals(stressed).per_year.sum() == pytest.approx(0.7 * 60)


def test_with_overrides_rejects_unknown_paths_and_invalid_values(minimal: dict[str, Any]) -> None:
    base = scenario_from_dict(minimal)
    with pytest.raises(ScenarioError, match="referrals.volume"):
        with_overrides(base, {"referrals.volume": 0.7})
    with pytest.raises(ScenarioError, match="volume_multiplier"):
        with_overrides(base, {"referrals.volume_multiplier": -1})


def test_diff_lists_exactly_the_changed_paths(minimal: dict[str, Any]) -> None:
    a = scenario_from_dict(minimal)
    b = with_overrides(a, {"workforce.caseload_cap_per_fte": 8, "horizon.tracking_months": 24})
    frame = diff_scenarios(a, b)
    assert list(frame.key_path) == ["horizon.tracking_months", "workforce.caseload_cap_per_fte"]
    assert list(frame.a) == [12, 6.0] and list(frame.b) == [24, 8.0]
    assert diff_scenarios(a, a).empty


@pytest.mark.parametrize("dist", [Gamma(mean=20, sd=8), LogNormal(mean=20, sd=8)])
def test_duration_distributions_have_the_stated_mean_and_sd(dist: Any) -> None:
    draws = dist.sample(np.random.default_rng(7), 200_000)
    # Standard error of the mean is 8/sqrt(200000) ≈ 0.018: 0.1 is over five of them.
    assert abs(draws.mean() - 20) < 0.1
    assert abs(draws.std() - 8) < 0.15
    assert draws.min() > 0


def test_triangular_mean_is_the_average_of_its_points() -> None:
    dist = Triangular(low=1, mode=2, high=6)
    assert dist.mean == 3
    assert abs(dist.sample(np.random.default_rng(1), 100_000).mean() - 3) < 0.02


def test_same_generator_seed_same_draws() -> None:
    dist = Gamma(mean=5, sd=2)
    a = dist.sample(np.random.default_rng(42), 10)
    b = dist.sample(np.random.default_rng(42), 10)
    assert np.array_equal(a, b)
