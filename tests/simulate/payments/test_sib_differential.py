"""The vectorised settlement (sib.settle_sib) equals the per-case reference on generated data.

A synthetic 004 extract, given council data's real shapes on purpose (episodes split into rows
that touch, overlapping rows, zero-day episodes, re-referred children), is settled both ways
at several dates and under every kind of cap; money, statuses, due dates and reasons must agree.
A hypothesis property does the same on small hand-free histories.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.payments.sib import settle_sib
from simulate.payments.sib_reference import settle_sib_reference
from simulate.payments.terms import sib_terms
from simulate.scenario import load_scenario, with_overrides

BASE = load_scenario("lancs-edge-of-care-004")


def real_shapes(frames: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """Split some episodes into touching rows, overlap and zero-day rows, re-refer some children."""
    rng = np.random.default_rng(seed)
    eps = frames["care_episodes.csv"].copy()
    closed = eps[eps["end_date"].notna() & ((eps["end_date"] - eps["start_date"]).dt.days > 4)]
    split = closed.sample(frac=0.3, random_state=seed)
    mid = split["start_date"] + pd.to_timedelta(((split["end_date"] - split["start_date"]).dt.days // 2).astype(int), unit="D")
    first, second = split.assign(end_date=mid), split.assign(start_date=mid)       # touch: a placement change
    lap = closed.drop(split.index).sample(frac=0.1, random_state=seed + 1)
    overlap = lap.assign(start_date=lap["end_date"] - pd.Timedelta(days=2), end_date=lap["end_date"] + pd.Timedelta(days=20))
    zero = closed.sample(frac=0.1, random_state=seed + 2)
    zero = zero.assign(start_date=zero["end_date"] + pd.Timedelta(days=30), end_date=zero["end_date"] + pd.Timedelta(days=30))
    eps = pd.concat([eps.drop(split.index), first, second, overlap, zero], ignore_index=True)
    eps = eps.sample(frac=1.0, random_state=seed).reset_index(drop=True)              # rows in any order
    refs = frames["referrals.csv"].copy()
    again = refs[refs["start_date"].notna()].sample(frac=0.1, random_state=seed)
    shift = pd.to_timedelta(rng.integers(-200, 400, len(again)), unit="D")
    again = again.assign(case_id=again["case_id"].astype(str) + "-2", referral_date=again["referral_date"] + shift,
                         start_date=again["start_date"] + shift)
    refs = pd.concat([refs, again], ignore_index=True)
    return frames | {"care_episodes.csv": eps, "referrals.csv": refs}


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    from cusp.payment_extracts import read_folder
    from data_synthetic import synthesise
    from data_synthetic.write import write_extracts

    folder = tmp_path_factory.mktemp("extract")
    write_extracts(synthesise(BASE, 11, rows_scale=0.6), folder)
    return real_shapes(read_folder(folder, BASE), 3)


def both(frames, overrides, as_of):
    terms = sib_terms(with_overrides(BASE, overrides))
    args = (frames["referrals.csv"], frames["care_episodes.csv"], terms, as_of, frames.get("assessments.csv"),
            frames.get("school.csv"), frames.get("reading.csv"), True)
    return settle_sib(*args), settle_sib_reference(*args)


def assert_same(a, b):
    assert len(a.audit) == len(b.audit)
    for col in ("child_id", "case_id", "metric", "status", "reason"):
        assert a.audit[col].astype(str).tolist() == b.audit[col].astype(str).tolist(), col
    for col in ("amount", "gross", "capped_gbp"):
        assert np.allclose(a.audit[col].to_numpy(float), b.audit[col].to_numpy(float), rtol=0, atol=1e-6), col
    assert a.audit["due_date"].equals(b.audit["due_date"].astype(a.audit["due_date"].dtype))
    assert len(a.payments) == len(b.payments)
    for col in ("child_id", "case_id", "metric", "payer"):
        assert a.payments[col].astype(str).tolist() == b.payments[col].astype(str).tolist(), col
    assert (pd.to_datetime(a.payments["due_date"]).to_numpy() == pd.to_datetime(b.payments["due_date"]).to_numpy()).all()
    assert np.allclose(a.payments["amount"].to_numpy(float), b.payments["amount"].to_numpy(float), rtol=0, atol=1e-6)
    assert a.children["rag"].tolist() == b.children["rag"].tolist()
    assert a.cuts["cut"].sum() == pytest.approx(b.cuts["cut"].sum(), abs=1e-6) and len(a.cuts) == len(b.cuts)


CAPS = [
    {"payment.caps.total_gbp": None},
    {},                                                                          # the preset: a total cap
    {"payment.caps.total_gbp": 400_000},                                         # the total cap bites early
    {"payment.caps.total_gbp": None, "payment.caps.per_child_gbp": 9000},
    {"payment.caps.total_gbp": 500_000, "payment.caps.per_child_gbp": 9000},
    {"payment.caps.per_contract_year_gbp": 150_000, "payment.caps.per_metric_gbp": {"stability": 600_000}},
]


@pytest.mark.parametrize("overrides", CAPS)
@pytest.mark.parametrize("as_of", [dt.date(2021, 3, 31), dt.date(2023, 9, 30), dt.date(2026, 8, 31)])
def test_vectorised_settlement_equals_the_reference(frames, overrides, as_of):
    a, b = both(frames, overrides, as_of)
    assert_same(a, b)
    assert a.payments["amount"].sum() > 0 and (a.audit["status"] == "not eligible").any()


def test_the_generated_data_holds_the_real_shapes(frames):
    eps = frames["care_episodes.csv"].sort_values(["child_id", "start_date"])
    same = eps["child_id"].eq(eps["child_id"].shift())
    assert (same & (eps["start_date"] == eps["end_date"].shift())).sum() > 10             # touching rows
    assert (eps["start_date"] == eps["end_date"]).sum() > 5                               # zero-day rows
    assert frames["referrals.csv"]["child_id"].duplicated().sum() > 5                     # re-referrals


day = st.integers(0, 1500)
history = st.lists(st.tuples(day, st.integers(0, 90), st.booleans()), max_size=5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1700), st.integers(0, 3), history), min_size=1, max_size=6), st.integers(300, 2700))
def test_property_both_paths_agree_on_random_histories(children, as_of_offset):
    start = pd.Timestamp(2019, 9, 1)
    refs, eps = [], []
    for i, (ref, cohort, rows) in enumerate(children):
        child = f"C{i % 4}"                                    # some children are referred twice
        refs.append({"case_id": f"R{i}", "child_id": child, "family_id": f"F{i % 3}", "sub_cohort": BASE.sub_cohorts[cohort].name,
                     "referral_date": start + pd.Timedelta(days=ref), "start_date": start + pd.Timedelta(days=ref + 5),
                     "return_home_date": start + pd.Timedelta(days=ref + 20), "date_of_birth": pd.Timestamp(2010, 1, 1)})
        eps += [{"child_id": child, "start_date": start + pd.Timedelta(days=s),
                 "end_date": pd.NaT if opened else start + pd.Timedelta(days=s + n)} for s, n, opened in rows]
    episodes = pd.DataFrame(eps, columns=["child_id", "start_date", "end_date"])
    episodes["start_date"] = pd.to_datetime(episodes["start_date"])
    episodes["end_date"] = pd.to_datetime(episodes["end_date"])
    frames = {"referrals.csv": pd.DataFrame(refs), "care_episodes.csv": episodes}
    a, b = both(frames, {"payment.caps.total_gbp": 30_000}, (start + pd.Timedelta(days=as_of_offset)).date())
    assert_same(a, b)


def test_header_only_files_settle_to_empty_tables_both_ways():
    # a file with only a header states "no rows": nothing to pay, no error, the same columns
    cols = ["case_id", "child_id", "family_id", "sub_cohort", "referral_date", "start_date", "return_home_date", "date_of_birth"]
    refs = pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if "date" in c else object) for c in cols})
    eps = pd.DataFrame({"child_id": pd.Series(dtype=object), "start_date": pd.Series(dtype="datetime64[ns]"),
                        "end_date": pd.Series(dtype="datetime64[ns]")})
    a, b = both({"referrals.csv": refs, "care_episodes.csv": eps}, {}, dt.date(2024, 1, 1))
    for x in (a, b):
        assert x.payments.empty and x.audit.empty and x.children.empty and x.cuts.empty
    assert list(a.payments.columns) == list(b.payments.columns) and list(a.audit.columns) == list(b.audit.columns)
