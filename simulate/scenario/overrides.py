"""Copies of a scenario with some values changed (stresses, uncertainty draws, what-ifs)."""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import Issue, ScenarioError
from .model import Scenario


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted key paths in a copy of scenario data (plain dicts and lists).

    Only the containers along each path are copied (copy-on-write); the rest is shared with
    ``data``, which is never changed. Validation reads its input without changing it, so this
    is enough to validate many what-ifs of one scenario cheaply.

    Raises
    ------
    ScenarioError
        When a path names nothing in ``data``.
    """
    out = dict(data)
    for path, value in overrides.items():
        *parents, last = path.split(".")
        node: Any = out
        for part in parents:
            where = _locate(node, part)
            if where is None or not isinstance(node[where], (dict, list)):
                raise ScenarioError([Issue(path, "does not name a value in the scenario")])
            node[where] = dict(node[where]) if isinstance(node[where], dict) else list(node[where])
            node = node[where]
        where = _locate(node, last, named=False)
        if where is None:
            raise ScenarioError([Issue(path, "does not name a value in the scenario")])
        node[where] = value
    return out


def _locate(node: Any, part: str, named: bool = True) -> Any:
    """The key or index ``part`` names in ``node`` (a list item by index or by its ``name``)."""
    if isinstance(node, dict):
        return part if part in node else None
    if isinstance(node, list):
        if part.isdigit() and int(part) < len(node):
            return int(part)
        if named:
            return next((i for i, x in enumerate(node) if isinstance(x, dict) and x.get("name") == part), None)
    return None


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
