"""--xlsx workbooks: one sheet per table, numbers as numbers with formats; money in CSVs to the penny."""

from __future__ import annotations

import io
import os
import zipfile
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cusp.excel import column_format, round_money, workbook_bytes

ROOT = Path(__file__).resolve().parents[2]


def _sheets(data: bytes) -> dict[str, pd.DataFrame]:
    return pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine")


def _formats(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/styles.xml").decode()


def test_money_is_rounded_to_pennies():
    frame = pd.DataFrame({"amount": [-74599.99999999999, 0.1 + 0.2], "share": [1 / 3, 0.5]})
    got = round_money(frame)
    assert got["amount"].tolist() == [-74600.0, 0.3]
    assert got["share"].tolist() == [1 / 3, 0.5]      # not money: untouched


def test_formats_by_column():
    assert column_format("amount", pd.Series([1.5])) == "£#,##0.00;-£#,##0.00"
    assert column_format("probability", pd.Series([0.5])) == "0.0%"
    assert column_format("referrals", pd.Series([3])) == "#,##0"
    assert column_format("payer", pd.Series(["commissioner"])) is None


def test_one_sheet_per_table_with_numbers_and_formats():
    data = workbook_bytes({"payments": pd.DataFrame({"payer": ["commissioner"], "amount": [124640.706]}),
                           "targets": pd.DataFrame({"target": ["out_of_care"], "probability": [0.25]})})
    sheets = _sheets(data)
    assert list(sheets) == ["payments", "targets"]
    assert sheets["payments"].columns.tolist() == ["Payer", "Amount (£)"]
    assert sheets["payments"].iloc[0, 1] == 124640.706         # a number, exact: the format shows £124,640.71
    assert sheets["targets"].iloc[0].tolist() == ["out_of_care", 0.25]  # keys stay keys; shares stay numbers
    styles = _formats(data)
    assert 'formatCode="£#,##0.00;-£#,##0.00"' in styles and 'formatCode="0.0%"' in styles


def test_payments_settle_writes_the_workbook(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "cusp", *a], capture_output=True, text=True, env=env, cwd=tmp_path)  # noqa: E731
    assert run("synth", "--scenario", "lancs-edge-of-care-004", "--seed", "1", "--out", "data").returncode == 0
    done = run("payments", "settle", "--scenario", "lancs-edge-of-care-004", "--data", "data", "--as-of", "2024-03-31",
               "--allow-no-return-home", "--out", "pay", "--xlsx")
    assert done.returncode == 0, done.stderr
    sheets = _sheets((tmp_path / "pay" / "payments.xlsx").read_bytes())
    assert {"payments", "audit", "invoices monthly", "invoices quarterly"} <= set(sheets)
    csv = pd.read_csv(tmp_path / "pay" / "payments.csv", dtype=str)
    assert not csv["amount"].str.contains("e|99999", regex=True).any()   # six decimals, no float noise
    csv = pd.read_csv(tmp_path / "pay" / "payments.csv")
    # the same amounts: the CSV keeps six decimals, the workbook the exact values (10,000 lines differ by < 1p)
    assert sheets["payments"]["Amount (£)"].sum() == pytest.approx(csv["amount"].sum(), abs=0.01)


def test_stress_ledger_and_capacity_run_write_workbooks(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "cusp", *a], capture_output=True, text=True, env=env, cwd=tmp_path)  # noqa: E731
    done = run("stress", "ledger", "--scenario", "lancs-edge-of-care-004", "--out", "ledger.csv", "--xlsx")
    assert done.returncode == 0, done.stderr
    ledger = pd.read_csv(tmp_path / "ledger.csv")
    money = [c for c in ledger.columns if c == "amount" or c.endswith("_gbp")]
    assert money and all((ledger[c].round(2) == ledger[c]).all() for c in money)
    assert set(_sheets((tmp_path / "ledger.xlsx").read_bytes())) == {"monthly cash flows", "summary"}
    done = run("capacity", "run", "--scenario", "lancs-edge-of-care-004", "--reps", "2", "--out", "cap", "--xlsx")
    assert done.returncode == 0, done.stderr
    sheets = _sheets((tmp_path / "cap" / "kpis.xlsx").read_bytes())
    assert set(sheets) == {"KPIs by period", "targets"}
    assert run("capacity", "run", "--scenario", "lancs-edge-of-care-004", "--reps", "2", "--xlsx").returncode == 2
