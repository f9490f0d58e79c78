"""``cusp capacity`` as a user meets it."""

from __future__ import annotations

import pytest

from cusp.cli import main


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def test_run_prints_kpis_and_target_probabilities(capsys, tmp_path):
    status, out, _ = run(["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "3", "--seed", "4", "--out", str(tmp_path), "--records"], capsys)
    assert status == 0
    assert "KPIs by contract year" in out and "Probability that each target is met" in out
    for name in ("kpis.csv", "summary.csv", "targets.csv", "events.csv", "cases.csv"):
        assert (tmp_path / name).stat().st_size > 0
    import pandas as pd

    targets = pd.read_csv(tmp_path / "targets.csv")
    assert {"hours_delivered", "direct_work"} <= set(targets["target"])
    assert targets["probability"].between(0, 1).all()


def test_unknown_scenario_is_one_line_exit_2(capsys):
    status, _, err = run(["capacity", "run", "--scenario", "no-such-preset", "--reps", "2"], capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1


def test_plan_unknown_target_exit_2(capsys):
    status, _, err = run(["capacity", "plan", "--scenario", "hereford-mentoring-002", "--target", "nope", "--reps", "2"], capsys)
    assert status == 2 and "--target nope" in err


def test_compare_prints_paired_differences(capsys):
    status, out, _ = run(["capacity", "compare", "hereford-mentoring-002", "hereford-befriending-002", "--reps", "3"], capsys)
    assert status == 0 and "Paired differences" in out


def test_run_with_precision_uses_the_replications_algorithm(capsys):
    status, out, _ = run(["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "12", "--precision", "0.5", "--seed", "2"], capsys)
    # a loose ±50% is reached at once: the algorithm stops at its 3 initial replications (+5 look-ahead)
    assert status == 0 and "Replications algorithm" in out and "3 replications" in out


def test_unknown_district_is_a_usage_error(capsys):
    status, _, err = run(["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "2", "--district", "Atlantis"], capsys)
    assert status == 2 and "Atlantis" in err


def test_run_from_todays_snapshot(capsys, tmp_path):
    open_csv = tmp_path / "open.csv"
    open_csv.write_text("district,start_date\nHerefordshire,2021-03-01\nHerefordshire,2021-02-15\n")
    waiting_csv = tmp_path / "waiting.csv"
    waiting_csv.write_text("district,referral_date,need_level\nHerefordshire,2021-03-20,3\n")
    status, out, _ = run(["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "2", "--open-cases", str(open_csv), "--waiting", str(waiting_csv)], capsys)
    assert status == 0 and "KPIs by contract year" in out


def test_bad_snapshot_row_names_file_row_and_column(capsys, tmp_path):
    bad = tmp_path / "waiting.csv"
    bad.write_text("district,referral_date\nHerefordshire,2021-03-20\nHerefordshire,not-a-date\n")
    status, _, err = run(["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "2", "--waiting", str(bad)], capsys)
    assert status == 2 and "row 3" in err and "referral_date" in err and "waiting.csv" in err


def test_steady_state_table(capsys):
    status, out, _ = run(["capacity", "run", "--scenario", "lancs-edge-of-care-004", "--reps", "3", "--steady-state"], capsys)
    assert status == 0 and "Steady state" in out and "MSER-5" in out


def test_open_cases_with_a_blank_end_date_and_the_patience_rule(capsys, tmp_path):
    # the second open case has no planned end yet (blank cell): the model draws one
    open_csv = tmp_path / "open.csv"
    open_csv.write_text("district,start_date,end_date\nHerefordshire,2021-03-01,2021-06-30\nHerefordshire,2021-02-15,\n")
    waiting_csv = tmp_path / "waiting.csv"
    waiting_csv.write_text("district,referral_date\nHerefordshire,2019-03-20\n")
    argv = ["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "2", "--open-cases", str(open_csv), "--waiting", str(waiting_csv)]
    status, out, err = run([*argv, "--patience-from", "referral"], capsys)
    assert status == 0 and "KPIs by contract year" in out, err
    status, _, err = run([*argv, "--patience-from", "never"], capsys)
    assert status == 2 and "--patience-from" in err


def test_snapshot_reader_keeps_blank_end_dates_and_passes_the_rule(tmp_path):
    import pandas as pd

    from cusp.commands.capacity import _initial_state
    from simulate.scenario import load_scenario

    sc = load_scenario("hereford-mentoring-002")
    open_csv = tmp_path / "open.csv"
    open_csv.write_text("district,start_date,end_date\nHerefordshire,2021-03-01,2021-06-30\nHerefordshire,2021-02-15,\n")
    waiting_csv = tmp_path / "waiting.csv"
    waiting_csv.write_text("district,referral_date\nHerefordshire,2019-03-20\n")
    state = _initial_state(sc, open_csv, waiting_csv, "referral")
    assert state.patience_from == "referral"
    assert str(state.open_cases["end_date"][0]) == "2021-06-30" and pd.isna(state.open_cases["end_date"][1])
    assert _initial_state(sc, open_csv, None).patience_from == "snapshot"  # the default rule
    # a blank start_date is still an error: only end_date may be unknown
    bad = tmp_path / "bad.csv"
    bad.write_text("district,start_date\nHerefordshire,\n")
    with pytest.raises(Exception, match=r"row 2, column 'start_date'"):
        _initial_state(sc, bad, None)
