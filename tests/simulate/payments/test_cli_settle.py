"""``cusp payments settle``: files written, exit 2 with lines named, restatement by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cusp.cli import main

PRICE = 13700               # the 004 preset's price per child (docs/assumptions.md)
MILESTONE = 0.85 * 0.4 * PRICE                # £4,658
RATE = 0.85 * 0.6 * PRICE / 549               # £6,987 over the 549-day tariff window of a child engaged 2020-01-15
FSP_AREAS = ["physical_health", "wellbeing", "meeting_emotional_needs", "keeping_safe", "social_networks",
             "education_learning", "boundaries_behaviour", "family_routine", "home_money", "progress_to_work"]


def referral(case, child, family, start="2020-01-15", cohort="diversion_5_9", home=""):
    return {"case_id": case, "child_id": child, "family_id": family, "district": "Burnley", "sub_cohort": cohort,
            "need_level": 4, "referral_date": "2020-01-10", "referral_source": "childrens_social_care", "accepted": "true",
            "first_contact_date": "2020-01-11", "assessment_date": "2020-01-12", "start_date": start, "end_date": "2020-05-01",
            "end_reason": "completed", "return_home_date": home, "date_of_birth": "2012-03-04", "sex": "female",
            "ethnicity": "white", "risk_factors": 2, "prior_care_episodes": 0}


def write(folder: Path, refs, episodes=(), stars=()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(refs).to_csv(folder / "referrals.csv", index=False)
    pd.DataFrame(list(episodes), columns=["episode_id", "child_id", "start_date", "end_date", "episode_type"]).to_csv(folder / "care_episodes.csv", index=False)
    pd.DataFrame(list(stars), columns=["person_id", "tool", "area", "timepoint", "assessment_date", "score"]).to_csv(folder / "assessments.csv", index=False)
    # 004 weights education and reading: their files are required; a header row alone states "no records".
    (folder / "school.csv").write_text("child_id,period_start,period_end,unauthorised_absence_days,possible_days\n")
    (folder / "reading.csv").write_text("child_id,assessment_date,reading_age,forecast_reading_age\n")
    return folder


def run(*args) -> int:
    with pytest.raises(SystemExit) as exc:
        main(["payments", "settle", "--scenario", "lancs-edge-of-care-004", *map(str, args)])
    return exc.value.code


def stars_for(family: str, follow_scores: list[int]):
    rows = [(family, "family_star_plus", a, "baseline", "2020-01-15", 4) for a in FSP_AREAS]
    rows += [(family, "family_star_plus", a, "six_month", "2020-07-20", s) for a, s in zip(FSP_AREAS, follow_scores)]
    return rows


def test_settle_writes_every_file_and_restates(tmp_path, capsys):
    first = write(tmp_path / "v1", [referral("R1", "A", "F1")])
    assert run("--data", first, "--as-of", "2021-06-30", "--out", tmp_path / "s1") == 0
    names = sorted(p.name for p in (tmp_path / "s1").iterdir())
    assert names == [".cusp-output", "audit.csv", "audit.csv-metadata.json", "children.csv", "cuts.csv", "invoices_monthly.csv", "invoices_quarterly.csv",
                     "payments.csv", "summary.json"]
    home = 17 + 31 + 30 + 31 + 30 + 31 + 31 + 28 + 31 + 30 + 31 + 30   # 2020-07-15 .. 2021-06-30 (a month end)
    total = json.loads((tmp_path / "s1" / "summary.json").read_text())["total_gbp"]
    assert total == pytest.approx(MILESTONE + RATE * home)
    assert "A" not in capsys.readouterr().out.split()                  # no child id printed

    # corrected extract: a late-recorded spell 2021-02-10 .. 2021-03-01 (20 days away) and a late
    # Family Star Plus follow-up 44 vs baseline 40 (exactly +10%)
    second = write(tmp_path / "v2", [referral("R1", "A", "F1")], [("E1", "A", "2021-02-10", "2021-03-02", "care")],
                   stars_for("F1", [5, 5, 5, 5, 4, 4, 4, 4, 4, 4]))
    assert run("--data", second, "--as-of", "2021-06-30", "--out", tmp_path / "s2", "--previous", tmp_path / "s1") == 0
    adj = pd.read_csv(tmp_path / "s2" / "restatement.csv")
    claw = adj[adj["kind"] == "clawback"].groupby("due_date")["adjustment"].sum()   # both payers
    assert claw["2021-02-28"] == pytest.approx(-RATE * 19) and claw["2021-03-31"] == pytest.approx(-RATE * 1)
    new = adj[adj["kind"] == "new payment"]
    assert set(new["metric"]) == {"family_star_plus"}
    assert new["adjustment"].sum() == pytest.approx(PRICE * 0.05 * 0.5 * 0.7 + PRICE * 0.05 * 0.5 * 0.3)   # £342.50: commissioner + LCF
    changes = pd.read_csv(tmp_path / "s2" / "status_changes.csv")
    assert changes.set_index("metric").loc["family_star_plus", "status"] == "paid"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]        # no temporary folders left


def test_lcf_share_and_quarterly_invoices(tmp_path):
    folder = write(tmp_path / "d", [referral("R1", "A", "F1")])
    assert run("--data", folder, "--as-of", "2020-09-30", "--out", tmp_path / "s") == 0
    q = pd.read_csv(tmp_path / "s" / "invoices_quarterly.csv")
    # financial quarter July-September 2020: milestone + July (17 days) + August (31) + September (30)
    jul_sep = q[q["period_start"] == "2020-07-01"].groupby("payer")["amount"].sum()
    assert jul_sep["life_chances_fund"] == pytest.approx(0.3 * (MILESTONE + RATE * 78))
    assert jul_sep["commissioner"] == pytest.approx(0.7 * (MILESTONE + RATE * 78))


def test_inconsistent_extract_exits_2_naming_lines(tmp_path, capsys):
    folder = write(tmp_path / "d", [referral("R1", "A", "F1"), referral("R2", "B", "F2", cohort="reunification_5_9")])
    assert run("--data", folder, "--as-of", "2021-06-30", "--out", tmp_path / "s") == 2
    err = capsys.readouterr().err
    assert "referrals.csv" in err and "3" in err and "return_home_date" in err
    assert not (tmp_path / "s").exists()


def test_overlapping_rows_settle_as_one_period_away(tmp_path):
    # 004 §9.2.1 speaks of periods away from home, not rows: care 2021-02-10 -> 03-02 and remand
    # 2021-03-01 -> 03-05 overlap, so they are one 23-day period (<= 8 weeks: tracking goes on).
    # Home days paid to 2021-06-30: 351 in the window (2020-07-15 .. 2021-06-30) less the 23 away.
    eps = [("E1", "A", "2021-02-10", "2021-03-02", "care"), ("E2", "A", "2021-03-01", "2021-03-05", "remand")]
    folder = write(tmp_path / "d", [referral("R1", "A", "F1")], eps)
    assert run("--data", folder, "--as-of", "2021-06-30", "--out", tmp_path / "s") == 0
    total = json.loads((tmp_path / "s" / "summary.json").read_text())["total_gbp"]
    assert total == pytest.approx(MILESTONE + RATE * (351 - 23))


def test_bad_date_exits_2(tmp_path, capsys):
    folder = write(tmp_path / "d", [referral("R1", "A", "F1")])
    assert run("--data", folder, "--as-of", "30/06/2021", "--out", tmp_path / "s") == 2
    assert "--as-of" in capsys.readouterr().err


def test_kpi_linked_year_end_reconciliation(tmp_path):
    folder = tmp_path / "kpi"
    folder.mkdir()
    # year 2: targeted_start_within_target (0.2) and targeted_improved (0.3) met, the others missed
    (folder / "kpi_results.csv").write_text("contract_year,kpi,value\n2,mandated_contacts_coverage,0.5\n2,targeted_start_within_target,0.95\n"
                                            "2,targeted_improved,0.9\n2,activity_maintained,1\n")
    (folder / "spend.csv").write_text("contract_year,spend_gbp\n2,33000000\n")
    with pytest.raises(SystemExit) as exc:
        main(["payments", "settle", "--scenario", "essex-pb19-001", "--data", str(folder), "--as-of", "2019-12-31", "--out", str(tmp_path / "s")])
    assert exc.value.code == 0
    rec = pd.read_csv(tmp_path / "s" / "reconciliation.csv").set_index(["contract_year", "envelope"])
    ecc, west = 35_700_000 - 1_500_000, 1_500_000              # the preset's West CCG envelope is never at risk
    withheld = ecc * 0.05 * 0.5                                # half the weight met: £855,000 withheld
    assert rec.loc[(2, "ecc"), "total_due"] == pytest.approx(ecc - withheld)          # £33,345,000
    assert rec.loc[(2, "west_ccg"), "total_due"] == pytest.approx(west)
    ecc_spend = 33_000_000 * ecc / 35_700_000                  # spend split in proportion to the envelopes
    assert rec.loc[(2, "ecc"), "provider_gain"] == pytest.approx((ecc - withheld - ecc_spend - 0.03 * ecc) / 2)
    pay = pd.read_csv(tmp_path / "s" / "payments.csv")
    # instalments fall due whether or not a year is reported: year 1 (2017-04-01 to 2018-03-31) and
    # year 2 in full, 12 monthly instalments per envelope in advance, and year 3's first nine
    # (April to December 2019); the ECC at-risk part of year 2 earned at its year end
    inst = pay[pay["metric"] == "instalment"]
    assert inst.groupby("contract_year").size().to_dict() == {1: 24, 2: 24, 3: 18}
    assert pay.loc[pay["metric"] == "kpi_year_end", "due_date"].tolist() == ["2019-03-31"]
    year3 = 9 * (ecc * 0.95 / 12 + west / 12)                    # £25,491,250
    assert pay["amount"].sum() == pytest.approx(35_700_000 + (35_700_000 - withheld) + year3)


def test_summary_records_every_setting_that_shaped_the_money(tmp_path):
    import hashlib

    folder = write(tmp_path / "d", [referral("R1", "A", "F1")])
    assert run("--data", folder, "--as-of", "2021-06-30", "--out", tmp_path / "s1") == 0
    assert run("--data", folder, "--as-of", "2021-09-30", "--previous", tmp_path / "s1", "--out", tmp_path / "s2") == 0
    settings = json.loads((tmp_path / "s2" / "summary.json").read_text())["settings"]
    assert settings["as_of"] == "2021-09-30" and settings["known_at"] is None
    assert settings["previous"]["path"] == str(tmp_path / "s1")
    assert settings["previous"]["summary_sha256"] == hashlib.sha256((tmp_path / "s1" / "summary.json").read_bytes()).hexdigest()
    assert settings["scenario"]["name"] == "lancs-edge-of-care-004" and len(settings["scenario"]["sha256"]) == 64
    assert settings["cusp"]["version"] and "commit" in settings["cusp"]
    hashed = {f["path"]: f["sha256"] for f in settings["inputs"]}
    assert hashed["referrals.csv"] == hashlib.sha256((folder / "referrals.csv").read_bytes()).hexdigest()
    meta = json.loads((tmp_path / "s2" / "audit.csv-metadata.json").read_text())
    assert meta["url"] == "audit.csv" and meta["cusp:settings"] == settings


def test_known_at_without_recorded_dates_exits_2_with_one_line(tmp_path, capsys):
    # care_episodes.csv has no recorded_date column: --known-at cannot be honoured, never ignored
    folder = write(tmp_path / "d", [referral("R1", "A", "F1")], [("E1", "A", "2021-02-10", "2021-03-02", "care")])
    assert run("--data", folder, "--as-of", "2021-06-30", "--known-at", "2021-03-31", "--out", tmp_path / "s") == 2
    err = capsys.readouterr().err
    assert "--known-at" in err and "recorded_date" in err and "care_episodes.csv" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()
