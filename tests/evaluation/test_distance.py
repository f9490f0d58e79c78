"""Pairing rules and distance-travelled KPIs, checked by hand on tiny extracts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.distance import (add_breakdown_columns, breakdowns, distance_travelled,
                                 pair_assessments)


def _row(pid, area, tp, date, score, tool="maca_yc18"):
    return dict(person_id=pid, tool=tool, area=area, timepoint=tp, assessment_date=date, score=score)


@pytest.fixture()
def extract():
    rows = [
        # A: baseline before start, a later reading after end (ignored), the last within end used
        _row("A", "domestic", "baseline", "2024-01-01", 5),
        _row("A", "domestic", "six_month", "2024-07-01", 2),
        _row("A", "domestic", "exit", "2024-09-01", 1),
        _row("A", "domestic", "exit", "2025-03-01", 6),
        # B: single reading
        _row("B", "domestic", "baseline", "2024-01-01", 4),
        # C: first reading after start (no baseline)
        _row("C", "domestic", "six_month", "2024-03-01", 4),
        _row("C", "domestic", "exit", "2024-08-01", 3),
        # D: two readings, the earlier one is the baseline; lower is better, went up = worse
        _row("D", "domestic", "baseline", "2023-12-01", 1),
        _row("D", "domestic", "baseline", "2024-01-01", 2),
        _row("D", "domestic", "six_month", "2024-07-01", 3),
    ]
    periods = pd.DataFrame({"person_id": list("ABCD"), "start_date": "2024-01-01",
                            "end_date": ["2024-12-31", None, None, None], "sex": list("ffmm")})
    return pd.DataFrame(rows), periods


def test_pairing_rules(extract):
    a, p = extract
    pairs, flow = pair_assessments(a, p)
    pairs = pairs.set_index("person_id")
    assert sorted(pairs.index) == ["A", "D"]
    assert pairs.loc["A", "baseline"] == 5 and pairs.loc["A", "follow_up"] == 1  # last before end
    assert pairs.loc["D", "baseline"] == 1 and pairs.loc["D", "follow_up"] == 3  # first baseline
    # MACA: lower is better, so A improved by 4 and D worsened by 2
    assert pairs.loc["A", "improvement"] == 4 and pairs.loc["D", "improvement"] == -2
    f = flow.set_index("area").loc["domestic"]
    assert (f["assessed"], f["paired"], f["single_reading"], f["no_baseline"]) == (4, 2, 1, 1)


def test_rows_in_any_order_and_as_of(extract):
    a, p = extract
    shuffled = a.sample(frac=1.0, random_state=4)
    pairs, _ = pair_assessments(shuffled, p)
    assert pairs.set_index("person_id").loc["A", "follow_up"] == 1
    # open cases cut at as_of: D's reading of 2024-07-01 is after 2024-06-01, so its
    # follow-up is the 2024-01-01 reading (after the 2023-12-01 baseline)
    pairs, _ = pair_assessments(a, p, as_of="2024-06-01")
    assert pairs.set_index("person_id").loc["D", "follow_up"] == 2


def test_named_timepoint(extract):
    a, p = extract
    pairs, _ = pair_assessments(a, p, follow_up="six_month")
    assert pairs.set_index("person_id").loc["A", "follow_up"] == 2


def test_kpis_state_denominators(extract):
    a, p = extract
    pairs, flow = pair_assessments(a, p)
    k = distance_travelled(pairs, flow).set_index(["area", "measure"])
    row = k.loc[("domestic", "pct_improved")]
    # A improved, D did not; neither at the best score (0) at baseline
    assert (row["numerator"], row["denominator"]) == (1, 2)
    assert "2 without a pair" in row["exclusions"]
    assert k.loc[("domestic", "mean_improvement"), "estimate"] == pytest.approx(1.0)


def test_ceiling_excluded_and_all_areas():
    rows = []
    # tool panoc: positive (higher better, best 20), negative (lower better, best 0)
    for pid, pos, neg in [("p1", (10, 15), (5, 2)), ("p2", (20, 20), (8, 3)),
                          ("p3", (10, 12), (4, 6)), ("p4", (5, 9), (0, 0))]:
        rows += [_row(pid, "positive", "baseline", "2024-01-01", pos[0], "panoc_yc20"),
                 _row(pid, "positive", "exit", "2024-06-01", pos[1], "panoc_yc20"),
                 _row(pid, "negative", "baseline", "2024-01-01", neg[0], "panoc_yc20"),
                 _row(pid, "negative", "exit", "2024-06-01", neg[1], "panoc_yc20")]
    pairs, flow = pair_assessments(pd.DataFrame(rows))
    k = distance_travelled(pairs, flow).set_index(["area", "measure"])
    pos = k.loc[("positive", "pct_improved")]
    assert (pos["numerator"], pos["denominator"]) == (3, 3)  # p2 at ceiling excluded
    assert "1 at the best score" in pos["exclusions"]
    allr = k.loc[("overall", "pct_improved_all_areas")]
    # p1 both improved; p2 only negative counts (improved); p3 negative worsened; p4 only positive
    assert (allr["numerator"], allr["denominator"]) == (3, 4)


def test_reliable_change_by_hand():
    # 4 people, baseline SD known: scores 2, 4, 6, 8 -> SD 2.581989; reliability 0.8
    # S_diff = sqrt(2) * 2.581989 * sqrt(0.2) = 1.632993; reliable if improvement > 3.2007
    rows = []
    for pid, b, f in [("a", 2, 8), ("b", 4, 7), ("c", 6, 10), ("d", 8, 8)]:
        rows += [_row(pid, "wellbeing", "baseline", "2024-01-01", b, "family_star_plus"),
                 _row(pid, "wellbeing", "exit", "2024-06-01", f, "family_star_plus")]
    pairs, _ = pair_assessments(pd.DataFrame(rows))
    k = distance_travelled(pairs, reliability={"family_star_plus": 0.8}).set_index(["area", "measure"])
    r = k.loc[("wellbeing", "pct_reliable_improvement")]
    assert (r["numerator"], r["denominator"]) == (2, 4)  # +6 and +4 are reliable, +3 is not


def test_breakdowns_one_call(extract):
    a, p = extract
    pairs, _ = pair_assessments(a, p)
    b = breakdowns(pairs, ["sex"], measures=["pct_improved"])
    got = b[b["area"] == "domestic"].set_index(["breakdown", "group"])["estimate"]
    assert got[("all", "all")] == 0.5
    assert got[("sex", "f")] == 1.0 and got[("sex", "m")] == 0.0


def test_recovers_realised_change_on_synthetic_extract():
    # `cusp synth` records the realised mean six-month change per tool and area (recorded
    # scores, people with both readings); the paired analysis must find exactly that.
    from data_synthetic import synthesise
    from simulate.scenario import load_scenario

    ex = synthesise(load_scenario("lancs-young-carers-003"), seed=2)
    ref = ex.frames["referrals.csv"]
    periods = ref[ref["start_date"].notna()].rename(columns={"child_id": "person_id"})[
        ["person_id", "start_date", "end_date"]]
    pairs, flow = pair_assessments(ex.frames["assessments.csv"], periods, follow_up="six_month",
                                   baseline_grace_days=14)
    k = distance_travelled(pairs, flow)
    mean = k[k["measure"] == "mean_improvement"].set_index(["tool", "area"])["estimate"]
    from evaluation.tools import improvement

    checked = 0
    for tool, areas in ex.truth["distance_travelled"].items():
        for area, change in areas["realised_mean_change"].items():
            if change is None:
                continue
            assert mean[(tool, area)] == pytest.approx(float(improvement(tool, area, change)), abs=1e-3)
            checked += 1
    assert checked >= 10
    assert (flow["assessed"] == flow[["paired", "no_baseline", "single_reading", "no_follow_up"]].sum(axis=1)).all()


def test_breakdown_columns():
    p = pd.DataFrame({"start_date": ["2024-08-31", "2024-09-01", "2025-01-15"],
                      "date_of_birth": ["2014-09-01", "2014-09-01", "2008-01-15"]})
    out = add_breakdown_columns(p)
    # 9 the day before the 10th birthday, 10 on it; 17 on the 17th birthday
    assert out["age_band"].tolist() == ["5-9", "10-15", "16-17"]
    assert out["quarter"].tolist() == ["2024-Q3", "2024-Q3", "2025-Q1"]


def test_all_areas_a_best_score_area_that_worsens_is_not_improved():
    # panoc_yc20: positive (higher better, best 20), negative (lower better, best 0)
    people = [("p1", (10, 15), (5, 2)),   # both improved                      -> improved
              ("p2", (10, 12), (4, 1)),   # both improved                      -> improved
              ("p3", (20, 20), (6, 3)),   # positive at best and stayed        -> improved
              ("p4", (20, 17), (6, 2)),   # positive at best and GOT WORSE     -> not improved
              ("p5", (10, 8), (4, 2)),    # positive worse                     -> not improved
              ("p6", (12, 14), (3, 5))]   # negative worse                     -> not improved
    rows = []
    for pid, pos, neg in people:
        rows += [_row(pid, "positive", "baseline", "2024-01-01", pos[0], "panoc_yc20"),
                 _row(pid, "positive", "exit", "2024-06-01", pos[1], "panoc_yc20"),
                 _row(pid, "negative", "baseline", "2024-01-01", neg[0], "panoc_yc20"),
                 _row(pid, "negative", "exit", "2024-06-01", neg[1], "panoc_yc20")]
    pairs, flow = pair_assessments(pd.DataFrame(rows))
    allr = distance_travelled(pairs, flow).set_index(["area", "measure"]).loc[("overall", "pct_improved_all_areas")]
    # ignoring best-score areas would give 4/6 = 66.7% (p4 counted as improved); the rule gives 3/6
    assert (allr["numerator"], allr["denominator"]) == (3, 6)
    assert allr["estimate"] == pytest.approx(0.5)
    # someone at the best score everywhere who stays there cannot improve: left out;
    # someone at the best score everywhere who gets worse is counted, as not improved
    rows += [_row("p7", "positive", "baseline", "2024-01-01", 20, "panoc_yc20"),
             _row("p7", "positive", "exit", "2024-06-01", 20, "panoc_yc20"),
             _row("p7", "negative", "baseline", "2024-01-01", 0, "panoc_yc20"),
             _row("p7", "negative", "exit", "2024-06-01", 0, "panoc_yc20"),
             _row("p8", "positive", "baseline", "2024-01-01", 20, "panoc_yc20"),
             _row("p8", "positive", "exit", "2024-06-01", 20, "panoc_yc20"),
             _row("p8", "negative", "baseline", "2024-01-01", 0, "panoc_yc20"),
             _row("p8", "negative", "exit", "2024-06-01", 2, "panoc_yc20")]
    pairs, flow = pair_assessments(pd.DataFrame(rows))
    allr = distance_travelled(pairs, flow).set_index(["area", "measure"]).loc[("overall", "pct_improved_all_areas")]
    assert (allr["numerator"], allr["denominator"]) == (3, 7)


def test_reliable_change_uses_one_baseline_sd_across_breakdowns():
    # 8 people in two districts with very different baseline spreads.  Whole-cohort baseline
    # SD of [2, 4, 6, 8, 5, 5, 5, 5]: mean 5, squares 9+1+1+9 = 20, SD = sqrt(20/7) = 1.690309;
    # S_diff = sqrt(2) * 1.690309 * sqrt(0.2) = 1.069045; reliable if improvement > 2.0953.
    people = [("a", "N", 2, 5), ("b", "N", 4, 6), ("c", "N", 6, 8), ("d", "N", 8, 9),
              ("e", "S", 5, 8), ("f", "S", 5, 6), ("g", "S", 5, 7), ("h", "S", 5, 5)]
    rows = []
    for pid, _, b, f in people:
        rows += [_row(pid, "wellbeing", "baseline", "2024-01-01", b, "family_star_plus"),
                 _row(pid, "wellbeing", "exit", "2024-06-01", f, "family_star_plus")]
    periods = pd.DataFrame({"person_id": [p[0] for p in people], "start_date": "2024-01-01",
                            "end_date": "2024-12-31", "district": [p[1] for p in people]})
    pairs, _ = pair_assessments(pd.DataFrame(rows), periods)
    b = breakdowns(pairs, ["district"], measures=["pct_reliable_improvement"],
                   reliability={"family_star_plus": 0.8})
    got = b[b["area"] == "wellbeing"].set_index(["breakdown", "group"])["numerator"]
    threshold = 1.96 * 2 ** 0.5 * (20 / 7) ** 0.5 * 0.2 ** 0.5
    improvement = {p[0]: p[3] - p[2] for p in people}
    reliable = {pid for pid, d in improvement.items() if d > threshold}
    assert reliable == {"a", "e"}  # +3 and +3; +2 is not
    assert got[("all", "all")] == 2
    # each group's classification is the whole cohort's restricted to the group
    assert got[("district", "N")] == len(reliable & {"a", "b", "c", "d"}) == 1
    assert got[("district", "S")] == len(reliable & {"e", "f", "g", "h"}) == 1
    # a group's own SD would differ: district S has baseline SD 0 (no RCI at all) and N has
    # SD 2.58, under which +3 is not reliable
    own = distance_travelled(pairs[pairs["district"] == "N"], reliability={"family_star_plus": 0.8})
    own = own.set_index(["area", "measure"]).loc[("wellbeing", "pct_reliable_improvement"), "numerator"]
    assert own == 0


def test_attrition_bounds_by_hand():
    from evaluation.distance import attrition_bounds, baselines_without_follow_up

    def two(pid, area, b, f=None):
        out = [_row(pid, area, "baseline", "2024-01-01", b, "panoc_yc20")]
        if f is not None:
            out.append(_row(pid, area, "exit", "2024-06-01", f, "panoc_yc20"))
        return out

    rows = (two("p1", "positive", 10, 15) + two("p1", "negative", 5, 2)      # improved in both
            + two("p2", "positive", 10, 12) + two("p2", "negative", 4, 6)    # negative worse
            + two("p3", "positive", 10) + two("p3", "negative", 5)           # no follow-up at all
            + two("p4", "positive", 20) + two("p4", "negative", 5, 3))       # best score, no follow-up
    a = pd.DataFrame(rows)
    pairs, _ = pair_assessments(a)
    missing = baselines_without_follow_up(a)
    assert sorted(zip(missing["person_id"], missing["area"])) == [("p3", "negative"), ("p3", "positive"),
                                                                  ("p4", "positive")]
    b = attrition_bounds(pairs, missing).set_index(["area", "measure"])
    pos = b.loc[("positive", "pct_improved")]
    # completers p1, p2 improved: 2/2; missing p3 (p4 at the best score is left out)
    assert (pos["completers"], pos["lower"], pos["upper"]) == (1.0, 2 / 3, 3 / 3)
    neg = b.loc[("negative", "pct_improved")]
    # p1, p4 improved, p2 worse: 2/3; missing p3 -> 2/4 to 3/4
    assert (neg["completers"], neg["lower"], neg["upper"]) == (2 / 3, 2 / 4, 3 / 4)
    alla = b.loc[("overall", "pct_improved_all_areas")]
    # paired in every area: p1 (yes), p2 (no); missing: p3 and p4 -> 1/4 to 3/4
    assert (alla["completers"], alla["lower"], alla["upper"]) == (0.5, 1 / 4, 3 / 4)


def test_attrition_weighted_share_in_the_bounds_table():
    from evaluation.distance import attrition_bounds, baselines_without_follow_up

    # 10 children in one area (maca, lower is better, best 0): baselines 2..11; those with a
    # high (worse) baseline are followed up less often
    rows = []
    for i in range(12):
        b = 2 + i
        rows.append(_row(f"c{i}", "domestic", "baseline", "2024-01-01", b))
        if i % 3 != 2 or b < 6:
            rows.append(_row(f"c{i}", "domestic", "exit", "2024-06-01", b - 1 if i % 2 == 0 else b + 1))
    a = pd.DataFrame(rows)
    pairs, _ = pair_assessments(a)
    missing = baselines_without_follow_up(a)
    # intercept-only model: every completer has the same weight -> the completers' share
    b0 = attrition_bounds(pairs, missing, weight_on=None).iloc[0]
    assert b0["weighted"] == pytest.approx(b0["completers"])
    assert b0["lower"] <= b0["weighted"] <= b0["upper"]
    # on the baseline score: a finite estimate inside the worst/best-case bounds
    b1 = attrition_bounds(pairs, missing).iloc[0]
    assert b1["lower"] <= b1["weighted"] <= b1["upper"]
    assert b1["missing"] == 3
