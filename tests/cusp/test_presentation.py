"""The presentation layer, as worked examples: labels, number formats, tables, summary, charts."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cusp import console
from cusp import presentation as pr
from evaluation.disclosure import disclose


@pytest.mark.parametrize("key, expected", [
    ("diversion_10_15", "Diversion, aged 10–15"),
    ("reunification_5_9", "Reunification, aged 5–9"),
    ("cyp_4_25", "Children and young people, aged 4–25"),
    ("ci_low", "95% CI, lower"),
    ("ci_high", "95% CI, upper"),
    ("life_chances_fund", "Life Chances Fund"),
    ("cost_gbp_per_year", "Cost (£ a year)"),
    ("some_new_key", "Some new key"),
    ("Burnley", "Burnley"),
])
def test_labels_read_as_words(key, expected):
    assert pr.label(key) == expected


def test_console_and_reports_share_one_label_dictionary():
    assert console.LABELS is pr.LABELS
    assert console.metric_label("mean_wait_to_start_working_days") == "mean wait to start (working days)"


@pytest.mark.parametrize("value, text", [
    (124641.0, "£124,641"),        # no pence when they do not matter
    (2500000.0, "£2,500,000"),
    (12.5, "£12.50"),              # a small amount with pence keeps them
    (-74599.99999999999, "-£74,600"),
    (float("nan"), "–"),
    (None, "–"),
])
def test_pounds(value, text):
    assert pr.gbp(value) == text


def test_shares_counts_and_percentage_points():
    assert pr.pct(0.584) == "58.4%"
    assert pr.pct(0.0739) == "7.4%"
    assert pr.count(1341.0) == "1,341"
    assert pr.count("*") == "*"
    assert pr.pp(-0.032) == "-3.2 pp"   # 5.0% - 8.2% = -3.2 percentage points
    assert pr.interval(0.584, 0.521, 0.640, "share") == "58.4% (95% interval 52.1% to 64.0%)"


def test_table_has_no_index_column_and_no_raw_values():
    df = pd.DataFrame({"sub_cohort": ["diversion_10_15", "cyp_4_25"], "referrals_per_year": [40.0, np.nan],
                       "cost_gbp_per_year": [41234.5, 1e6]})
    html = pr.table(df, "Cohorts").data
    assert "cusp-table" in html and "Diversion, aged 10–15" in html and "£1,000,000" in html and "£41,234" in html
    assert "NaN" not in html and "nan" not in html and "e+0" not in html and "sub_cohort" not in html
    assert not re.search(r"<th[^>]*>\s*0\s*</th>", html)  # no 0..n index


def test_disclosed_table_keeps_gate_classes_without_a_footnote_each():
    t = disclose(pd.DataFrame({"diversion_10_15": [12, 3], "reunification_5_9": [20, 25]}, index=pd.Index(["paid", "stopped"], name="status")), "nhs-digital")
    html = pr.disclosed(t, "Cases").data
    assert 'class="cusp-disclosed"' in html and 'class="count"' in html
    assert "Diversion, aged 10–15" in html and "cusp-policy" not in html
    assert "NHS" in pr.footnote("nhs-digital").data or "rounded" in pr.footnote("nhs-digital").data


def test_summary_first_with_missed_targets_and_synthetic_notice():
    html = pr.summary("Summary", ["£1,200 due"], missed=["Children not in care: 58.4% against at least 75%"], synthetic=True).data
    assert html.index('id="summary"') < html.index("58.4%") < html.index("£1,200")
    assert "synthetic data" in html and 'class="missed"' in html
    toc = pr.contents(["How long is the waiting list?"]).data
    assert 'href="#How-long-is-the-waiting-list?"' in toc


def test_bar_marks_suppressed_and_writes_alt_from_the_data():
    values = pd.Series([165.0, np.nan, 145.0], index=["Burnley", "Pendle", "Preston"])
    fig, alt = pr.bar(values, title="Children by area", ylabel="children (rounded to 5)")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches if p.get_visible() and p.get_facecolor()[3] > 0]
    assert heights == [165.0, 145.0]          # no bar of zero for Pendle
    assert any(p.get_hatch() == "//" for p in ax.patches)
    assert "suppressed" in [t.get_text() for t in ax.texts]
    assert alt == "Bar chart: Children by area (children (rounded to 5)). Burnley 165; Pendle suppressed; Preston 145."
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["suppressed (small count)"]
    html = pr.figure_html(fig, alt)
    assert 'alt="Bar chart: Children by area' in html


def test_legend_lists_only_what_is_drawn():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2], label="median")
    ax.plot([], [], label="never drawn")
    pr.tidy_legend(ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["median"]
    plt.close(fig)


def test_named_figures_are_formatted_by_their_names():
    import pandas as pd

    from cusp import presentation as pr
    from simulate.stress.mechanisms.base import fmt_money

    assert [pr.figure_kind(n) for n in ("provider_net_p5_gbp", "p_provider_loss", "draws", "utilisation_mean")] == \
        ["gbp", "share", "count", "number"]
    html = pr.figures(pd.DataFrame({"metric": ["provider_net_p5_gbp", "p_provider_loss"], "value": [-342840.8, 0.41]})).data
    assert "41.0%" in html and "342,841" in html and "_gbp" not in html and "p_provider_loss" not in html
    assert pr.table(None).data == ""                       # a section the contract does not have
    assert fmt_money(-62260.4) == "−£62,260" and fmt_money(62260.4) == "£62,260"


def test_contents_number_headings_once():
    from cusp.presentation.tables import contents

    own = contents(["1. Base case", "2. Named stresses"]).data
    assert "<ol>" not in own and "1. Base case</a>" in own            # the headings' own numbers only
    plain = contents(["Summary of payments", "Caps"]).data
    assert "<ol>" in plain                                             # unnumbered headings: the list numbers them
