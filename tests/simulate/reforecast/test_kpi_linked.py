"""The 001 KPI-linked reforecast: reconciled years kept to the penny, open years drawn, KPIs learned from reports.

The preset essex-pb19-001 starts 2017-04-01 and runs 7 contract years of £35,700,000: ECC's
envelope £34,200,000 (5% at risk from year 2: £1,710,000 a year), West CCG's £1,500,000 (never
at risk). KPI weights: mandated contacts 0.4, targeted start 0.2, targeted improved 0.3,
activity maintained 0.1. Planned efficiency 3%, gain share 50/50.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulate.payments.settle import settle_scenario
from simulate.reforecast import kpi_linked as K
from simulate.reforecast.run import draw_rng
from simulate.scenario import load_scenario

SC = load_scenario("essex-pb19-001")
NAMES = ["mandated_contacts_coverage", "targeted_start_within_target", "targeted_improved", "activity_maintained"]
ECC, WEST = 34_200_000.0, 1_500_000.0
AT_RISK = ECC * 0.05                                   # £1,710,000


def with_thresholds(**thresholds: float):
    """The preset with some KPI thresholds changed."""
    targets = [t.model_copy(update={"threshold": thresholds[t.name]}) if t.name in thresholds else t for t in SC.kpi_targets]
    return SC.model_copy(update={"kpi_targets": targets})


def results(years, coverage=0.5, start=0.95, improved=0.9, activity=3000.0) -> pd.DataFrame:
    rows = [(y, k, v) for y in years for k, v in zip(NAMES, (coverage, start, improved, activity))]
    return pd.DataFrame(rows, columns=["contract_year", "kpi", "value"])


def draws(ctx, n=200, seed=1):
    return [K.run_draw(ctx, draw_rng(seed, i)) for i in range(n)]


def test_settled_to_date_is_the_settlement_to_the_penny():
    frames = {"kpi_results.csv": results([2]), "spend.csv": pd.DataFrame({"contract_year": [2], "spend_gbp": [33e6]})}
    as_of = dt.date(2019, 12, 31)
    ctx = K.prepare(SC, frames, as_of)
    settled, table = settle_scenario(SC, frames, as_of)
    pd.testing.assert_frame_equal(ctx.settlement.payments, settled.payments)
    pd.testing.assert_frame_equal(ctx.reconciliation, table)
    # year 1 in full (nothing at risk): £35,700,000; year 2: 12 instalments of each envelope's
    # not-at-risk value, then the KPI money: weights 0.2 + 0.3 + 0.1 met (coverage 50% missed)
    # earn 60% of £1,710,000: £35,016,000; year 3, April to December: 9 × (£2,707,500 + £125,000)
    expected = 35_700_000.00 + (ECC - AT_RISK + WEST + 0.6 * AT_RISK) + 9 * (ECC * 0.95 / 12 + WEST / 12)
    assert round(expected, 2) == 96_208_500.00
    assert round(ctx.realised_by_month.sum(), 2) == round(float(settled.payments["amount"].sum()), 2) == 96_208_500.00
    # year 2 is reconciled; year 1 (ended, no KPI results: nothing at risk in it) and years 3-7 are open
    assert ctx.open_years == (1, 3, 4, 5, 6, 7)


def test_every_year_reconciled_keeps_the_reconciliation_exactly():
    frames = {"kpi_results.csv": results(range(1, 8)), "spend.csv": pd.DataFrame({"contract_year": range(1, 8), "spend_gbp": [33e6] * 7})}
    ctx = K.prepare(SC, frames, dt.date(2024, 6, 30))
    assert ctx.open_years == ()
    out = draws(ctx, 5)
    # by hand: years 2-7 miss the coverage KPI (weight 0.4): £1,710,000 × 0.4 = £684,000 withheld each
    withheld = 6 * 684_000.0
    ecc_spend, west_spend = 33e6 * ECC / 35.7e6, 33e6 * WEST / 35.7e6     # aligned budgets
    gain_y1 = ECC - ecc_spend - 0.03 * ECC                                  # £1,560,554.62
    gain_ecc = ECC - 684_000 - ecc_spend - 0.03 * ECC                       # £876,554.62
    gain_west = WEST - west_spend - 0.03 * WEST                             # £68,445.38
    returned = 0.5 * (gain_y1 + 6 * gain_ecc + 7 * gain_west)
    income = 7 * 35_700_000 - withheld
    for o in out:
        assert o.future_by_month.sum() == 0.0 and o.kpis == {}
        assert o.figures["withheld_gbp"] == pytest.approx(4_104_000.0, abs=0.005)
        assert o.figures["gain_share_returned_gbp"] == pytest.approx(returned, abs=0.005)
        assert o.figures["provider_income_gbp"] == pytest.approx(income, abs=0.005)
        assert o.figures["provider_net_gbp"] == pytest.approx(income - returned - 7 * 33e6, abs=0.005)
        assert o.figures["income_at_risk_gbp"] == 0.0 and o.figures["any_withheld"] == 0.0 and o.figures["withheld_open_gbp"] == 0.0
    assert returned == pytest.approx(0.5 * (1_560_554.62 + 6 * 876_554.62 + 7 * 68_445.38), abs=0.05)


def test_an_open_year_runs_the_settlement_rules():
    # years 1-6 reconciled; year 7 (2023-04-01 to 2024-03-31) open. Targets set so every draw is
    # certain: coverage 100% is never met (the model reaches 95%), the others always are.
    sc = with_thresholds(targeted_improved=0.0, activity_maintained=1.0)
    frames = {"kpi_results.csv": results(range(1, 7))}
    ctx = K.prepare(sc, frames, dt.date(2023, 9, 30))
    assert ctx.open_years == (7,)
    for o in draws(ctx, 20):
        assert o.kpis == {("mandated_contacts_coverage", "contract year 7"): False,
                          ("targeted_start_within_target", "contract year 7"): True,
                          ("targeted_improved", "contract year 7"): True,
                          ("activity_maintained", "contract year 7"): True}
        # year 7's KPI money: 60% of £1,710,000 at the year end (month 84, March 2024)
        assert o.by_line["kpi_year_end"] == pytest.approx(1_026_000.0)
        assert o.future_by_month[83] == pytest.approx(1_026_000.0 + (ECC - AT_RISK + WEST) / 12)
        # the settlement pays every instalment due by the as-of day, reported year or not:
        # April-September 2023 are settled, October-March still to come (none in the as-of month)
        assert o.by_line["instalment"] == pytest.approx(6 * (ECC - AT_RISK + WEST) / 12)
        assert o.future_by_month[77] == 0.0
        assert o.figures["withheld_gbp"] == pytest.approx(6 * 684_000.0)   # years 2-7
        assert o.figures["income_at_risk_gbp"] == pytest.approx(AT_RISK) and o.figures["any_withheld"] == 1.0
        assert o.figures["withheld_open_gbp"] == pytest.approx(684_000.0)          # year 7 alone
        # whole contract: realised + future = 7 years less what is withheld
        assert o.paid_by_payer["commissioner"].sum() == pytest.approx(7 * 35_700_000 - 6 * 684_000.0)
    # with year 7's spend reported, the instalments are the same: October-March still to come;
    # the year's gain share uses the reported spend
    frames["spend.csv"] = pd.DataFrame({"contract_year": [7], "spend_gbp": [33e6]})
    ctx = K.prepare(sc, frames, dt.date(2023, 9, 30))
    gain = 0.5 * (ECC - 684_000 - 33e6 * ECC / 35.7e6 - 0.03 * ECC + WEST - 33e6 * WEST / 35.7e6 - 0.03 * WEST)
    for o in draws(ctx, 5):
        assert o.by_line["instalment"] == pytest.approx(6 * (ECC - AT_RISK + WEST) / 12)
        assert o.future_by_month[77] == 0.0
        # years 1-6 were reconciled without spend (no gain share, as reconcile_kpi); year 7's is
        # ECC's £438,277.31 + West CCG's £34,222.69
        assert o.figures["gain_share_returned_gbp"] == pytest.approx(gain)
    assert gain == pytest.approx(438_277.31 + 34_222.69, abs=0.01)


def test_kpi_far_above_or_far_below_its_target():
    frames = {"kpi_results.csv": results([2])}
    as_of = dt.date(2019, 6, 30)
    easy = K.prepare(with_thresholds(activity_maintained=100.0), frames, as_of)      # plan ~2,700 a year
    hard = K.prepare(with_thresholds(activity_maintained=100_000.0), frames, as_of)
    for ctx, expected in ((easy, True), (hard, False)):
        for o in draws(ctx, 50):
            assert all(v is expected for (k, _), v in o.kpis.items() if k == "activity_maintained")


def test_shift_posterior_by_hand():
    # one residual of 1.0, prior sd 0.5, year sd 0.2: precision 4 + 25 = 29
    mean, sd = K.shift_posterior(np.array([1.0]), 0.5, 0.2)
    assert mean == pytest.approx(25 / 29) and sd == pytest.approx(29 ** -0.5)
    assert K.shift_posterior(np.array([]), 0.5, 0.2) == (0.0, 0.5)


def p_improved(ctx, year=3, n=300):
    return np.mean([o.kpis[("targeted_improved", f"contract year {year}")] for o in draws(ctx, n)])


def test_reported_years_move_the_forecast():
    # the plan: 55% of completers improve against a 70% target (logit 0.20 vs 0.85; prior and
    # year spread 0.5 and 0.2 on the logit): P(met) = P(N(0, 0.54²) > 0.65) ≈ 11%
    prior = p_improved(K.prepare(SC, {"kpi_results.csv": results([])}, dt.date(2018, 6, 30)))
    good = p_improved(K.prepare(SC, {"kpi_results.csv": results([2], improved=0.9)}, dt.date(2019, 6, 30)))
    bad = p_improved(K.prepare(SC, {"kpi_results.csv": results([2], improved=0.3)}, dt.date(2019, 6, 30)))
    assert 0.04 < prior < 0.2
    assert good > 0.95 and bad < 0.02
    # a report not yet reconciled (year 2 ends 2019-03-31, after this as-of day) is not evidence
    early = K.prepare(SC, {"kpi_results.csv": results([2], improved=0.9)}, dt.date(2019, 1, 31))
    assert [r["years_reported"] for r in early.calibration.table()] == [0, 0, 0, 0]


def test_same_seed_same_draws():
    # year 2 reported right on the 70% target: later years are met in about half the draws
    ctx = K.prepare(SC, {"kpi_results.csv": results([2], improved=0.7)}, dt.date(2019, 6, 30))
    a, b = draws(ctx, 10, seed=7), draws(ctx, 10, seed=7)
    assert [o.figures for o in a] == [o.figures for o in b]
    assert all(np.array_equal(x.future_by_month, y.future_by_month) for x, y in zip(a, b))
    assert [o.kpis for o in a] == [o.kpis for o in b]
    # another seed draws other KPIs (001's delivery cost has no cost per case: staff only, so its £ figures barely move)
    assert [o.kpis for o in draws(ctx, 10, seed=8)] != [o.kpis for o in a]


def test_reforecast_runs_001_with_one_or_two_workers_alike():
    from simulate.reforecast import reforecast

    frames = {"kpi_results.csv": results([2], improved=0.7), "spend.csv": pd.DataFrame({"contract_year": [2], "spend_gbp": [33e6]})}
    a = reforecast(SC, frames, dt.date(2019, 6, 30), draws=30, seed=3, jobs=1, chunk_size=10)
    b = reforecast(SC, frames, dt.date(2019, 6, 30), draws=30, seed=3, jobs=2, chunk_size=10)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    # year 1 (£35.7m), year 2 reconciled (£35,016,000), April-June 2019 of year 3: 3 × £2,832,500
    assert a.settled_to_date == pytest.approx(35_700_000 + 35_016_000.0 + 3 * 2_832_500.0, abs=0.005)
    # P(met) for years 3-7 of every KPI: coverage never (100% target), start always
    p = a.kpis.set_index(["kpi", "period"])["p_met"]
    assert sorted(set(a.kpis["period"])) == [f"contract year {y}" for y in range(3, 8)]
    assert (p.loc["mandated_contacts_coverage"] == 0).all() and (p.loc["targeted_start_within_target"] == 1).all()
    assert 0 < p.loc["targeted_improved"].mean() < 1


def test_cli_reforecast_settles_as_payments_settle(tmp_path, capsys):
    import json

    from cusp.cli import main

    folder = tmp_path / "kpi"
    folder.mkdir()
    results([2], improved=0.7).to_csv(folder / "kpi_results.csv", index=False)
    (folder / "spend.csv").write_text("contract_year,spend_gbp\n2,33000000\n")

    def run(*argv):
        with pytest.raises(SystemExit) as info:
            main([str(a) for a in argv])
        return int(info.value.code or 0)

    assert run("payments", "settle", "--scenario", "essex-pb19-001", "--data", folder, "--as-of", "2019-12-31", "--out", tmp_path / "pay") == 0
    assert run("reforecast", "--scenario", "essex-pb19-001", "--data", folder, "--as-of", "2019-12-31", "--draws", "20", "--seed", "2",
               "--planned-draws", "5", "--out", tmp_path / "rf") == 0, capsys.readouterr().err
    settled = pd.read_csv(tmp_path / "pay" / "payments.csv")["amount"].sum()
    ours = json.loads((tmp_path / "rf" / "summary.json").read_text())
    # years 1 and 2 (£35.7m, £35,016,000 after year 2's KPIs) and April-December 2019: 9 × £2,832,500
    assert round(ours["settled_to_date_gbp"], 2) == round(float(settled), 2) == 96_208_500.00
    kp = pd.read_csv(tmp_path / "rf" / "kpi_probabilities.csv")
    assert set(kp["period"]) == {f"contract year {y}" for y in range(3, 8)}
    assert kp.loc[kp["kpi"] == "targeted_improved", "target"].iloc[0] == ">= 70%"


def test_published_calibration_passes_count_kpis_through_the_policy():
    ctx = K.prepare(SC, {"kpi_results.csv": results([2], activity=3002.0)}, dt.date(2019, 6, 30))
    rounded = ctx.calibration.published_table(lambda col, row, n: int(round(n / 5.0) * 5))
    assert [r["reported_mean"] for r in rounded] == [0.5, 0.95, 0.9, 3000]    # only the count KPI is a count of people
    hidden = ctx.calibration.published_table(lambda col, row, n: None)
    assert hidden[3]["reported_mean"] is None and hidden[3]["posterior_value"] is None
    assert hidden[2]["posterior_value"] == ctx.calibration.table()[2]["posterior_value"]


def test_the_year_in_progress_moves_the_forecast_through_the_case_extract():
    # year 3 (2019-04-01 to 2020-03-31, 366 days) half observed on 2019-09-30 (183 days): 480
    # families started so far is 960 a year against the plan's ~2,700 and the 2,400 target
    days = pd.to_datetime("2019-04-01") + pd.to_timedelta(np.arange(480) % 180, unit="D")
    refs = pd.DataFrame({"case_id": [f"R{i}" for i in range(480)], "district": "Mid Essex", "referral_date": days, "accepted": True,
                         "first_contact_date": days, "assessment_date": days, "start_date": days, "end_date": pd.NaT})
    as_of = dt.date(2019, 9, 30)
    base = {"kpi_results.csv": results([2], activity=2700.0)}
    without = K.prepare(SC, base, as_of)
    with_cases = K.prepare(SC, {**base, "referrals.csv": refs}, as_of)
    row = with_cases.calibration.table()[3]
    assert row["open_year_share_observed"] == pytest.approx(183 / 366) and row["open_year_value_so_far"] == pytest.approx(960.0)
    assert without.calibration.table()[3]["open_year_share_observed"] == 0.0
    # the weighted update by hand on the log scale: prior precision 1/0.1², year 2 (weight 1) and
    # half of year 3 (weight 0.5) at 1/0.05² each; residuals against the plan's ~2,700 a year
    plan = row["plan_value"]
    r2, r3 = np.log(2700 / plan), np.log(960 / plan)
    assert row["posterior_shift_sd"] == pytest.approx((100 + 400 + 200) ** -0.5)
    assert row["posterior_shift"] == pytest.approx((400 * r2 + 200 * r3) / 700, abs=0.01)     # about -0.29
    p = lambda ctx: np.mean([o.kpis[("activity_maintained", "contract year 3")] for o in draws(ctx, 100)])  # noqa: E731
    assert p(without) > 0.95 and p(with_cases) < 0.05


@pytest.mark.slow
def test_p_met_is_calibrated_when_the_world_follows_the_model():
    # a world drawn independently of the code under test, as the module's model says: the
    # family-flow model's share improved, moved on the logit by a service level δ ~ N(0, 0.5²)
    # and a year's noise N(0, 0.2²). Year 2 is reported; P(met) for year 3 (target 60%) must
    # match how often year 3 meets it, and beat the plan alone (the prior) on the Brier score.
    from simulate.stress import scenario_data
    from simulate.stress.families import draw_families
    from simulate.stress.mechanisms.kpi import PIPELINE, kpi_values

    sc = with_thresholds(targeted_improved=0.6)
    fp, _ = PIPELINE.compile(scenario_data(sc))
    logit = lambda p: np.log(p / (1 - p))                  # noqa: E731
    expit = lambda z: 1 / (1 + np.exp(-z))                 # noqa: E731
    rng = np.random.default_rng(20261202)
    prior = K.prepare(sc, {"kpi_results.csv": results([])}, dt.date(2019, 6, 30))
    p_prior = np.mean([o.kpis[("targeted_improved", "contract year 3")] for o in draws(prior, 200)])
    predicted, happened = [], []
    for trial in range(60):
        delta = rng.normal(0, 0.5)
        y2 = kpi_values(draw_families(fp, rng), fp.months)["share_improved"][1]
        y3 = kpi_values(draw_families(fp, rng), fp.months)["share_improved"][2]
        reported = float(expit(logit(y2) + delta + rng.normal(0, 0.2)))
        ctx = K.prepare(sc, {"kpi_results.csv": results([2], improved=reported)}, dt.date(2019, 6, 30))
        predicted.append(np.mean([o.kpis[("targeted_improved", "contract year 3")] for o in draws(ctx, 100, seed=trial)]))
        happened.append(float(expit(logit(y3) + delta + rng.normal(0, 0.2)) >= 0.6))
    predicted, happened = np.array(predicted), np.array(happened)
    sd = np.sqrt(np.sum(predicted * (1 - predicted)))
    assert abs(predicted.sum() - happened.sum()) < 3 * sd + 1
    assert np.mean((predicted - happened) ** 2) < np.mean((p_prior - happened) ** 2)
