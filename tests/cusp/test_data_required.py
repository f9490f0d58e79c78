"""Never pay on absence: every extract a mechanism reads is required by name.

A missing or misnamed ``care_episodes.csv`` used to read as "no child ever entered care" and
the 004 settlement paid +33%. Now it is exit 2 naming the expected file, with "did you mean"
for a near miss; a file with only its header row states "no care entries" and is valid.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cusp.cli import main
from simulate.payments.requirements import required_extracts
from simulate.scenario import load_scenario

EPISODES_HEADER = "episode_id,child_id,start_date,end_date,episode_type\n"


def referral(case: str) -> dict[str, object]:
    return {"case_id": case, "child_id": f"k{case}", "family_id": f"f{case}", "district": "Burnley", "sub_cohort": "diversion_5_9",
            "need_level": 4, "referral_date": "2020-01-10", "referral_source": "childrens_social_care", "accepted": "true",
            "first_contact_date": "2020-01-11", "assessment_date": "2020-01-12", "start_date": "2020-01-15", "end_date": "2020-05-01",
            "end_reason": "completed", "return_home_date": "", "date_of_birth": "2012-03-04", "sex": "female",
            "ethnicity": "white", "risk_factors": 2, "prior_care_episodes": 0}


def sib_folder(tmp_path: Path, episodes_name: str | None = "care_episodes.csv") -> Path:
    """Every file a 004 settlement reads; the care episodes under ``episodes_name`` (None: absent)."""
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame([referral("1")]).to_csv(folder / "referrals.csv", index=False)
    (folder / "assessments.csv").write_text("person_id,tool,area,timepoint,assessment_date,score\n")
    (folder / "school.csv").write_text("child_id,period_start,period_end,unauthorised_absence_days,possible_days\n")
    (folder / "reading.csv").write_text("child_id,assessment_date,reading_age,forecast_reading_age\n")
    if episodes_name is not None:
        (folder / episodes_name).write_text(EPISODES_HEADER + "e1,k1,2020-03-01,2020-03-20,care\n")
    return folder


def run(capsys, *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return exc.value.code, captured.err


def test_each_mechanism_names_the_files_it_reads():
    # 004 weights stability, family functioning, education and reading (85/5/5/5): all five files.
    assert required_extracts(load_scenario("lancs-edge-of-care-004")) == (
        "referrals.csv", "care_episodes.csv", "assessments.csv", "school.csv", "reading.csv")
    assert required_extracts(load_scenario("lancs-ehwb-000")) == ("referrals.csv", "assessments.csv")
    assert required_extracts(load_scenario("essex-pb19-001")) == ("kpi_results.csv", "spend.csv")
    assert required_extracts(load_scenario("hereford-befriending-002")) == ()


@pytest.mark.parametrize("name, hint", [(None, None), ("Care_Episodes.csv", "'Care_Episodes.csv'"),
                                        ("care_episodes (1).csv", "'care_episodes (1).csv'")])
@pytest.mark.parametrize("command", ["validate", "settle"])
def test_missing_or_misnamed_care_episodes_is_exit_2(tmp_path, capsys, name, hint, command):
    folder = sib_folder(tmp_path, name)
    if command == "validate":
        argv = ["data", "validate", str(folder), "--scenario", "lancs-edge-of-care-004"]
    else:
        argv = ["payments", "settle", "--scenario", "lancs-edge-of-care-004", "--data", str(folder),
                "--as-of", "2022-12-31", "--out", str(tmp_path / "out")]
    code, err = run(capsys, *argv)
    assert code == 2
    assert "care_episodes.csv" in err and "required file is missing" in err
    if hint:
        assert f"did you mean {hint}" in err
    assert not (tmp_path / "out").exists()          # nothing settled, nothing written


def test_a_misnamed_file_is_an_error_even_without_a_scenario(tmp_path, capsys):
    code, err = run(capsys, "data", "validate", str(sib_folder(tmp_path, "Care_Episodes.csv")))
    assert code == 2 and "did you mean 'Care_Episodes.csv'" in err


def test_a_header_only_file_means_no_care_entries(tmp_path, capsys):
    folder = sib_folder(tmp_path, None)
    (folder / "care_episodes.csv").write_text(EPISODES_HEADER)
    with pytest.raises(SystemExit) as exc:
        main(["data", "validate", str(folder), "--scenario", "lancs-edge-of-care-004"])
    assert exc.value.code is None or exc.value.code == 0


def test_kpi_linked_needs_its_spend_file(tmp_path, capsys):
    folder = tmp_path / "kpi"
    folder.mkdir()
    (folder / "kpi_results.csv").write_text("contract_year,kpi,value\n2,mandated_contacts_coverage,0.5\n")
    (folder / "Spend.csv").write_text("contract_year,spend_gbp\n2,33000000\n")
    code, err = run(capsys, "payments", "settle", "--scenario", "essex-pb19-001", "--data", str(folder),
                    "--as-of", "2019-12-31", "--out", str(tmp_path / "s"))
    assert code == 2 and "spend.csv" in err and "did you mean 'Spend.csv'" in err
