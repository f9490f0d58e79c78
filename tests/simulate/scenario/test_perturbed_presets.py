"""Nothing that validates can crash or exhaust memory later.

Hypothesis perturbs the bundled presets (a few numbers, including uncertainty ranges and stress
overrides, set to wild or plausible values) and asserts the outcome is one of two: a clean
:class:`ScenarioError` naming a key path, or a scenario on which a flow replication and
``cusp synth``'s generator run, and, for a Social Impact Bond, the stress engine over its
uncertainty ranges and every named stress. The horizon is cut to a few months so an example
costs about a second.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from data_synthetic import synthesise
from simulate.errors import ScenarioError
from simulate.flow import run_replication
from simulate.scenario import SibEdgeOfCare, list_presets, load_scenario, scenario_from_dict
from simulate.stress.runner import run_stress


def _small(preset: str) -> dict[str, Any]:
    """The preset as plain data with a three-month contract (and no schedule to fall outside it)."""
    data = load_scenario(preset).model_dump(by_alias=True)
    data["horizon"].update(referral_months=2, tracking_months=1)
    data["workforce"]["schedule"] = []
    data["finance"]["lcf_end_date"] = None
    return data


BASES = {name: _small(name) for name in list_presets()}


def _numeric_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Key paths (tuples of keys and indexes) of every number in the data, horizon months aside."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _numeric_paths(v, (*prefix, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _numeric_paths(v, (*prefix, i))]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [] if prefix in {("horizon", "referral_months"), ("horizon", "tracking_months")} else [prefix]
    return []


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


WILD = st.sampled_from([math.inf, -math.inf, math.nan, -1, 0, 1e12, 10**30, 1e-300, True, False, "3", None, 1.95, 5])


@st.composite
def perturbed(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[tuple[str, Any]]]:
    import copy

    preset = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[preset])
    paths = _numeric_paths(data)
    edits = []
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True)):
        old = _get(data, path)
        factor = draw(st.sampled_from([0.0, 0.5, 2.0, 10.0]))
        value = draw(st.one_of(WILD, st.just(old * factor), st.just(old * factor)))
        _get(data, path[:-1])[path[-1]] = value
        edits.append((path, value))
    return preset, data, edits


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=perturbed())
def test_a_perturbed_preset_is_rejected_cleanly_or_runs(case: tuple[str, dict[str, Any], list]) -> None:
    preset, data, edits = case
    try:
        sc = scenario_from_dict(data, source=f"{preset}.yaml")
    except ScenarioError as exc:
        event("rejected")
        # a clean rejection: every issue has a reason and the message is one line
        assert exc.issues and all(i.reason for i in exc.issues)
        assert "\n" not in exc.one_line()
        return
    event("valid: ran")
    rep = run_replication(sc, seed=0)
    assert rep is not None
    extracts = synthesise(sc, seed=0)
    assert len(extracts.frames["referrals.csv"]) >= 0
    for frame in extracts.frames.values():
        numeric = frame.select_dtypes("number")
        assert np.isfinite(numeric.to_numpy(dtype=float)[~np.isnan(numeric.to_numpy(dtype=float))]).all()
    if isinstance(sc.payment, SibEdgeOfCare):
        event("valid SIB: stress engine ran")
        assert len(run_stress(sc, draws=2, seed=0, keep_monthly=False).table) == 2
        for stress in sc.stresses:
            run_stress(sc, draws=1, seed=0, overrides=stress.overrides, effects=stress.effects, keep_monthly=False)


def test_the_shrunken_presets_are_valid() -> None:
    """The starting points of the perturbations are themselves valid (else the test proves nothing)."""
    for name, data in BASES.items():
        scenario_from_dict(data, source=name)
