"""Scenario fields of the staff-limited stages: hours per activity and the intake share."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulate.errors import ScenarioError
from simulate.scenario import scenario_from_dict


def test_hours_without_an_intake_share_name_the_key(minimal: dict[str, Any]) -> None:
    data = copy.deepcopy(minimal)
    data.setdefault("triage", {})["contact_hours"] = 1.0
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert "workforce.intake_share" in str(info.value) and "triage.contact_hours" in str(info.value)
    data["workforce"]["intake_share"] = 0.1
    assert scenario_from_dict(data).workforce.intake_share == 0.1


def test_direct_and_indirect_hours_come_together_and_replace_hours_per_week(minimal: dict[str, Any]) -> None:
    data = copy.deepcopy(minimal)
    data.setdefault("intervention", {})["direct_hours_per_week"] = 2.0
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert "intervention" in str(info.value) and "indirect_hours_per_week" in str(info.value)
    data["intervention"]["indirect_hours_per_week"] = 0.5
    iv = scenario_from_dict(data).intervention
    assert iv.support_hours_per_week == 2.5 and iv.review_hours == 0.0


def test_defaults_keep_contact_and_assessment_as_fixed_delays(minimal: dict[str, Any]) -> None:
    sc = scenario_from_dict(minimal)
    assert sc.triage.contact_hours is None and sc.triage.assessment_hours is None and sc.workforce.intake_share is None
