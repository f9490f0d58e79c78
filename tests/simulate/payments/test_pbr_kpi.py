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


def test_family_price_is_pooled_paid_in_arrears_and_a_busy_district_is_not_capped_at_its_own_value():
    # 000 §3.1 "resources should not be mapped against district boundaries" and Appendix 1 "the
    # remaining 40% ... paid on a per-family basis": one price for every district, the pooled
    # 40% of the whole contract value over the summed indicative capacities:
    # 0.4 x £1,200,195 / 1,341 families = £357.998... per family.
    price = 0.4 * 1200195 / 1341
    refs, scores = families(95)                      # 95 Burnley families: above Burnley's 90 places
    r = settle_pbr(pd.DataFrame(refs), pd.DataFrame(scores), EHWB, D(2023, 3, 31))
    fam = r.payments[(r.payments["metric"] == "family_outcome")]
    assert fam["due_date"].unique().tolist() == [pd.Timestamp(2022, 10, 1)]   # completed in Q2 (Jul-Sep)
    # all 95 are paid: Burnley's own 40% (£32,220 = 90 families) is no limit under the pooled reading
    assert fam["amount"].sum() == pytest.approx(95 * price)
    assert r.audit["status"].value_counts()["paid"] == 95


def test_the_pooled_forty_percent_caps_a_contract_year():
    # the pooled budget is 0.4 x £1,200,195 = £480,078 a contract year, which buys 1,341 families at
    # the pooled price; 1,000 Burnley + 400 Preston completions in year 1 are 1,400 families:
    # the first 1,341 in due-date, completion and case order are paid, the other 59 'capped'
    price = 0.4 * 1200195 / 1341
    a, sa = families(1000)
    b, sb = families(400, district="Preston")
    r = settle_pbr(pd.DataFrame(a + b), pd.DataFrame(sa + sb), EHWB, D(2023, 3, 31))
    fam = r.payments[(r.payments["metric"] == "family_outcome")]
    assert fam["amount"].sum() == pytest.approx(0.4 * 1200195)
    counts = r.audit["status"].value_counts()
    assert counts["paid"] == 1341 and counts["capped"] == 59
    assert r.audit["capped_gbp"].sum() == pytest.approx(59 * price)


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


def test_kpi_reconciliation_by_envelope_with_a_missed_kpi_and_an_underspend():
    # 001 preset: £35.7m a year in all, of which West CCG's envelope £1.5m (never at risk) and
    # ECC's £34.2m; from year 2, 5% of ECC's envelope is at risk; planned efficiency 3%.
    weights = ESSEX.payment.kpi_weights
    names = list(weights)
    targets = {t.name: t for t in ESSEX.kpi_targets}
    # year 2: every KPI met except the first; spend £33.0m, split with the envelopes' values
    results = pd.DataFrame([{"contract_year": 2, "kpi": k, "value": targets[k].threshold if k != names[0] else -1.0} for k in names]
                           + [{"contract_year": 1, "kpi": k, "value": -1.0} for k in names])
    spend = pd.DataFrame([{"contract_year": 1, "spend_gbp": 35_700_000.0}, {"contract_year": 2, "spend_gbp": 33_000_000.0}])
    table = reconcile_kpi(ESSEX, results, spend).set_index(["contract_year", "envelope"])
    ecc, west = 34_200_000, 1_500_000
    # year 1: nothing at risk; spend equals value, so no underspend in either envelope
    assert table.loc[(1, "ecc"), "total_due"] == ecc and table.loc[(1, "west_ccg"), "total_due"] == west
    assert table.loc[(1, "ecc"), "gain"] == 0 and table.loc[(1, "west_ccg"), "gain"] == 0
    at_risk = ecc * 0.05                                          # £1,710,000, ECC only
    earned = at_risk * (1 - weights[names[0]])
    withheld = at_risk - earned
    assert table.loc[(2, "ecc"), "at_risk"] == pytest.approx(at_risk) and table.loc[(2, "west_ccg"), "at_risk"] == 0
    assert table.loc[(2, "ecc"), "kpi_payment"] == pytest.approx(earned)
    assert table.loc[(2, "ecc"), "total_due"] == pytest.approx(ecc - withheld)
    # gain share per envelope on what was actually paid (withheld money is no underspend):
    ecc_spend = 33_000_000 * ecc / 35_700_000                     # £31,613,445.38
    ecc_gain = (ecc - withheld) - ecc_spend - 0.03 * ecc
    west_spend = 33_000_000 * west / 35_700_000                   # £1,386,554.62
    west_gain = west - west_spend - 0.03 * west
    assert table.loc[(2, "ecc"), "gain"] == pytest.approx(ecc_gain)
    assert table.loc[(2, "west_ccg"), "gain"] == pytest.approx(west_gain)
    assert table.loc[(2, "ecc"), "provider_gain"] == pytest.approx(ecc_gain / 2)
    assert table.loc[(2, "west_ccg"), "commissioner_gain"] == pytest.approx(west_gain / 2)
    assert bool(table.loc[(2, "ecc"), "ring_fenced"])


