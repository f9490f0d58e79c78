"""Council data's real shapes, settled by hand (issue 11): periods away, re-referrals, zero days.

Scenario: the 004 preset with its price pinned at £20,000 per child (milestone 0.85*0.4*20000 =
£6,800, tariff 0.85*0.6*20000 = £10,200), no caps, no Life Chances Fund share, no deadweight.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simulate.payments.days import to_date, to_day
from simulate.payments.errors import PaymentDataError
from simulate.payments.from_flow import stability_from_timelines
from simulate.payments.sib import settle_sib
from simulate.payments.terms import sib_terms
from simulate.scenario import load_scenario, with_overrides

D = dt.date
SC = with_overrides(load_scenario("lancs-edge-of-care-004"),
                    {"payment.max_per_child_gbp": 20000, "finance.lcf_top_up_share": 0.0, "payment.caps.total_gbp": None})
TERMS = sib_terms(SC)
MILESTONE, TARIFF = 6800.0, 10200.0


def referral(child="A", case=None, ref=D(2020, 1, 10), start=D(2020, 1, 15), cohort="diversion_5_9"):
    return {"case_id": case or f"case-{child}", "child_id": child, "family_id": "F", "sub_cohort": cohort,
            "referral_date": pd.Timestamp(ref), "start_date": pd.Timestamp(start), "return_home_date": pd.NaT,
            "date_of_birth": pd.Timestamp(2013, 5, 1)}


def episodes(rows, recorded=False):
    cols = ["child_id", "start_date", "end_date", "episode_type"] + (["recorded_date"] if recorded else [])
    return pd.DataFrame([{"child_id": "A", "start_date": pd.Timestamp(s), "end_date": pd.Timestamp(e) if e else pd.NaT,
                          "episode_type": k} | ({"recorded_date": pd.NaT} if recorded else {}) for s, e, k in rows], columns=cols)


def settle(refs, rows=(), as_of=D(2023, 3, 31), **kw):
    return settle_sib(pd.DataFrame(refs), episodes(rows), TERMS, as_of, **kw)


def line(result, metric, case="case-A"):
    row = result.audit[(result.audit["case_id"] == case) & (result.audit["metric"] == metric)]
    assert len(row) == 1
    return row.iloc[0]


# ---- periods away from home -------------------------------------------------------------------

def test_care_then_remand_the_same_day_is_one_59_day_period_that_stops_tracking():
    # The example. Engaged 2021-01-15: milestone 2021-07-15, tracking window
    # [2021-07-15, 2023-01-15) = 17+31+30+31+30+31 (2021) + 365 (2022) + 14 = 549 days.
    # Care 2022-01-01 -> 02-01 and remand 02-01 -> 03-01: one period of 31 + 28 = 59 days > 56,
    # so tracking ends on 2022-01-01: 170 home days (2021-07-15 .. 2021-12-31) are paid.
    # Read as two rows (31 and 28 days, each <= 56) it paid 549 - 59 = 490 days.
    window = 17 + 31 + 30 + 31 + 30 + 31 + 365 + 14
    assert window == 549
    home = 17 + 31 + 30 + 31 + 30 + 31
    assert home == 170
    r = settle([referral(ref=D(2021, 1, 10), start=D(2021, 1, 15))],
               [(D(2022, 1, 1), D(2022, 2, 1), "care"), (D(2022, 2, 1), D(2022, 3, 1), "remand")])
    t = line(r, "stability_tariff")
    assert t["status"] == "stopped"
    assert t["amount"] == pytest.approx(TARIFF / 549 * 170)          # £3,158.47, not £9,107.47
    assert "2022-01-01" in t["reason"] and "59 days" in t["reason"]
    assert line(r, "stability_milestone")["amount"] == MILESTONE


def test_care_to_care_the_same_day_then_a_later_period_is_two_periods_not_three():
    # Engaged 2020-01-15: window [2020-07-15, 2022-01-15) = 549 days. A placement change on
    # 2020-09-11 (rows 09-01 -> 09-11 -> 09-21) is one 20-day period; 2021-01-01 -> 01-11 is the
    # second (10 days). Two periods, none over 56 days: not 'failed' (three rows would have been
    # the third spell), 549 - 20 - 10 = 519 home days paid.
    rows = [(D(2020, 9, 1), D(2020, 9, 11), "care"), (D(2020, 9, 11), D(2020, 9, 21), "care"),
            (D(2021, 1, 1), D(2021, 1, 11), "care")]
    r = settle([referral()], rows, as_of=D(2022, 6, 30))
    t = line(r, "stability_tariff")
    assert t["status"] == "paid"
    assert t["amount"] == pytest.approx(TARIFF / 549 * (549 - 20 - 10))


def test_overlapping_rows_are_one_period():
    # care 2021-03-01 -> 03-20 and remand 2021-03-15 -> 04-10 overlap: one period
    # 2021-03-01 -> 2021-04-10 = 31 + 9 = 40 days (<= 56): tracking continues, 549 - 40 days paid
    rows = [(D(2021, 3, 1), D(2021, 3, 20), "care"), (D(2021, 3, 15), D(2021, 4, 10), "remand")]
    r = settle([referral()], rows, as_of=D(2022, 6, 30))
    t = line(r, "stability_tariff")
    assert (t["status"], t["amount"]) == ("paid", pytest.approx(TARIFF / 549 * (549 - 40)))


def test_two_touching_30_day_rows_are_a_60_day_period_over_eight_weeks():
    # 2021-03-01 -> 03-31 (30 days) and 03-31 -> 04-30 (30 days): one 60-day period > 56,
    # tracking ends 2021-03-01: home 2020-07-15 .. 2021-02-28 = 17+31+30+31+30+31+31+28 = 229 days
    rows = [(D(2021, 3, 1), D(2021, 3, 31), "care"), (D(2021, 3, 31), D(2021, 4, 30), "care")]
    r = settle([referral()], rows, as_of=D(2022, 6, 30))
    t = line(r, "stability_tariff")
    assert (t["status"], t["amount"]) == ("stopped", pytest.approx(TARIFF / 549 * 229))


# ---- one child, one set of payments -----------------------------------------------------------

def test_a_re_referred_child_is_paid_once_on_its_first_engagement():
    # Child A: case R1 referred 2020-01-10, engaged 2020-01-15; re-referred as case R2 on
    # 2021-02-01, engaged 2021-02-05. No care. One child in the cohort: the milestone (£6,800,
    # due 2020-07-15) and the full tariff (£10,200 over [2020-07-15, 2022-01-15)) once:
    # £17,000 in all, R2 paid nothing. (Paid twice, R2 would add another £6,800 milestone and
    # its own tariff for the same days.)
    refs = [referral(case="R1"), referral(case="R2", ref=D(2021, 2, 1), start=D(2021, 2, 5))]
    r = settle(refs, as_of=D(2022, 6, 30))
    stab = r.payments[r.payments["metric"].str.startswith("stability")]
    assert stab["amount"].sum() == pytest.approx(MILESTONE + TARIFF)
    assert set(stab["case_id"]) == {"R1"}
    second = r.audit[r.audit["case_id"] == "R2"]
    assert set(second["status"]) == {"not eligible"} and second["amount"].sum() == 0
    assert second["reason"].str.contains("case R1").all()
    assert "R2" in line(r, "stability_milestone", "R1")["reason"]      # the first case says what R2 changed
    assert r.audit.groupby("child_id")["amount"].sum()["A"] <= 20000


def test_the_first_engaged_referral_in_the_window_stands_even_when_listed_second():
    refs = [referral(case="R2", ref=D(2021, 2, 1), start=D(2021, 2, 5)), referral(case="R1")]
    r = settle(refs, as_of=D(2022, 6, 30))
    assert line(r, "stability_milestone", "R1")["status"] == "paid"
    assert line(r, "stability_milestone", "R2")["status"] == "not eligible"


# ---- --known-at needs recorded dates ----------------------------------------------------------

def test_known_at_without_recorded_dates_is_an_error_not_ignored():
    rows = [(D(2021, 3, 1), D(2021, 3, 10), "care")]
    with pytest.raises(PaymentDataError, match="--known-at.*recorded_date.*missing"):
        settle_sib(pd.DataFrame([referral()]), episodes(rows), TERMS, D(2022, 6, 30), known_at=D(2021, 12, 31))
    with pytest.raises(PaymentDataError, match="--known-at.*recorded_date.*empty"):
        settle_sib(pd.DataFrame([referral()]), episodes(rows, recorded=True), TERMS, D(2022, 6, 30), known_at=D(2021, 12, 31))


# ---- zero-day episodes, identically on the three paths ----------------------------------------

def _stress_params():
    from simulate.stress.params import compile_params, scenario_data

    p = compile_params(scenario_data(SC))
    return dataclasses.replace(p, price=np.full(len(p.price), 20000.0), p_metric={k: 0.0 for k in p.p_metric},
                               shares={"stability": 0.85, "family_functioning": 0.05, "education": 0.05, "reading": 0.05},
                               milestone_share=0.4, resume_days=56.0, failing_spell=3, cost_per_case=0.0)


def test_zero_day_episodes_pay_the_same_on_the_real_simulated_and_stress_paths():
    # Three children engaged on the contract start 2019-09-01 (day 0): milestone 2020-03-01
    # (day 182), tracking window [day 182, day 731 = 2021-09-01) = 549 days. Day x is 2019-09-01 + x.
    # - child 0: into care and home the same day (a zero-day period) on day 300, then 10-day
    #   periods from day 400 and day 500. The zero-day period costs no home day but is an entry
    #   to care: the period from day 500 is the third, the intervention fails there.
    #   Home days: (500 - 182) - 10 = 308.
    # - child 1: a zero-day period on day 100, inside the first six months: no stability payment.
    # - child 2: a lone zero-day period on day 300: no home day lost, all 549 days paid.
    expected = [MILESTONE + TARIFF / 549 * 308, 0.0, MILESTONE + TARIFF]
    periods = [[(300, 0), (400, 10), (500, 10)], [(100, 0)], [(300, 0)]]
    day0 = to_day(D(2019, 9, 1))
    assert to_day(D(2021, 9, 1)) - day0 == 731 and to_day(D(2020, 3, 1)) - day0 == 182

    # real data: the extracts' dates
    refs = [referral(child=f"C{i}", ref=D(2019, 9, 1), start=D(2019, 9, 1)) for i in range(3)]
    eps = pd.DataFrame([{"child_id": f"C{i}", "start_date": pd.Timestamp(to_date(day0 + s)), "end_date": pd.Timestamp(to_date(day0 + s + n)),
                         "episode_type": "care"} for i, child in enumerate(periods) for s, n in child])
    real = settle_sib(pd.DataFrame(refs), eps, TERMS, D(2026, 8, 31))
    stab = real.audit[real.audit["metric"].str.startswith("stability")].groupby("child_id")["amount"].sum()
    assert stab[["C0", "C1", "C2"]].tolist() == pytest.approx(expected)

    # simulated: the flow engine's float days (a zero-day spell enters and leaves within day 300)
    tl = SimpleNamespace(
        origin=D(2019, 9, 1), tracking_start_day=np.zeros(3), referral_day=np.zeros(3),
        spell_offsets=np.array([0, 3, 4, 5]),
        spell_start=np.array([300.2, 400.0, 500.0, 100.3, 300.1]), spell_end=np.array([300.7, 410.0, 510.0, 100.9, 300.8]),
        sub_cohort=np.zeros(3, int), sub_cohort_names=[s.name for s in SC.sub_cohorts],
    )
    flow = stability_from_timelines(tl, TERMS)
    assert flow.total.tolist() == pytest.approx(expected)

    # stress: the cohort model's float days (it used to stretch a zero-day spell to one day: 307)
    from simulate.stress.cohort import Children
    from simulate.stress.settle import settle as stress_settle

    inf = np.inf
    entries = np.array([[300.2, 400.0, 500.0], [100.3, inf, inf], [300.1, inf, inf]])
    exits = np.array([[300.7, 410.0, 510.0], [100.9, inf, inf], [300.8, inf, inf]])
    t0 = np.zeros(3)
    c = Children(cohort=np.zeros(3, int), engage=t0, support_end=t0 + 100.0, disengaged=np.zeros(3, bool), t0=t0,
                 window_end=t0 + 730.5, savings_end=t0 + 730.5, entries=entries, exits=exits, spell_len=np.where(np.isfinite(entries), exits, 0.0) - np.where(np.isfinite(entries), entries, 0.0),
                 cf_entries=np.full((3, 3), inf), cf_exits=np.full((3, 3), inf), u_metric=np.ones((3, 4)), referred=3, turned_away=0)
    stress = stress_settle(_stress_params(), c, engine="payments")
    assert stress.stability_by_child.tolist() == pytest.approx(expected)


# ---- audit lines say what was paid ------------------------------------------------------------

def test_a_capped_tariff_line_says_the_days_actually_paid():
    # per-child cap £10,000: milestone £6,800 first, so the tariff (£10,200 earned over all 549
    # days) is paid £3,200: 3200 / 10200 * 549 = 172.2 home days' worth, not "549 home days paid"
    t = sib_terms(with_overrides(SC, {"payment.caps.per_child_gbp": 10000}))
    r = settle_sib(pd.DataFrame([referral()]), episodes([]), t, D(2022, 6, 30))
    row = line(r, "stability_tariff")
    assert row["status"] == "capped" and row["amount"] == pytest.approx(3200.0)
    assert "549 home days paid" not in row["reason"]
    assert "549 home days earned" in row["reason"] and "172.2 home days' worth" in row["reason"]
    assert "£3,200.00 paid" in row["reason"]


def test_a_stopped_line_that_paid_gives_its_last_due_date():
    # a 70-day period from 2021-03-01 stops tracking; the last month paid is February 2021
    r = settle([referral()], [(D(2021, 3, 1), D(2021, 5, 10), "care")], as_of=D(2022, 6, 30))
    row = line(r, "stability_tariff")
    assert row["status"] == "stopped" and row["amount"] > 0
    assert row["due_date"] == pd.Timestamp(2021, 2, 28)


# ---- short breaks -------------------------------------------------------------------------------

def test_a_short_break_is_respite_at_home_not_a_period_away():
    # Engaged 2021-01-15 (diversion): milestone due 2021-07-15, tracking window 549 days to
    # 2023-01-15. A 70-day short break in 2021-03 (SSDA903 V3/V4) is respite while the child
    # lives at home: it neither loses the milestone (care in the first 6 months would) nor
    # stops tracking (70 > 56 days would). As of 2023-03-31 the whole tariff is due:
    # £6,800 + £10,200 = £17,000.
    refs = [referral(ref=D(2021, 1, 10), start=D(2021, 1, 15))]
    rows = [("2021-03-01", "2021-05-10", "short_break")]
    paid = settle(refs, rows).payments["amount"].sum()
    assert paid == pytest.approx(MILESTONE + TARIFF)
    # counted as time away (the scenario's switch), the same rows lose the milestone and every tariff day
    counted = dataclasses.replace(TERMS, mechanism=TERMS.mechanism.model_copy(update={"short_breaks_away_from_home": True}))
    away = settle_sib(pd.DataFrame(refs), episodes(rows), counted, D(2023, 3, 31)).payments["amount"].sum()
    assert away == pytest.approx(0.0)
