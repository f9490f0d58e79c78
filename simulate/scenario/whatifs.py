"""Checks that every uncertainty range and named stress describes a valid scenario.

A range ``{parameter: referrals.acceptance_probability, low: 0.75, high: 1.95}`` or a stress
``{overrides: {workforce.vacancy_rate: 5}}`` is checked by applying it to the scenario and
validating the result against the field it overrides, so a what-if that would fail (or eat
memory) in a stress test fails when the scenario is loaded, naming the range or the stress.
"""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import ValidationError

from ..errors import Issue, ScenarioError
from .model import Scenario


def what_if_issues(scenario: Scenario) -> list[Issue]:
    """Problems of the scenario's uncertainty ranges and stresses, each at its own key path.

    A range is checked at each of its ends (and its mode). A stress is applied whole (two
    shares may only sum to 1 together); when that fails, an override that is wrong for its own
    field is named, else the stress as a whole.
    """
    # The copies drop the what-ifs themselves: they were checked as written, and a copy that
    # kept them would check them again for every range and stress.
    base = scenario.model_dump(by_alias=True, exclude={"uncertainty", "stresses"})
    issues: list[Issue] = []
    for i, rng in enumerate(scenario.uncertainty):
        for end in ("low", "mode", "high"):
            value = getattr(rng, end)
            if value is None or (end == "mode" and rng.distribution != "triangular"):
                continue
            for where, reason in _problems(base, {rng.parameter: value}):
                issues.append(Issue(f"uncertainty[{i}].{end}", f"{value:g} is not a valid {rng.parameter}: {_at(where, rng.parameter)}{reason}"))
    for i, stress in enumerate(scenario.stresses):
        together = _problems(base, stress.overrides)
        if not together:
            continue
        blamed = False
        for path, value in stress.overrides.items():
            for where, reason in _problems(base, {path: value}):
                if _same(where, path):
                    blamed = True
                    issues.append(Issue(f"stresses[{i}].overrides.{path}", f"stress {stress.name!r}: {reason}"))
        if not blamed:  # each value fits its field; together they break a cross-field rule
            for where, reason in together:
                issues.append(Issue(f"stresses[{i}].overrides", f"stress {stress.name!r} makes {where or 'the scenario'} invalid: {reason}"))
    return issues


def _same(where: str, path: str) -> bool:
    """Whether an issue's key path (``districts[0].x``) is the override's (``districts.North.x``)."""
    w, p = where.replace("[", ".").replace("]", "").split("."), path.split(".")
    return len(w) == len(p) and w[-1] == p[-1] and all(a == b or a.isdigit() for a, b in zip(w, p))


def _at(where: str, path: str) -> str:
    """Name the failing key when it is not the overridden one (a cross-field check)."""
    return "" if not where or _same(where, path) else f"{where}: "


def _problems(base: dict[str, Any], overrides: Mapping[str, Any]) -> list[tuple[str, str]]:
    from .io import issues_from_validation  # io imports this module: a local import breaks the cycle
    from .overrides import apply_overrides

    try:
        data = apply_overrides(base, overrides)
    except ScenarioError:
        return []  # a path naming nothing is reported by the scenario's own cross-checks
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        return [(issue.key_path, issue.reason) for issue in issues_from_validation(exc, data)]
    return []
