"""Date parameters of a render: ISO always; dd/mm/yyyy only with --dayfirst; never month first silently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import nbformat
import pytest

from cusp.cli import main
from cusp.render import ParameterError, check_parameters, declared_parameters, render_notebook


def dated_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["cusp"] = {"disclosure_policy": "modelled"}  # made-up dates, no one's record
    params = nbformat.v4.new_code_cell('end_date = ""  # end of the data\nas_of = "2024-03-31"\nlabel = "x"\n'
                                       'period_end = ""  # last day, YYYY-MM-DD\nresults_path = "results.json"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "from cusp.render import save_results\nsave_results({'end_date': end_date, 'as_of': as_of}, results_path)")]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def declared(tmp_path_factory):
    return declared_parameters(dated_notebook(tmp_path_factory.mktemp("nb") / "dated.ipynb"))


def test_dates_are_recognised_by_name_default_or_help(declared):
    assert {k: v["type"] for k, v in declared.items()} == {
        "end_date": "date", "as_of": "date", "label": "str", "period_end": "date", "results_path": "str"}


@pytest.mark.parametrize("text, dayfirst, expected", [
    ("2025-02-01", False, "2025-02-01"),       # ISO always
    ("01/02/2025", True, "2025-02-01"),        # UK: 1 February
    ("13/02/2025", False, "2025-02-13"),       # only one reading: day 13 of February
    ("02/13/2025", False, "2025-02-13"),       # only one reading: month 2, day 13
    ("05/05/2025", False, "2025-05-05"),       # both readings are the same day
    ("", False, ""),                           # blank: the notebook's own rule
])
def test_a_date_reaches_the_notebook_as_iso(declared, text, dayfirst, expected):
    assert check_parameters(declared, {}, {"end_date": text}, dayfirst=dayfirst)["end_date"] == expected


@pytest.mark.parametrize("text, dayfirst, reason", [
    ("01/02/2025", False, "could be 01 February 2025 (day first) or 02 January 2025 (month first); write it as YYYY-MM-DD (2025-02-01 or 2025-01-02), or pass --dayfirst"),
    ("02/13/2025", True, "not a real day read as dd/mm/yyyy (--dayfirst)"),
    ("2025-02-30", False, "not a real day"),
    ("31/02/2025", False, "not a real day"),
    ("1 Feb 2025", False, "not a date: write it as YYYY-MM-DD"),
])
def test_a_date_that_is_ambiguous_or_wrong_is_refused(declared, text, dayfirst, reason):
    with pytest.raises(ParameterError) as info:
        check_parameters(declared, {}, {"end_date": text}, dayfirst=dayfirst)
    assert reason in info.value.one_line() and "'end_date' expects date" in info.value.one_line()


def test_yaml_dates_and_texts_are_read_the_same_way(declared):
    assert check_parameters(declared, {"as_of": dt.date(2025, 3, 31)}, {})["as_of"] == "2025-03-31"
    with pytest.raises(ParameterError, match="could be"):
        check_parameters(declared, {"as_of": "03/04/2025"}, {})


def test_cli_refuses_the_issues_example_and_reads_it_uk_style_with_dayfirst(tmp_path, capsys):
    nb = dated_notebook(tmp_path / "dated.ipynb")
    with pytest.raises(SystemExit) as info:
        main(["render", str(nb), "--param", "end_date=01/02/2025", "--no-progress", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "end_date" in err and "YYYY-MM-DD" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()

    result = render_notebook(nb, tmp_path / "r", params={"end_date": "01/02/2025"}, dayfirst=True, progress=False, timeout=120)
    assert json.loads(result.results.read_text()) == {"end_date": "2025-02-01", "as_of": "2024-03-31"}
