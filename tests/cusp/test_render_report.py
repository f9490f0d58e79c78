"""House rules for every notebook. The one full render of the annual evaluation (what `make report`
does) is in test_annual_report.py, beside its disclosure scan."""

from __future__ import annotations

import nbformat

NOTEBOOKS = __import__("pathlib").Path(__file__).resolve().parents[2] / "notebooks"


def test_notebooks_keep_to_the_house_rules():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].metadata.get("tags") == ["parameters"], path.name
        for cell in code:
            lines = cell.source.splitlines()
            assert len(lines) <= 25, f"{path.name}: a cell has {len(lines)} lines"
            assert not any(line.lstrip().startswith(("def ", "class ")) for line in lines), path.name
