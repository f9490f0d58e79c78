"""``cusp reforecast`` on a synthetic extract: the settled money is ``cusp payments settle``'s,
the output is the same with 1 or 2 workers, a second run explains what moved, and bad input
is one line with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cusp.cli import main

PRESET = "lancs-edge-of-care-004"


def run(argv: list, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.err + captured.out


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rf") / "data"
    with pytest.raises(SystemExit) as info:
        main(["synth", "--scenario", PRESET, "--seed", "2", "--extract-date", "2022-02-28", "--out", str(folder)])
    assert int(info.value.code or 0) == 0
    return folder


def reforecast(data: Path, out: Path, as_of: str, capsys, *extra) -> tuple[int, str]:
    return run(["reforecast", "--scenario", PRESET, "--data", data, "--as-of", as_of, "--draws", "8", "--seed", "4",
                "--planned-draws", "4", "--out", out, *extra], capsys)


def test_settled_to_date_equals_payments_settle_to_the_penny(data, tmp_path, capsys):
    code, text = reforecast(data, tmp_path / "rf", "2021-06-30", capsys)
    assert code == 0, text
    code, text = run(["payments", "settle", "--scenario", PRESET, "--data", data, "--as-of", "2021-06-30",
                      "--allow-no-return-home", "--out", tmp_path / "pay"], capsys)
    assert code == 0, text
    ours = json.loads((tmp_path / "rf" / "summary.json").read_text())
    settled = pd.read_csv(tmp_path / "pay" / "payments.csv")["amount"].sum()
    assert round(ours["settled_to_date_gbp"], 2) == round(float(settled), 2)
    assert (tmp_path / "rf" / ".cusp-output").exists()
    for name in ("remaining_by_month.csv", "planned_achieved_forecast.csv", "calibration.csv", "draws.csv"):
        assert (tmp_path / "rf" / name).exists()


def test_one_or_two_workers_write_the_same_files(data, tmp_path, capsys):
    assert reforecast(data, tmp_path / "a", "2021-06-30", capsys, "--jobs", "1")[0] == 0
    assert reforecast(data, tmp_path / "b", "2021-06-30", capsys, "--jobs", "2")[0] == 0
    for name in ("draws.csv", "remaining_by_month.csv", "planned_achieved_forecast.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_previous_gives_a_waterfall_that_adds_up(data, tmp_path, capsys):
    assert reforecast(data, tmp_path / "q1", "2021-06-30", capsys)[0] == 0
    code, text = reforecast(data, tmp_path / "q2", "2021-12-31", capsys, "--previous", tmp_path / "q1")
    assert code == 0, text
    w = pd.read_csv(tmp_path / "q2" / "waterfall.csv")
    steps = w["change_gbp"].to_numpy()
    assert steps[0] + steps[1:-1].sum() == pytest.approx(steps[-1], rel=1e-9)
    assert "new referrals" in " ".join(w["drivers"].fillna(""))


@pytest.mark.parametrize("args, words", [
    (["--as-of", "30/06/2021"], "--as-of"),
    (["--as-of", "2021-06-30", "--draws", "0"], "--draws"),
])
def test_bad_input_is_one_line_and_status_2(data, tmp_path, capsys, args, words):
    code, text = run(["reforecast", "--scenario", PRESET, "--data", data, "--out", tmp_path / "x", *args], capsys)
    assert code == 2 and words in text and "Traceback" not in text
    assert not (tmp_path / "x").exists()


def test_refuses_to_write_into_its_data(data, capsys):
    before = sorted(p.name for p in data.iterdir())
    code, text = reforecast(data, data, "2021-06-30", capsys)
    assert code == 2 and "--data" in text
    assert sorted(p.name for p in data.iterdir()) == before


def test_a_mechanism_without_a_reforecast_is_one_line_and_status_2(data, tmp_path, capsys, monkeypatch):
    from simulate.reforecast import run as run_module

    monkeypatch.delitem(run_module.MECHANISMS, "block")
    code, text = run(["reforecast", "--scenario", "hereford-befriending-002", "--data", data, "--as-of", "2021-06-30",
                      "--draws", "2", "--out", tmp_path / "x"], capsys)
    assert code == 2 and "no reforecast yet for 'block'" in text and "Traceback" not in text
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def carers(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("yc") / "data"
    with pytest.raises(SystemExit) as info:
        main(["synth", "--scenario", "lancs-young-carers-003", "--seed", "2", "--extract-date", "2028-03-31", "--out", str(folder)])
    assert int(info.value.code or 0) == 0
    return folder


def test_block_settled_to_date_equals_payments_settle_to_the_penny(carers, tmp_path, capsys):
    code, text = run(["reforecast", "--scenario", "lancs-young-carers-003", "--data", carers, "--as-of", "2028-02-15",
                      "--draws", "20", "--seed", "4", "--planned-draws", "10", "--out", tmp_path / "rf"], capsys)
    assert code == 0, text
    assert "Provider net" in text and "P(provider loss)" in text
    code, text = run(["payments", "settle", "--scenario", "lancs-young-carers-003", "--data", carers, "--as-of", "2028-02-15",
                      "--out", tmp_path / "pay"], capsys)
    assert code == 0, text
    ours = json.loads((tmp_path / "rf" / "summary.json").read_text())
    settled = pd.read_csv(tmp_path / "pay" / "payments.csv")["amount"].sum()
    # quarterly £520,000 / 4 on 2027-04-01, 07-01, 10-01 and 2028-01-01
    assert round(ours["settled_to_date_gbp"], 2) == round(float(settled), 2) == 520000.00
    assert ours["mechanism"] == "block" and ours["risk_bearer"] == "provider"
    assert {f["name"] for f in ours["figures"]} >= {"provider_income_gbp", "provider_net_gbp", "cost_per_case_gbp", "provider_loss"}
