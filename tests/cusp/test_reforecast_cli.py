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
                "--planned-draws", "4", "--kpi-replications", "0", "--out", out, *extra], capsys)


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
    for name in ("remaining_by_month.csv", "planned_achieved_forecast.csv", "calibration.csv", "restricted-internal-use/draws.csv"):
        assert (tmp_path / "rf" / name).exists()
    assert not (tmp_path / "rf" / "draws.csv").exists()


def test_one_or_two_workers_write_the_same_files(data, tmp_path, capsys):
    assert reforecast(data, tmp_path / "a", "2021-06-30", capsys, "--jobs", "1")[0] == 0
    assert reforecast(data, tmp_path / "b", "2021-06-30", capsys, "--jobs", "2")[0] == 0
    for name in ("restricted-internal-use/draws.csv", "remaining_by_month.csv", "planned_achieved_forecast.csv", "summary.json",
                 "restricted-internal-use/summary.json"):
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


def synth(tmp_path_factory, preset: str, extract_date: str) -> Path:
    """A synthetic extract of ``preset`` taken on ``extract_date`` (seed 2), made by `cusp synth`."""
    folder = tmp_path_factory.mktemp(preset) / "data"
    with pytest.raises(SystemExit) as info:
        main(["synth", "--scenario", preset, "--seed", "2", "--extract-date", extract_date, "--out", str(folder)])
    assert int(info.value.code or 0) == 0
    return folder


@pytest.fixture(scope="module")
def carers(tmp_path_factory) -> Path:
    return synth(tmp_path_factory, "lancs-young-carers-003", "2028-03-31")


def test_block_settled_to_date_equals_payments_settle_to_the_penny(carers, tmp_path, capsys):
    code, text = run(["reforecast", "--scenario", "lancs-young-carers-003", "--data", carers, "--as-of", "2028-02-15",
                      "--draws", "20", "--seed", "4", "--planned-draws", "10", "--kpi-replications", "3", "--out", tmp_path / "rf"], capsys)
    assert code == 0, text
    assert "Provider net" in text and "P(provider loss)" in text
    # P(KPI met) in the periods still to come, from the flow model started on the as-of day:
    # 003's quarterly targets for Y1Q4 (straddling 2028-02-15) to Y2Q4, its yearly ones for Y1 and Y2
    kp = pd.read_csv(tmp_path / "rf" / "kpi_probabilities.csv")
    assert set(kp["period"]) == {"Y1Q4", "Y2Q1", "Y2Q2", "Y2Q3", "Y2Q4", "Y1", "Y2"}
    assert kp["p_met"].between(0, 1).all() and (kp["replications"] <= 3).all()
    assert kp.loc[kp["period"].isin(["Y1Q4", "Y1"]), "straddles"].all() and not kp.loc[kp["period"] == "Y2", "straddles"].any()
    # a straddling quarter's value so far reads the extracts: only under restricted-internal-use/
    assert "observed_to_date" not in kp and "mean_value" not in kp
    private = pd.read_csv(tmp_path / "rf" / "restricted-internal-use" / "kpi_probabilities.csv")
    assert {"observed_to_date", "mean_value"} <= set(private.columns) and len(private) == len(kp)
    code, text = run(["payments", "settle", "--scenario", "lancs-young-carers-003", "--data", carers, "--as-of", "2028-02-15",
                      "--out", tmp_path / "pay"], capsys)
    assert code == 0, text
    ours = json.loads((tmp_path / "rf" / "summary.json").read_text())
    settled = pd.read_csv(tmp_path / "pay" / "payments.csv")["amount"].sum()
    # quarterly £520,000 / 4 on 2027-04-01, 07-01, 10-01 and 2028-01-01
    assert round(ours["settled_to_date_gbp"], 2) == round(float(settled), 2) == 520000.00
    assert ours["mechanism"] == "block" and ours["risk_bearer"] == "provider"
    assert {f["name"] for f in ours["figures"]} >= {"provider_income_gbp", "provider_net_gbp", "cost_per_case_gbp", "provider_loss"}


