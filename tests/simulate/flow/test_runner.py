"""Replications: identical results for any number of jobs; target probabilities; output analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulate.flow.runner import run_replications, target_probabilities
from simulate.flow.stats import mser5, replications_needed, t_interval
from simulate.scenario import load_scenario


def test_same_seed_same_event_log_with_one_and_two_jobs():
    sc = load_scenario("hereford-mentoring-002")
    one = run_replications(sc, 3, seed=21, jobs=1, keep_records=True, batch_size=1)
    two = run_replications(sc, 3, seed=21, jobs=2, keep_records=True, batch_size=1)
    assert len(one.events) > 100
    pd.testing.assert_frame_equal(one.events, two.events)
    pd.testing.assert_frame_equal(one.kpis, two.kpis)
    other = run_replications(sc, 1, seed=22, keep_records=True)
    assert not other.events.equals(one.events[one.events["replication"] == 0])


def test_target_probability_is_share_of_replications_meeting_it():
    sc = load_scenario("hereford-mentoring-002")
    res = run_replications(sc, 6, seed=3)
    tp = target_probabilities(sc, res.kpis)
    row = tp[(tp["target"] == "hours_delivered") & (tp["label"] == "Y2")].iloc[0]
    vals = res.kpis[(res.kpis["metric"] == "hours_delivered") & (res.kpis["period"] == "year") & (res.kpis["index"] == 1) & (res.kpis["district"] == "all")]["value"]
    assert row["probability"] == pytest.approx((vals >= 5000).mean())
    every = tp[(tp["target"] == "hours_delivered") & (tp["label"] == "every")].iloc[0]
    assert every["probability"] <= row["probability"]


def test_t_interval_by_hand():
    m, lo, hi = t_interval(np.array([1.0, 2.0, 3.0]))
    # mean 2, sd 1, t(0.975, 2) = 4.303, half-width 4.303 / sqrt(3) = 2.484
    assert m == 2.0 and hi - m == pytest.approx(2.4843, abs=1e-3) and m - lo == pytest.approx(hi - m)


def test_mser5_finds_an_initial_transient():
    rng = np.random.default_rng(8)
    series = np.concatenate([np.linspace(20, 0, 100), np.zeros(900)]) + rng.normal(0, 1, 1000)
    cut = mser5(series)
    assert 50 <= cut <= 150 and cut % 5 == 0
    assert mser5(rng.normal(0, 1, 1000)) < 100  # no transient: little or nothing cut


def test_replications_algorithm_stops_when_precise_and_looks_ahead():
    rng = np.random.default_rng(9)
    calls = []

    def one(r):
        calls.append(r)
        return {"x": 10 + rng.normal(0, 1)}

    n, values = replications_needed(one, 0.05, k_limit=5)
    # sd 1 around 10: half-width 2.0/sqrt(n) <= 0.5 needs n of about 16-20
    assert 5 <= n <= 40
    assert len(calls) == n + 5  # kept running k_limit replications to confirm


def test_asking_only_for_a_targets_metric_gives_the_same_values():
    # cusp capacity plan scores one metric: the run skips the other KPI tables, the values are unchanged
    sc = load_scenario("lancs-young-carers-003")
    full = run_replications(sc, 2, seed=4).kpis
    only = run_replications(sc, 2, seed=4, metrics=["longest_wait_to_assessment_working_days", "waiting_list_at_end"]).kpis
    assert set(only["metric"]) == {"longest_wait_to_assessment_working_days", "waiting_list_at_end"}
    want = full[full["metric"].isin(set(only["metric"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(only.sort_values(["replication", "period", "metric", "index", "district"]).reset_index(drop=True),
                                  want.sort_values(["replication", "period", "metric", "index", "district"]).reset_index(drop=True))
