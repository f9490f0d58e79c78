"""Extract readers: the registry, encodings, row numbers and the Arrow column checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.errors import ExtractError
from evaluation.readers import READERS, read_table
from evaluation.readers.convert import Encodings, duplicated_rows, parse_dates
from evaluation.readers.text import to_utf8


def test_readers_register_themselves_and_the_csv_catch_all_is_asked_last():
    assert list(READERS)[-1] == "csv" and "excel" in READERS


@pytest.mark.parametrize("encoding, name", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"), ("utf-16", "UTF-16"),
                                            ("utf-16-be", None), ("cp1252", "Windows-1252")])
def test_encoding_detection(encoding, name):
    text = "name,town\nZoë,Bâle\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":          # UTF-16 without a byte-order mark: NUL bytes, refused
        with pytest.raises(ExtractError, match="NUL bytes"):
            to_utf8(data, "f.csv")
        return
    assert to_utf8(data, "f.csv") == (text.encode("utf-8"), name)


def test_blank_lines_keep_spreadsheet_rows(tmp_path):
    # header row 1; records on rows 2, 4 and 7 (rows 3, 5, 6 blank; a CRLF file)
    (tmp_path / "f.csv").write_bytes(b"a,b\r\n1,2\r\n\r\n3,4\r\n\r\n\r\n5,6\r\n")
    table = read_table(tmp_path / "f.csv")
    assert table.frame["a"].tolist() == ["1", "3", "5"]
    assert table.row_numbers().tolist() == [2, 4, 7]


def test_a_quoted_comma_and_a_quoted_newline_are_values(tmp_path):
    (tmp_path / "f.csv").write_bytes(b'a,b\n"x, y","line 1\nline 2"\nz,w\n')
    table = read_table(tmp_path / "f.csv")
    assert table.frame["a"].tolist() == ["x, y", "z"] and table.row_numbers().tolist() == [2, 3]


def test_dates_never_month_first_and_never_rolled_over():
    text = pd.Series(["2020-02-29", "2019-02-30", "01/02/2020", "1/2/2020", "2020-13-01", None], dtype=object)
    iso = parse_dates(text)
    assert iso.iloc[0] == pd.Timestamp("2020-02-29") and iso.iloc[1:].isna().all()
    uk = parse_dates(text, dayfirst=True)
    assert uk.iloc[2] == pd.Timestamp("2020-02-01") and uk.iloc[3] == pd.Timestamp("2020-02-01")  # 1 February
    assert uk.iloc[1] is pd.NaT and uk.iloc[4] is pd.NaT


keys = st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.sampled_from(["x", "y", "z", None])), max_size=40)


@settings(max_examples=60, deadline=None)
@given(keys)
def test_duplicated_rows_matches_pandas(rows):
    frame = pd.DataFrame(rows, columns=["k1", "k2"], dtype="str") if rows else pd.DataFrame({"k1": pd.Series(dtype="str"), "k2": pd.Series(dtype="str")})
    enc = Encodings()
    got = duplicated_rows([enc.get("k1", frame["k1"]), enc.get("k2", frame["k2"])], len(frame))
    expected = frame.duplicated(keep="first").to_numpy() & frame.notna().all(axis=1).to_numpy()
    assert np.array_equal(got, expected)


def test_coded_columns_come_as_categorical_text_with_blank_rows_skipped(tmp_path):
    # a date column read dictionary-encoded: the same values, blanks missing, rows as a
    # spreadsheet shows them (the blank line 3 is skipped), other columns plain text
    path = tmp_path / "school.csv"
    path.write_text("child_id,period_start\nC1,2024-09-01\n\nC2,\nC1,2024-09-01\n", encoding="utf-8")
    table = read_table(path, coded=["period_start"])
    assert isinstance(table.frame["period_start"].dtype, pd.CategoricalDtype)
    assert table.frame["period_start"].astype(object).where(table.frame["period_start"].notna(), None).tolist() == ["2024-09-01", None, "2024-09-01"]
    assert not isinstance(table.frame["child_id"].dtype, pd.CategoricalDtype)
    assert table.frame["child_id"].tolist() == ["C1", "C2", "C1"]
    assert table.rows.tolist() == [2, 4, 5]
    dictionary, codes = Encodings().get("k", table.frame["period_start"])
    assert dictionary.to_pylist() == ["2024-09-01"] and codes.tolist() == [0, -1, 0]