@pytest.fixture(scope="module")
def befriending(tmp_path_factory) -> Path:
    # synthetic befriending extract: 3 referrals by 2021-04-12, 17 by 2021-06-30 (seed 2)
    return synth(tmp_path_factory, "hereford-befriending-002", "2021-09-30")


def test_a_small_count_never_reaches_the_published_files(befriending, tmp_path, capsys):
    from evaluation.disclosure import scan_results

    def bf(out, as_of, *extra):
        code, text = run(["reforecast", "--scenario", "hereford-befriending-002", "--data", befriending, "--as-of", as_of, "--kpi-replications", "0",
                          "--draws", "20", "--planned-draws", "0", "--out", out, *extra], capsys)
        assert code == 0, text
        return json.loads((out / "summary.json").read_text()), json.loads((out / "restricted-internal-use" / "summary.json").read_text())

    early, early_exact = bf(tmp_path / "q0", "2021-04-12")
    assert early_exact["cases_to_date"] == 3            # the truth, kept for internal use only
    assert early["cases_to_date"] == "*"                # nhs-digital: counts 1-7 shown as *
    calib = pd.read_csv(tmp_path / "q0" / "calibration.csv", dtype=str)
    assert calib.loc[0, "referrals_so_far"] == "*"
    # the posterior would give the count back ((40 + 3)/(40 + E)): suppressed with it
    assert (calib.loc[0, [c for c in calib.columns if "posterior" in c]] == "*").all()
    paf = pd.read_csv(tmp_path / "q0" / "planned_achieved_forecast.csv", dtype=str)
    assert (paf.loc[0, ["achieved_to_date", "forecast_mean", "forecast_p5", "forecast_p50", "forecast_p95"]] == "*").all()
    assert not (tmp_path / "q0" / "draws.csv").exists()
    # cases still to come and count figures rounded to 5: exact, "cost per case started"
    # (schedule / (started to date + to come)) would give the 3 back
    assert all(v % 5 == 0 for v in early["new_cases"].values())
    assert all(f[q] % 5 == 0 for f in early["figures"] if f["kind"] == "count" for q in ("mean", "p5", "p50", "p95"))
    assert pd.read_csv(tmp_path / "q0" / "restricted-internal-use" / "calibration.csv")["referrals_so_far"].tolist() == [3]
    private = tmp_path / "q0" / "restricted-internal-use"
    assert (private.stat().st_mode & 0o077) == 0 and "NOT FOR PUBLICATION" in (private / "README.txt").read_text()
    # summary.json passes the render gate's check of published values (share_defined is the
    # share of draws in which a figure is defined: draws, not people)
    assert [p for p in scan_results(early, "nhs-digital") if "share_defined" not in p] == []

    late, late_exact = bf(tmp_path / "q1", "2021-06-30", "--previous", tmp_path / "q0")
    assert late_exact["cases_to_date"] == 17 and late["cases_to_date"] == 15     # rounded to 5
    assert late["calibration_totals"] == {"referrals_so_far": 15}
    drivers = " ".join(pd.read_csv(tmp_path / "q1" / "waterfall.csv")["drivers"].fillna(""))
    assert "new referrals *" in drivers and "+14" not in drivers
    exact = " ".join(pd.read_csv(tmp_path / "q1" / "restricted-internal-use" / "waterfall.csv")["drivers"].fillna(""))
    assert "new referrals +14" in exact
    assert [p for p in scan_results(late, "nhs-digital") if "share_defined" not in p] == []


def test_modelled_or_unknown_disclosure_policy_is_one_line(befriending, tmp_path, capsys):
    for policy, words in (("modelled", "modelled figures only"), ("nhs", "unknown policy 'nhs'")):
        code, text = run(["reforecast", "--scenario", "hereford-befriending-002", "--data", befriending, "--as-of", "2021-06-30",
                          "--draws", "2", "--disclosure", policy, "--out", tmp_path / "x"], capsys)
        assert code == 2 and words in text and "Traceback" not in text
        assert not (tmp_path / "x").exists()
