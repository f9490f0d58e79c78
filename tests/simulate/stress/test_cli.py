"""``cusp stress``: run writes Parquet; base prints the headline figures; user errors exit 2."""

import pandas as pd
import pytest

from cusp.cli import main


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr()


def test_run_writes_one_row_per_draw(tmp_path, capsys):
    out = tmp_path / "runs" / "004.parquet"
    code, printed = _run(["stress", "run", "--scenario", "lancs-edge-of-care-004", "--draws", "12", "--seed", "3",
                          "--out", str(out), "--monthly", str(tmp_path / "m.parquet")], capsys)
    assert code == 0, printed.err
    frame = pd.read_parquet(out)
    assert len(frame) == 12 and "in:referrals.volume_multiplier" in frame.columns and "irr" in frame.columns
    monthly = pd.read_parquet(tmp_path / "m.parquet")
    assert len(monthly) == 12 * 84
    assert "p_investor_loss" in printed.out


def test_base_prints_irr_multiple_peak_capital_and_savings(capsys):
    code, printed = _run(["stress", "base", "--scenario", "lancs-edge-of-care-004", "--replications", "5"], capsys)
    assert code == 0, printed.err
    for words in ("Investor IRR", "Money multiple", "Peak capital", "Savings from care avoided"):
        assert words in printed.out


def test_unknown_stress_exits_2_with_one_line(tmp_path, capsys):
    code, printed = _run(["stress", "run", "--scenario", "lancs-edge-of-care-004", "--draws", "2", "--stress", "nope",
                          "--out", str(tmp_path / "x.parquet")], capsys)
    assert code == 2
    assert "no stress named 'nope'" in printed.err and len(printed.err.strip().splitlines()) == 1


def test_ledger_writes_a_tidy_table_that_sums_to_zero_each_month(tmp_path, capsys):
    out = tmp_path / "ledger.csv"
    code, printed = _run(["stress", "ledger", "--scenario", "lancs-edge-of-care-004", "--out", str(out), "--seed", "2"], capsys)
    assert code == 0, printed.err
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["party", "counterparty", "month", "date", "flow_type", "amount_gbp"]
    assert frame.groupby("month")["amount_gbp"].sum().abs().max() < 1e-6
    assert "peak_capital_gbp" in printed.out


def test_indigo_writes_json(tmp_path, capsys):
    out = tmp_path / "indigo.json"
    code, printed = _run(["stress", "indigo", "--scenario", "lancs-edge-of-care-004", "--out", str(out), "--replications", "3"], capsys)
    assert code == 0, printed.err
    import json

    doc = json.loads(out.read_text())
    assert doc["outcome_payment_plans"][0]["period"]["start_date"]["value"] == "2019-09-01"


def test_summary_named_reverse_and_tornado_run(tmp_path, capsys):
    out = tmp_path / "r.parquet"
    assert _run(["stress", "run", "--scenario", "lancs-edge-of-care-004", "--draws", "30", "--out", str(out)], capsys)[0] == 0
    code, printed = _run(["stress", "summary", str(out)], capsys)
    assert code == 0 and "Standardised regression coefficients" in printed.out
    code, printed = _run(["stress", "named", "--scenario", "lancs-edge-of-care-004", "--draws", "4"], capsys)
    assert code == 0 and "Named stresses" in printed.out
    code, printed = _run(["stress", "reverse", "--scenario", "lancs-edge-of-care-004", "--replications", "3"], capsys)
    assert code == 0 and "Reverse stress tests" in printed.out
    code, printed = _run(["stress", "tornado", "--scenario", "lancs-edge-of-care-004", "--replications", "3"], capsys)
    assert code == 0 and "Tornado" in printed.out
    code, printed = _run(["stress", "summary", str(tmp_path / "missing.parquet")], capsys)
    assert code == 2 and "no such file" in printed.err


def test_run_stores_its_provenance(tmp_path, capsys):
    from simulate.stress.runner import read_run_metadata

    out = tmp_path / "p.parquet"
    assert _run(["stress", "run", "--scenario", "lancs-edge-of-care-004", "--draws", "5", "--seed", "7",
                 "--stress", "cap_reached_early", "--out", str(out)], capsys)[0] == 0
    meta = read_run_metadata(out)
    assert meta["seed"] == 7 and meta["draws"] == 5 and meta["stress"] == "cap_reached_early" and meta["method"] == "lhs"
