"""The capacity report renders for every preset, and its cells hold no logic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from simulate.flow.plan import STAFFING_METRICS, default_target
from simulate.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "capacity_planning.ipynb"
PRESETS = ["lancs-ehwb-000", "essex-pb19-001", "hereford-mentoring-002", "hereford-befriending-002",
           "lancs-young-carers-003", "lancs-edge-of-care-004"]


def test_cells_are_short_and_free_of_definitions():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= 25
            assert "def " not in cell.source and "class " not in cell.source


def test_wait_histogram_is_per_replication_not_summed():
    source = "\n".join(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells)
    assert "weights=np.full(len(waits), 1 / reps)" in source and "families per replication" in source


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_has_a_planning_target(preset):
    sc = load_scenario(preset)
    name = default_target(sc)
    target = next(t for t in sc.kpi_targets if t.name == name)
    # a timescale or throughput target where the preset has one
    assert target.metric in STAFFING_METRICS


@pytest.mark.slow  # 20-120 s each on the shared 2-core machine (001's plan simulates the universal service)
@pytest.mark.parametrize("preset", PRESETS)
def test_report_renders_for_every_preset(preset, tmp_path):
    out = tmp_path / "report"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "cusp", "render", str(NOTEBOOK), "--param", f"scenario={preset}",
                          "--param", "reps=3", "--param", "plan_reps=3", "--out", str(out), "--no-progress"],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    values = json.loads((out / "results.json").read_text())
    assert values["scenario"] == preset and values["plan_target"] == default_target(load_scenario(preset))
    html = " ".join((out / "report.html").read_text().split())  # named after the report folder
    assert "families per replication" in html
    if values["smallest_fte"] is None:
        assert "No staffing meets" in html and "even with" in html
    else:
        low, high = values["smallest_fte_interval"]
        assert low <= values["smallest_fte"] <= high
