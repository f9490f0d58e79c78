"""Bad scenarios are rejected with the key path of every problem and a clear reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.errors import ScenarioError
from simulate.scenario import load_scenario, scenario_from_dict


def test_minimal_scenario_is_valid(minimal: dict[str, Any]) -> None:
    sc = scenario_from_dict(minimal)
    assert sc.workforce.total_fte == 5
    assert sc.horizon.contract_end.isoformat() == "2028-04-01"


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _rename(path: str, new: str) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        node[new] = node.pop(parts[-1])

    return edit


# (id, edit, expected key path, words the reason must contain)
BAD = [
    ("misspelt key", _rename("horizon.referral_months", "referal_months"), "horizon.referal_months", "did you mean 'referral_months'"),
    ("misspelt district key", _rename("districts.1.referral_share", "referal_share"), "districts[1].referal_share", "unknown key"),
    ("negative rate", _set("referrals.streams.0.per_year", -3), "referrals.streams[0].per_year", "greater than or equal to 0"),
    ("need shares not summing to 1", _set("referrals.need_mix", {3: 0.5, 4: 0.4}), "referrals.need_mix", "sum to 1"),
    ("source shares not summing to 1", _set("referrals.sources", {"a": 0.9}), "referrals.sources", "sum to 1"),
    ("district shares not summing to 1", _set("districts.1.referral_share", 0.5), "districts", "sum to 1"),
    ("schedule dates out of order", _set("workforce.schedule.1.date", "2025-10-01"), "workforce", "in order"),
    ("schedule date after the contract", _set("workforce.schedule.1.date", "2030-01-01"), "workforce.schedule[1].date", "outside the contract"),
    ("unknown KPI metric", _set("kpi_targets.0.metric", "happiness"), "kpi_targets[0].metric", "unknown KPI metric"),
    ("share above 1", _set("referrals.acceptance_probability", 1.2), "referrals.acceptance_probability", "less than or equal to 1"),
    ("unknown sub-cohort", _set("referrals.streams.0.sub_cohort", "diverted"), "referrals.streams[0].sub_cohort", "unknown sub-cohort"),
    ("unknown district in workforce", _set("workforce.fte_by_district", {"North": 3, "Sout": 2}), "workforce.fte_by_district.Sout", "unknown district"),
    ("not a date", _set("horizon.start_date", "next spring"), "horizon.start_date", "date"),
    ("missing required key", lambda d: d["workforce"].pop("caseload_cap_per_fte"), "workforce.caseload_cap_per_fte", "missing"),
    ("unknown payment kind", _set("payment", {"kind": "bonus", "annual_value_gbp": 1}), "payment", "kind"),
    ("seasonality not averaging 1", _set("referrals.seasonality", [2.0] * 12), "referrals.seasonality", "average 1"),
    ("uncertainty names no number", _set("uncertainty.0.parameter", "referrals.volume"), "uncertainty[0].parameter", "does not name a number"),
    ("ages outside sub-cohort", _set("referrals.streams.0.ages", {"min_years": 3, "max_years": 9}), "referrals.streams[0].ages", "outside sub-cohort"),
    ("sib without investor majority", _set("payment", {"kind": "sib_edge_of_care", "max_per_child_gbp": 20000, "family_functioning_improvement": 0.1, "absence_reduction": 0.2, "reading_gain_years": 0.5}), "finance.investor_share", "0.501"),
    ("kpi weight naming an unknown target", _set("payment", {"kind": "kpi_linked", "annual_value_gbp": 1e6, "at_risk_share": 0.1, "kpi_weights": {"waits": 1.0}}), "payment.kpi_weights.waits", "unknown KPI"),
    ("duplicate district", _set("districts.1.name", "North"), "districts[1].name", "duplicate"),
    ("misspelt distribution parameter", _set("intervention", {"duration_weeks": {"dist": "gamma", "mean": 10, "sdd": 2}}), "intervention.duration_weeks.sdd", "unknown key"),
]


@pytest.mark.parametrize(("edit", "path", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_scenario_names_key_path_and_reason(minimal: dict, edit: Callable, path: str, words: str) -> None:
    edit(minimal)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(minimal, source="bad.yaml")
    paths = [issue.key_path for issue in info.value.issues]
    assert path in paths, paths
    reason = next(i.reason for i in info.value.issues if i.key_path == path)
    assert words.lower() in reason.lower()
    line = info.value.one_line()
    assert "\n" not in line and line.startswith("bad.yaml: ")


def test_every_problem_is_reported_not_just_the_first(minimal: dict) -> None:
    minimal["referrals"]["streams"][0]["per_year"] = -1
    minimal["horizon"]["tracking_monthz"] = 3
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(minimal)
    assert {i.key_path for i in info.value.issues} >= {"referrals.streams[0].per_year", "horizon.tracking_monthz"}


def test_duplicate_yaml_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("service: {name: a, local_authority: b, specification: c}\nhorizon: {}\nhorizon: {}\n")
    with pytest.raises(ScenarioError, match="line 3.*appears twice"):
        load_scenario(path)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("service:\n  name: [unclosed\n")
    with pytest.raises(ScenarioError, match="not valid YAML: line"):
        load_scenario(path)


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_any_negative_rate_is_rejected(rate: float) -> None:
    import copy

    from .conftest import MINIMAL_YAML

    data = yaml.safe_load(MINIMAL_YAML)
    data["referrals"]["streams"][1]["per_year"] = rate
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(copy.deepcopy(data))
    assert "referrals.streams[1].per_year" in [i.key_path for i in info.value.issues]


@settings(max_examples=40, deadline=None)
@given(shares=st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=2))
def test_need_mix_accepted_exactly_when_it_sums_to_one(shares: list[float]) -> None:
    from .conftest import MINIMAL_YAML

    data = yaml.safe_load(MINIMAL_YAML)
    data["referrals"]["need_mix"] = {3: shares[0], 4: shares[1]}
    if abs(sum(shares) - 1) <= 1e-3:
        scenario_from_dict(data)
    else:
        with pytest.raises(ScenarioError):
            scenario_from_dict(data)
