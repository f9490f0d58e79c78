"""000's payment by results reforecast: worked examples by hand (simulate/reforecast/pbr.py).

Prices of the 000 preset: the pooled 40% is 0.4 × £1,200,195 = £480,078 a contract year and one
family is £480,078 / 1,341 families = £358.00. Contract years start on 1 April (2022-04-01);
quarters Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar; a family is due on the first day of the quarter
after the one it completed in. Up-front: 60% of £1,200,195 a year, a quarter of it
(£180,029.25) on the first day of each quarter.

Most examples plan no referrals (``referrals.volume_multiplier: 0``), so no family is still to
come, use a fixed 90-day intervention (90/7 weeks) and make the stress model's chance of
meeting the three conditions exactly 1/2: no disengagement, every completer self-assesses
(``follow_up_share`` 1) and the notable-progress threshold (8 points) equals the mean change.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_synthetic import synthesise
from simulate.payments.settle import settle_scenario
from simulate.reforecast import reforecast
from simulate.reforecast.pbr import prepare, run_draw
from simulate.reforecast.pbr_state import AWAITING, COMPLETED, IN_SUPPORT
from simulate.scenario import load_scenario, with_overrides

PRICE = 358.0
BUDGET = 480078.0
UPFRONT_QUARTER = 1200195 * 0.6 / 4          # £180,029.25
D = pd.Timestamp


def month_index(year: int, month: int) -> int:
    """Contract month of the first of (year, month); April 2022 is month 0."""
    return (year - 2022) * 12 + month - 4


def scenario(**extra):
    over = {"referrals.volume_multiplier": 0.0, "intervention.duration_weeks": {"dist": "fixed", "value": 90 / 7},
            "intervention.disengagement_per_week": 0.0, "payment.notable_progress_min_change": 8.0,
            "outcomes.distance_travelled.0.follow_up_share": 1.0, **extra}
    return with_overrides(load_scenario("lancs-ehwb-000"), over)


def families(rows: list[dict]) -> dict[str, pd.DataFrame]:
    """referrals.csv and assessments.csv for families given as dicts: id, referral, start, end,
    met (plan, outcomes achieved and a 9-point gain on the self-assessment at its end date)."""
    refs, scores = [], []
    for r in rows:
        i = r["id"]
        refs.append({"case_id": f"R{i:05d}", "child_id": f"C{i:05d}", "family_id": f"F{i:05d}", "district": "Burnley",
                     "referral_date": D(r["referral"]), "accepted": True, "start_date": D(r["start"]) if r.get("start") else pd.NaT,
                     "end_date": D(r["end"]) if r.get("end") else pd.NaT,
                     "action_plan_agreed": r.get("met", False), "outcomes_achieved_at_exit": r.get("met", False)})
        if r.get("end"):
            scores.append({"person_id": f"F{i:05d}", "tool": "cfw_radar", "area": "total", "timepoint": "baseline",
                           "assessment_date": D(r["start"]), "score": 1.0})
            scores.append({"person_id": f"F{i:05d}", "tool": "cfw_radar", "area": "total", "timepoint": "exit",
                           "assessment_date": D(r["end"]), "score": 10.0 if r.get("met") else 1.0})
    cols = ["person_id", "tool", "area", "timepoint", "assessment_date", "score"]
    return {"referrals.csv": pd.DataFrame(refs), "assessments.csv": pd.DataFrame(scores, columns=cols)}


def draws(ctx, n: int, first_seed: int = 0) -> list:
    return [run_draw(ctx, np.random.default_rng(first_seed + s)) for s in range(n)]


def test_a_family_40_days_into_a_90_day_intervention_completes_50_days_later_and_is_due_next_quarter():
    # support from 2022-05-01; as of 2022-06-10 it has run 40 days; a 90-day intervention ends on
    # 2022-07-30, 50 days after the as-of date, in the quarter Jul-Sep: due 2022-10-01
    sc = scenario()
    frames = families([{"id": 1, "referral": "2022-04-20", "start": "2022-05-01"}])
    ctx = prepare(sc, frames, dt.date(2022, 6, 10))
    assert ctx.state.state.tolist() == [IN_SUPPORT]
    # settled: the first quarter's up-front only
    assert ctx.settlement.payments["amount"].sum() == pytest.approx(UPFRONT_QUARTER, abs=0.005)
    october = month_index(2022, 10)
    outs = draws(ctx, 40)
    family = [o.by_line["family_outcome"] for o in outs]
    assert set(family) == {0.0, PRICE}                  # paid or not; both happen at a chance near 1/2
    for o in outs:
        assert o.new_cases == 0
        paid_now = o.by_line["family_outcome"]
        # October: the up-front quarter and the family, if paid; nothing of the family elsewhere
        assert o.paid_by_payer["commissioner"][october] == pytest.approx(UPFRONT_QUARTER + paid_now, abs=0.005)
        assert o.future_by_month[october] == pytest.approx(UPFRONT_QUARTER + paid_now, abs=0.005)
        # the rest of the up-front: 12 quarters in all, one settled
        assert o.by_line["upfront"] == pytest.approx(11 * UPFRONT_QUARTER, abs=0.01)
        assert o.figures["outcome_payments_gbp"] == paid_now
        assert o.figures["income_at_risk_gbp"] == pytest.approx(3 * BUDGET - paid_now, abs=0.005)


def test_a_family_past_the_planned_duration_ends_the_day_after_the_as_of_date():
    # support from 2022-04-01, still open on 2022-07-10: 100 days into a 90-day intervention.
    # Given it has lasted 100 days it ends at once, on 2022-07-11 (Jul-Sep): due 2022-10-01
    # (an unconditioned 90 days would have ended it on 2022-06-30, due 2022-07-01, in the past).
    sc = scenario()
    ctx = prepare(sc, families([{"id": 1, "referral": "2022-03-25", "start": "2022-04-01"}]), dt.date(2022, 7, 10))
    outs = draws(ctx, 30)
    assert {o.by_line["family_outcome"] for o in outs} == {0.0, PRICE}
    for o in outs:
        assert o.future_by_month[month_index(2022, 10)] == pytest.approx(UPFRONT_QUARTER + o.by_line["family_outcome"], abs=0.005)
        assert o.future_by_month[month_index(2022, 7)] == 0.0      # July's up-front is settled; nothing else in July


def test_a_family_completed_and_paid_stays_as_settled_and_one_not_yet_due_is_paid_in_april():
    # family 1 ended 2022-08-15 (Jul-Sep) with the three conditions met: paid 2022-10-01.
    # Family 2 ended 2023-01-10 (Jan-Mar) met: due 2023-04-01, after the as-of date 2023-01-15.
    # Family 3 ended without them: nothing, ever.
    sc = scenario()
    frames = families([{"id": 1, "referral": "2022-04-10", "start": "2022-05-17", "end": "2022-08-15", "met": True},
                       {"id": 2, "referral": "2022-09-10", "start": "2022-10-12", "end": "2023-01-10", "met": True},
                       {"id": 3, "referral": "2022-04-10", "start": "2022-05-17", "end": "2022-08-15", "met": False}])
    as_of = dt.date(2023, 1, 15)
    ctx = prepare(sc, frames, as_of)
    assert ctx.state.state.tolist() == [COMPLETED] * 3
    pay = ctx.settlement.payments
    fam = pay[pay["metric"] == "family_outcome"]
    assert fam["amount"].tolist() == [PRICE] and fam["due_date"].tolist() == [D("2022-10-01")]
    # settled: up-front of April, July, October 2022 and January 2023 and the family
    assert pay["amount"].sum() == pytest.approx(4 * UPFRONT_QUARTER + PRICE, abs=0.005)
    settled, _ = settle_scenario(sc, frames, as_of)
    pd.testing.assert_frame_equal(pay, settled.payments)
    for o in draws(ctx, 10):
        paid = o.paid_by_payer["commissioner"]
        assert paid[month_index(2022, 10)] == pytest.approx(UPFRONT_QUARTER + PRICE, abs=0.005)     # as settled
        assert paid[month_index(2023, 4)] == pytest.approx(UPFRONT_QUARTER + PRICE, abs=0.005)     # family 2
        assert o.by_line["family_outcome"] == PRICE
        assert o.figures["outcome_payments_gbp"] == 2 * PRICE
        assert o.figures["families_paid"] == 2.0


def test_the_pooled_forty_percent_binds_in_contract_year_one():
    # 1,340 families completed with the conditions met in year 1 (£479,720 of the £480,078):
    # room for one more £358. Three families in support since 2022-12-01 (45 days on the as-of
    # date 2023-01-15) end on 2023-03-01, still year 1, due 2023-04-01: however many are paid,
    # the year pays one more family; the others are cut.
    sc = scenario()
    done = [{"id": i, "referral": "2022-04-05", "start": "2022-04-20", "end": "2022-07-19", "met": True} for i in range(1340)]
    open_ = [{"id": 2000 + i, "referral": "2022-11-20", "start": "2022-12-01"} for i in range(3)]
    ctx = prepare(sc, families(done + open_), dt.date(2023, 1, 15))
    assert ctx.settlement.payments.query("metric == 'family_outcome'")["amount"].sum() == pytest.approx(1340 * PRICE, abs=0.01)
    april = month_index(2023, 4)
    for o in draws(ctx, 20):
        k = round(o.by_line["family_outcome"] / PRICE)  # before the cap: families paid among the three
        assert 1 <= k <= 3                              # chance near 1: 1,340 of 1,340 ended families were paid
        assert o.future_by_month[april] == pytest.approx(UPFRONT_QUARTER + k * PRICE, abs=0.01)
        assert o.paid_by_payer["commissioner"][april] == pytest.approx(UPFRONT_QUARTER + PRICE, abs=0.01)
        assert o.figures["outcome_payments_gbp"] == pytest.approx(BUDGET, abs=0.01)
        assert o.figures["budget_used_in_full"] == 1.0
        assert o.figures["income_at_risk_gbp"] == pytest.approx(2 * BUDGET, abs=0.01)


def test_more_families_ending_unpaid_lower_the_forecast():
    # prior Beta(10, 10) (chance 1/2 worth 20 families). 100 ended families all paid: Beta(110, 10),
    # mean 11/12; none paid: Beta(10, 110), mean 1/12. 50 families in support each end in the
    # contract and are paid with that chance: £358 × 50 × 11/12 = £16,408.33 against £1,491.67.
    sc = scenario()
    ended = lambda met: [{"id": i, "referral": "2022-04-05", "start": "2022-04-20", "end": "2022-07-19", "met": met} for i in range(100)]  # noqa: E731
    open_ = [{"id": 500 + i, "referral": "2022-11-20", "start": "2022-12-01"} for i in range(50)]
    expected = {}
    for met, p in ((True, 11 / 12), (False, 1 / 12)):
        ctx = prepare(sc, families(ended(met) + open_), dt.date(2023, 1, 15))
        row = ctx.calibration.table()[0]
        assert (row["paid_evidence"], row["paid_out_of"]) == (100 if met else 0, 100)
        assert row["paid_prior_mean"] == pytest.approx(0.5) and row["paid_posterior_mean"] == pytest.approx(p)
        mean = np.mean([o.by_line["family_outcome"] for o in draws(ctx, 300)])
        # sd of one draw's £ about 358 × 2.3 families; of a mean of 300 draws about £50
        assert mean == pytest.approx(PRICE * 50 * p, abs=250)
        expected[met] = mean
    assert expected[False] < expected[True]


def test_a_family_awaiting_its_end_self_assessment_is_paid_later_with_a_chance_given_its_wait():
    # families 1-3 ended 2022-07-19 with a plan and outcomes achieved but no self-assessment that
    # day: 1 and 2 had it 100 days later with notable progress (paid), 3 had it 20 days later
    # without (not paid). Family 5 ended 2022-12-20, 26 days before the as-of date, and has none
    # yet: awaiting (the longest wait seen is 100 days). Prior: 1/2 worth 20 families.
    sc = scenario()
    rows = [{"id": i, "referral": "2022-04-05", "start": "2022-04-20", "end": "2022-07-19", "met": True} for i in (1, 2, 3)]
    rows.append({"id": 5, "referral": "2022-09-01", "start": "2022-09-20", "end": "2022-12-20", "met": True})
    frames = families(rows)
    a = frames["assessments.csv"]
    exit_ = a["timepoint"] == "exit"
    a.loc[exit_ & a["person_id"].isin(["F00001", "F00002"]), "assessment_date"] = D("2022-10-27")   # + 100 days
    a.loc[exit_ & (a["person_id"] == "F00003"), "assessment_date"] = D("2022-08-08")                 # + 20 days
    a.loc[exit_ & (a["person_id"] == "F00003"), "score"] = 1.0                                       # no progress
    frames["assessments.csv"] = a[~((a["person_id"] == "F00005") & exit_)]
    ctx = prepare(sc, frames, dt.date(2023, 1, 15))
    assert ctx.state.state.tolist() == [COMPLETED, COMPLETED, COMPLETED, AWAITING]
    row = ctx.calibration.table()[0]
    assert row["end_self_assessment_wait_days"] == 100
    # all three waited: 2 of 3 paid, Beta(12, 11)
    assert (row["paid_late_evidence"], row["paid_late_out_of"]) == (2, 3)
    assert row["paid_late_posterior_mean"] == pytest.approx(12 / 23)
    # but 26 days after its end family 3 had its answer: family 5 is judged on families 1 and 2
    # only (still waiting at 26 days): 2 of 2, Beta(12, 10)
    assert ctx.late_beta.tolist() == [[12.0, 10.0]]
    outs = draws(ctx, 30)
    assert {o.by_line["family_outcome"] for o in outs} == {0.0, PRICE}
    for o in outs:
        # due 2023-01-01 (ended Oct-Dec), a quarter already past: shown on the day after the as-of date
        assert o.future_by_month[month_index(2023, 1)] == o.by_line["family_outcome"]


def test_referrals_so_far_move_the_rate_of_families_still_to_come():
    # the preset plans 1,475.1 referrals a year (the streams' sum), worth 6 months (182.625
    # days). A year in (as of 2023-03-31: 365.25 seasonal days, seasonality averaging 1), 600
    # referrals, all refused: posterior (1,475.1/365.25 × 182.625 + 600) / (182.625 + 365.25)
    # a day = 1,337.55 × 2/3 = 891.70 a year (547.875 days are 1.5 years); two years of the
    # window remain, so about 1,783.4 still to come.
    sc = load_scenario("lancs-ehwb-000")
    days = pd.date_range("2022-04-01", "2023-03-31", periods=600)
    refs = pd.DataFrame({"case_id": [f"R{i}" for i in range(600)], "child_id": [f"C{i}" for i in range(600)],
                         "family_id": [f"F{i}" for i in range(600)], "district": "Burnley", "referral_date": days,
                         "accepted": False, "start_date": pd.NaT, "end_date": pd.NaT})
    frames = {"referrals.csv": refs, "assessments.csv": families([])["assessments.csv"]}
    ctx = prepare(sc, frames, dt.date(2023, 3, 31))
    row = ctx.calibration.table()[0]
    assert row["referrals_so_far"] == 600
    assert row["exposure_days"] == pytest.approx(365.25)
    assert row["posterior_referrals_per_year"] == pytest.approx((737.55 + 600) / 547.875 * 365.25)
    assert row["posterior_referrals_per_year"] == pytest.approx(891.70, abs=1e-6)
    new = np.mean([o.new_cases for o in draws(ctx, 40)])
    # Poisson over a gamma rate: sd of one draw about sqrt(1,783) + 1,783 × (sd/mean of the
    # rate, 0.043) = 119; of a mean of 40 about 19
    assert new == pytest.approx(2 * 891.70, abs=80)


@pytest.fixture(scope="module")
def synthetic():
    sc = load_scenario("lancs-ehwb-000")
    return sc, synthesise(sc, seed=11, rows_scale=0.2, extract_date=dt.date(2023, 12, 31)).frames


def test_settled_to_date_is_the_settlement_to_the_penny_and_totals_add_up(synthetic):
    sc, frames = synthetic
    as_of = dt.date(2023, 5, 15)
    run = reforecast(sc, frames, as_of, draws=4, seed=1)
    settled, _ = settle_scenario(sc, frames, as_of)
    pd.testing.assert_frame_equal(run.context.settlement.payments, settled.payments)
    assert round(run.settled_to_date, 2) == round(float(settled.payments["amount"].sum()), 2)
    assert np.allclose(run.draws["total_due_gbp"], run.settled_to_date + run.draws["future_due_gbp"])
    # every month's settled money is in each draw's whole-contract payments
    assert (run.by_payer["commissioner"] >= run.context.realised_by_month - 0.005).all()


def test_same_seed_same_draws_with_one_or_two_workers(synthetic):
    sc, frames = synthetic
    one = reforecast(sc, frames, dt.date(2023, 5, 15), draws=6, seed=9, jobs=1, chunk_size=2)
    two = reforecast(sc, frames, dt.date(2023, 5, 15), draws=6, seed=9, jobs=2, chunk_size=3)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    assert np.array_equal(one.by_payer["commissioner"], two.by_payer["commissioner"])
    other = reforecast(sc, frames, dt.date(2023, 5, 15), draws=6, seed=10)
    assert not one.draws["future_due_gbp"].equals(other.draws["future_due_gbp"])


def test_the_commands_agree_to_the_penny(tmp_path: Path, capsys):
    from cusp.cli import main

    def run(argv: list) -> int:
        with pytest.raises(SystemExit) as info:
            main([str(a) for a in argv])
        return int(info.value.code or 0)

    data = tmp_path / "data"
    assert run(["synth", "--scenario", "lancs-ehwb-000", "--seed", "3", "--rows-scale", "0.2", "--extract-date", "2023-06-30",
                "--out", data]) == 0
    common = ["--scenario", "lancs-ehwb-000", "--data", data, "--as-of", "2023-03-31"]
    assert run(["reforecast", *common, "--draws", "4", "--planned-draws", "2", "--out", tmp_path / "rf"]) == 0, capsys.readouterr().err
    assert run(["payments", "settle", *common, "--out", tmp_path / "pay"]) == 0, capsys.readouterr().err
    ours = json.loads((tmp_path / "rf" / "summary.json").read_text())
    settled = pd.read_csv(tmp_path / "pay" / "payments.csv")["amount"].sum()
    assert settled > 0 and round(ours["settled_to_date_gbp"], 2) == round(float(settled), 2)
    assert ours["mechanism"] == "payment_by_results" and ours["risk_bearer"] == "provider"
    assert {f["name"] for f in ours["figures"]} >= {"outcome_payments_gbp", "income_at_risk_gbp", "provider_net_gbp",
                                                      "provider_loss", "budget_used_in_full"}


def test_the_published_calibration_rests_only_on_published_counts():
    # 600 referrals (published as 600) and 3 ended families, 2 paid. A policy that rounds to 5
    # and hides counts under 10: the chance an ended family is paid is hidden with its counts;
    # the referral posterior is the one from 600 (891.70 a year, as worked above).
    sc = scenario(**{"referrals.volume_multiplier": 1.0})
    rows = [{"id": i, "referral": "2022-04-05", "start": "2022-04-20", "end": "2022-07-19", "met": i < 2} for i in range(3)]
    rows += [{"id": 100 + i, "referral": str(d.date())} for i, d in enumerate(pd.date_range("2022-04-01", "2023-03-31", periods=597))]
    frames = families(rows)
    frames["referrals.csv"].loc[3:, "accepted"] = False
    ctx = prepare(sc, frames, dt.date(2023, 3, 31))
    cal = ctx.calibration
    exact = cal.table()[0]
    assert (exact["referrals_so_far"], exact["paid_evidence"], exact["paid_out_of"]) == (600, 2, 3)
    shown = cal.published_table(lambda column, row, n: None if n < 10 else int(5 * round(n / 5)))[0]
    assert shown["referrals_so_far"] == 600
    assert shown["posterior_referrals_per_year"] == pytest.approx(891.70, abs=1e-6)
    assert shown["paid_evidence"] is None and shown["paid_out_of"] is None
    assert shown["paid_posterior_mean"] is None and shown["paid_posterior_sd"] is None
    # referrals decided: 597 refused and 3 started, 600 (shown); 3 started (hidden)
    assert shown["starts_out_of"] == 600 and shown["starts_evidence"] is None and shown["starts_posterior_mean"] is None


@pytest.mark.slow
def test_back_test_the_interval_covers_the_realised_outcome_income_and_narrows():
    # 20 seeds (2000-2019, not the benchmark's): the provider's outcome income settled at the
    # contract's end against the 90% interval of the reforecast as of the end of year 1 and of
    # year 2. Covers ~ Binomial(20, 0.9) if calibrated: the two-sided 99% range is 15..20.
    from scipy.stats import binom

    sc = load_scenario("lancs-ehwb-000")
    covered, width1, width2, realised_all, mid = [], [], [], [], []
    for s in range(20):
        frames = synthesise(sc, seed=2000 + s).frames
        pay = settle_scenario(sc, frames, sc.horizon.contract_end)[0].payments
        realised = float(pay.loc[pay["metric"] == "family_outcome", "amount"].sum())
        for as_of, widths in ((dt.date(2023, 3, 31), width1), (dt.date(2024, 3, 31), width2)):
            lo, hi = np.quantile(reforecast(sc, frames, as_of, 100, seed=s).draws["outcome_payments_gbp"], [0.05, 0.95])
            covered.append(lo <= realised <= hi)
            widths.append(hi - lo)
            mid.append((lo + hi) / 2)
            realised_all.append(realised)
    lo_ok, hi_ok = binom.ppf(0.005, 20, 0.9), binom.ppf(0.995, 20, 0.9)
    assert lo_ok <= sum(covered[0::2]) <= hi_ok and lo_ok <= sum(covered[1::2]) <= hi_ok
    assert np.mean(width2) < 0.6 * np.mean(width1)
    # no bias beyond 2% of the realised income on average
    assert abs(np.mean(mid) - np.mean(realised_all)) < 0.02 * np.mean(realised_all)
