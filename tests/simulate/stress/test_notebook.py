"""The investor stress-test notebook is thin, and executes with small parameters (slow: a kernel starts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "investor_stress_test.ipynb"


# House rules (parameters cell, no def/class, short cells) for every notebook are checked
# once, in tests/cusp/test_render_report.py.


@pytest.mark.slow
def test_notebook_executes(tmp_path):
    import papermill as pm

    results = tmp_path / "results.json"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"),
                        parameters={"results_path": str(results), "draws": 200, "replications": 20, "named_draws": 40, "jobs": 1},
                        kernel_name="python3", cwd=str(NOTEBOOK.parents[1]), execution_timeout=600, progress_bar=False)
    values = json.loads(results.read_text())
    assert values["headline"]["draws"] == 200
    assert values["base"]["pooled_multiple"] > 0 and len(values["reverse"]) == 3
