"""The annual evaluation fits each service: it renders for every preset's synthetic extract and for a
tiny extract, publishes no identifier or derivable small count, and its KPIs are the registry's."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cusp import evaluation_report as er
from cusp import kpi_extracts as ke
from cusp.render import render_notebook
from data_synthetic import synthesise, write_extracts
from evaluation.disclosure import scan_report
from simulate.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).parent))
from test_published import derived_small_counts  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "annual_evaluation.ipynb"
_DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+")
_IDS = re.compile(r"\b[CFR]\d{7}\b")  # child, family and case identifiers of the synthetic extracts
FAST = ["lancs-young-carers-003"]
SLOW = ["lancs-ehwb-000", "essex-pb19-001", "hereford-mentoring-002", "hereford-befriending-002", "lancs-edge-of-care-004"]


def _extract(tmp: Path, preset: str, n: int | None = None) -> Path:
    data = tmp / "data"
    write_extracts(synthesise(load_scenario(preset), seed=1), data)
    if n is not None:  # keep the first n served children, n pool children and their rows
        ref = pd.read_csv(data / "referrals.csv", dtype=str, keep_default_na=False)
        ref = ref[ref["start_date"] != ""].head(n)
        pool = pd.read_csv(data / "comparison_pool.csv", dtype=str, keep_default_na=False).head(n)
        people = set(ref["child_id"]) | set(pool["child_id"]) | set(ref["family_id"])
        ref.to_csv(data / "referrals.csv", index=False)
        pool.to_csv(data / "comparison_pool.csv", index=False)
        for f, key in (("assessments.csv", "person_id"), ("care_episodes.csv", "child_id"), ("school.csv", "child_id"),
                       ("reading.csv", "child_id")):
            t = pd.read_csv(data / f, dtype=str, keep_default_na=False)
            t[t[key].isin(people)].to_csv(data / f, index=False)
    return data


def _render(tmp: Path, preset: str, data: Path):
    return render_notebook(NOTEBOOK, tmp / "reports" / "annual", params={"data_dir": str(data), "scenario": preset},
                           cwd=tmp, progress=False, timeout=600)


def _check_published(result, data: Path) -> dict:
    page = _DATA_URI.sub("", result.html.read_text())
    body, _ = page.split('class="cusp-provenance"')  # provenance: files and hashes, no children
    ids = pd.read_csv(data / "referrals.csv", dtype=str)[["case_id", "child_id", "family_id"]].stack().unique().tolist()
    assert scan_report(body, "nhs-digital", sorted(ids)) == []
    assert _IDS.findall(page) == []
    results = json.loads(result.results.read_text())
    assert derived_small_counts(results, page) == []
    return results


@pytest.mark.parametrize("preset", FAST + [pytest.param(p, marks=pytest.mark.slow) for p in SLOW])
def test_annual_evaluation_renders_for_the_preset_with_the_sections_its_data_support(tmp_path, preset):
    data = _extract(tmp_path, preset)
    result = _render(tmp_path, preset, data)
    results = _check_published(result, data)
    html = result.html.read_text()
    care = (pd.read_csv(data / "care_episodes.csv").shape[0] > 0)
    assert (">Time to care entry" in html) == results["sections"]["care"]
    if not care:
        assert not results["sections"]["care"] and results["hazard_ratio"] is None
    assert ">KPI targets" in html and "Working days waited" in html


def test_a_dozen_children_render_with_everything_small_suppressed(tmp_path):
    data = _extract(tmp_path, "lancs-edge-of-care-004", n=12)
    result = _render(tmp_path, "lancs-edge-of-care-004", data)
    results = _check_published(result, data)
    html = result.html.read_text()
    assert results["referrals"] == 10  # 12 published to the nearest 5
    assert ">KPI targets" in html and "<td class=\"count\">*</td>" in html  # small counts shown as *
    assert (">Matched comparison" in html) == results["sections"]["matched"]


def test_wait_is_counted_in_working_days_over_christmas():
    # referral Friday 19 Dec 2025; contact Monday 29 Dec: working days 22, 23, 24 and 29 Dec (25, 26 Dec bank holidays,
    # weekends off) = 4; assessment Friday 2 Jan 2026 (1 Jan a bank holiday): + 30, 31 Dec and 2 Jan = 7
    ref = pd.DataFrame({"accepted": [True], "referral_date": [pd.Timestamp("2025-12-19")],
                        "first_contact_date": [pd.Timestamp("2025-12-29")], "assessment_date": [pd.Timestamp("2026-01-02")],
                        "start_date": [pd.NaT]})
    w = er.working_day_waits(ref, dt.date(2026, 1, 31))
    assert w.loc["to first contact", "longest"] == 4
    assert w.loc["to assessment", "mean"] == 7
    assert w.loc["to start of support", "referrals"] == 0


def test_report_kpis_equal_the_registry_on_the_same_case_table(tmp_path):
    from simulate.calendar import WorkingCalendar
    from simulate.flow.metrics import kpi_params
    from simulate.kpis import case_table_from_frames, evaluate, make_windows
    from evaluation.extracts import read_extracts

    sc = load_scenario("lancs-young-carers-003")
    data = _extract(tmp_path, "lancs-young-carers-003")
    frames = read_extracts(data, districts=sc.district_names, sub_cohorts=[s.name for s in sc.sub_cohorts])
    origin, end = er.report_origin(sc, frames["referrals.csv"]), dt.date(2029, 3, 31)
    reg = ke.registry_kpis(sc, ke.extract_case_table(frames, origin, sc.district_names), origin, end,
                           ["mean_wait_to_assessment_working_days", "share_assessed"], ["quarter"])
    t = case_table_from_frames(ke.case_frame(frames["referrals.csv"]), origin, sc.district_names)
    w = make_windows("quarter", origin, origin, end + dt.timedelta(days=1))
    direct = evaluate(t, w, WorkingCalendar(origin, end), kpi_params(sc), (end - origin).days + 1,
                      ["mean_wait_to_assessment_working_days", "share_assessed"])
    for m in ("mean_wait_to_assessment_working_days", "share_assessed"):
        got = reg[(reg.metric == m) & (reg.district == "all")]["value"].to_numpy()
        np.testing.assert_array_equal(got, direct[m].value[:, -1])
    # and by hand for one quarter: share assessed = accepted referrals assessed / accepted referrals decided
    r = frames["referrals.csv"]
    q1 = r[r.accepted & r.assessment_date.notna() & (r.assessment_date < "2027-07-01")]
    row = reg[(reg.metric == "share_assessed") & (reg.district == "all") & (reg.label == "Y1Q1")].iloc[0]
    assert row["numerator"] == len(q1)
