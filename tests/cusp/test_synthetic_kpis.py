"""kpi_results.csv measured from a case-level extract (cusp/synthetic_kpis.py), worked by hand.

001's contract starts on 1 April 2017, so contract year 1 runs to 31 March 2018 and year 2 to
31 March 2019; its start target is 20 working days from the referral.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cusp.synthetic_kpis import kpi_results, unmeasured_targets
from simulate.payments.settle import settle_scenario
from simulate.scenario import load_scenario


@pytest.fixture(scope="module")
def sc():
    return load_scenario("essex-pb19-001")


def _referrals() -> pd.DataFrame:
    # (referral, start): A in time, B late (3 months), in year 1; C, D, E in time in year 2
    rows = [("2017-05-01", "2017-05-08"), ("2017-06-01", "2017-09-01"),
            ("2018-05-01", "2018-05-10"), ("2018-06-01", "2018-06-05"), ("2018-07-02", "2018-07-05")]
    n = len(rows)
    return pd.DataFrame({
        "case_id": [f"R{i}" for i in range(n)], "child_id": [f"C{i}" for i in range(n)], "family_id": [f"F{i}" for i in range(n)],
        "district": "Mid Essex", "referral_date": pd.to_datetime([r for r, _ in rows]), "accepted": True,
        "first_contact_date": pd.NaT, "assessment_date": pd.NaT, "start_date": pd.to_datetime([s for _, s in rows]),
        "end_date": pd.NaT, "end_reason": None,
    })


def test_the_universal_coverage_kpi_is_left_out(sc):
    assert unmeasured_targets(sc) == ["mandated_contacts_coverage"]


def test_each_ended_contract_year_has_the_registrys_values(sc):
    got = kpi_results(sc, {"referrals.csv": _referrals()}, dt.date(2019, 6, 30))
    # year 1: 1 of 2 started within 20 working days, 2 families started; year 2: 3 of 3, 3 started.
    # No self-assessments: share improved has no denominator, so no row; coverage is never measured.
    expected = pd.DataFrame({"contract_year": [1, 1, 2, 2],
                             "kpi": ["targeted_start_within_target", "activity_maintained"] * 2,
                             "value": [0.5, 2.0, 1.0, 3.0]})
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_a_year_not_ended_by_the_extract_date_has_no_row(sc):
    got = kpi_results(sc, {"referrals.csv": _referrals()}, dt.date(2019, 3, 30))   # year 2 ends on 31 March 2019
    assert got["contract_year"].tolist() == [1, 1]


def test_the_settlement_reads_a_missing_kpi_as_not_met(sc):
    kpis = kpi_results(sc, {"referrals.csv": _referrals()}, dt.date(2019, 6, 30))
    result, rec = settle_scenario(sc, {"kpi_results.csv": kpis}, dt.date(2019, 6, 30))
    y2 = rec[(rec["contract_year"] == 2) & (rec["envelope"] == "ecc")].iloc[0]
    # ECC envelope £35.7m − £1.5m = £34.2m; 5% at risk = £1,710,000. Only the start KPI is met (1.0 ≥ 0.9):
    # weight 0.2 earns £342,000; families started 3 < 2,400, improvement unmeasured, coverage absent.
    assert y2["at_risk"] == pytest.approx(1_710_000)
    assert y2["weight_met"] == pytest.approx(0.2)
    assert y2["kpi_payment"] == pytest.approx(342_000)
    assert y2["withheld"] == pytest.approx(1_368_000)
    paid = result.payments[result.payments["metric"] == "kpi_year_end"]["amount"].sum()
    assert paid == pytest.approx(342_000)


def test_cusp_synth_writes_kpi_results_for_a_kpi_linked_scenario(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "cusp", "synth", "--scenario", "essex-pb19-001", "--seed", "1", "--rows-scale", "0.05",
                           "--extract-date", "2019-06-30", "--out", str(out)], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    kpis = pd.read_csv(out / "kpi_results.csv")
    assert kpis.columns.tolist() == ["contract_year", "kpi", "value"]
    assert sorted(set(kpis["contract_year"])) == [1, 2]            # years ended by 30 June 2019: to 31 March 2019
    assert "mandated_contacts_coverage" not in set(kpis["kpi"])
    assert "kpi_results.csv" in done.stdout
    # no provider accounts in a synthetic extract: spend.csv states 'no spend reported' (header only)
    assert (out / "spend.csv").read_text() == "contract_year,spend_gbp\n"
    # so the folder settles as it stands (a missing spend.csv would be refused)
    done = subprocess.run([sys.executable, "-m", "cusp", "payments", "settle", "--scenario", "essex-pb19-001", "--data", str(out),
                           "--as-of", "2019-06-30", "--out", str(tmp_path / "pay")], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    rec = pd.read_csv(tmp_path / "pay" / "reconciliation.csv")
    assert set(rec["contract_year"]) == {1, 2} and rec["spend"].isna().all()      # no gain share without spend
