"""Executed notebook → one self-contained HTML file without code, and → PDF via headless Chromium."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from .errors import RenderError

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)


def notebook_to_html(nb: nbformat.NotebookNode) -> str:
    """HTML with no code cells, prompts, injected parameters or warnings; figures embedded.

    Like ``jupyter nbconvert --no-input`` (papermill's report mode does not hide code): every
    input is excluded, outputs written to standard error (warnings) are dropped, and images are
    inlined as data URIs, so the file opens from an e-mail with nothing beside it.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": _title(nb)}})
    # Self-contained: no script from the network (require.js, MathJax), so the file opens offline.
    return _REMOTE_SCRIPT.sub("", body)


_REMOTE_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>")


def _title(nb: nbformat.NotebookNode) -> str:
    """The first markdown heading, else "Report"."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return "Report"


def chromium_path() -> str | None:
    """The Chromium executable (Debian's ``chromium``), or ``None`` when absent."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(html_path: Path, pdf_path: Path, timeout: float = 180.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (the HTML the council gets)."""
    exe = chromium_path()
    if exe is None:
        raise RenderError("--pdf needs Chromium: install Debian's package (apt-get install -y chromium)")
    cmd = [exe, *CHROMIUM_FLAGS, "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
           f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Chromium did not print {html_path.name} within {timeout:.0f} s") from None
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RenderError(f"Chromium failed to print {html_path.name} (exit {done.returncode}): {last}")
    return pdf_path
