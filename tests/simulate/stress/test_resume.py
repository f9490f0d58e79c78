"""A stress run can be extended: draws depend only on the seed and the draw index."""

import pandas as pd
import pytest

from cusp.cli import main
from simulate.scenario import load_scenario
from simulate.stress import run_stress


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr()


@pytest.mark.parametrize("method", ["mc", "sobol"])
def test_two_pieces_equal_one_long_run(method):
    sc = load_scenario("lancs-ehwb-000")
    whole = run_stress(sc, 20, seed=4, method=method, keep_monthly=False).table
    first = run_stress(sc, 12, seed=4, method=method, keep_monthly=False).table
    rest = run_stress(sc, 8, seed=4, method=method, keep_monthly=False, start=12).table
    pd.testing.assert_frame_equal(pd.concat([first, rest], ignore_index=True), whole)


def test_resume_on_the_command_line_adds_draws_and_refuses_another_seed(tmp_path, capsys):
    out, one = tmp_path / "run.parquet", tmp_path / "one.parquet"
    base = ["stress", "run", "--scenario", "lancs-edge-of-care-004", "--seed", "2", "--method", "mc"]
    assert _run(base + ["--draws", "5", "--out", str(out)], capsys)[0] == 0
    code, printed = _run(base + ["--draws", "4", "--out", str(out), "--resume"], capsys)
    assert code == 0, printed.err
    assert _run(base + ["--draws", "9", "--out", str(one)], capsys)[0] == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(one))
    code, printed = _run(["stress", "run", "--scenario", "lancs-edge-of-care-004", "--seed", "3", "--method", "mc",
                          "--draws", "2", "--out", str(out), "--resume"], capsys)
    assert code == 2 and "seed" in printed.err and len(printed.err.strip().splitlines()) == 1


def test_a_latin_hypercube_run_cannot_be_extended(tmp_path, capsys):
    out = tmp_path / "run.parquet"
    argv = ["stress", "run", "--scenario", "hereford-mentoring-002", "--seed", "1", "--draws", "3", "--out", str(out)]
    assert _run(argv, capsys)[0] == 0
    code, printed = _run(argv + ["--resume"], capsys)
    assert code == 2 and "Latin hypercube" in printed.err
