"""PDF: A4 pages with the title, date and "Page n of N" in the footer, wide tables fitted, the
browser found under its several names or $CUSP_BROWSER, and without one the HTML kept."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cusp.render import RenderError, render_notebook
from cusp.render import export
from cusp.render.export import find_browser

sys.path.insert(0, str(Path(__file__).parent))
from render_fixtures import tiny_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
A4 = (595.0, 842.0)  # points: 210 mm x 297 mm


def _wide_notebook(path: Path) -> Path:
    """A report with a table of 24 columns (wider than A4 at any readable size) and 120 rows (several pages)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["cusp"] = {"disclosure_policy": "modelled"}
    params = nbformat.v4.new_code_cell("rows = 120")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Wide report\n\nA table wider than the page."),
        params,
        nbformat.v4.new_code_cell(
            "import pandas as pd\npd.set_option('display.max_rows', 500)\n"
            "cols = [f'modelled measure number {i}' for i in range(23)] + ['LASTCOLUMNZZ']\n"
            "pd.DataFrame([[1234567.5 + r + c for c in range(24)] for r in range(rows)], columns=cols)"),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def wide_pdf(tmp_path_factory):
    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge (apt-get install -y chromium; .ci/run installs it)")
    root = tmp_path_factory.mktemp("pdf")
    return render_notebook(_wide_notebook(root / "wide.ipynb"), root / "reports" / "wide", pdf=True, cwd=root,
                           progress=False, timeout=120)


def test_pdf_is_a4_with_title_date_and_page_number_on_every_page(wide_pdf):
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (test extra) reads the PDF")
    doc = pdfium.PdfDocument(str(wide_pdf.pdf))
    n = len(doc)
    assert n >= 2  # 120 rows do not fit on one page
    today = dt.date.today()
    for i in range(n):
        page = doc[i]
        width, height = page.get_size()
        assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1, (i, width, height)
        text = page.get_textpage().get_text_range()
        assert f"Page {i + 1} of {n}" in text, i
        assert f"Wide report · {today.day} {today:%B %Y}" in text, i


def test_wide_table_is_fitted_not_clipped(wide_pdf):
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(str(wide_pdf.pdf))
    first = doc[0].get_textpage().get_text_range()
    # the last column is printed whole: its header, and row 0's value 1234567.5 + 23 unbroken
    # (a clipped table loses it behind a scrollbar; a table reflowed letter by letter breaks it)
    assert "LASTCOLUMNZZ" in first and "1234590.5" in first


def test_browser_found_by_environment_variable_or_name(tmp_path, monkeypatch):
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CUSP_BROWSER", str(fake))
    assert find_browser() == str(fake)
    monkeypatch.setenv("CUSP_BROWSER", str(tmp_path / "no-such-browser"))
    with pytest.raises(RenderError, match="CUSP_BROWSER=.*is not an executable browser"):
        find_browser()
    monkeypatch.delenv("CUSP_BROWSER")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(export, "BROWSER_PATHS", ())
    assert find_browser() is None
    edge = bin_dir / "microsoft-edge"
    edge.write_text("#!/bin/sh\nexit 0\n")
    edge.chmod(0o755)
    assert find_browser() == str(edge)


def test_without_a_browser_the_html_is_kept_and_the_message_says_how(tmp_path):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    env = {k: v for k, v in os.environ.items() if k != "CUSP_BROWSER"}
    env.update(PYTHONPATH=str(ROOT), PATH=str(Path(sys.executable).parent))  # python, but no browser
    done = subprocess.run([sys.executable, "-m", "cusp", "render", str(nb), "--out", str(tmp_path / "reports" / "tiny"),
                           "--pdf", "--no-progress"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    if any(Path(p).is_file() for p in export.BROWSER_PATHS):
        pytest.skip("a browser is installed at a fixed path")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install -y chromium" in lines[0] and "CUSP_BROWSER" in lines[0]
    assert (tmp_path / "reports" / "tiny" / "tiny.html").is_file()
    assert not (tmp_path / "reports" / "tiny" / "tiny.pdf").exists()
    assert "Kernel is running over TCP" not in done.stderr + done.stdout
