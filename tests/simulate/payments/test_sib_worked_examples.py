"""Worked examples of the 004 §9 rules: every expected amount is computed by hand here.

Scenario: the 004 preset with its price pinned at £20,000 per child (the preset's own price is an
open value recalibrated in docs/assumptions.md; these examples are about the rules): contract
2019-09-01, referrals to 2024-09-01, contract end 2026-09-01; milestone 0.85*0.4*20000 = £6,800,
tariff 0.85*0.6*20000 = £10,200, Family Star Plus and My Star £500 each, education £1,000,
reading £1,000; the Life Chances Fund switched off unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from simulate.payments.errors import PaymentDataError
from simulate.payments.sib import settle_sib
from simulate.payments.terms import sib_terms
from simulate.scenario import load_scenario, with_overrides

D = dt.date
BASE = with_overrides(load_scenario("lancs-edge-of-care-004"), {"payment.max_per_child_gbp": 20000})
# Tariff window of a child engaged 2020-01-15: 2020-07-15 to 2022-01-14 = 549 days, months:
MONTHS_549 = [17, 31, 30, 31, 30, 31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 14]
RATE = 10200 / 549


def terms(**overrides):
    base = {"finance.lcf_top_up_share": 0.0, "payment.caps.total_gbp": None}
    return sib_terms(with_overrides(BASE, base | overrides))


def referral(child="A", cohort="diversion_5_9", ref=D(2020, 1, 10), start=D(2020, 1, 15), home=None, family="F"):
    return {"case_id": f"case-{child}", "child_id": child, "family_id": family, "sub_cohort": cohort,
            "referral_date": pd.Timestamp(ref), "start_date": pd.Timestamp(start) if start else pd.NaT,
            "return_home_date": pd.Timestamp(home) if home else pd.NaT, "date_of_birth": pd.Timestamp(2013, 5, 1)}


def settle(refs, spells=(), as_of=D(2022, 6, 30), t=None, **frames):
    episodes = pd.DataFrame([{"child_id": c, "start_date": pd.Timestamp(s), "end_date": pd.Timestamp(e) if e else pd.NaT,
                              "episode_type": k} for c, s, e, k in spells],
                            columns=["child_id", "start_date", "end_date", "episode_type"])
    return settle_sib(pd.DataFrame(refs), episodes, t or terms(), as_of, **frames)


def line(result, metric, child="A"):
    row = result.audit[(result.audit["child_id"] == child) & (result.audit["metric"] == metric)]
    assert len(row) == 1
    return row.iloc[0]


def test_home_throughout_pays_milestone_and_every_tariff_day():
    r = settle([referral()])
    assert sum(MONTHS_549) == 549
    m = line(r, "stability_milestone")
    assert (m["status"], m["amount"], m["due_date"]) == ("paid", 6800.0, pd.Timestamp(2020, 7, 15))
    t = line(r, "stability_tariff")
    assert t["status"] == "paid" and t["amount"] == pytest.approx(10200.0)
    tariff = r.payments[r.payments["metric"] == "stability_tariff"]
    assert len(tariff) == 19
    assert tariff.iloc[0]["due_date"] == pd.Timestamp(2020, 7, 31)
    assert tariff.iloc[0]["amount"] == pytest.approx(RATE * 17)
    assert tariff.iloc[-1]["due_date"] == pd.Timestamp(2022, 1, 31)
    assert tariff.iloc[-1]["amount"] == pytest.approx(RATE * 14)
    assert set(r.payments["payer"]) == {"commissioner"}


def test_spell_in_month_three_loses_all_stability():
    r = settle([referral()], [("A", D(2020, 4, 1), D(2020, 4, 10), "care")])
    for metric in ("stability_milestone", "stability_tariff"):
        row = line(r, metric)
        assert (row["status"], row["amount"]) == ("not achieved", 0.0)
        assert "2020-04-01" in row["reason"]
    assert r.payments.empty


def test_forty_day_spell_pauses_then_resumes():
    # away 2021-03-01 .. 2021-04-09 (31 + 9 = 40 days), home 2021-04-10
    r = settle([referral()], [("A", D(2021, 3, 1), D(2021, 4, 10), "care")])
    t = line(r, "stability_tariff")
    assert t["status"] == "paid"
    assert t["amount"] == pytest.approx(RATE * (549 - 40))
    by_due = r.payments.set_index("due_date")["amount"]
    assert pd.Timestamp(2021, 3, 31) not in by_due.index          # March: no home day
    assert by_due[pd.Timestamp(2021, 4, 30)] == pytest.approx(RATE * 21)   # 10-30 April


def test_seventy_day_spell_ends_tracking_at_its_start():
    # 2021-03-01 .. 2021-05-09 = 31 + 30 + 9 = 70 days > 56
    r = settle([referral()], [("A", D(2021, 3, 1), D(2021, 5, 10), "care")])
    t = line(r, "stability_tariff")
    home = 17 + 31 + 30 + 31 + 30 + 31 + 31 + 28          # 2020-07-15 .. 2021-02-28
    assert (t["status"], t["amount"]) == ("stopped", pytest.approx(RATE * home))
    assert "2021-03-01" in t["reason"] and "70 days" in t["reason"]


def test_fifty_six_day_spell_is_not_longer_than_eight_weeks():
    # 2021-03-01 .. 2021-04-25 = 31 + 25 = 56 days: tariff resumes
    r = settle([referral()], [("A", D(2021, 3, 1), D(2021, 4, 26), "care")])
    t = line(r, "stability_tariff")
    assert (t["status"], t["amount"]) == ("paid", pytest.approx(RATE * (549 - 56)))


def test_third_short_spell_fails_the_intervention():
    spells = [("A", D(2020, 9, 1), D(2020, 9, 11), "care"), ("A", D(2020, 11, 1), D(2020, 11, 11), "remand"),
              ("A", D(2021, 1, 1), D(2021, 1, 11), "care")]
    r = settle([referral()], spells)
    t = line(r, "stability_tariff")
    home = 17 + 31 + 30 + 31 + 30 + 31 - 10 - 10          # 2020-07-15 .. 2020-12-31 less two spells
    assert (t["status"], t["amount"]) == ("failed", pytest.approx(RATE * home))
    assert "2021-01-01" in t["reason"]


def test_remand_counts_like_care():
    # remand 2021-03-01 .. 2021-04-29 = 31 + 29 = 60 days > 56: tracking stops
    r = settle([referral()], [("A", D(2021, 3, 1), D(2021, 4, 30), "remand")])
    t = line(r, "stability_tariff")
    assert (t["status"], t["amount"]) == ("stopped", pytest.approx(RATE * (17 + 31 + 30 + 31 + 30 + 31 + 31 + 28)))


def test_open_spell_at_settlement_date():
    spells = [("A", D(2021, 6, 1), None, "care")]
    home = 17 + 31 + 30 + 31 + 30 + 31 + 31 + 28 + 31 + 30 + 31   # 2020-07-15 .. 2021-05-31 = 321
    early = settle([referral()], spells, as_of=D(2021, 6, 20))     # open 20 days: paused
    t = line(early, "stability_tariff")
    assert (t["status"], t["amount"]) == ("not yet due", pytest.approx(RATE * home))
    late = settle([referral()], spells, as_of=D(2021, 8, 31))      # open 92 days: stopped at its start
    t = line(late, "stability_tariff")
    assert (t["status"], t["amount"]) == ("stopped", pytest.approx(RATE * home))


def test_referred_after_the_window_is_not_eligible():
    r = settle([referral(ref=D(2024, 9, 1), start=D(2024, 9, 5))], as_of=D(2026, 8, 31))
    assert set(r.audit["status"]) == {"not eligible"}
    assert "outside the referral window" in r.audit.iloc[0]["reason"]
    assert r.payments.empty


def test_nothing_due_on_or_after_contract_end():
    # reunification child home 2025-01-10: window 2025-07-10 .. 2027-01-09 (549 days);
    # months due up to 2026-08-31 are paid, later ones are cut by the contract end 2026-09-01
    refs = [referral(cohort="reunification_5_9", ref=D(2024, 6, 1), start=D(2024, 6, 10), home=D(2025, 1, 10))]
    r = settle(refs, [("A", D(2024, 1, 5), D(2025, 1, 10), "care")], as_of=D(2026, 12, 31))
    home = 22 + 31 + 30 + 31 + 30 + 31 + 31 + 28 + 31 + 30 + 31 + 30 + 31 + 31
    t = line(r, "stability_tariff")
    assert (t["status"], t["amount"]) == ("stopped", pytest.approx(10200 / 549 * home))
    assert r.payments["due_date"].max() < pd.Timestamp(2026, 9, 1)


def test_per_child_cap_bites_in_due_date_order():
    r = settle([referral()], t=terms(**{"payment.caps.per_child_gbp": 10000}))
    # milestone 6800 first, then tariff months until 3200 more: 170 days to end Dec 2020
    # give 10200*170/549 = 3158.47, so January 2021 pays the remaining 41.53 and later months nothing
    t = line(r, "stability_tariff")
    assert t["status"] == "capped"
    assert t["amount"] == pytest.approx(3200.0)
    assert t["capped_gbp"] == pytest.approx(10200.0 - 3200.0)
    jan = r.payments.set_index("due_date")["amount"][pd.Timestamp(2021, 1, 31)]
    assert jan == pytest.approx(3200.0 - 10200 * 170 / 549)
    assert r.payments["due_date"].max() == pd.Timestamp(2021, 1, 31)
    assert "per child" in t["reason"]
    assert r.cuts["cut"].sum() == pytest.approx(7000.0) and set(r.cuts["cut_by"]) == {"per child"}
    assert r.cuts["due_date"].min() == pd.Timestamp(2021, 1, 31)          # January is the first cut


def test_total_cap_across_children():
    refs = [referral("A"), referral("B", family="G")]
    r = settle(refs, t=terms(**{"payment.caps.total_gbp": 20000}))
    assert r.payments["amount"].sum() == pytest.approx(20000.0)
    assert r.audit["capped_gbp"].sum() == pytest.approx(2 * 17000 - 20000)


def test_threshold_exactly_met_pays_family_functioning_and_education():
    e = D(2020, 1, 15)
    stars = pd.DataFrame([
        {"person_id": "F", "tool": "Family Star Plus", "area": "total", "timepoint": "baseline", "assessment_date": pd.Timestamp(e), "score": 40.0},
        {"person_id": "F", "tool": "Family Star Plus", "area": "total", "timepoint": "follow_up", "assessment_date": pd.Timestamp(2020, 7, 20), "score": 44.0},
        {"person_id": "A", "tool": "My Star", "area": "total", "timepoint": "baseline", "assessment_date": pd.Timestamp(e), "score": 40.0},
        {"person_id": "A", "tool": "My Star", "area": "total", "timepoint": "follow_up", "assessment_date": pd.Timestamp(2020, 7, 20), "score": 43.9},
    ])
    school = pd.DataFrame([  # 10 days before, 8 after: exactly the 20% reduction
        {"child_id": "A", "period_start": pd.Timestamp(2019, 1, 15), "period_end": pd.Timestamp(2020, 1, 14), "unauthorised_absence_days": 10.0, "possible_days": 190.0},
        {"child_id": "A", "period_start": pd.Timestamp(2020, 1, 15), "period_end": pd.Timestamp(2021, 1, 14), "unauthorised_absence_days": 8.0, "possible_days": 190.0},
    ])
    reading = pd.DataFrame([{"child_id": "A", "assessment_date": pd.Timestamp(2020, 7, 15), "reading_age": 9.0, "forecast_reading_age": 8.5}])
    r = settle([referral()], assessments=stars, school=school, reading=reading)
    fsp = line(r, "family_star_plus")
    assert (fsp["status"], fsp["amount"], fsp["due_date"]) == ("paid", 500.0, pd.Timestamp(2020, 7, 20))
    assert line(r, "my_star")["status"] == "not achieved"          # 9.75% < 10%
    edu = line(r, "education")
    assert (edu["status"], edu["amount"], edu["due_date"]) == ("paid", 1000.0, pd.Timestamp(2021, 1, 15))
    rd = line(r, "reading")                                        # +0.5 years exactly
    assert (rd["status"], rd["amount"], rd["due_date"]) == ("paid", 1000.0, pd.Timestamp(2020, 7, 15))


def test_no_absence_before_engagement_is_not_eligible():
    school = pd.DataFrame([{"child_id": "A", "period_start": pd.Timestamp(2019, 1, 15), "period_end": pd.Timestamp(2020, 1, 14),
                            "unauthorised_absence_days": 0.0, "possible_days": 190.0}])
    assert line(settle([referral()], school=school), "education")["status"] == "not eligible"


def test_reunification_child_clock_starts_on_return_home():
    refs = [referral(cohort="reunification_5_9", start=D(2020, 1, 15), home=D(2020, 3, 1))]
    r = settle(refs, [("A", D(2019, 10, 1), D(2020, 3, 1), "care")])   # home again 2020-03-01
    m = line(r, "stability_milestone")
    assert (m["status"], m["amount"], m["due_date"]) == ("paid", 6800.0, pd.Timestamp(2020, 9, 1))
    tariff = r.payments[r.payments["metric"] == "stability_tariff"]
    assert len(tariff) == 18 and tariff.iloc[0]["due_date"] == pd.Timestamp(2020, 9, 30)
    assert tariff.iloc[0]["amount"] == pytest.approx(10200 / 546 * 30)     # 2020-09-01 .. 2022-02-28 = 546 days


def test_deadweight_and_lcf_split():
    t = terms(**{"payment.deadweight_by_sub_cohort": {"diversion_5_9": 0.33}, "finance.lcf_top_up_share": 0.3,
                 "finance.lcf_end_date": D(2021, 1, 1)})
    r = settle([referral()], t=t)
    ms = r.payments[r.payments["metric"] == "stability_milestone"].set_index("payer")["amount"]
    assert ms["commissioner"] == pytest.approx(6800 * 0.67 * 0.7)
    assert ms["life_chances_fund"] == pytest.approx(6800 * 0.67 * 0.3)
    late = r.payments[r.payments["due_date"] >= pd.Timestamp(2021, 1, 1)]
    assert set(late["payer"]) == {"commissioner"}
    assert r.payments["amount"].sum() == pytest.approx(17000 * 0.67)


def test_inconsistent_data_names_the_lines():
    # overlapping rows are one period away (test_real_shapes.py); rows ending before they start are not
    with pytest.raises(PaymentDataError, match="lines 2, 3.*end_date before start_date"):
        settle([referral()], [("A", D(2021, 3, 1), D(2021, 2, 10), "care"), ("A", D(2021, 4, 1), D(2021, 3, 5), "care")])
    with pytest.raises(PaymentDataError, match="line.* 2.*date_of_birth"):
        settle([referral()], [("A", D(2012, 3, 1), D(2012, 5, 10), "care")])
    with pytest.raises(PaymentDataError, match="referrals.csv.*2.*return_home_date.*--allow-no-return-home"):
        settle([referral(cohort="reunification_5_9")])


def test_contract_year_cap_resets_each_year():
    # contract years start 1 September; two children engaged 2020-01-15, cap £10,000 a year.
    # Year 1 (to 2020-08-31): milestones 2 x 6800 + July/August tariff exceed the cap -> £10,000.
    # Year 2 (2020-09 .. 2021-08): 2 x 365 tariff days = 2 x 6781.42 -> capped at £10,000.
    # Year 3 (2021-09 .. 2022-01): 2 x (30+31+30+31+14) = 2 x 136 days, under the cap.
    refs = [referral("A"), referral("B", family="G")]
    r = settle(refs, t=terms(**{"payment.caps.per_contract_year_gbp": 10000}))
    paid = r.payments.groupby(r.payments["due_date"].apply(lambda d: d.year - (d.month < 9)))["amount"].sum()
    assert paid[2019] == pytest.approx(10000.0)
    assert paid[2020] == pytest.approx(10000.0)
    assert paid[2021] == pytest.approx(2 * RATE * 136)
    assert r.audit["capped_gbp"].sum() == pytest.approx(2 * 17000 - 20000 - 2 * RATE * 136)
    assert "contract year" in " ".join(r.audit["reason"])


def test_per_metric_cap_limits_the_contract_total_of_a_metric():
    refs = [referral("A"), referral("B", family="G")]
    r = settle(refs, t=terms(**{"payment.caps.per_metric_gbp": {"stability": 20000}}))
    assert r.payments["amount"].sum() == pytest.approx(20000.0)
    assert set(r.audit.loc[r.audit["capped_gbp"] > 0, "status"]) == {"capped"}


def test_known_at_leaves_out_spells_recorded_later():
    # a 20-day spell from 2021-02-10, recorded on 2021-07-15: an invoice made on 2021-06-30 paid
    # those days; the settlement as known now claws them back (19 in February, 1 in March)
    episodes = pd.DataFrame({"child_id": ["A"], "start_date": [pd.Timestamp(2021, 2, 10)], "end_date": [pd.Timestamp(2021, 3, 2)],
                             "episode_type": ["care"], "recorded_date": [pd.Timestamp(2021, 7, 15)]})
    refs = pd.DataFrame([referral()])
    then = settle_sib(refs, episodes, terms(), D(2021, 6, 30), known_at=D(2021, 6, 30))
    now = settle_sib(refs, episodes, terms(), D(2021, 6, 30))
    assert then.payments["amount"].sum() - now.payments["amount"].sum() == pytest.approx(RATE * 20)
