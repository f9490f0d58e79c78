"""P(KPI met) for the periods still to come: the known past joined to the flow model's future.

The 000 preset (lancs-ehwb-000) starts 2022-04-01 with 36 referral months; contract year 2 is
2023-04-01 to 2024-03-31; its targets include families_supported (families_started >= 1,341 a
contract year) and start_within_4_weeks (share_started_within_target >= 90% a quarter).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulate.flow.model import calendar_for
from simulate.flow.metrics import kpi_params
from simulate.kpis import evaluate, make_windows
from simulate.kpis.windows import Windows
from simulate.reforecast.errors import ReforecastError
from simulate.reforecast.kpis import COLUMNS, Prepared, joined_table, known_cases, kpi_probabilities, months_until
from simulate.scenario import load_scenario
from simulate.scenario.overrides import with_overrides

BASE = load_scenario("lancs-ehwb-000")
AS_OF = dt.date(2023, 6, 30)          # the last day of Y2Q1


def referrals() -> pd.DataFrame:
    """4 families closed, 2 open, 3 waiting, 1 rejected on 2023-06-30; one referral after it."""
    rows = []

    def ref(i, referral, start=None, end=None, reason=None, accepted=True):
        D = pd.Timestamp
        rows.append({"case_id": f"R{i}", "child_id": f"C{i}", "family_id": f"F{i}", "district": "Burnley", "referral_date": D(referral),
                     "accepted": accepted, "first_contact_date": D(referral), "assessment_date": D(referral),
                     "start_date": D(start) if start else pd.NaT, "end_date": D(end) if end else pd.NaT, "end_reason": reason})

    for i in range(4):
        ref(i, "2023-04-03", "2023-04-10", "2023-06-01", "completed")
    for i in range(4, 6):
        ref(i, "2023-05-01", "2023-05-10", "2023-08-01", "completed")   # ends after the as-of day: open then
    for i in range(6, 9):
        ref(i, "2023-06-20")
    ref(9, "2023-06-25", accepted=False)
    ref(10, "2023-07-05", "2023-07-06")
    return pd.DataFrame(rows)


def test_known_cases_reads_the_extract_as_of_the_day():
    k = known_cases(referrals(), AS_OF)
    assert k["state"].tolist() == ["closed"] * 4 + ["open"] * 2 + ["waiting"] * 3 + ["rejected"]
    # the open families' end (2023-08-01) had not happened: blank, no exit route yet
    assert k.loc[4:5, "end_date"].isna().all() and (k.loc[4:5, "exit_route"] == "").all()
    assert (k.loc[:3, "exit_route"] == "completed").all()


def test_months_until():
    assert months_until(dt.date(2023, 7, 1), dt.date(2025, 4, 1)) == 21
    assert months_until(dt.date(2023, 7, 15), dt.date(2025, 4, 1)) == 21     # 2025-04-15 reaches it, 2025-03-15 does not
    assert months_until(dt.date(2025, 5, 1), dt.date(2025, 4, 1)) == 0


def test_a_straddling_year_counts_the_known_starts_and_the_simulated_rest():
    # no new referrals, staff for everyone, families who never give up: the three waiting
    # families start the day after the as-of day. Year 2's families started = 4 closed + 2 open
    # (known) + 3 from the list = 9.
    sc = with_overrides(BASE, {"workforce.pooled_fte": 2400, "referrals.volume_multiplier": 0.0, "triage.patience_days": None})
    df = kpi_probabilities(sc, {"referrals.csv": referrals()}, AS_OF, replications=3, seed=1)
    assert list(df.columns) == COLUMNS
    fam = df[df["kpi"] == "families_supported"].set_index("period")
    assert (fam["replications"] == 3).all()
    assert fam.loc["Y2", "straddles"] and fam.loc["Y2", "mean_value"] == 9.0 and fam.loc["Y2", "observed_to_date"] == 6.0
    assert fam.loc["Y2", "p_met"] == 0.0 and fam.loc["Y2", "target"] == ">= 1,341 families"
    assert fam.loc["Y3", "mean_value"] == 0.0 and np.isnan(fam.loc["Y3", "observed_to_date"])
    # Y1 and Y2Q1 ended on or before the as-of day: not reported
    assert "Y1" not in fam.index and "Y2Q1" not in set(df["period"])
    assert fam.loc["Y2", "period_start"] == dt.date(2023, 4, 1) and fam.loc["Y2", "period_end"] == dt.date(2024, 3, 31)


def test_the_join_keeps_the_past_exactly():
    sc = BASE
    p = Prepared(sc, {"referrals.csv": referrals()}, AS_OF)
    table, _ = joined_table(p, seed=3, replication=0)
    assert len(table) > len(p.table)        # new referrals after the as-of day
    w = make_windows("month", p.origin, p.origin, sc.horizon.contract_end)
    cut = Windows(w.kind, w.lo, np.minimum(w.hi, p.day + 1), w.row, w.labels, w.complete)
    cal = calendar_for(p.origin, sc.horizon.contract_end)
    n_days = (sc.horizon.contract_end - p.origin).days
    names = ["referrals", "families_started", "families_worked_with", "share_started_within_target"]
    past = evaluate(p.table, cut, cal, kpi_params(sc), n_days, names)
    joined = evaluate(table, cut, cal, kpi_params(sc), n_days, names)
    months = slice(0, 15)                    # April 2022 to June 2023
    for name in names:
        np.testing.assert_array_equal(joined[name].value[months], past[name].value[months], err_msg=name)
    assert past["families_started"].value[12:15, -1].tolist() == [4.0, 2.0, 0.0]   # April, May, June 2023


def test_staff_for_everyone_meets_the_wait_target_and_one_place_misses_it():
    data = {"referrals.csv": referrals()}
    rich = kpi_probabilities(with_overrides(BASE, {"workforce.pooled_fte": 2400}), data, AS_OF, replications=4, seed=2)
    # 0.1 FTE is one caseload place, already held by the two open families (over capacity)
    poor = kpi_probabilities(with_overrides(BASE, {"workforce.pooled_fte": 0.1}), data, AS_OF, replications=4, seed=2)
    pick = lambda df: df[(df["kpi"] == "start_within_4_weeks") & (df["replications"] > 0)].set_index("period")["p_met"]  # noqa: E731
    r, q = pick(rich), pick(poor)
    assert len(r) >= 8 and (r == 1.0).all()
    assert len(q) >= 8 and (q == 0.0).all()


def test_same_seed_same_table_whatever_the_workers():
    data = {"referrals.csv": referrals()}
    a = kpi_probabilities(BASE, data, AS_OF, replications=4, seed=5, jobs=1)
    b = kpi_probabilities(BASE, data, AS_OF, replications=4, seed=5, jobs=2)
    pd.testing.assert_frame_equal(a, b)
    c = kpi_probabilities(BASE, data, AS_OF, replications=4, seed=6)
    assert not np.allclose(a["mean_value"].fillna(-1), c["mean_value"].fillna(-1))


def test_no_extract_starts_empty_and_a_day_outside_the_contract_is_an_error():
    df = kpi_probabilities(BASE, {}, AS_OF, replications=2, seed=1)
    assert len(df) and df["observed_to_date"].isna().all()   # nothing known: no observed part
    with pytest.raises(ReforecastError, match="--as-of"):
        kpi_probabilities(BASE, {}, dt.date(2030, 1, 1), replications=2, seed=1)


def test_a_family_long_past_its_patience_leaves_the_list():
    # the same, with the scenario's 90-day patience counted from each referral: three families
    # referred two years before the as-of day leave at once (P(still waiting) = e^(-730/90) < 0.1%)
    data = referrals()
    data.loc[6:8, ["referral_date", "first_contact_date", "assessment_date"]] = pd.Timestamp("2021-06-30")
    sc = with_overrides(BASE, {"workforce.pooled_fte": 2400, "referrals.volume_multiplier": 0.0})
    df = kpi_probabilities(sc, {"referrals.csv": data}, AS_OF, replications=3, seed=1)
    fam = df[df["kpi"] == "families_supported"].set_index("period")
    assert fam.loc["Y2", "mean_value"] == 6.0


def test_assessment_rows_join_the_known_scores():
    # as of 2023-06-15, Y2Q1 straddles. The four closed families have family self-assessments
    # (four areas) followed up on 2023-06-01: three improved in every area, one in three of four.
    as_of = dt.date(2023, 6, 15)
    rows = []
    for case in range(4):
        for a in range(4):
            gain = 0 if (case == 3 and a == 0) else 2
            rows.append({"case": case, "tool": "cfw_radar", "area": f"spoke_{a}", "respondent": "family", "baseline": 4.0,
                         "follow_up": 4.0 + gain, "follow_up_date": pd.Timestamp("2023-06-01"), "higher_is_better": True,
                         "min_score": 1.0, "max_score": 10.0})
    scores = pd.DataFrame(rows)
    data = {"referrals.csv": referrals()}
    joined = kpi_probabilities(BASE, data, as_of, replications=2, seed=1, assessment_rows=scores)
    plain = kpi_probabilities(BASE, data, as_of, replications=2, seed=1)
    pick = lambda df: df[(df["kpi"] == "families_improved_all_areas") & (df["period"] == "Y2Q1")].iloc[0]  # noqa: E731
    assert pick(joined)["observed_to_date"] == 0.75
    assert np.isnan(pick(plain)["observed_to_date"])
    # a follow-up after the as-of day had not happened
    late = scores.assign(follow_up_date=pd.Timestamp("2023-06-20"))
    assert np.isnan(pick(kpi_probabilities(BASE, data, as_of, replications=1, seed=1, assessment_rows=late))["observed_to_date"])


@pytest.mark.parametrize("preset", ["lancs-ehwb-000", "lancs-young-carers-003"])
def test_the_day_before_the_start_is_capacity_run_exactly(preset):
    # nothing known yet: the join is the flow model's own run, so every period's P(met) and
    # mean value are those of `cusp capacity run` (run_replications(...).target_probabilities())
    # with the same seed (rows without a value in any replication are absent there)
    from simulate.flow.runner import run_replications

    sc = load_scenario(preset)
    ours = kpi_probabilities(sc, {}, sc.horizon.start_date - dt.timedelta(days=1), replications=3, seed=3)
    flow = run_replications(sc, 3, 3).target_probabilities()
    m = ours[ours["replications"] > 0].merge(flow, left_on=["kpi", "period"], right_on=["target", "label"], suffixes=("", "_flow"))
    assert len(m) == (ours["replications"] > 0).sum() > 10
    np.testing.assert_array_equal(m["p_met"], m["probability"])
    np.testing.assert_allclose(m["mean_value"], m["mean_value_flow"], rtol=1e-12)
