"""The stress-test notebook is thin, and renders for every preset with small parameters (slow: a kernel starts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulate.scenario import list_presets

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "investor_stress_test.ipynb"


# House rules (parameters cell, no def/class, short cells) for every notebook are checked
# once, in tests/cusp/test_render_report.py.


@pytest.mark.slow
@pytest.mark.parametrize("preset", list_presets())
def test_notebook_renders_for_every_preset(preset, tmp_path):
    import papermill as pm

    results = tmp_path / "results.json"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"),
                        parameters={"scenario": preset, "results_path": str(results), "draws": 16, "replications": 3,
                                    "named_draws": 4, "sobol_base": 4, "jobs": 1},
                        kernel_name="python3", cwd=str(NOTEBOOK.parents[1]), execution_timeout=600, progress_bar=False)
    values = json.loads(results.read_text())
    assert values["headline"]["draws"] == 16 and values["scenario"] == preset
    assert values["risk_bearer"] in ("investor", "provider") and len(values["reverse"]) >= 2


def test_the_report_behind_the_notebook_has_every_part_for_a_provider_paid_by_results():
    from simulate.scenario import load_scenario
    from simulate.stress.report import risk_report

    r = risk_report(load_scenario("lancs-ehwb-000"), draws=8, seed=1, replications=2, named_draws=3, sobol_base=4)
    assert r.risk_bearer == "provider" and r.key_output == "provider_net_gbp"
    assert len(r.run.table) == 8 and r.fan.shape[0] == 42 and list(r.years["contract_year"]) == [1, 2, 3, 4]
    assert "P(provider loses money)" in set(r.base_table["figure"])
    assert any("loses money in" in line for line in r.lines)
