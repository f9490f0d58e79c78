"""000 payment by results and 001 KPI-linked gain share: expected amounts worked by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from simulate.payments.kpi import reconcile_kpi
from simulate.payments.pbr import settle_pbr
from simulate.scenario import load_scenario

D = dt.date
EHWB = load_scenario("lancs-ehwb-000")        # starts 2022-04-01; Burnley £80,550, capacity 90
AREAS = [f"spoke_{k}" for k in range(4)]


def families(n, district="Burnley", end=D(2022, 8, 15), plan=True, achieved=True, gain=2, last="exit"):
    refs, scores = [], []
    for i in range(n):
        fam = f"F{district[:3]}{i:03d}"
        refs.append({"case_id": f"C{district[:3]}{i:03d}", "child_id": f"K{district[:3]}{i:03d}", "family_id": fam, "district": district,
                     "start_date": pd.Timestamp(2022, 4, 20), "end_date": pd.Timestamp(end),
                     "action_plan_agreed": plan, "outcomes_achieved_at_exit": achieved})
        for area in AREAS:
            scores.append({"person_id": fam, "tool": "cfw_radar", "area": area, "timepoint": "baseline", "assessment_date": pd.Timestamp(2022, 4, 20), "score": 4})
            scores.append({"person_id": fam, "tool": "cfw_radar", "area": area, "timepoint": last, "assessment_date": pd.Timestamp(end), "score": 4 + gain})
    return refs, scores


def test_upfront_sixty_percent_quarterly_in_advance():
    r = settle_pbr(pd.DataFrame(families(0)[0], columns=["case_id", "child_id", "family_id", "district", "start_date", "end_date"]),
                   pd.DataFrame(columns=["person_id", "tool", "area", "timepoint", "assessment_date", "score"]), EHWB, D(2022, 4, 1))
    burnley = r.payments[r.payments["district"] == "Burnley"]
    assert burnley["amount"].tolist() == [pytest.approx(80550 * 0.6 / 4)]      # first quarter paid on day one
    assert r.payments["amount"].sum() == pytest.approx(1200195 * 0.6 / 4)


def test_family_price_paid_in_arrears_and_capped_at_annual_value():
    refs, scores = families(95)
    r = settle_pbr(pd.DataFrame(refs), pd.DataFrame(scores), EHWB, D(2023, 3, 31))
    price = 80550 * 0.4 / 90                                                    # £358 per family
    fam = r.payments[(r.payments["metric"] == "family_outcome")]
    assert fam["due_date"].unique().tolist() == [pd.Timestamp(2022, 10, 1)]   # completed in Q2 (Jul-Sep)
    assert fam["amount"].sum() == pytest.approx(90 * price) == pytest.approx(80550 * 0.4)
    counts = r.audit["status"].value_counts()
    assert counts["paid"] == 90 and counts["capped"] == 5
    burnley_year1 = r.payments[(r.payments["district"] == "Burnley") & (r.payments["contract_year"] == 1)]
    assert burnley_year1["amount"].sum() == pytest.approx(80550.0)             # never beyond the annual value


def test_each_condition_is_needed():
    a, sa = families(1, plan=False)
    b, sb = families(1, district="Pendle", gain=0)
    r = settle_pbr(pd.DataFrame(a + b), pd.DataFrame(sa + sb), EHWB, D(2023, 3, 31))
    assert r.audit["status"].tolist() == ["not achieved", "not achieved"]
    assert "action plan" in r.audit["reason"].iloc[0] and "notable" in r.audit["reason"].iloc[1]
    assert (r.payments["metric"] == "family_outcome").sum() == 0


def test_not_yet_due_before_quarter_end():
    refs, scores = families(2)
    r = settle_pbr(pd.DataFrame(refs), pd.DataFrame(scores), EHWB, D(2022, 9, 30))
    assert set(r.audit["status"]) == {"not yet due"}


ESSEX = load_scenario("essex-pb19-001")          # £35.7m a year, 5% at risk from year 2, 3% planned efficiency


def test_kpi_reconciliation_with_underspend():
    weights = ESSEX.payment.kpi_weights
    names = list(weights)
    targets = {t.name: t for t in ESSEX.kpi_targets}
    # year 2: every KPI met except the first; spend £33.0m
    results = pd.DataFrame([{"contract_year": 2, "kpi": k, "value": targets[k].threshold if k != names[0] else -1.0} for k in names]
                           + [{"contract_year": 1, "kpi": k, "value": -1.0} for k in names])
    spend = pd.DataFrame([{"contract_year": 1, "spend_gbp": 35_700_000.0}, {"contract_year": 2, "spend_gbp": 33_000_000.0}])
    table = reconcile_kpi(ESSEX, results, spend).set_index("contract_year")
    # year 1: nothing at risk, no underspend
    assert table.loc[1, "total_due"] == 35_700_000 and table.loc[1, "gain"] == 0
    at_risk = 35_700_000 * 0.05                                  # £1,785,000
    earned = at_risk * (1 - weights[names[0]])
    assert table.loc[2, "at_risk"] == pytest.approx(at_risk)
    assert table.loc[2, "kpi_payment"] == pytest.approx(earned)
    assert table.loc[2, "total_due"] == pytest.approx(35_700_000 - (at_risk - earned))
    gain = (35_700_000 - 33_000_000) - 35_700_000 * 0.03          # 2.7m - 1.071m = £1,629,000
    assert table.loc[2, "gain"] == pytest.approx(1_629_000)
    assert table.loc[2, "provider_gain"] == pytest.approx(gain / 2) and table.loc[2, "commissioner_gain"] == pytest.approx(gain / 2)
    assert bool(table.loc[2, "ring_fenced"])


def test_end_assessment_falls_back_to_the_latest_review():
    refs, scores = families(3, last="six_month")
    r = settle_pbr(pd.DataFrame(refs), pd.DataFrame(scores), EHWB, D(2023, 3, 31))
    assert r.audit["status"].tolist() == ["paid"] * 3
    assert r.payments.loc[r.payments["metric"] == "family_outcome", "amount"].sum() == pytest.approx(3 * 358.0)
