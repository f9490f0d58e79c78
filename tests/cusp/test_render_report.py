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


def test_reports_call_the_engines_never_the_commands():
    """Notebooks and the report modules of ``cusp`` read extracts and run engines through their
    APIs; ``cusp.commands`` (the command line) is never imported by them."""
    import re

    root = NOTEBOOKS.parent
    pattern = re.compile(r"(from\s+cusp\.commands|import\s+cusp\.commands|from\s+\.commands|from\s+\.\.commands)")
    sources = {p.name: nbformat.read(p, as_version=4) for p in NOTEBOOKS.glob("*.ipynb")}
    for name, nb in sources.items():
        for cell in nb.cells:
            assert not pattern.search(cell.source), f"{name} imports cusp.commands"
    for path in sorted((root / "cusp").rglob("*.py")):
        if "commands" in path.parts or path.name in ("cli.py", "__main__.py"):
            continue
        assert not pattern.search(path.read_text()), f"{path.relative_to(root)} imports cusp.commands"
