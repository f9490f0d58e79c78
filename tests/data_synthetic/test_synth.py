"""Synthetic extracts: valid for every preset, reproducible, and their truth.json matches the generator."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from data_synthetic import SynthParams, read_truth, synthesise, write_extracts
from evaluation.extracts import validate_folder
from simulate.scenario import list_presets, load_scenario

FILES = ["referrals.csv", "assessments.csv", "care_episodes.csv", "school.csv", "reading.csv", "comparison_pool.csv"]
REVIEWED = {"hereford-mentoring-002", "hereford-befriending-002", "lancs-young-carers-003"}  # targets on plan reviews


@pytest.fixture(scope="module")
def folder_004(tmp_path_factory):
    out = tmp_path_factory.mktemp("d004")
    write_extracts(synthesise(load_scenario("lancs-edge-of-care-004"), seed=11, scenario_name="lancs-edge-of-care-004"), out)
    return out


@pytest.mark.parametrize("preset", list_presets())
def test_every_preset_writes_extracts_that_pass_their_contracts(preset, tmp_path):
    sc = load_scenario(preset)
    write_extracts(synthesise(sc, seed=5, rows_scale=0.25), tmp_path)
    report = validate_folder(tmp_path, districts=sc.district_names, sub_cohorts=[s.name for s in sc.sub_cohorts])
    assert report.issues.empty, report.issues.head(10).to_string()
    reviews = ["plan_reviews.csv"] if preset in REVIEWED else []
    reviews += ["child_measures.csv"] if preset == "lancs-edge-of-care-004" else []  # 004 non-payment metrics
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES, *reviews, "truth.json", "ssda903"])
    assert sorted(p.name for p in (tmp_path / "ssda903").iterdir()) == ["episodes.csv", "header.csv"]


def _digests(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(folder_004, tmp_path):
    again = tmp_path / "again"
    other = tmp_path / "other"
    sc = load_scenario("lancs-edge-of-care-004")
    write_extracts(synthesise(sc, seed=11, scenario_name="lancs-edge-of-care-004"), again)
    write_extracts(synthesise(sc, seed=12, scenario_name="lancs-edge-of-care-004"), other)
    assert _digests(again) == _digests(folder_004)
    differing = {n for n, d in _digests(other).items() if d != _digests(folder_004)[n]}
    assert {*FILES, "ssda903/episodes.csv", "ssda903/header.csv"} <= differing


def test_truth_json_reads_back_with_the_generators_parameters(folder_004):
    truth = read_truth(folder_004 / "truth.json")
    p = SynthParams()
    assert truth["generator"]["seed"] == 11 and truth["generator"]["scenario"] == "lancs-edge-of-care-004"
    # 004 preset: diversion_5_9 after-support hazard 0.36 against counterfactual 0.55 -> ratio 0.6545.
    div = truth["care_entry"]["by_sub_cohort"]["diversion_5_9"]
    assert div["hazard_ratio_after_support"] == pytest.approx(0.36 / 0.55, abs=1e-6)
    assert truth["care_entry"]["by_sub_cohort"]["reunification_10_15"]["hazard_ratio_after_support"] == pytest.approx(0.33 / 0.45, abs=1e-6)
    # Family Star Plus total change of 6 points spread over its 10 areas; My Star 4 over 8.
    fsp = truth["distance_travelled"]["family_star_plus"]["areas"]
    assert len(fsp) == 10 and sum(a["effect_points"] for a in fsp.values()) == pytest.approx(6.0, abs=1e-4)
    assert sum(a["effect_points"] for a in truth["distance_travelled"]["my_star"]["areas"].values()) == pytest.approx(4.0, abs=1e-4)
    assert truth["distance_travelled"]["my_star"]["follow_up_share"] == 0.75
    assert truth["confounding"]["selection_log_odds"] == {"need_level_4": 0.8, "risk_factors": 0.25, "prior_care_episodes": 0.4, "age_10_plus": -0.2}
    assert truth["confounding"]["pool_ratio"] == p.pool_ratio == 3.0
    assert truth["school"]["unauthorised_absence_reduction"] == 0.3
    assert truth["reading"]["gain_beyond_forecast_years"] == 0.3
    assert truth["missingness"]["baseline_assessment_missing_share"] == 0.03
    for name in FILES:
        lines = (folder_004 / name).read_text().count("\n") - 1
        assert truth["rows"][name] == lines


def test_confounding_is_visible_in_the_data(folder_004):
    """Served children are more severe than the pool on the covariates that drive care entry."""
    ref = pd.read_csv(folder_004 / "referrals.csv")
    pool = pd.read_csv(folder_004 / "comparison_pool.csv")
    served = ref[ref.start_date.notna()]
    assert served.risk_factors.mean() > pool.risk_factors.mean() + 0.3
    assert (served.need_level == 4).mean() > (pool.need_level == 4).mean()
    # the pool is three times the children first referred (a re-referral is not a new child)
    truth = read_truth(folder_004 / "truth.json")
    assert len(pool) == round(3.0 * (len(ref) - truth["care_histories"]["re_referrals"]))


def test_realistic_shapes(folder_004):
    ref = pd.read_csv(folder_004 / "referrals.csv", parse_dates=["referral_date", "date_of_birth"])
    # Ages at referral respect each sub-cohort's band (004 §2.1: 5-9 and 10-15).
    bands = {"diversion_5_9": (5, 9), "reunification_5_9": (5, 9), "diversion_10_15": (10, 15), "reunification_10_15": (10, 15)}
    for cohort, (lo, hi) in bands.items():
        ages = ref.loc[ref.sub_cohort == cohort, "age_at_referral"]
        assert ages.between(lo, hi).all() and ages.nunique() == hi - lo + 1
    # Return home only for reunification cohorts; some follow-ups are missing.
    assert ref.loc[ref.sub_cohort.str.startswith("diversion"), "return_home_date"].isna().all()
    a = pd.read_csv(folder_004 / "assessments.csv")
    counts = a[a.tool == "family_star_plus"].groupby("timepoint").person_id.nunique()
    assert 0.5 * counts["baseline"] < counts["six_month"] < counts["baseline"]
    # Pendle and Preston: 20% BME (004 §1.2) against 7.7% elsewhere.
    bme = ref.assign(bme=~ref.ethnicity.isin(["white", "not_known"])).groupby("district").bme.mean()
    assert bme["Preston"] > bme["Burnley"]
    episodes = pd.read_csv(folder_004 / "care_episodes.csv", parse_dates=["start_date", "recorded_date"])
    late = (episodes.recorded_date - episodes.start_date).dt.days >= 30
    assert 0.02 < late.mean() < 0.2


def test_truth_is_deterministic_json(folder_004):
    text = (folder_004 / "truth.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
