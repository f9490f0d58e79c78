"""The payments statement of each payment mechanism, as a board member opens it in headless Chromium.

The default preset (the edge-of-care bond) is covered by tests/cusp/test_render_browser_reports.py,
every other preset's statement by tests/cusp/test_browser_annual.py (issue 15's checks and the
reforecast rendered). Here one preset per other mechanism renders on its synthetic extract (a
KPI-linked contract's KPI results measured from it: cusp/synthetic_kpis.py) and is checked by
tests/cusp/browser_probe.py (no table wider than the page, no "NaN", "PosixPath", "e+0", "None" or
snake_case label in the visible text, every image with a real alt text, the summary first, contents
whose links land), then for its mechanism's sections in the contents' order, the bond's sections
left out, and the reforecast's sentence, table and chart (issue 16). The block contract runs by
default (about 15 s); payment by results and KPI-linked are slow.
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
NOTEBOOK = ROOT / "notebooks" / "payments_statement.ipynb"
# a settlement date inside each contract (two years after its start; 003's contract is two years long)
AS_OF = {"lancs-ehwb-000": "2024-03-31", "essex-pb19-001": "2019-03-31", "hereford-mentoring-002": "2023-03-31",
         "hereford-befriending-002": "2023-03-31", "lancs-young-carers-003": "2029-03-31"}
BLOCK = ["Schedule: paid to date and still to pay"]
SECTIONS = {"lancs-ehwb-000": ["Up-front payments", "Families paid, not achieved and capped", "The pooled 40%"],
            "essex-pb19-001": ["Instalments", "Year-end KPI reconciliation", "Gain share"],
            "hereford-mentoring-002": BLOCK, "hereford-befriending-002": BLOCK, "lancs-young-carers-003": BLOCK}
BOND_ONLY = ["One child's stability timeline", "Leading indicators", "What the caps cut", "RAG rating"]


def _statement(tmp_path: Path, preset: str) -> dict:
    report = render_notebook(NOTEBOOK, tmp_path / "reports" / preset, params={"scenario": preset, "as_of": AS_OF[preset]},
                             cwd=ROOT, progress=False, timeout=600)
    found = inspect(report.html, tmp_path)
    assert problems(found) == []
    return found


def _reads_well(found: dict, preset: str) -> str:
    text = found["text"]
    head, rest = text.split("\nContents\n", 1)
    assert "synthetic data" in head                                                      # said in the summary
    assert re.search(r"£[\d,]+ is due under the contract to \d+ \w+ \d{4}", head)         # the money first
    toc = rest[: rest.index("Payments due by quarter\n", 30)]                             # the contents list
    expected = ["Payments due by quarter", *SECTIONS[preset], "Reforecast: what is still to pay", "Figures for other tools",
                "About this statement"]
    assert toc.split("\n")[: len(expected)] == expected
    for heading in SECTIONS[preset]:
        assert f"\n{heading}\n" in rest                                                  # each section is there
    for bond in BOND_ONLY:                                                                # the bond's are left out
        assert bond not in text, bond
    amounts = [a.rstrip(",.") for a in re.findall(r"£[\d,]+(?:\.\d+)?", text)]
    assert amounts and all(re.fullmatch(r"£\d{1,3}(?:,\d{3})*(?:\.\d{2})?", a) for a in amounts), amounts
    assert not re.search(r"\b\d{5,}\.\d\b", text)                                       # no raw floats
    assert text.count("Disclosure control (nhs-digital)") == 1                           # the policy once
    # the reforecast renders for this mechanism: its sentence, its table and its chart with alt text from the data
    assert re.search(r"is settled; £[\d,]+ is still expected to be paid \(90% interval", text)
    assert "could not run" not in text and "No reforecast yet" not in text
    assert "Planned, achieved to date and forecast to the contract's end" in text
    assert found["alts"][0].startswith("Bar chart: Payments due by quarter and payer")
    assert found["alts"][-1].startswith("Line chart with a 90% band: Payments still to come by month") and "£" in found["alts"][-1]
    return text


def test_a_block_contracts_statement_is_its_schedule_and_the_reforecast(tmp_path):
    text = _reads_well(_statement(tmp_path, "hereford-mentoring-002"), "hereford-mentoring-002")
    # £100,000 a year in four £25,000 instalments from 1 April 2021: two years paid by 31 March 2023, one to come
    assert "A block contract: £200,000 paid to date in 8 of 12 instalments; £100,000 still to pay of £300,000" in text
    assert re.search(r"Year 3\t0\t4\t£0\t£100,000\t£100,000", text)
    assert "Commissioner's cost per case started" in text                                # the reforecast of cost per case


@pytest.mark.slow
def test_a_payment_by_results_statement_names_families_paid_not_achieved_and_the_pool(tmp_path):
    text = _reads_well(_statement(tmp_path, "lancs-ehwb-000"), "lancs-ehwb-000")
    assert re.search(r"Up-front payments £[\d,]+; per-family payments £[\d,]+ for [\d,*]+ families", text)
    assert "Families not paid: the conditions they did not meet" in text
    assert re.search(r"Year 1\t£[\d,]+\t£[\d,]+\t£[\d,]+\t\d+\.\d%", text)              # the pooled 40%, % used
    assert "Families paid" in text and "children paid" not in text.lower()


@pytest.mark.slow
def test_a_kpi_linked_statement_reconciles_each_envelope_and_says_what_it_cannot_measure(tmp_path):
    text = _reads_well(_statement(tmp_path, "essex-pb19-001"), "essex-pb19-001")
    for caption in ("Instalments due to 31 March 2019, by contract year and envelope (£)",
                    "Year-end KPI reconciliation of the money at risk, contract years ended by 31 March 2019"):
        assert caption in text
    # year 2 is the first with 5% of the ECC envelope (£34.2m) at risk: £1,710,000
    assert re.search(r"Year 2\tECC envelope\t31 Mar 2019\t£1,710,000\t", text)
    assert "Mandated contacts made on time: not measured from a case-level extract" in text
    assert "(40% of the KPI weight)" in text
    assert "no gain share is worked out" in text                                         # no spend.csv in a synthetic extract