def test_kpi_linked_cash_is_instalments_in_advance_and_only_the_at_risk_part_waits():
    from simulate.payments.settle import settle_kpi_linked

    names = list(ESSEX.payment.kpi_weights)
    targets = {t.name: t for t in ESSEX.kpi_targets}
    results = pd.DataFrame([{"contract_year": 2, "kpi": k, "value": targets[k].threshold} for k in names])
    start = ESSEX.horizon.start_date
    # one day into contract year 2: its first monthly instalment of each envelope is due, nothing else
    as_of = D(start.year + 1, start.month, start.day)
    settlement, _ = settle_kpi_linked(ESSEX, results, None, as_of)
    p = settlement.payments
    assert set(p["metric"]) == {"instalment"}
    assert len(p[p["contract_year"] == 1]) == 24                   # year 1 paid in full (12 × 2 envelopes)
    p = p[p["contract_year"] == 2]
    ecc = p[p["envelope"] == "ecc"]["amount"].sum()
    assert ecc == pytest.approx(34_200_000 * 0.95 / 12)            # the at-risk 5% is not in the instalments
    assert p[p["envelope"] == "west_ccg"]["amount"].sum() == pytest.approx(1_500_000 / 12)
    # at the year's end every KPI met: the ECC at-risk £1,710,000 is paid in one year-end line
    end = D(start.year + 2, start.month, start.day) - dt.timedelta(days=1)
    settlement, _ = settle_kpi_linked(ESSEX, results, None, end)
    year_end = settlement.payments[settlement.payments["metric"] == "kpi_year_end"]
    assert year_end["amount"].tolist() == [pytest.approx(34_200_000 * 0.05)]
    # years 1 and 2 in full: £35.7m each (year 2's at-risk part earned in full)
    assert settlement.payments["amount"].sum() == pytest.approx(2 * 35_700_000)


def test_end_assessment_falls_back_to_the_latest_review():
    refs, scores = families(3, last="six_month")
    r = settle_pbr(pd.DataFrame(refs), pd.DataFrame(scores), EHWB, D(2023, 3, 31))
    assert r.audit["status"].tolist() == ["paid"] * 3
    assert r.payments.loc[r.payments["metric"] == "family_outcome", "amount"].sum() == pytest.approx(3 * 358.0)


def test_block_pays_the_annual_value_for_each_referral_year_not_the_tracking_months():
    """002 befriending: £70,000 a year, quarterly in advance, 36 referral months + 6 tracking.

    Worked by hand: 12 quarterly instalments of £17,500 from 2021-04-01 to 2024-01-01 = £210,000;
    nothing for the six tracking months (the last families finishing).
    """
    import datetime as dt

    from simulate.payments.settle import block_schedule
    from simulate.scenario import load_scenario

    sc = load_scenario("hereford-befriending-002")
    pay = block_schedule(sc, dt.date(2030, 1, 1)).payments
    assert len(pay) == 12 and set(pay["amount"]) == {17500.0}
    assert pay["amount"].sum() == 210000.0
    assert pay["due_date"].min() == pd.Timestamp("2021-04-01") and pay["due_date"].max() == pd.Timestamp("2024-01-01")
    early = block_schedule(sc, dt.date(2021, 9, 30)).payments        # as of half way through year 1
    assert list(early["amount"]) == [17500.0, 17500.0]


def test_kpi_linked_instalments_fall_due_whether_or_not_the_year_is_reported():
    """001: ECC £34.2m and West CCG £1.5m a year, monthly in advance; nothing at risk in year 1.

    Worked by hand, as of 2018-03-31 (the last day of contract year 1) with KPI results reported
    only for year 2: twelve instalments of £2,850,000 (ECC) and £125,000 (West CCG) = £35,700,000.
    As of 2019-03-31 with no results for year 2: year 2's ECC instalments are 95% of
    £2,850,000 = £2,707,500 each, and its 5% at risk (£1,710,000) waits for the results.
    """
    from simulate.payments.settle import settle_kpi_linked

    sc = load_scenario("essex-pb19-001")
    results = pd.DataFrame({"contract_year": [2], "kpi": ["targeted_improved"], "value": [0.9]})
    pay = settle_kpi_linked(sc, results, None, dt.date(2018, 3, 31))[0].payments
    assert len(pay) == 24 and pay["amount"].sum() == pytest.approx(35_700_000.0, abs=0.005)
    assert set(pay.loc[pay["envelope"] == "ecc", "amount"].round(2)) == {2_850_000.0}
    empty = pd.DataFrame({"contract_year": pd.Series(dtype=int), "kpi": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
    s = settle_kpi_linked(sc, empty, None, dt.date(2019, 3, 31))[0]
    year2 = s.payments[(s.payments["contract_year"] == 2) & (s.payments["envelope"] == "ecc")]
    assert len(year2) == 12 and set(year2["amount"].round(2)) == {2_707_500.0}
    assert (s.payments["metric"] == "kpi_year_end").sum() == 0
    waiting = s.audit[s.audit["status"] == "awaiting KPI results"]
    assert list(waiting["contract_year"]) == [2]
