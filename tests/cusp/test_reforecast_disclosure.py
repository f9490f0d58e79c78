"""Disclosure control of a reforecast's files, by hand (cusp/reforecast_disclosure.py)."""

from __future__ import annotations


import pandas as pd

from cusp.reforecast_disclosure import calibration_table, planned_achieved_forecast, published_counts, summary
from evaluation.disclosure import get_policy


class _Cal:
    """Four sub-cohorts: 53, 60, 5 and 6 children; a posterior column and no published_table."""

    def table(self):
        return [{"sub_cohort": s, "engaged_so_far": n, "posterior_rate": float(n) / 10} for s, n in
                (("a", 53), ("b", 60), ("c", 5), ("d", 6))]


def test_dfe_hides_a_second_cell_so_the_small_one_does_not_follow_from_the_total():
    # dfe: 1-5 suppressed, no rounding, secondary suppression. Total 124 is published, so
    # c = 124 - 53 - 60 - d: d must go too.
    cells, total = published_counts(_Cal(), get_policy("dfe"))["engaged_so_far"]
    assert cells == [53, 60, None, None] and total == 124


def test_nhs_digital_rounds_and_blanks_posteriors_it_cannot_recompute():
    pol = get_policy("nhs-digital")
    t = calibration_table(_Cal(), pol)
    # 53 -> 55, 60 -> 60, 5 and 6 -> *; a rounding policy without published_table: every
    # posterior column blank (it would give back the unrounded count)
    assert t["engaged_so_far"].tolist() == [55, 60, "*", "*"]
    assert t["posterior_rate"].tolist() == ["*"] * 4


def test_summary_and_planned_achieved_forecast_publish_the_table_total():
    pol = get_policy("nhs-digital")
    counts = published_counts(_Cal(), pol)
    exact = {"cases_to_date": 124, "children_referred_to_date": 124, "calibration_totals": {"engaged_so_far": 124},
             "draws": 10, "seed": 1, "new_cases": {"mean": 26.5, "p5": 16.0, "p50": 26.0, "p95": 37.0}, "figures": [{"name": "n", "kind": "count", "mean": 131.0, "p5": 127.0, "p50": 131.0, "p95": 133.0}]}
    pub = summary(exact, pol, {"children_referred_to_date": ("cases_to_date", "key")}, counts)
    assert pub["cases_to_date"] == pub["children_referred_to_date"] == 125
    assert pub["calibration_totals"] == {"engaged_so_far": 125}
    f = pub["figures"][0]
    assert (f["mean"], f["p5"], f["p50"], f["p95"]) == (130.0, 125.0, 130.0, 135.0)   # to the nearest 5
    assert pub["disclosure"]["not_counts"] == ["draws", "seed"]
    assert pub["new_cases"] == {"mean": 25.0, "p5": 15.0, "p50": 25.0, "p95": 35.0}
    paf = pd.DataFrame({"metric": ["children engaged"], "unit": ["children"], "planned": [200.0], "achieved_to_date": [124.0],
                        "forecast_mean": [150.5], "forecast_p5": [140.0], "forecast_p50": [150.0], "forecast_p95": [161.0]})
    out = planned_achieved_forecast(paf, 124, 125, pol)
    # published count + the modelled cases still to come (26.5 on average, 37 at the 95th
    # percentile): 151.5 and 162, rounded to 5 like the count
    assert out.loc[0, ["achieved_to_date", "forecast_mean", "forecast_p95"]].tolist() == [125, 150.0, 160.0]
    hidden = planned_achieved_forecast(paf, 124, "*", pol)
    assert hidden.loc[0, ["achieved_to_date", "forecast_mean"]].tolist() == ["*", "*"]


def test_a_count_column_with_a_blank_goes_cell_by_cell():
    class Blank:
        def table(self):
            return [{"referrals_so_far": 12}, {"referrals_so_far": float("nan")}, {"referrals_so_far": 3}]

    cells, total = published_counts(Blank(), get_policy("nhs-digital"))["referrals_so_far"]
    assert cells == [10, None, None] and total is None
