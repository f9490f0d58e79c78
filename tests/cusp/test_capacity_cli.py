"""``cusp capacity`` as a commissioner reads it: 80 columns, units, intervals, plain answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cusp.console import interval, number, table

ROOT = Path(__file__).resolve().parents[2]


def cusp(*args: str, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cusp", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def assert_readable(text: str) -> None:
    lines = text.splitlines()
    assert lines, "no output"
    too_long = [line for line in lines if len(line) > 80]
    assert not too_long, too_long[:3]
    assert "e+0" not in text and "e-0" not in text


def test_numbers_by_hand():
    assert number(1460.4, "count") == "1,460"
    assert number(0.3333, "count") == "0.3"
    assert number(0.9984, "share") == "99.8%"
    assert number(7.94, "wait") == "7.9"
    # a count's t interval below zero is clipped, and the caller is told
    assert interval(0.333, -1.1, 1.77, "count") == ("0.3 (0–1.8)", True)
    assert interval(0.98, 0.95, 1.02, "share") == ("98.0% (95.0–100%)", True)
    assert interval(-2.0, -3.5, -0.5, "count", signed=True) == ("-2 (-3.5 to -0.5)", False)


def test_a_wide_table_is_split_or_turned_long_at_80_columns():
    frame = pd.DataFrame({"metric": ["a rather long metric name (working days)"] + ["m"] * 2,
                          **{f"Y{i}": ["1,234,567 (1,200,000–1,300,000)"] * 3 for i in range(1, 8)}})
    from rich.console import Console

    con = Console(width=80, record=True, file=open(os.devnull, "w"))
    con.print(table(frame, "wide", width=80))
    text = con.export_text()
    assert_readable(text)
    assert "wide (1/" in text  # split into column groups, the metric column repeated
    # a value too long to sit beside its key even alone: one block per row, headed by the key
    tall = pd.DataFrame({"stress": ["referrals_30pct_below_plan"], "description": ["x" * 60], "irr": [0.034]})
    con2 = Console(width=80, record=True, file=open(os.devnull, "w"))
    con2.print(table(tall, "tall", width=80))
    text2 = con2.export_text()
    assert_readable(text2)
    assert "one block per row" in text2 and "referrals_30pct_below_plan" in text2 and "0.034" in text2


@pytest.mark.parametrize("argv", [
    ["capacity", "run", "--scenario", "lancs-edge-of-care-004", "--reps", "3", "--steady-state", "--by-district", "share_started_within_target"],
    ["capacity", "run", "--scenario", "lancs-ehwb-000", "--reps", "3"],
    ["capacity", "compare", "hereford-mentoring-002", "hereford-befriending-002", "--reps", "3"],
    ["scenario", "show", "lancs-ehwb-000"],
])
def test_tables_fit_80_columns_without_scientific_notation(argv):
    res = cusp(*argv)
    assert res.returncode == 0, res.stderr
    assert_readable(res.stdout)


def test_run_labels_units_and_shares():
    res = cusp("capacity", "run", "--scenario", "lancs-ehwb-000", "--reps", "3")
    text = res.stdout
    assert "(working days)" in text and "%" in text
    assert "(-" not in text  # no interval reaching below zero


def test_plan_reports_an_interval(tmp_path):
    res = cusp("capacity", "plan", "--scenario", "lancs-ehwb-000", "--target", "start_within_4_weeks", "--reps", "4", "--out", str(tmp_path / "plan"))
    assert res.returncode == 0, res.stderr
    flat = " ".join(res.stdout.split())
    assert "95% interval" in flat and "bootstrap" in flat
    assert_readable(res.stdout)
    curve = pd.read_csv(tmp_path / "plan" / "plan_curve.csv")
    assert curve["probability"].between(0, 1).all()


def test_plan_says_plainly_when_no_staffing_meets_the_target():
    # 002: improvement is not bought with staff; 90% improved in every quarter is out of reach
    res = cusp("capacity", "plan", "--scenario", "hereford-mentoring-002", "--target", "progress_towards_goals", "--reps", "3")
    assert res.returncode == 0, res.stderr
    flat = " ".join(res.stdout.split())
    assert "No staffing meets progress_towards_goals" in flat and "even with 35.00 FTE (10x today's 3.50)" in flat
    assert_readable(res.stdout)


def test_check_history_on_synthetic_data(tmp_path):
    data = tmp_path / "data"
    assert cusp("synth", "--scenario", "lancs-edge-of-care-004", "--seed", "3", "--out", str(data)).returncode == 0
    res = cusp("capacity", "check-history", "--scenario", "lancs-edge-of-care-004", "--data", str(data), "--reps", "20", "--out", str(tmp_path / "hist"))
    assert res.returncode == 0, res.stderr
    assert_readable(res.stdout)
    hist = pd.read_csv(tmp_path / "hist" / "history.csv")
    assert set(hist["metric"]) == {"referrals", "starts", "mean_wait_to_start_working_days", "open_cases_at_month_end"}
    # synth draws referrals and support from the same scenario: most months fall inside the 95%
    # interval over 20 replications (expected about 90%: the 2.5th-97.5th percentiles of 20 draws)
    for metric in ("referrals", "starts", "open_cases_at_month_end"):
        share = (hist.loc[hist["metric"] == metric, "flag"] == "inside").mean()
        assert share >= 0.7, (metric, share)


def test_check_history_missing_extract_is_one_line_exit_2(tmp_path):
    res = cusp("capacity", "check-history", "--scenario", "lancs-edge-of-care-004", "--data", str(tmp_path), "--reps", "2")
    assert res.returncode == 2 and "referrals.csv" in res.stderr and len(res.stderr.strip().splitlines()) == 1
