"""The capacity-planning notebook runs end to end with small parameters (slow: starts a kernel)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "capacity_planning.ipynb"


def test_notebook_has_parameters_cell_and_short_cells_without_definitions():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= 25
            assert "def " not in cell.source and "class " not in cell.source


@pytest.mark.slow
def test_notebook_executes(tmp_path):
    import papermill

    results = tmp_path / "results.json"
    papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"), parameters={"reps": 3, "plan_reps": 3, "results_path": str(results)},
                               cwd=str(NOTEBOOK.parents[1]), progress_bar=False)
    values = json.loads(results.read_text())
    assert values["scenario"] == "lancs-ehwb-000" and values["smallest_fte"] is not None
