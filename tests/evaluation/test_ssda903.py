"""SSDA903 as councils submit it → Cusp's care_episodes.csv → 004 payments, all worked by hand.

The fixture (tests/fixtures/ssda903/, README there) holds six children: a continuation chain
with a same-day placement change, care then remand the same day, remand only, a short break, a
reunified child and three rows that are two periods. Dates are dd/mm/yyyy; a blank line sits at
row 12 of the episodes file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from cusp.cli import main
from evaluation.readers.ssda903 import read_ssda903
from evaluation.readers.ssda903_periods import episodes_to_periods

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ssda903"
EPISODES, HEADER = FIXTURE / "episodes.csv", FIXTURE / "header.csv"

# (episode_id, child_id, start_date, end_date, episode_type), worked from the fixture by hand.
EXPECTED_PERIODS = [
    ("100001-P1", "100001", "2020-09-01", "2020-10-10", "care"),     # three rows, REC X1, X1, E4A: one period
    ("100002-P1", "100002", "2021-03-01", "2021-05-10", "care"),     # V2 then J1 the same day: one period, mixed -> care
    ("100003-P1", "100003", "2020-12-01", "2020-12-21", "remand"),   # J1 only
    ("100005-P1", "100005", "2019-05-01", "2020-03-02", "care"),     # X1 chain, then home (E4A)
    ("100006-P1", "100006", "2020-08-01", "2020-09-01", "care"),     # X1 then E4A: one period ...
    ("100006-P2", "100006", "2021-02-01", "2021-02-15", "care"),     # ... and a later one: three rows, two periods
]                                                                    # 100004's V3 short break: left out


def periods(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    f = frame.assign(start_date=frame["start_date"].dt.strftime("%Y-%m-%d"), end_date=frame["end_date"].dt.strftime("%Y-%m-%d"))
    return [tuple(map(str, r)) for r in f.itertuples(index=False, name=None)]


def test_fixture_imports_to_the_periods_expected_by_hand():
    care, children, report = episodes_to_periods(read_ssda903(EPISODES, HEADER))
    assert periods(care) == EXPECTED_PERIODS
    assert report.episode_rows_read == 12 and report.short_break_rows_excluded == 1 and report.episode_rows_used == 11
    # Joined to their predecessor: 100001 x2, 100002 x1, 100005 x1, 100006 x1 -- all after REC X1.
    assert report.episodes_joined_to_previous == 5 and report.joined_by_x1 == 5
    assert report.remand_periods == 1 and report.periods_mixing_care_and_remand == 1
    assert children.set_index("child_id").loc["100002", ["sex", "ethnicity"]].tolist() == ["male", "asian"]
    assert children.set_index("child_id").loc["100006", "date_of_birth"] == pd.Timestamp("2012-12-12")


def test_short_breaks_can_be_included():
    care, _, report = episodes_to_periods(read_ssda903(EPISODES, HEADER), include_short_breaks=True)
    assert ("100004-P1", "100004", "2020-04-10", "2020-04-12", "care") in periods(care)
    assert report.short_break_rows_excluded == 0 and report.periods_built == 7


def test_touching_dates_join_even_without_x1(tmp_path):
    # 100001's first row ends 15/09/2020 with E8 instead of X1; the next row starts that day: still one period.
    text = EPISODES.read_text().replace("15/09/2020,X1", "15/09/2020,E8")
    (tmp_path / "e.csv").write_text(text)
    care, _, report = episodes_to_periods(read_ssda903(tmp_path / "e.csv", HEADER))
    assert periods(care)[0] == EXPECTED_PERIODS[0]
    assert report.joined_by_dates_without_x1 == 1


def write_book(path: Path, sheets: dict[str, Path]) -> None:
    book = xlsxwriter.Workbook(str(path))
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, source in sheets.items():
        ws = book.add_worksheet(name)
        for i, line in enumerate(source.read_text().splitlines()):
            for j, cell in enumerate(line.split(",")):
                if i and len(cell) == 10 and cell[2] == "/":        # a real Excel date cell, as councils' workbooks hold
                    ws.write_datetime(i, j, dt.datetime.strptime(cell, "%d/%m/%Y"), dates)
                elif cell:
                    ws.write_string(i, j, cell)
    book.close()


def test_excel_workbook_sheet_by_name_gives_the_same_periods(tmp_path):
    write_book(tmp_path / "ssda903.xlsx", {"Header": HEADER, "Episodes": EPISODES})
    data = read_ssda903(tmp_path / "ssda903.xlsx", tmp_path / "ssda903.xlsx", episodes_sheet="Episodes", header_sheet="Header")
    assert periods(episodes_to_periods(data)[0]) == EXPECTED_PERIODS


def run(capsys, *argv: object) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return exc.value.code or 0, captured.out, captured.err


@pytest.mark.parametrize("old, new, where", [
    # The blank line is row 12, so 100006's second row is row 13 and its last row 14.
    ("01/02/2021,S,V2", "30/02/2021,S,V2", "episodes.csv row 14, column DECOM: not a real date: '30/02/2021'"),
    ("20/08/2020,L,C1", "20/08/2020,L,Q9", "episodes.csv row 13, column LS: 'Q9' is not an SSDA903 LS code"),
    ("10/05/2021,E14", "10/03/2021,E14", "episodes.csv row 6, column DEC: DEC (episode ceased) is before DECOM"),
])
def test_bad_ssda903_cells_are_exit_2_with_file_row_column(tmp_path, capsys, old, new, where):
    (tmp_path / "episodes.csv").write_text(EPISODES.read_text().replace(old, new))
    code, _, err = run(capsys, "data", "import", "ssda903", tmp_path / "episodes.csv", HEADER, "--out", tmp_path / "out")
    assert code == 2 and where in err
    assert not (tmp_path / "out").exists()


def test_import_refuses_to_overwrite_a_councils_own_file(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "care_episodes.csv").write_text("the council's own\n")
    code, _, err = run(capsys, "data", "import", "ssda903", EPISODES, HEADER, "--out", tmp_path / "out")
    assert code == 2 and "was not made by Cusp" in err
    assert (tmp_path / "out" / "care_episodes.csv").read_text() == "the council's own\n"


# ---- settle the imported periods under the 004 preset, by hand ----------------------------------
PRICE = 13700                              # scenarios/lancs-edge-of-care-004.yaml max_per_child_gbp
MILESTONE = 0.85 * 0.40 * PRICE            # stability share 85%, milestone 40% of it: £4,658
TARIFF = 0.85 * 0.60 * PRICE               # the other 60%, paid per home day over 18 months: £6,987


def referral(child: str, cohort: str, born: str, referred: str, start: str, home: str = "") -> dict[str, object]:
    return {"case_id": f"r{child}", "child_id": child, "family_id": f"f{child}", "district": "Burnley", "sub_cohort": cohort,
            "need_level": 4, "referral_date": referred, "referral_source": "childrens_social_care", "accepted": "true",
            "first_contact_date": start, "assessment_date": start, "start_date": start, "end_date": "2020-06-30",
            "end_reason": "completed", "return_home_date": home, "date_of_birth": born, "sex": "female",
            "ethnicity": "white", "risk_factors": 2, "prior_care_episodes": 0}


def test_imported_fixture_settles_to_the_payments_worked_by_hand(tmp_path, capsys):
    data = tmp_path / "data"
    code, out, _ = run(capsys, "data", "import", "ssda903", EPISODES, HEADER, "--out", data)
    assert code == 0 and "periods away from home built" in out
    report = json.loads((data / "ssda903_mapping.json").read_text())
    assert report["periods_built"] == 6 and report["short_break_rows_excluded"] == 1
    pd.DataFrame([
        referral("100001", "diversion_5_9", "2012-03-04", "2020-01-10", "2020-01-15"),
        referral("100002", "diversion_10_15", "2008-06-17", "2020-02-25", "2020-03-02"),
        referral("100003", "diversion_10_15", "2007-11-09", "2020-01-28", "2020-02-03"),
        referral("100004", "diversion_5_9", "2013-01-21", "2020-01-28", "2020-02-03"),
        referral("100005", "reunification_10_15", "2007-07-30", "2020-02-10", "2020-02-20", home="2020-03-02"),
        referral("100006", "diversion_5_9", "2012-12-12", "2020-01-10", "2020-01-15"),
    ]).to_csv(data / "referrals.csv", index=False)
    # The other 004 extracts, present with only their header rows: no assessments, school or reading records.
    (data / "assessments.csv").write_text("person_id,tool,area,timepoint,assessment_date,score\n")
    (data / "school.csv").write_text("child_id,period_start,period_end,unauthorised_absence_days,possible_days\n")
    (data / "reading.csv").write_text("child_id,assessment_date,reading_age,forecast_reading_age\n")

    code, _, err = run(capsys, "payments", "settle", "--scenario", "lancs-edge-of-care-004", "--data", data,
                       "--as-of", "2023-12-31", "--out", tmp_path / "settled")
    assert code == 0, err
    paid = pd.read_csv(tmp_path / "settled" / "payments.csv", dtype={"child_id": str}).groupby("child_id")["amount"].sum()

    # Every child is home through the first six months after t0 (no period in [t0, t0 + 6m)): milestone paid.
    # Tariff: TARIFF x home days / days in [t0 + 6m, t0 + 24m).
    expected = {
        # t0 2020-01-15; window 2020-07-15..2022-01-15 = 365 + 184 = 549 days; one 39-day period (<= 56 days:
        # tracking continues): 549 - 39 = 510 home days. Read row by row it would be three spells: failed.
        "100001": MILESTONE + TARIFF * 510 / 549,
        # t0 2020-03-02; window 2020-09-02..2022-03-02 = 365 + 181 = 546 days; the care+remand period lasts
        # 70 days (> 56): tracking ends on its first day, 2021-03-01, after 29+31+30+31+31+28 = 180 home days.
        # Read row by row (19 + 51 days, each <= 56) it would have paid 546 - 70 = 476 days.
        "100002": MILESTONE + TARIFF * 180 / 546,
        # t0 2020-02-03; window 2020-08-03..2022-02-03 = 549 days; 20 days on remand: 529 home days.
        "100003": MILESTONE + TARIFF * 529 / 549,
        # t0 2020-02-03; the short break is not time away from home: all 549 days.
        "100004": MILESTONE + TARIFF,
        # reunified: t0 = return home 2020-03-02 (the day the care period ended); home throughout 546 days.
        "100005": MILESTONE + TARIFF,
        # t0 2020-01-15; 549-day window; two periods of 31 and 14 days (two, not three): 549 - 45 = 504.
        "100006": MILESTONE + TARIFF * 504 / 549,
    }
    assert paid.to_dict() == pytest.approx(expected, abs=0.01)
    assert paid.sum() == pytest.approx(sum(expected.values()), abs=0.05)


def test_a_zero_day_placement_then_the_next_the_same_day_is_one_period_not_a_duplicate(tmp_path):
    # 100001's chain with a zero-day placement on 15/09/2020 (DECOM = DEC, REC X1) before the next row.
    text = EPISODES.read_text().replace(
        "100001,15/09/2020,L,C2", "100001,15/09/2020,P,C2,N1,U4,PR1,15/09/2020,X1,CARPL,BB1 1AA,BB2 2AA,\n100001,15/09/2020,L,C2")
    (tmp_path / "e.csv").write_text(text)
    care, _, report = episodes_to_periods(read_ssda903(tmp_path / "e.csv", HEADER))
    assert periods(care) == EXPECTED_PERIODS and report.joined_by_x1 == 6


def test_two_episodes_both_running_on_from_one_day_are_a_duplicate(tmp_path, capsys):
    # A second 100003 row from 01/12/2020 lasting beyond the day: row 8 (the row after the first, row 7).
    text = EPISODES.read_text().replace("100003,01/12/2020,S,J1,N4,K2,PR1,21/12/2020,E14,,PR2 2AA,PR1 1AA,SC000001",
                                        "100003,01/12/2020,S,J1,N4,K2,PR1,21/12/2020,E14,,PR2 2AA,PR1 1AA,SC000001\n"
                                        "100003,01/12/2020,S,J1,N4,K2,PR1,22/12/2020,E14,,PR2 2AA,PR1 1AA,SC000001")
    (tmp_path / "episodes.csv").write_text(text)
    code, _, err = run(capsys, "data", "import", "ssda903", tmp_path / "episodes.csv", HEADER, "--out", tmp_path / "out")
    assert code == 2 and "episodes.csv row 8, column DECOM: a second episode of this child starting on the same day" in err


def test_x1_on_a_childs_last_episode_is_counted_and_the_period_ends(tmp_path):
    # DfE rule 388: X1 must be followed by an episode the same day. 100003's only episode coded X1:
    # nothing follows, so the period still ends on DEC (21/12/2020) and the report counts it.
    text = EPISODES.read_text().replace("21/12/2020,E14", "21/12/2020,X1")
    (tmp_path / "e.csv").write_text(text)
    care, _, report = episodes_to_periods(read_ssda903(tmp_path / "e.csv", HEADER))
    assert periods(care) == EXPECTED_PERIODS
    assert report.x1_on_last_episode == 1
    assert episodes_to_periods(read_ssda903(EPISODES, HEADER))[2].x1_on_last_episode == 0
