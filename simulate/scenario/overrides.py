"""Copies of a scenario with some values changed (stresses, uncertainty draws, what-ifs)."""

from __future__ import annotations

import copy
from typing import Any, Mapping

from ..errors import Issue, ScenarioError
from .model import Scenario, resolve


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted key paths in a deep copy of scenario data (plain dicts and lists).

    Raises
    ------
    ScenarioError
        When a path names nothing in ``data``.
    """
    data = copy.deepcopy(data)
    for path, value in overrides.items():
        parent_path, _, key = path.rpartition(".")
        parent = resolve(data, parent_path) if parent_path else data
        if isinstance(parent, dict) and key in parent:
            parent[key] = value
        elif isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
            parent[int(key)] = value
        else:
            raise ScenarioError([Issue(path, "does not name a value in the scenario")])
    return data


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """Return a new, re-validated scenario with dotted key paths set to new values.

    Parameters
    ----------
    scenario
        The scenario to copy; it is not changed.
    overrides
        ``{"referrals.volume_multiplier": 0.7, "workforce.pooled_fte": 6}``. A list element is
        named by index (``districts.3.referral_share``) or by its ``name``
        (``districts.Burnley.referral_share``).

    Raises
    ------
    ScenarioError
        When a path names nothing, or the changed scenario is invalid.
    """
    from .io import scenario_from_dict

    data = apply_overrides(scenario.model_dump(by_alias=True, exclude_unset=False), overrides)
    return scenario_from_dict(data)
