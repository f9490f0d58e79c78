"""The investor stress report's words and tables, on small hand-made reports (values worked by hand)."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd
import pytest

from cusp import stress_charts as charts
from cusp import stress_report as sr
from cusp.stress_labels import figure_label, figure_value, input_label, input_value


@pytest.mark.parametrize("key, text", [
    ("provider_net_p5_gbp", "Provider's net over the contract, 5th percentile (£)"),
    ("irr_median", "Investor's IRR, median (% a year)"),
    ("p_provider_loss", "Chance the provider loses money (%)"),
    ("p_loss", "Chance of a loss (%)"),
    ("families_turned_away_mean", "Families turned away, mean (number)"),
    ("savings_pv_mean_gbp", "Savings from care avoided, present value, mean (£)"),
])
def test_figure_keys_read_as_phrases_with_units(key, text):
    assert figure_label(key) == text


@pytest.mark.parametrize("key, value, text", [
    ("irr_p5", -0.24, "-24.0%"), ("money_multiple_median", 1.3214, "1.32"), ("provider_net_median_gbp", 16505570.4, "£16,505,570"),
    ("draws", 16.0, "16"), ("utilisation_mean_share", 0.9071, "90.7%"),
])
def test_figures_are_formatted_by_their_kind(key, value, text):
    assert figure_value(key, value) == text


def test_parameter_paths_read_as_words_with_units():
    assert input_label("referrals.volume_multiplier") == "referral volume (× plan)"
    assert input_label("outcomes.care.diversion_10_15.hazard_after_support_per_year") == \
        "care-entry rate after support, diversion, aged 10–15 (a year)"
    assert input_value("workforce.vacancy_rate", 0.0298) == "3.0%"
    assert input_value("referrals.volume_multiplier", 1.2) == "1.20 × plan"
    assert input_value("effect:care_hazard_multiplier", float("nan")) == "–"


def test_sections_are_the_notebooks_level_two_headings(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "source": ["# Title\n", "## 1. Base case\n", "text"]},
                    {"cell_type": "code", "source": "## not a heading"},
                    {"cell_type": "markdown", "source": "### sub\n## 2. Reforecast"}]}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb))
    assert sr.sections(path) == ["1. Base case", "2. Reforecast"]


def _provider_report() -> SimpleNamespace:
    """A provider paid by results: four draws with nets -100, 50, 200 and 300 (£); one loses money."""
    table = pd.DataFrame({"provider_net_gbp": [-100.0, 50.0, 200.0, 300.0], "provider_loss": [True, False, False, False]})
    tornado = pd.DataFrame({"input": ["workforce.vacancy_rate"], "low": [0.0], "high": [0.2], "output_low": [-2000.0],
                            "output_high": [3000.0], "base": [500.0], "swing": [5000.0]})
    tornado.attrs["output"] = "pooled_net_gbp"
    reverse = pd.DataFrame({"question": ["q"], "description": ["Vacancy rate at which the provider breaks even"],
                            "parameter": ["workforce.vacancy_rate"], "status": ["found"], "value": [0.0298],
                            "out_of_care_rate": [float("nan")]})
    years = pd.DataFrame({"envelope": ["ECC", "West CCG"], "contract_year": [1, 1], "weight_met": [0.3, float("nan")],
                          "value": [34_200_000.0, 1_500_000.0], "withheld": [1_197_000.0, 0.0]})
    by_year = pd.DataFrame({1: [34_200_000.0, 836_491.8], 2: [32_490_000.0, 237_991.8]},
                           index=pd.MultiIndex.from_tuples([("ecc", "provider", "instalment"),
                                                            ("provider", "ecc", "gain_share_returned")],
                                                           names=["payer", "payee", "flow_type"]))
    fan = pd.DataFrame({"month": [0, 1, 2, 3], "q05": [-300.0, -500.0, -400.0, -100.0], "q25": [-200.0, -300.0, -100.0, 0.0],
                        "q50": [-100.0, -250.0, 20.0, 125.0], "q75": [0.0, -100.0, 100.0, 250.0], "q95": [50.0, 0.0, 200.0, 300.0]})
    return SimpleNamespace(kind="payment_by_results", risk_bearer="provider", run=SimpleNamespace(table=table),
                           base={"pooled_net_gbp": -60.0, "provider_income_gbp": 3000.0, "provider_costs_gbp": 3060.0},
                           tornado=tornado, sobol=pd.DataFrame(), reverse=reverse, years=years, by_year=by_year, fan=fan)


def test_summary_says_who_carries_the_risk_the_chance_of_a_loss_the_bad_case_and_the_break_even():
    sc = SimpleNamespace(service=SimpleNamespace(name="S", local_authority="LA"),
                         horizon=SimpleNamespace(start_date=dt.date(2022, 4, 1), total_months=42))
    points, missed, figures = sr.summary_points(sc, _provider_report(), draws=4, seed=1)
    assert missed == ["In the base case the provider loses £60 over the contract."]
    assert points[0] == "Under this payment-by-results contract the provider carries the risk."
    assert "loses money in 25.0% of them" in points[2]                           # 1 draw of 4
    # 5th percentile of (-100, 50, 200, 300), linear interpolation: -100 + 0.15 * 150 = -77.5 → -£77.50
    assert points[3] == "In a bad case (1 draw in 20 ends worse) the provider's net is -£77.50."
    assert points[4].startswith("What moves the result most is the staff vacancy rate: from 0.0% to 20.0% it moves the net "
                                "over the contract from -£2,000 to £3,000")
    assert points[5] == "Vacancy rate at which the provider breaks even: 3.0%."
    assert ("Chance the provider loses money", "25.0%") in figures
    assert not any("_" in p or "vacancy_rate" in p for p in points + missed)


def test_each_envelope_gets_its_own_table_with_units_and_no_empty_column():
    (c1, ecc), (c2, west) = sr.years_tables(_provider_report())
    assert c1.startswith("ECC envelope") and c2.startswith("West CCG envelope")
    assert list(ecc.columns) == ["Contract year", "KPI weight met (%)", "Envelope value (£)", "Withheld (£)"]
    assert ecc.iloc[0].tolist() == ["1", "30.0%", "£34,200,000", "£1,197,000"]
    assert "KPI weight met (%)" not in west.columns                              # never at risk: no value in any year


def test_ledger_names_payer_and_payee_and_shows_millions_in_thousands():
    ledger, unit = sr.ledger_table(_provider_report())
    assert unit == "£ thousand"
    assert ledger["Flow"].tolist() == ["ECC to provider: instalments", "Provider to ECC: gain share returned"]
    assert ledger.iloc[0].tolist()[1:] == ["34,200", "32,490"] and ledger.iloc[1].tolist()[1:] == ["836", "238"]


def test_wide_tables_are_split_keeping_the_row_label():
    frame = pd.DataFrame({"Stress": ["a"], **{f"c{i}": [str(i)] for i in range(9)}})
    parts = sr._split(frame, ["Stress"])
    assert [list(p.columns) for p in parts] == [["Stress", "c0", "c1", "c2", "c3", "c4"], ["Stress", "c5", "c6", "c7", "c8"]]


def test_stress_names_read_in_words():
    assert sr._stress_name("referrals_30pct_below_plan") == "Referrals 30% below plan"
    assert sr._stress_name("ten_pct_at_risk") == "Ten per cent at risk"


def test_fan_alt_text_is_written_from_the_band():
    import matplotlib

    matplotlib.use("Agg")
    fig, alt = charts.fan_chart(_provider_report(), dt.date(2022, 4, 1))
    # median lowest -250 in month 1, back above zero in month 2, ends at 125; 5th percentile lowest -500 in month 1
    assert ("The median reaches its lowest, -£250, in month 1 and ends at £125; the 5th percentile reaches -£500 in month 1; "
            "the median is back above zero in month 2.") in alt
    assert fig.axes[0].get_ylabel() == "cumulative cash (£)"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["5th to 95th percentile", "25th to 75th percentile", "median"]


def test_bond_summary_reads_irr_and_multiple_with_their_spread_over_the_draws():
    """Five draws: multiples 0.5, 0.9, 1.2, 1.5, 2.0; IRR defined in four (-10%, 2%, 6%, 10%); two lose money."""
    table = pd.DataFrame({"money_multiple": [0.5, 0.9, 1.2, 1.5, 2.0], "irr": [float("nan"), -0.10, 0.02, 0.06, 0.10],
                          "irr_status": ["no_sign_change", "ok", "ok", "ok", "ok"], "investor_loss": [True, True, False, False, False]})
    tornado = pd.DataFrame(columns=["input", "low", "high", "output_low", "output_high", "base", "swing"])
    tornado.attrs["output"] = "pooled_multiple"
    report = SimpleNamespace(kind="sib_edge_of_care", risk_bearer="investor", run=SimpleNamespace(table=table),
                             base={"pooled_irr": 0.044, "pooled_irr_status": "ok", "pooled_multiple": 0.96,
                                   "capital_committed_gbp": 1_500_000.0},
                             tornado=tornado, sobol=pd.DataFrame(), reverse=pd.DataFrame(columns=["description", "parameter", "status", "value"]))
    sc = SimpleNamespace(service=SimpleNamespace(name="Bond", local_authority="LA"),
                         horizon=SimpleNamespace(start_date=dt.date(2019, 9, 1), total_months=84))
    points, missed, figures = sr.summary_points(sc, report, draws=5, seed=1)
    assert points[0] == "Under this social impact bond the investor carries the risk."
    assert points[1] == ("Base case (the scenario's own values): the investor's IRR is 4.4% a year and its money multiple 0.96 "
                         "on capital committed of £1,500,000.")
    assert missed == ["In the base case the investor gets back only 0.96 times its capital."]
    assert "loses money in 40.0% of them" in points[2]
    # 5th percentiles: multiples 0.5 + 0.2 * 0.4 = 0.58; defined IRRs -0.10 + 0.15 * 0.12 = -0.082
    assert points[3] == "In a bad case (1 draw in 20 ends worse) the money multiple is 0.58 and the IRR -8.2% a year."
    shown = dict(figures)
    # 95th percentiles: 1.5 + 0.8 * 0.5 = 1.90; 0.06 + 0.85 * 0.04 = 0.094
    assert shown["Investor's money multiple, over the draws"] == "median 1.20 (90% of draws between 0.58 and 1.90)"
    assert shown["Investor's IRR, over the draws"] == "median 4.0% (90% of draws between -8.2% and 9.4%)"
