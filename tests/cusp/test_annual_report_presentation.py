"""The annual evaluation's presentation: formats, the summary a board reads first, charts' alt text,
labels of covariates and targets. Worked by hand on small tables; no render."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cusp import evaluation_report as er
from cusp import presentation as pr
from cusp.presentation import disclosure as dc
from cusp.presentation import evaluation as ev
from evaluation.disclosure import DisclosedTable, get_policy
from simulate.scenario import load_scenario

NAN = np.nan


def test_risk_differences_read_in_percentage_points_and_a_column_format_wins_over_the_row_format():
    df = pd.DataFrame({"estimate": [-0.107, 0.743], "max": [0.0541, 0.0541], "n": [100, 100], "format": ["pp", "2"]},
                      index=pd.Index(["risk difference", "risk ratio"], name="measure"))
    t = dc.kpi_table(df, "nhs-digital", guards=[(None, "n")], derived=["estimate", "max"], formats={"max": "3"})
    assert t.display["estimate"].tolist() == ["-10.7 pp", "0.74"]
    assert t.display["max"].tolist() == ["0.054", "0.054"]


def test_a_table_repeating_its_row_names_shows_each_row_with_its_own_suppression():
    pol = get_policy("nhs-digital")
    idx = pd.Index(["Start within target", "Start within target"], name="KPI")
    frame = lambda col: pd.DataFrame({"value": col}, index=idx)  # noqa: E731
    t = DisclosedTable(frame(["71.4%", "*"]), frame([0.714, NAN]), frame([False, True]), frame([False, True]), pol)
    html = pr.disclosed(t).data
    assert html.count("<tr><th>Start within target</th>") == 2
    assert '<td class="count">71.4%</td>' in html and '<td class="count">*</td>' in html


def _targets() -> DisclosedTable:
    # 324 of 520 out of care = 62.3%; referrals 135 in Y4 (met), 112 in Y5 (published 110, not met)
    df = pd.DataFrame({"window": ["on 29 Aug 2024", "Y4", "Y5"], "target": ["at least 75.0%", "at least 116", "at least 116"],
                       "value": [324 / 520, NAN, NAN], "ci_low": NAN, "ci_high": NAN, "count": [NAN, 135, 112],
                       "out of": [520, NAN, NAN], "result": ["not met", "met", "not met"], "format": "pct",
                       "met by": [324, NAN, NAN], "rest": [196, NAN, NAN], "rest shown": [195, NAN, NAN]},
                      index=pd.Index(["Children not in care", "Referrals on plan", "Referrals on plan"], name="KPI"))
    return dc.kpi_table(df, "nhs-digital", guards=er.TARGET_GUARDS, derived=["value", "ci_low", "ci_high"], hide=er.TARGET_HIDDEN)


def _flow(started: str) -> DisclosedTable:
    pol = get_policy("nhs-digital")
    idx = pd.Index(["children whose support started (evaluation cohort)"], name="stage")
    f = lambda col: pd.DataFrame({"served": col}, index=idx)  # noqa: E731
    return DisclosedTable(f([started]), f([float(started)]), f([False]), f([False]), pol)


def test_the_summary_puts_what_was_missed_first_and_the_money_due_from_published_amounts():
    due = pd.DataFrame({"children paid": [290, 5], "Commissioner (£)": [146384.5, 1000.0], "Life Chances Fund (£)": [53635.5, 500.0],
                        "total (£)": [200020.0, 1500.0]}, index=pd.Index(["Education", "Reading"], name="payment line"))
    money = ["Commissioner (£)", "Life Chances Fund (£)", "total (£)"]
    due_t = dc.kpi_table(due, "nhs-digital", guards=[(None, "children paid")], derived=money, formats={c: "gbp" for c in money})
    findings = "- **Who was served.** Support started for 520 children.\n- **Distance travelled.** 77% improved."
    points, missed, figures = ev.summary_points("Edge of care (Lancashire)", _flow("520"), _targets(), findings, due_t,
                                                money[:2], pd.Timestamp("2026-08-31"), reasons={"care": "no care episodes"},
                                                seed=1, policy="nhs-digital")
    assert missed == ["Children not in care: target at least 75.0% not met (62.3% on 29 Aug 2024).",
                      "Referrals on plan: target at least 116 not met in 1 of 2 windows (Y5 110)."]
    # Reading rests on 5 children: its £1,500 is suppressed and not in the total (half pounds round to even)
    assert points[0] == ("£200,020 is due under the contract to 31 August 2026: Commissioner £146,384, Life Chances Fund "
                         "£53,636 (published amounts; lines resting on few children are suppressed).")
    assert points[1:] == ["Who was served: Support started for 520 children.", "Distance travelled: 77% improved.",
                          "Not in this report: care (no care episodes)."]
    assert ("Payments due", "£200,020") in figures and ("Data", "to 31 August 2026; synthetic, seed 1") in figures


def test_a_forest_plot_marks_a_suppressed_estimate_and_draws_no_point_for_it():
    rows = pd.DataFrame({"estimate": [0.75, NAN], "ci_low": [0.62, NAN], "ci_high": [0.87, NAN]}, index=["friends", "keeping_safe"])
    fig, alt = ev.forest(rows, title="My Star by area", xlabel="points")
    assert alt == "Forest plot: My Star by area (points). Friends 0.75 (95% CI 0.62 to 0.87); Keeping safe suppressed."
    ax = fig.axes[0]
    assert len(ax.containers) == 1                                        # one error bar, none at 0 for the hidden row
    assert any(t.get_text() == "suppressed (small count)" for t in ax.texts)


def test_effects_figure_speaks_of_risk_differences_in_percentage_points():
    rows = pd.DataFrame({"measure": ["risk difference", "mean difference"], "estimate": [-0.107, 0.275],
                         "ci_low": [-0.162, 0.231], "ci_high": [-0.051, 0.320]},
                        index=["care within 12 months", "reading beyond forecast (years)"])
    _, alt = ev.effects_figure(rows)
    assert "Care within 12 months -10.7 percentage points (95% CI -16.2 to -5.1)" in alt
    assert "Reading beyond forecast (years) +0.28 years (95% CI 0.23 to 0.32)" in alt


def test_covariates_and_targets_read_as_words_with_units():
    assert ev.covariate_label("sub_cohort_diversion_10_15") == "Sub-cohort: Diversion, aged 10–15"
    assert ev.covariate_label("ethnicity_white") == "Ethnicity: White"
    assert ev.covariate_label("distance") == "Propensity score (log-odds)"
    targets = {t.name: t for t in load_scenario("hereford-mentoring-002").kpi_targets}
    assert er._target_words(targets["completed_within_26_weeks"]) == "at least 90.0%"  # a share, not 0.9 weeks
    assert er._target_words(targets["hours_delivered"]) == "at least 5,000"


def test_a_block_contract_has_no_outcome_payments_section_and_says_why():
    cohort = pd.DataFrame({"served": [1, 0], "sub_cohort": ["a", "a"], "care_event": [0, 0],
                           "absence_change": [NAN, NAN], "reading_gain": [NAN, NAN]})
    block = er.plan_sections(load_scenario("hereford-mentoring-002"), {}, cohort, pd.DataFrame())
    assert not block.payments and block.reasons["payments"] == "a block contract of £100,000 a year, not paid by outcomes"
    assert er.plan_sections(load_scenario("lancs-edge-of-care-004"), {}, cohort, pd.DataFrame()).payments
    assert ev.contents(block)[-2:] == ["Missing data and attrition", "Disclosure control applied"]


def test_the_kpi_reconciliation_is_summed_over_its_years_in_one_sentence():
    rec = pd.DataFrame({"total due (£)": [34_200_000.0, 1_500_000.0, 33_516_000.0], "withheld (£)": [0.0, 0.0, 684_000.0]},
                       index=["Year 1, Essex County Council", "Year 1, West Essex CCG", "Year 2, Essex County Council"])
    # 34,200,000 + 1,500,000 + 33,516,000 = 69,216,000 due; 684,000 withheld (year 2, 40% of the £1,710,000 at risk)
    assert er.reconciliation_point(rec) == ("KPI year-end reconciliation, contract years 1–2: £69,216,000 due, "
                                            "£684,000 withheld for KPIs missed.")


def test_a_love_plot_with_every_covariate_suppressed_says_so():
    empty = pd.DataFrame({"smd": []}, dtype=float)
    assert ev.love_alt(empty, empty, 19).endswith("no covariate is drawn, because the balance statistics of all 19 rest on small counts.")
    before = pd.DataFrame({"smd": [0.518, -0.1]}, index=["distance", "ethnicity_asian"])
    after = pd.DataFrame({"smd": [0.009, -0.054]}, index=["distance", "ethnicity_asian"])
    alt = ev.love_alt(before, after, 2)
    assert "largest is 0.518 (Propensity score (log-odds)); after matching the largest is 0.054 (Ethnicity: Asian); 0 above 0.1" in alt


def test_survival_curves_over_a_handful_of_children_are_not_put_into_words():
    import matplotlib.pyplot as plt

    km = pd.DataFrame({"time": [100.0, 500.0], "survival": [0.8, 0.4], "at_risk": [5.0, 4.0]})
    pol = get_policy("nhs-digital")
    idx = pd.Index(["served"], name="group")
    f = lambda v: pd.DataFrame([v], index=idx, columns=["day 0", "day 365"])  # noqa: E731
    small = DisclosedTable(f(["*", "*"]), f([NAN, NAN]), f([True, True]), f([True, True]), pol)
    _, alt = ev.km_figure({"served": km}, small, [0, 365])
    assert alt.endswith("so their values are not given.") and "80.0%" not in alt
    shown = DisclosedTable(f(["50", "40"]), f([50.0, 40.0]), f([False, False]), f([False, False]), pol)
    _, alt = ev.km_figure({"served": km}, shown, [0, 365])
    assert "Served: 80.0% at year 1; numbers at risk 50, 40." in alt  # survival after day 100's step, before day 500's
    plt.close("all")


def test_the_share_out_of_care_is_measured_on_the_data_end_date_and_labelled_with_it():
    sc = load_scenario("lancs-edge-of-care-004")
    d = pd.Timestamp
    referrals = pd.DataFrame({"referral_date": [d("2023-01-10"), d("2023-09-01"), d("2024-02-01"), d("2024-08-29")]})
    cohort = pd.DataFrame({"child_id": ["C1", "C2", "C3", "C4", "P1"], "served": [1, 1, 1, 1, 0]})
    # C1 in care since January 2024 (still there); C2's spell ended in 2023; C3's begins after the end date; P1 is not served
    episodes = pd.DataFrame({"child_id": ["C1", "C2", "C3", "P1"], "episode_type": "care",
                             "start_date": [d("2024-01-01"), d("2023-01-01"), d("2025-01-01"), d("2024-01-01")],
                             "end_date": [pd.NaT, d("2023-06-01"), pd.NaT, pd.NaT]})
    t = er.kpi_targets(sc, referrals, cohort, er.EMPTY_KPIS, episodes, d("2024-08-31"))
    row = t.loc["Children not in care"]
    assert (row["count"], row["out of"], row["value"]) == (3, 4, 0.75)      # 3 of 4 served children out of care
    assert row["result"] == "met" and row["target"] == "at least 75.0%" and row["window"] == "on 31 Aug 2024"
    # referrals in the 12 months to the latest (29 Aug 2024): 1 Sep 2023, 1 Feb 2024, 29 Aug 2024
    assert t.loc["Referrals on plan", "count"] == 3


def test_a_suppressed_count_reads_as_words_in_the_findings():
    from cusp.report_summary import _count_words

    assert _count_words("*") == "a small number of" and _count_words("c") == "a small number of"
    assert _count_words("520") == "520"


def test_breakdown_groups_read_as_words():
    from cusp.evaluation_report import _group_words

    assert _group_words(True) == "yes" and _group_words("False") == "no"     # a flag: refugee or asylum, rural
    assert _group_words(2.0) == "2" and _group_words("3.0") == "3"           # a need level read as a float
    assert _group_words("2027-Q2") == "2027-Q2"
