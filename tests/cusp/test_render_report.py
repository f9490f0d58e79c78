"""The one full render: the annual evaluation on fresh synthetic extracts (what `make report` does)."""

from __future__ import annotations

import hashlib
import json
import re

import nbformat

from cusp.render import render_notebook
from data_synthetic import synthesise, write_extracts
from simulate.scenario import load_scenario

NOTEBOOKS = __import__("pathlib").Path(__file__).resolve().parents[2] / "notebooks"


def test_annual_evaluation_renders_without_code_and_with_input_hashes(tmp_path):
    data = tmp_path / "data"
    write_extracts(synthesise(load_scenario("lancs-edge-of-care-004"), seed=2, rows_scale=0.3), data)
    result = render_notebook(NOTEBOOKS / "annual_evaluation.ipynb", tmp_path / "reports" / "annual-evaluation",
                             params={"data_dir": str(data)}, cwd=tmp_path, progress=False, timeout=300)
    html = result.html.read_text()
    assert 'class="highlight' not in html and "read_extracts" not in html
    assert len(re.findall(r'<img[^>]*src="data:image/png;base64,', html)) == 3  # referrals, waits, episodes
    for f in sorted(data.iterdir()):
        assert hashlib.sha256(f.read_bytes()).hexdigest() in html, f.name
    results = json.loads(result.results.read_text())
    assert results["referrals"] == sum(1 for _ in (data / "referrals.csv").open()) - 1
    assert results["data_seed"] == 2
    executed = nbformat.read(result.notebook, as_version=4)
    assert executed.cells[-1].metadata["tags"] == ["provenance"]
    assert not [c for c in executed.cells if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.outputs)]


def test_notebooks_keep_to_the_house_rules():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].metadata.get("tags") == ["parameters"], path.name
        for cell in code:
            lines = cell.source.splitlines()
            assert len(lines) <= 25, f"{path.name}: a cell has {len(lines)} lines"
            assert not any(line.lstrip().startswith(("def ", "class ")) for line in lines), path.name
