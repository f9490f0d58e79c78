"""Data contracts: a corrupted copy of valid extracts fails with exactly the corrupted rows."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pandas as pd
import pytest

from data_synthetic import synthesise, write_extracts
from evaluation.errors import ExtractError
from evaluation.extracts import read_extracts, validate_folder
from simulate.scenario import load_scenario


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    write_extracts(synthesise(load_scenario("lancs-edge-of-care-004"), seed=21), out)
    return out


def _text(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_clean_extracts_pass_and_read_typed(clean):
    frames = read_extracts(clean)
    assert frames["referrals.csv"]["referral_date"].dtype.kind == "M"
    assert frames["assessments.csv"]["score"].between(0, 20).all()


def test_corrupted_copy_reports_exactly_the_bad_rows(clean, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(clean, bad)
    expected = set()
    # Spreadsheet rows: header is row 1, so data position i is row i + 2.
    ref = _text(bad / "referrals.csv")
    ref.loc[5, "need_level"] = "four"                       # wrong type
    expected.add(("referrals.csv", 7, "need_level"))
    i = int(np.flatnonzero((ref.start_date != "") & (ref.end_date != "") & (ref.index > 5))[0])
    ref.loc[i, "end_date"] = (pd.Timestamp(ref.loc[i, "start_date"]) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    expected.add(("referrals.csv", i + 2, "end_date"))      # end before start
    ref.loc[40, "case_id"] = ref.loc[39, "case_id"]         # duplicate id
    expected.add(("referrals.csv", 42, "case_id"))
    ref.to_csv(bad / "referrals.csv", index=False)

    a = _text(bad / "assessments.csv")
    j = int(np.flatnonzero(a.tool == "my_star")[3])
    a.loc[j, "score"] = "11"                                 # out of range (1-10)
    expected.add(("assessments.csv", j + 2, "score"))
    a.to_csv(bad / "assessments.csv", index=False)

    e = _text(bad / "care_episodes.csv")
    per_child = e.groupby("child_id").size()
    # overlapping rows are valid: one period away from home (004 §9.2.1; simulate/payments/periods.py)
    once = per_child[per_child == 1].index
    k = int(np.flatnonzero(e.child_id.isin(once))[0])
    e.loc[k, "child_id"] = "C9999999"                            # unknown child
    expected.add(("care_episodes.csv", k + 2, "child_id"))
    e.to_csv(bad / "care_episodes.csv", index=False)

    s = _text(bad / "school.csv")
    s.loc[3, "period_start"] = s.loc[3, "period_start"].replace("-", "/")   # not an ISO date
    expected.add(("school.csv", 5, "period_start"))
    s.to_csv(bad / "school.csv", index=False)

    report = validate_folder(bad)
    got = set(report.issues[["file", "row", "column"]].itertuples(index=False, name=None))
    assert got == expected
    with pytest.raises(ExtractError) as info:
        read_extracts(bad)
    assert len(info.value.issues) == len(expected)
    assert info.value.one_line().startswith(f"{bad}: referrals.csv row 7, column need_level: not a whole number: 'four'")


def test_each_rule_names_its_reason(tmp_path):
    (tmp_path / "referrals.csv").write_text(
        "case_id,child_id,family_id,district,sub_cohort,need_level,referral_date,referral_source,accepted,"
        "first_contact_date,assessment_date,start_date,end_date,end_reason,return_home_date,date_of_birth,sex,ethnicity,risk_factors,prior_care_episodes\n"
        "R1,C1,F1,Burnley,a,4,2020-01-05,x,true,,,2020-01-10,2020-05-01,,,2013-02-01,female,white,3,0\n"
        "R2,C2,F2,Burnley,a,4,2020-01-05,x,false,,,2020-01-10,,,,2013-02-01,male,purple,3,0\n"
    )
    (tmp_path / "assessments.csv").write_text("person_id,tool,area,timepoint,assessment_date,score\nF1,sdq,total,baseline,2020-01-10,3\nC2,my_star,friends,week_3,2020-01-10,3\n")
    report = validate_folder(tmp_path)
    reasons = {(r.file, r.row, r.column): r.reason for r in report.issues.itertuples()}
    assert reasons == {
        ("referrals.csv", 2, "end_reason"): "support ended (end_date) but no end_reason",
        ("referrals.csv", 3, "ethnicity"): "'purple' is not one of white, mixed, asian, black, other, not_known",
        ("referrals.csv", 3, "start_date"): "support started on a referral that was not accepted",
        ("assessments.csv", 2, "tool"): "unknown tool (registered: cfw_radar, family_star_plus, maca_yc18, my_star, panoc_yc20)",
        ("assessments.csv", 3, "timepoint"): "'week_3' is not one of baseline, six_month, exit",
    }


def test_missing_required_file_and_column(tmp_path):
    (tmp_path / "assessments.csv").write_text("person_id,tool,area,timepoint,assessment_date\n")
    issues = validate_folder(tmp_path).issues
    assert set(issues[["file", "row", "column"]].itertuples(index=False, name=None)) == {
        ("referrals.csv", -1, "-"), ("assessments.csv", -1, "score")}


def test_cli_prints_the_table_and_exits_2(clean, tmp_path, capsys):
    from cusp.cli import main

    bad = tmp_path / "bad"
    shutil.copytree(clean, bad)
    a = _text(bad / "assessments.csv")
    a.loc[[2, 7], "score"] = "99"
    a.to_csv(bad / "assessments.csv", index=False)
    with pytest.raises(SystemExit) as info:
        main(["data", "validate", str(bad)])
    assert info.value.code == 2
    printed = capsys.readouterr()
    assert "2 issues" in printed.out and "assessments.csv row 4, column score" in printed.err
    with pytest.raises(SystemExit) as ok:
        main(["data", "validate", str(clean)])
    assert ok.value.code == 0


@pytest.mark.slow
def test_a_million_assessment_rows_validate_in_seconds(tmp_path):
    n = 1_000_000
    people = n // 10
    pd.DataFrame({
        "case_id": [f"R{i}" for i in range(people)], "child_id": [f"C{i}" for i in range(people)], "family_id": [f"F{i}" for i in range(people)],
        "district": "Burnley", "sub_cohort": "a", "need_level": 4, "referral_date": "2020-01-05", "referral_source": "x", "accepted": "true",
        "first_contact_date": "", "assessment_date": "", "start_date": "", "end_date": "", "end_reason": "", "return_home_date": "",
        "date_of_birth": "2013-01-01", "sex": "male", "ethnicity": "white", "risk_factors": 2, "prior_care_episodes": 0,
    }).to_csv(tmp_path / "referrals.csv", index=False)
    areas = ["physical_health", "wellbeing", "meeting_emotional_needs", "keeping_safe", "social_networks", "education_learning",
             "boundaries_behaviour", "family_routine", "home_money", "progress_to_work"]
    pd.DataFrame({
        "person_id": np.char.add("F", (np.arange(n) // 10).astype(str)), "tool": "family_star_plus", "area": np.tile(areas, people),
        "timepoint": "baseline", "assessment_date": "2020-02-01", "score": np.random.default_rng(1).integers(1, 11, n),
    }).to_csv(tmp_path / "assessments.csv", index=False)
    started = time.perf_counter()
    report = validate_folder(tmp_path)
    seconds = time.perf_counter() - started
    assert report.ok
    assert seconds < 15, f"validation of 1,000,000 assessment rows took {seconds:.1f} s"
