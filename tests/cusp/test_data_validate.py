"""``cusp data validate`` on files as councils send them: each bad input is exit 2 with the file,
the row as a spreadsheet shows it (header = row 1), the column and the reason, on one line and
never a traceback; encodings and workbooks that are fine are read directly (exit 0)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xlsxwriter

from cusp.cli import main

HEADER = ["case_id", "child_id", "family_id", "district", "sub_cohort", "need_level", "referral_date", "referral_source",
          "accepted", "first_contact_date", "assessment_date", "start_date", "end_date", "end_reason", "return_home_date",
          "date_of_birth", "sex", "ethnicity", "risk_factors", "prior_care_episodes"]
ASSESSMENT_HEADER = "person_id,tool,area,timepoint,assessment_date,score\n"


def row(case: str, source: str = "school", referral_date: str = "2020-01-10", need: str = "4") -> list[str]:
    return [case, f"k{case}", f"f{case}", "Burnley", "diversion_5_9", need, referral_date, source, "true", "", "", "", "",
            "", "", "2012-03-04", "female", "white", "2", "0"]


def csv_text(rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"


def folder_with(tmp_path: Path, referrals: bytes | str, name: str = "referrals.csv") -> Path:
    folder = tmp_path / "data"
    folder.mkdir(parents=True)
    data = referrals.encode("utf-8") if isinstance(referrals, str) else referrals
    (folder / name).write_bytes(data)
    (folder / "assessments.csv").write_text(ASSESSMENT_HEADER)  # only a header: no assessments, valid
    return folder


def validate(capsys, *args: object) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["data", "validate", *map(str, args)])
    captured = capsys.readouterr()
    return exc.value.code, captured.out, captured.err


def assert_one_line_error(err: str, *parts: str) -> None:
    assert "Traceback" not in err and "internal error" not in err
    line = next(ln for ln in err.splitlines() if ln.startswith("error:"))
    for part in parts:
        assert part in line, f"{part!r} not in {line!r}"


def test_a_clean_folder_passes(tmp_path, capsys):
    code, out, _ = validate(capsys, folder_with(tmp_path, csv_text([row("1"), row("2")])))
    assert code == 0 and "every file meets its contract" in out


@pytest.mark.parametrize("encoding, label", [("cp1252", "Windows-1252"), ("utf-16", "UTF-16"), ("utf-8-sig", "UTF-8 with BOM")])
def test_other_encodings_are_read_directly(tmp_path, capsys, encoding, label):
    # "Ecole Notre-Dame" with its accents: bytes that are not UTF-8 in Windows-1252 and UTF-16.
    text = csv_text([row("1", source="école_notre_dâme"), row("2")])
    code, out, _ = validate(capsys, folder_with(tmp_path, text.encode(encoding)))
    assert code == 0 and label in out


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_bad_row_in_another_encoding_is_named_by_row(tmp_path, capsys, encoding):
    # Row 2 is the first data row; the bad need level is on the second data row: row 3.
    text = csv_text([row("1", source="école"), row("2", need="five")])
    code, _, err = validate(capsys, folder_with(tmp_path, text.encode(encoding)))
    assert code == 2
    assert_one_line_error(err, "referrals.csv row 3", "column need_level", "not a whole number")


def test_bytes_that_are_no_known_encoding(tmp_path, capsys):
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8: refused on the row it sits in (row 3).
    data = csv_text([row("1"), row("2")]).encode("utf-8").replace(b"k2", b"k\x81")
    code, _, err = validate(capsys, folder_with(tmp_path, data))
    assert code == 2
    assert_one_line_error(err, "referrals.csv row 3", "0x81")


def test_zero_byte_file(tmp_path, capsys):
    code, _, err = validate(capsys, folder_with(tmp_path, b""))
    assert code == 2
    assert_one_line_error(err, "referrals.csv row 1", "empty (0 bytes)")


def test_a_header_only_file_is_zero_rows_and_valid(tmp_path, capsys):
    code, out, _ = validate(capsys, folder_with(tmp_path, csv_text([])))
    assert code == 0


@pytest.mark.parametrize("blank_lines", [0, 2])
def test_unquoted_comma_names_the_spreadsheet_row(tmp_path, capsys, blank_lines):
    # Third data record has an unquoted comma in referral_source: 21 fields against a 20-column header.
    # Without blank lines it is row 4; two blank lines before it push it to row 6.
    lines = csv_text([row("1"), row("2"), row("3", source="school,college")]).splitlines()
    lines[2:2] = [""] * blank_lines
    code, _, err = validate(capsys, folder_with(tmp_path, "\n".join(lines) + "\n"))
    assert code == 2
    assert_one_line_error(err, f"referrals.csv row {4 + blank_lines}", "21 fields where the header has 20")


def test_blank_lines_do_not_shift_row_numbers(tmp_path, capsys):
    # header (row 1), record (2), blank (3), blank (4), record (5), record with a bad date (6).
    lines = csv_text([row("1"), row("2"), row("3", referral_date="2020-13-01")]).splitlines()
    lines[2:2] = ["", ""]
    code, _, err = validate(capsys, folder_with(tmp_path, "\n".join(lines) + "\n"))
    assert code == 2
    assert_one_line_error(err, "referrals.csv row 6", "column referral_date")


def test_impossible_date(tmp_path, capsys):
    code, _, err = validate(capsys, folder_with(tmp_path, csv_text([row("1"), row("2", referral_date="2019-02-30")])))
    assert code == 2
    assert_one_line_error(err, "referrals.csv row 3", "column referral_date", "not a real date: '2019-02-30'")


def test_day_first_dates_need_dayfirst_and_are_never_read_month_first(tmp_path, capsys):
    folder = folder_with(tmp_path, csv_text([row("1", referral_date="01/02/2020")]))
    code, _, err = validate(capsys, folder)
    assert code == 2
    assert_one_line_error(err, "referrals.csv row 2", "column referral_date", "--dayfirst")
    code, _, _ = validate(capsys, folder, "--dayfirst")
    assert code == 0
    # With --dayfirst 01/02/2020 is 1 February: a child born 2020-01-15 was referred after birth (valid);
    # month-first (2 January) would put the referral before birth and fail.
    born = csv_text([row("1", referral_date="01/02/2020")]).replace("2012-03-04", "2020-01-15")
    code, _, _ = validate(capsys, folder_with(tmp_path / "b", born), "--dayfirst")
    assert code == 0


def write_workbook(path: Path, sheet: str, rows: list[list[str]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    for i, r in enumerate([HEADER, *rows]):
        for j, v in enumerate(r):
            if v == "":
                continue
            ws.write_number(i, j, float(v)) if v.isdigit() else ws.write_string(i, j, v)
    book.close()


def test_xlsx_renamed_csv_is_read_as_the_workbook_it_is(tmp_path, capsys):
    folder = folder_with(tmp_path, b"placeholder")
    write_workbook(tmp_path / "book.xlsx", "Referrals", [row("1"), row("2", referral_date="2019-02-30")])
    shutil.copy(tmp_path / "book.xlsx", folder / "referrals.csv")
    code, _, err = validate(capsys, folder)
    assert code == 2
    assert_one_line_error(err, "referrals.csv row 3", "column referral_date", "not a real date")


def test_a_workbook_named_like_the_extract_is_read(tmp_path, capsys):
    folder = folder_with(tmp_path, b"")
    (folder / "referrals.csv").unlink()
    write_workbook(folder / "referrals.xlsx", "Sheet1", [row("1"), row("2")])
    code, out, _ = validate(capsys, folder)
    assert code == 0 and "Excel sheet 'Sheet1'" in out


def test_a_broken_workbook_is_refused_clearly(tmp_path, capsys):
    code, _, err = validate(capsys, folder_with(tmp_path, b"PK\x03\x04 not really a zip"))
    assert code == 2
    assert_one_line_error(err, "referrals.csv", "not a readable Excel workbook")


def test_limit_lists_at_most_n_issues_per_file_with_the_count_of_the_rest(tmp_path, capsys):
    rows = [row(str(i), need="nine") for i in range(60)]        # 60 bad need levels: rows 2-61
    code, out, err = validate(capsys, folder_with(tmp_path, csv_text(rows)), "--limit", "5")
    assert code == 2
    assert "referrals.csv: 55 more issues not shown" in err
    assert "60 issues in all" in err
