"""Same seed, same results: for any number of jobs, any chunking and on a Dask cluster."""

import numpy as np
import pandas as pd
import pytest

from simulate.finance.errors import StressError
from simulate.scenario import load_scenario
from simulate.stress.analysis import fan, headline, src
from simulate.stress.named import find_stress, named_stresses
from simulate.stress.runner import run_stress, write_parquet
from simulate.stress.sampling import design

DRAWS = 24


@pytest.fixture(scope="module")
def sc():
    return load_scenario("lancs-edge-of-care-004")


@pytest.fixture(scope="module")
def reference(sc):
    return run_stress(sc, DRAWS, seed=11, jobs=1)


def test_jobs_and_chunking_do_not_change_results(sc, reference, tmp_path):
    two = run_stress(sc, DRAWS, seed=11, jobs=2, chunk_size=5)
    pd.testing.assert_frame_equal(reference.table, two.table)
    np.testing.assert_array_equal(reference.cumulative_cash, two.cumulative_cash)
    a = write_parquet(reference.table, tmp_path / "j1.parquet").read_bytes()
    b = write_parquet(two.table, tmp_path / "j2.parquet").read_bytes()
    assert a == b


def test_local_dask_cluster_gives_identical_results(sc, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        on_cluster = run_stress(sc, DRAWS, seed=11, cluster=cluster.scheduler_address, chunk_size=7)
    pd.testing.assert_frame_equal(reference.table, on_cluster.table)
    a = write_parquet(reference.table, tmp_path / "j1.parquet").read_bytes()
    b = write_parquet(on_cluster.table, tmp_path / "cluster.parquet").read_bytes()
    assert a == b


def test_a_different_seed_gives_different_draws(sc, reference):
    other = run_stress(sc, DRAWS, seed=12, jobs=1, keep_monthly=False)
    assert not np.allclose(other.table["money_multiple"], reference.table["money_multiple"])


def test_latin_hypercube_puts_one_draw_in_each_stratum(sc):
    n = 50
    values = design(list(sc.uncertainty), n, seed=3)
    r = sc.uncertainty[1]                      # acceptance probability, uniform
    assert r.distribution == "uniform"
    strata = np.floor((values[:, 1] - r.low) / (r.high - r.low) * n).astype(int)
    assert sorted(strata.tolist()) == list(range(n))


def test_outputs_are_sane(reference):
    t = reference.table
    assert list(t["draw"]) == list(range(DRAWS))
    assert (t["outcome_payments_gbp"] <= 9_000_000 + 1e-6).all()
    assert np.allclose(t["outcome_payments_gbp"], t["commissioner_payments_gbp"] + t["lcf_payments_gbp"])
    h = headline(t).set_index("metric")["value"]
    assert 0.0 <= h["p_investor_loss"] <= 1.0 and h["peak_capital_p95_gbp"] >= h["peak_capital_mean_gbp"] * 0.99
    f = fan(reference.cumulative_cash)
    assert (f["q05"] <= f["q50"]).all() and (f["q50"] <= f["q95"]).all()


def test_src_recovers_a_linear_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 2))
    frame = pd.DataFrame({"in:a": x[:, 0], "in:b": x[:, 1], "y": 3.0 * x[:, 0]})
    s = src(frame, ["in:a", "in:b"], "y")
    assert s.loc[0, "input"] == "a" and s.loc[0, "src"] == pytest.approx(1.0, abs=1e-9)
    assert abs(s.loc[1, "src"]) < 1e-9 and s.attrs["r2"] == pytest.approx(1.0)


def test_named_stresses_include_the_built_ins(sc):
    names = [s.name for s in named_stresses(sc)]
    assert {"referrals_30pct_below_plan", "stability_success_20pct_lower", "cap_reached_early"} <= set(names)
    assert find_stress(sc, "cap_reached_early").overrides == {"payment.caps.total_gbp": 0.6 * sc.payment.caps.total_gbp}
    with pytest.raises(StressError, match="no stress named 'nope'"):
        find_stress(sc, "nope")


def test_a_block_contract_runs_through_its_own_pipeline_and_refuses_the_flow_model():
    run = run_stress(load_scenario("hereford-mentoring-002"), 2, seed=1)
    assert run.meta["mechanism"] == "block" and "cost_per_family_started_gbp" in run.table.columns
    with pytest.raises(StressError, match="--model flow"):
        run_stress(load_scenario("hereford-mentoring-002"), 2, seed=1, model="flow")


def test_a_stress_on_an_uncertain_input_shifts_its_range(sc, reference):
    stressed = run_stress(sc, DRAWS, seed=11, jobs=1, overrides={"referrals.volume_multiplier": 0.7}, keep_monthly=False)
    col = "in:referrals.volume_multiplier"
    assert np.allclose(stressed.table[col], 0.7 * reference.table[col])
    assert stressed.table["children_referred"].mean() < reference.table["children_referred"].mean()


def test_flow_model_runs_and_is_reproducible_across_jobs(sc):
    one = run_stress(sc, 6, seed=4, jobs=1, model="flow", keep_monthly=False)
    two = run_stress(sc, 6, seed=4, jobs=2, model="flow", keep_monthly=False, chunk_size=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    t = one.table
    assert (t["children_engaged"] > 300).all() and (t["outcome_payments_gbp"] > 0).all()
    assert np.allclose(t["outcome_payments_gbp"], t["commissioner_payments_gbp"] + t["lcf_payments_gbp"])


def test_cohort_model_agrees_with_the_flow_simulation_on_average(sc):
    # Differential test: the fast cohort model and the discrete-event flow simulation, same
    # uncertainty draws, independent random streams; means over 60 draws within a few percent.
    a = run_stress(sc, 60, seed=8, jobs=1, keep_monthly=False).table
    b = run_stress(sc, 60, seed=8, jobs=1, keep_monthly=False, model="flow").table
    for col, tol in (("children_engaged", 0.03), ("outcome_payments_gbp", 0.03), ("milestone_rate", 0.02), ("savings_pv_gbp", 0.08)):
        assert a[col].mean() == pytest.approx(b[col].mean(), rel=tol), col
