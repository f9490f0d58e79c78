"""Extracts reach the KPI registry through cusp.kpi_extracts: worked examples of the conversion and of
how the report publishes a share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cusp import evaluation_report as er
from cusp import kpi_extracts as ke
from cusp.presentation import disclosure as dc


def _referrals() -> pd.DataFrame:
    d = pd.Timestamp
    return pd.DataFrame({
        "case_id": ["R1", "R2", "R3"], "child_id": ["C1", "C2", "C3"], "family_id": ["F1", "F2", "F3"],
        "district": ["north", "south", "north"], "referral_date": [d("2025-01-06")] * 3, "accepted": [True, True, False],
        "first_contact_date": [d("2025-01-07"), d("2025-01-08"), pd.NaT], "assessment_date": [d("2025-01-10"), pd.NaT, pd.NaT],
        "start_date": [d("2025-01-20"), pd.NaT, pd.NaT], "end_date": [d("2025-05-01"), d("2025-02-01"), pd.NaT],
        "end_reason": ["stepped_down", "disengaged", None],
        "exit_strategy": pd.array([True, pd.NA, pd.NA], dtype="boolean"),
    })


def test_case_frame_reads_exit_routes_and_recorded_flags():
    f = ke.case_frame(_referrals())
    # stepped_down is the registry's step_down; an end without a start is no support episode
    assert f["exit_route"].tolist() == ["step_down", "", ""]
    assert f["end_date"].isna().tolist() == [False, True, True]
    assert f["exit_strategy"].tolist()[0] == 1.0 and np.isnan(f["exit_strategy"].tolist()[1])
    assert f["contact_date"].tolist()[1] == pd.Timestamp("2025-01-08")


def test_a_kpi_needing_an_absent_file_or_column_says_so():
    frames = {"referrals.csv": _referrals()}
    assert er.kpi_status("reviews", frames) == "needs plan_reviews.csv (not supplied)"
    assert er.kpi_status("share_positive_feedback", frames) == "needs column feedback_positive in referrals.csv (not supplied)"
    assert er.kpi_status("share_exit_strategy", frames) == ""
    assert er.kpi_status("coverage_within_window", frames).startswith("needs the universal contacts")


def test_a_share_is_worked_out_from_rounded_counts_and_guarded_on_both_sides():
    # 68 of 76 improved: published as 70 of 75 (nearest 5) = 93.3%; the 8 not improved are not small,
    # but the 5 a reader would work out from the rounded counts are, so the share is suppressed
    kpis = pd.DataFrame({"metric": "m", "period": "quarter", "label": ["Q1", "Q2"], "district": "all",
                         "numerator": [68.0, 40.0], "denominator": [76.0, 60.0], "value": [68 / 76, 40 / 60]})
    t = er.long_share_table(kpis, "m", round_to=5)
    assert t["value"].tolist() == [70 / 75, 40 / 60]
    assert t["rest"].tolist() == [8.0, 20.0] and t["rest shown"].tolist() == [5.0, 20.0]
    shown = dc.kpi_table(t, "nhs-digital", guards=er.SHARE_GUARDS, derived=["value"], formats={"value": "pct"},
                         hide=er.SHARE_HIDDEN)
    assert shown.display["value"].tolist() == ["*", "66.7%"]
    assert list(shown.display.columns) == ["value", "out of"]
