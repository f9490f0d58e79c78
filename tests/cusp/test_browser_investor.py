"""The investor stress-test report as a board member opens it in a browser (headless Chromium).

For every preset (one in the default run, the rest marked slow): no table wider than the page, no
"NaN", "PosixPath", "e+0", "None" or snake_case label in the visible text, every image with a real
alt text, the summary first and a table of contents whose links all land. Reports render with
tiny draw counts: these tests read the presentation, not the numbers.
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
NOTEBOOK = ROOT / "notebooks" / "investor_stress_test.ipynb"
TINY = {"draws": 16, "replications": 3, "named_draws": 4, "sobol_base": 4, "jobs": 1, "reforecast_draws": 10}
OTHER_PRESETS = ["lancs-ehwb-000", "hereford-mentoring-002", "hereford-befriending-002", "lancs-young-carers-003", "lancs-edge-of-care-004"]


def _render(tmp_path: Path, scenario: str) -> Path:
    params = {"scenario": scenario, **TINY}
    report = render_notebook(NOTEBOOK, tmp_path / "reports" / scenario, params={k: str(v) for k, v in params.items()},
                             cwd=ROOT, progress=False, timeout=600)
    return report.html


def _check(tmp_path: Path, scenario: str) -> dict:
    found = inspect(_render(tmp_path, scenario), tmp_path)
    assert problems(found) == []
    text = found["text"]
    summary = text[text.index("Summary"):text.index("Contents")]
    assert text.index("Summary") < text.index("Contents") < text.index("1. Base case\n")
    # what the party carrying the risk needs, on the first screen, in words
    for phrase in ("carries the risk", "Base case", "loses money in", "In a bad case", "What moves the result most"):
        assert phrase in summary, phrase
    assert not re.search(r"\b[a-z]+\.[a-z]+_[a-z_]+\b", text)              # no parameter path (referrals.volume_multiplier)
    assert [a.split(" ")[0] for a in found["alts"]] == ["Histogram", "Fan", "Tornado", "Line"]
    # the mid-contract reforecast: its section between the break-even values and the reading notes
    assert text.index("6. Break-even values\n") < text.index("7. Mid-contract reforecast\n") < text.index("8. How to read this report\n")
    assert "band" in found["alts"][3] and "£" in found["alts"][3]
    return found


def test_investor_report_reads_well_for_the_kpi_linked_contract(tmp_path):
    found = _check(tmp_path, "essex-pb19-001")
    text = found["text"]
    # each envelope's year-by-year table has units in its headers and money as £ with separators
    for caption in ("ECC envelope, by contract year", "West CCG envelope, by contract year"):
        assert caption in text
    for header in ("Envelope value (£)", "Withheld (£)", "Paid (£)", "Provider spend (£)", "Gain share returned (£)", "KPI weight met (%)"):
        assert header in text, header
    assert "£34,200,000" in text and not re.search(r"\b\d{5,}\.\d\b", text)   # no raw floats such as 34200000.0
    # the histogram's alt text quotes the median the table shows
    median = re.search(r"Provider's net over the contract, median \(£\)\t(\S+)", text).group(1)
    assert f"median {median}" in found["alts"][0]


@pytest.mark.slow  # about 15 s each on the shared machine
@pytest.mark.parametrize("preset", OTHER_PRESETS)
def test_investor_report_reads_well_for_every_preset(preset, tmp_path):
    _check(tmp_path, preset)
