"""Every report, as a board member opens it in a browser (headless Chromium).

For the capacity report (every preset; one in the default run, the rest marked slow), the payments
statement and the scenario summary: no table wider than the page, no "NaN", "PosixPath", "e+0",
"None" or snake_case label in the visible text, every image with a real alt text, the summary
first and a table of contents whose links all land. Reports render with tiny replication counts:
these tests read the presentation, not the numbers.
"""

from __future__ import annotations

import re

import sys
from pathlib import Path

import pytest

from cusp.render import render_notebook
from cusp.render.export import chromium_path

sys.path.insert(0, str(Path(__file__).parent))
from browser_probe import inspect, problems  # noqa: E402

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed (apt-get install -y chromium; .ci/run installs it)")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
OTHER_PRESETS = ["essex-pb19-001", "hereford-mentoring-002", "hereford-befriending-002", "lancs-young-carers-003", "lancs-edge-of-care-004"]


def _render(tmp_path: Path, notebook: str, **params) -> Path:
    out = tmp_path / "reports" / Path(notebook).stem
    report = render_notebook(NOTEBOOKS / notebook, out, params={k: str(v) for k, v in params.items()}, cwd=ROOT, progress=False, timeout=600)
    return report.html


def _check(html: Path, tmp_path: Path) -> dict:
    found = inspect(html, tmp_path)
    assert problems(found) == []
    return found


def test_capacity_report_reads_well(tmp_path):
    found = _check(_render(tmp_path, "capacity_planning.ipynb", scenario="lancs-ehwb-000", reps=3, plan_reps=3), tmp_path)
    assert len(found["alts"]) == 4 and "Histogram of the wait" in found["alts"][1]
    assert found["text"].index("Summary") < found["text"].index("Contents") < found["text"].index("How long is the waiting list?\n")


@pytest.mark.slow  # 20-120 s each on the shared machine
@pytest.mark.parametrize("preset", OTHER_PRESETS)
def test_capacity_report_reads_well_for_every_preset(preset, tmp_path):
    _check(_render(tmp_path, "capacity_planning.ipynb", scenario=preset, reps=3, plan_reps=3), tmp_path)


def test_payments_statement_reads_well(tmp_path):
    found = _check(_render(tmp_path, "payments_statement.ipynb"), tmp_path)
    text = found["text"]
    assert "synthetic data" in text[: text.index("Contents")]          # said in the summary
    assert text.count("Disclosure control") == 1                       # the footnote once, not under each table
    # money as a finance director reads it: £ with thousands separators and no stray pence
    amounts = [a.rstrip(",") for a in re.findall(r"£[\d,]+(?:\.\d+)?", text)]  # a trailing comma is prose
    assert amounts and all(re.fullmatch(r"£\d{1,3}(?:,\d{3})*(?:\.\d{2})?", a) for a in amounts), amounts
    assert not re.search(r"\b\d{5,}\.\d\b", text)                      # no raw floats such as 124640.7
    assert any("suppressed" in a or "Bar chart" in a for a in found["alts"])


def test_scenario_summary_reads_well(tmp_path):
    found = _check(_render(tmp_path, "scenario_summary.ipynb"), tmp_path)
    assert "Diversion, aged 10–15" in found["text"] and len(found["alts"]) == 6
