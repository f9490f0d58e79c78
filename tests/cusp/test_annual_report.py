"""The annual evaluation report: the one full render (what `make report` does), its disclosure scan,
the render gate that refuses undisclosed tables, and the table helpers of the presentation layer
(cusp.presentation.disclosure, cusp.presentation.evaluation)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from cusp import evaluation_report as er
from cusp.presentation import disclosure as dc
from cusp.presentation import evaluation as ev
from cusp.render import DisclosureFailed, render_notebook
from cusp.render.gate import check_disclosure
from data_synthetic import synthesise, write_extracts
from evaluation.disclosure import scan_report
from simulate.scenario import load_scenario

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
_DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+")


# --------------------------------------------------------------------------- the one full render

@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("annual")
    data = tmp / "data"
    write_extracts(synthesise(load_scenario("lancs-edge-of-care-004"), seed=2, rows_scale=0.3), data)
    result = render_notebook(NOTEBOOKS / "annual_evaluation.ipynb", tmp / "reports" / "annual-evaluation",
                             params={"data_dir": str(data)}, cwd=tmp, progress=False, timeout=300)
    return data, result


def test_annual_evaluation_renders_without_code_and_with_input_hashes(report):
    data, result = report
    html = result.html.read_text()
    assert 'class="highlight' not in html and "read_extracts" not in html
    # referrals, wait bands, spells, a forest plot per tool (2), love plot, effects, Kaplan-Meier, cumulative incidence
    assert len(re.findall(r'<img[^>]*src="data:image/png;base64,', html)) == 9
    for f in sorted(p for p in data.iterdir() if p.is_file()):  # ssda903/ holds the same histories, not read here
        assert hashlib.sha256(f.read_bytes()).hexdigest() in html, f.name
    results = json.loads(result.results.read_text())
    referrals = sum(1 for _ in (data / "referrals.csv").open()) - 1
    assert results["referrals"] == int(referrals / 5 + 0.5) * 5  # published under nhs-digital: nearest 5
    assert results["disclosure"]["policy"] == "nhs-digital"
    assert results["data_seed"] == 2
    assert results["data_end_date"] == json.loads((data / "truth.json").read_text())["generator"]["extract_date"]
    assert 0 < results["hazard_ratio"]["ci_low"] < results["hazard_ratio"]["estimate"] < results["hazard_ratio"]["ci_high"]
    assert results["payments_due_gbp"] > 0
    executed = nbformat.read(result.notebook, as_version=4)
    assert executed.cells[-1].metadata["tags"] == ["provenance"]
    assert not [c for c in executed.cells if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.outputs)]


def test_report_has_every_section_the_guidance_expects(report):
    text = report[1].html.read_text()
    for heading in ("Summary", "The service, the data and the design", "Sample flow", "Distance travelled",
                    "Matched comparison", "Effects on the matched sample", "Time to care entry",
                    "Sensitivity analyses", "Missing data and attrition", "Payments due", "Disclosure control applied"):
        assert f">{heading}" in text, heading
    for phrase in ("Maryland level 1", "Maryland level 3", "IPW", "regression adjustment", "no caliper",
                   "numbers at risk", "Balance before and after matching", "95% CI"):
        assert phrase in text, phrase


def test_no_small_count_can_be_derived_from_what_the_report_publishes(report):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_published import derived_small_counts

    result = report[1]
    page = _DATA_URI.sub("", result.html.read_text())
    assert derived_small_counts(json.loads(result.results.read_text()), page) == []


def test_rendered_report_passes_the_disclosure_scan_and_shows_no_identifier(report):
    data, result = report
    html = _DATA_URI.sub("", result.html.read_text())
    body, provenance = html.split('class="cusp-provenance"')  # provenance: files and hashes, no children
    ids = set()
    for name, cols in (("referrals.csv", ["child_id", "family_id", "case_id"]),
                       ("comparison_pool.csv", ["child_id", "family_id"]), ("care_episodes.csv", ["episode_id"])):
        frame = pd.read_csv(data / name, dtype=str)
        for c in cols:
            ids |= set(frame[c].dropna())
    assert len(ids) > 500
    assert scan_report(body, "nhs-digital", sorted(ids)) == []
    assert not any(i in provenance for i in ids)
    executed = re.sub(r'"image/png": "[^"]*"', "", result.notebook.read_text())  # the .ipynb in the report folder
    assert not [i for i in ids if i in executed]
    counts = re.findall(r'<td class="count">([^<]*)</td>', body)
    whole = [int(c.replace(",", "")) for c in counts if re.fullmatch(r"[\d,]+", c)]
    assert len(whole) > 100 and all(c == 0 or (c >= 8 and c % 5 == 0) for c in whole)
    assert "*" in counts  # small cells exist at this scale and are hidden
    assert body.count('<table class="cusp-disclosed"') == len(re.findall(r"<table", body)) > 15


# --------------------------------------------------------------------------- the render gate

def _gated_notebook(path: Path, cell: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('disclosure_policy = "nhs-digital"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Gate"), params, nbformat.v4.new_code_cell(
        "import pandas as pd\nfrom IPython.display import HTML, display\nfrom evaluation.disclosure import disclose\n"
        "t = pd.DataFrame({'a': [3, 40], 'b': [50, 60]}, index=pd.Index(['x', 'y'], name='row'))\n" + cell)]
    nbformat.write(nb, path)
    return path


def test_an_undisclosed_table_makes_rendering_fail(tmp_path):
    nb = _gated_notebook(tmp_path / "gate.ipynb", "display(t)")
    with pytest.raises(DisclosureFailed, match=r"has not been through disclosure control.*in cell\(s\) 3$"):
        render_notebook(nb, tmp_path / "out" / "gate", progress=False, timeout=60)
    assert not (tmp_path / "out" / "gate").exists()
    assert (tmp_path / "out" / "gate.failed.ipynb").exists()
    ok = _gated_notebook(tmp_path / "ok.ipynb", "display(HTML(disclose(t, 'nhs-digital').to_html()))")
    html = render_notebook(ok, tmp_path / "out" / "ok", progress=False, timeout=60).html.read_text()
    assert 'class="cusp-disclosed"' in html and "<td class=\"count\">3</td>" not in html


def test_gate_checks_pipe_tables_counts_and_identifier_pattern():
    nb = nbformat.v4.new_notebook()
    nb.metadata["cusp"] = {"identifier_pattern": r"\bC\d{7}\b"}
    ok = '<table class="cusp-disclosed"><tr><td class="count">*</td><td class="count">15</td></tr></table>'
    check_disclosure(nb, ok + '<img src="data:image/png;base64,AAC0000123+/">', "nhs-digital", "x.ipynb")
    with pytest.raises(DisclosureFailed, match="visible count 3 below 8"):
        check_disclosure(nb, ok.replace(">15<", ">3<"), "nhs-digital", "x.ipynb")
    with pytest.raises(DisclosureFailed, match="not rounded to 5"):
        check_disclosure(nb, ok.replace(">15<", ">17<"), "nhs-digital", "x.ipynb")
    with pytest.raises(DisclosureFailed, match="not been through"):  # what a Markdown pipe table renders to
        check_disclosure(nb, ok + "<table><tr><td>3</td></tr></table>", "nhs-digital", "x.ipynb")
    with pytest.raises(DisclosureFailed, match="identifier pattern"):
        check_disclosure(nb, ok + "<p>child C0000123 entered care</p>", "nhs-digital", "x.ipynb")
    check_disclosure(nb, ok.replace(">15<", ">17<"), "threshold-10", "x.ipynb")  # no rounding under threshold-10


# --------------------------------------------------------------------------- table helpers

def test_kpi_table_blanks_a_row_when_any_guard_breaks_the_policy():
    df = pd.DataFrame({"estimate": [0.5, 0.25, 0.1], "events_a": [20, 3, 30], "n_a": [40, 40, 300],
                       "events_b": [20, 20, 295], "n_b": [40, 40, 300]}, index=pd.Index(list("xyz"), name="row"))
    t = dc.kpi_table(df, "nhs-digital", guards=[("events_a", "n_a"), ("events_b", "n_b")], derived=["estimate"],
                     formats={"estimate": "pct"})
    # x: all counts >= 8 -> shown; y: 3 events in a -> hidden; z: complement 300 - 295 = 5 in b -> hidden
    assert t.display["estimate"].tolist() == ["50.0%", "*", "*"]
    assert t.display["events_a"].tolist() == ["20", "*", "30"]
    assert t.display["n_b"].tolist() == ["40", "40", "300"]
    assert np.isnan(t.values.loc["y", "estimate"]) and t.values.loc["x", "estimate"] == 0.5
    assert t.display.loc["x", "events_b"] == "20"


def test_kpi_table_formats_never_look_like_counts_and_hides_columns():
    df = pd.DataFrame({"mean": [12.0, 3.04], "n": [100, 52], "format": ["0", "2"]}, index=pd.Index(["p", "q"], name="m"))
    t = dc.kpi_table(df, "nhs-digital", guards=[(None, "n")], derived=["mean"], hide=["n"])
    assert t.display["mean"].tolist() == ["12.0", "3.04"]  # at least one decimal
    assert list(t.display.columns) == ["mean"]
    assert scan_report(t.to_html(), "nhs-digital") == []


def test_count_table_drops_totals_after_protecting_them():
    tab = pd.DataFrame({"a": [10, 3], "b": [20, 30]}, index=pd.Index(["r1", "r2"], name="row"))
    full = dc.count_table(tab, "threshold-10")
    # threshold-10 publishes exact counts, so it adds secondary suppression (nhs-digital rounds instead)
    # 3 is primary; the row r2 and column a (with their totals) each need a second hidden cell
    assert full.display.loc["r2", "a"] == "*"
    assert (full.display.loc["r2"] == "*").sum() >= 2 and (full.display["a"] == "*").sum() >= 2
    t = dc.count_table(tab, "threshold-10", total_row=False)
    assert list(t.display.index) == ["r1", "r2"] and list(t.display.columns) == ["a", "b", "Total"]
    assert t.display.loc["r2"].tolist() == full.display.loc["r2"].tolist()
    one = dc.count_table(tab[["a"]].rename(index={"r2": "r2"}), "threshold-10", total_column=False)
    assert list(one.display.columns) == ["a"]


def test_at_risk_table_and_effect_rows():
    km = pd.DataFrame({"time": [10.0, 400.0, 800.0], "at_risk": [50.0, 30.0, 12.0]})
    risk = ev.at_risk_table({"served": km}, [0, 365, 730, 1000])
    assert risk.loc["served"].tolist() == [50, 30, 12, 0]  # first row at or after each time
    matched = pd.DataFrame({"served": [1, 1, 1, 0, 0, 0], "weights": [1, 1, 1, 0.5, 1.5, 1],
                            "care_within_12m": [1, 0, np.nan, 1, 1, 0]})
    eff = pd.DataFrame({"estimand": ["ATT mean difference in care_within_12m"], "estimate": [-0.1],
                        "ci_low": [-0.2], "ci_high": [0.0], "n_served": [2], "n_comparison": [3]})
    rows = ev.effect_rows(eff, matched)
    assert rows.index[0] == "care within 12 months" and rows["measure"].iloc[0] == "risk difference"
    assert rows["events: served"].iloc[0] == 1 and rows["events: comparison"].iloc[0] == 2  # 0.5 + 1.5


def test_assessment_periods_cover_child_and_family_tools():
    ref = pd.DataFrame({"child_id": ["C1", "C2", "C3"], "family_id": ["F1", "F1", "F2"],
                        "start_date": pd.to_datetime(["2024-02-01", "2024-01-01", None]),
                        "end_date": pd.to_datetime(["2024-08-01", "2024-07-01", None])})
    p = er.assessment_periods(ref).set_index("person_id")
    assert sorted(p.index) == ["C1", "C2", "F1"]  # C3 never started
    assert p.loc["F1", "start_date"] == pd.Timestamp("2024-01-01")  # the family's first start


def test_sensitivity_agreement_needs_same_sign_and_same_certainty():
    from cusp.report_summary import _agree

    main = pd.Series({"estimate": -0.16, "ci_low": -0.2, "ci_high": -0.12})
    same = pd.DataFrame({"estimate": [-0.15, -0.17], "ci_low": [-0.19, -0.2], "ci_high": [-0.11, -0.14]})
    assert _agree(main, same)
    assert not _agree(main, same.assign(ci_high=[0.01, -0.14]))  # one CI now includes 0
    assert not _agree(main, same.assign(estimate=[0.02, -0.17], ci_low=[0.01, -0.2], ci_high=[0.03, -0.14]))
    assert _agree(main, same.assign(estimate=[np.nan, -0.17]))  # a suppressed estimate is not counted
