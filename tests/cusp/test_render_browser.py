"""Headless Chromium: the rendered HTML loads with every figure drawn, and --pdf pages are not blank."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cusp.render import render_notebook
from cusp.render.export import CHROMIUM_FLAGS, chromium_path

sys.path.insert(0, str(Path(__file__).parent))
from render_fixtures import tiny_notebook  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed (apt-get install -y chromium; .ci/run installs it)")

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var drawn = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0; }).length;
  document.body.setAttribute('data-cusp-images', drawn + '/' + imgs.length);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    nb = tiny_notebook(root / "tiny.ipynb")
    return render_notebook(nb, root / "reports" / "tiny", pdf=True, cwd=root, progress=False, timeout=120)


def test_html_loads_in_chromium_with_every_figure_drawn(report, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(report.html.read_text().replace("</body>", PROBE + "</body>"))
    done = subprocess.run([chromium_path(), *CHROMIUM_FLAGS, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                          capture_output=True, text=True, timeout=120)
    found = re.search(r'data-cusp-images="(\d+)/(\d+)"', done.stdout)
    assert found, "the page did not finish loading"
    drawn, total = map(int, found.groups())
    assert total == 2 and drawn == total


def test_pdf_pages_are_not_blank(report):
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (test extra) rasterises the PDF")
    assert report.pdf is not None and report.pdf.read_bytes().startswith(b"%PDF")
    doc = pdfium.PdfDocument(str(report.pdf))
    assert len(doc) >= 1
    for i in range(len(doc)):
        pixels = doc[i].render(scale=0.5).to_numpy()
        ink = (pixels[..., :3] < 200).any(axis=-1).mean()
        assert ink > 0.002, f"page {i + 1} is blank ({ink:.4%} of pixels inked)"
