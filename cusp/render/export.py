"""Executed notebook → one self-contained HTML file without code, and → PDF via a headless browser.

The HTML carries its own print style: A4 pages, the report's title and date and "Page n of N"
in the footer (CSS page-margin boxes, which Chromium prints since version 131), wide tables
reflowed to the page width (cells wrap, smaller type) and no scrollbars. So the PDF that
``cusp render --pdf`` prints and the one a reader gets from the browser's Print look the same.

The browser is Chromium, Chrome or Edge, found under its usual names (:data:`BROWSER_NAMES`,
and the usual install paths on macOS and Windows), or named by the ``CUSP_BROWSER`` environment
variable (a path or a command name).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
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
    body = _REMOTE_SCRIPT.sub("", body)
    return body.replace("</head>", print_style(_title(nb), dt.date.today()) + "</head>", 1)


PRINT_WIDTH_PX = 703  # 186 mm (A4 210 mm less 2 x 12 mm margins) at 96 CSS px per inch
PAGE_PADDING_PX = 80  # the lab template's padding either side of the notebook, with room to spare


def print_style(title: str, day: dt.date) -> str:
    """The ``<style>`` (and a small script) that print the report on A4 with its title, date and
    page numbers, and scale any table wider than the printed page down to fit it.

    Parameters
    ----------
    title
        The report's title (its first heading), printed at the bottom left of every page.
    day
        The date printed beside it (the day the report was rendered).
    """
    # a CSS string: escape its quote and backslash, and "<" so no text can close the <style>
    footer = f"{title} · {day.day} {day:%B %Y}".replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
    return f"""<style id="cusp-print">
@page {{
  size: A4 portrait;
  margin: 16mm 12mm 18mm 12mm;
  @bottom-left {{ content: "{footer}"; font: 8pt sans-serif; color: #444; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; color: #444; }}
}}
/* a code cell that shows neither its code nor any output takes no room (no gap under the title) */
.jp-Cell.jp-mod-noOutputs.jp-mod-noInput {{ display: none; }}
@media print {{
  body, .jp-Notebook, .jp-Cell, .jp-OutputArea, .jp-OutputArea-output, .jp-RenderedHTMLCommon {{
    overflow: visible !important; }}
  ::-webkit-scrollbar {{ display: none; }}
  .jp-OutputArea-child {{ break-inside: auto !important; }}  /* a long table flows over pages */
  html, body, .jp-Notebook {{ height: auto !important; min-height: 0 !important; margin-bottom: 0 !important;
                             padding-bottom: 0 !important; }}  /* no page holding only the bottom padding */
  .jp-Cell:last-child, .jp-Cell:last-child * {{ margin-bottom: 0 !important; padding-bottom: 0 !important; }}
  table {{ zoom: var(--cusp-fit, 1); page-break-inside: auto; }}
  th {{ white-space: normal !important; word-break: normal; overflow-wrap: normal; }}
  td {{ white-space: nowrap; }}
  tr {{ page-break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  img {{ max-width: 100% !important; height: auto !important; page-break-inside: avoid; }}
  pre {{ white-space: pre-wrap !important; overflow-wrap: anywhere; }}
  h1, h2, h3 {{ page-break-after: avoid; }}
}}
</style>
<script id="cusp-fit">
// Wide tables are scaled to the printed width (A4 less the margins: 186 mm = {PRINT_WIDTH_PX} CSS px,
// less the notebook's side padding) rather than clipped behind a scrollbar; the screen is not affected.
window.addEventListener("load", function () {{
  document.querySelectorAll("table").forEach(function (t) {{
    var room = {PRINT_WIDTH_PX} - {PAGE_PADDING_PX};
    var wide = Math.max(t.scrollWidth, t.getBoundingClientRect().width);
    if (wide > room) {{ t.style.setProperty("--cusp-fit", (0.97 * room / wide).toFixed(3)); }}
  }});
}});
</script>
"""


_REMOTE_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>")


def _title(nb: nbformat.NotebookNode) -> str:
    """The first markdown heading, else "Report"."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return "Report"


BROWSER_ENV = "CUSP_BROWSER"
BROWSER_NAMES = (
    "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
    "microsoft-edge", "microsoft-edge-stable", "msedge",
)
BROWSER_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)


def find_browser() -> str | None:
    """The browser that prints PDFs: ``$CUSP_BROWSER``, else Chromium, Chrome or Edge; ``None`` if none.

    Raises
    ------
    RenderError
        When ``CUSP_BROWSER`` is set but names no executable (a typo should not fall back silently).
    """
    named = os.environ.get(BROWSER_ENV, "").strip()
    if named:
        found = shutil.which(named) or (named if Path(named).is_file() and os.access(named, os.X_OK) else None)
        if found is None:
            raise RenderError(f"{BROWSER_ENV}={named!r} is not an executable browser (give the path to Chromium, Chrome or Edge)")
        return found
    for name in BROWSER_NAMES:
        if (found := shutil.which(name)) is not None:
            return found
    return next((p for p in BROWSER_PATHS if Path(p).is_file()), None)


chromium_path = find_browser  # the name the browser tests use


def no_browser_message(html_path: Path | None = None) -> str:
    """One line: no browser was found, where the HTML is, and the ways to get a PDF."""
    kept = f"the report is {html_path}; " if html_path is not None else ""
    return (f"--pdf needs Chromium, Chrome or Edge and none was found: {kept}install one (Debian/Ubuntu: "
            f"apt-get install -y chromium) or set {BROWSER_ENV}=/path/to/browser and render again, "
            f"or open the HTML in a browser and print it (A4 and page numbers are set)")


def print_pdf(html_path: Path, pdf_path: Path, timeout: float = 180.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` with a headless browser (the HTML the council gets).

    The page size, footer and table reflow come from the HTML's print style
    (:func:`print_style`); the browser's own header and footer are turned off.
    """
    exe = find_browser()
    if exe is None:
        raise RenderError(no_browser_message())
    cmd = [exe, *CHROMIUM_FLAGS, "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
           f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(f"the browser did not print {html_path.name} within {timeout:.0f} s") from None
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RenderError(f"the browser ({exe}) failed to print {html_path.name} (exit {done.returncode}): {last}")
    return pdf_path
