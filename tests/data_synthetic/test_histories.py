"""Care histories as councils hold them: worked examples and invariants of the synthetic rows.

A period away from home is what the contract speaks of (004 §9.2 "the period of Local
Authority care or remand"); councils record episodes. These tests read the rows back with an
independent join written here (touching or overlapping rows of a child = one period) and check
it against the generator's own periods and truth.json.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_synthetic import SynthParams, read_truth, ssda903_paths, synthesise, write_extracts
from data_synthetic.histories import council_rows, true_periods
from data_synthetic.ssda903 import upn
from evaluation.extracts import validate_folder
from simulate.scenario import load_scenario

D = np.datetime64


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("h004")
    write_extracts(synthesise(load_scenario("lancs-edge-of-care-004"), seed=3, scenario_name="lancs-edge-of-care-004"), out)
    return out


def _join(rows: pd.DataFrame) -> pd.DataFrame:
    """Reference reading, written for this test: rows of a child whose start is on or before the
    latest end so far belong to the same period; short breaks are excluded."""
    r = rows[rows.episode_type != "short_break"].sort_values(["child_id", "start_date"], kind="stable")
    out, current = [], None
    for child, start, end in zip(r.child_id, r.start_date, r.end_date):
        if current and current[0] == child and (pd.isna(current[2]) or start <= current[2]):
            current[2] = pd.NaT if pd.isna(end) or pd.isna(current[2]) else max(current[2], end)
        else:
            if current:
                out.append(tuple(current))
            current = [child, start, end]
    if current:
        out.append(tuple(current))
    return pd.DataFrame(out, columns=["child_id", "start_date", "end_date"])


def _digest(periods: pd.DataFrame) -> str:
    lines = sorted(f"{c},{s:%Y-%m-%d},{'' if pd.isna(e) else f'{e:%Y-%m-%d}'}" for c, s, e in periods.itertuples(index=False))
    return hashlib.sha256(("child_id,start_date,end_date\n" + "".join(f"{x}\n" for x in lines)).encode()).hexdigest()


def test_a_care_period_ending_on_remand_is_one_period_of_touching_rows() -> None:
    """Care 2022-01-01 to 2022-03-01 (59 days) with remand after care: 2-4 rows, one period."""
    periods = pd.DataFrame({"child_id": ["C1"], "start_date": [D("2022-01-01")], "end_date": [D("2022-03-01")],
                            "episode_type": ["care"], "recorded_date": [D("2022-01-03")]})
    kids = pd.DataFrame({"child_id": ["C1"], "_index": [D("2021-06-01")]})
    p = dataclasses.replace(SynthParams(), remand_after_care_share=1.0, short_break_child_share=0.0)
    rows, counts = council_rows(periods, kids, p, D("2023-01-01"), np.random.default_rng(0))
    assert 2 <= len(rows) <= 4 and counts["remand_after_care_periods"] == 1
    assert rows.start_date.iloc[0] == pd.Timestamp("2022-01-01") and rows.end_date.iloc[-1] == pd.Timestamp("2022-03-01")
    # each row starts the day the previous one ended
    assert (rows.start_date.iloc[1:].to_numpy() == rows.end_date.iloc[:-1].to_numpy()).all()
    assert list(rows._rec) == ["X1"] * (len(rows) - 1) + ["E14"]  # remand ended: the child is home
    assert rows.episode_type.iloc[-1] == "remand" and rows.legal_status.iloc[-1] in ("J1", "J2", "J3")
    assert rows._rne.iloc[0] == "S" and rows._rne.iloc[-1] in ("L", "B")
    assert (rows.recorded_date >= rows.start_date).all()
    # one period of 59 days, not a return home between rows
    joined = _join(rows)
    assert len(joined) == 1 and (joined.end_date - joined.start_date).iloc[0].days == 59


def test_a_row_whose_successor_is_recorded_after_the_extract_is_open() -> None:
    """Extract taken the day a placement changed, before the new row was entered: as recorded,
    the child is still away (open end, no REC), never home."""
    periods = pd.DataFrame({"child_id": ["C1"], "start_date": [D("2022-01-01")], "end_date": [D("2022-12-01")],
                            "episode_type": ["care"], "recorded_date": [D("2022-01-01")]})
    kids = pd.DataFrame({"child_id": ["C1"], "_index": [D("2021-06-01")]})
    p = dataclasses.replace(SynthParams(), placement_change_share=1.0, remand_after_care_share=0.0, short_break_child_share=0.0)
    for seed in range(50):
        full, _ = council_rows(periods, kids, p, D("2023-06-01"), np.random.default_rng(seed))
        if len(full) > 1 and full.recorded_date.iloc[1] > full.start_date.iloc[1]:
            break
    else:
        pytest.fail("no seed gave a second row recorded after its start")
    day = full.start_date.iloc[1].to_datetime64().astype("datetime64[D]")
    seen, _ = council_rows(periods, kids, p, day, np.random.default_rng(seed))
    assert len(seen) == 1 and pd.isna(seen.end_date.iloc[0]) and pd.isna(seen._rec.iloc[0])
    assert full._rec.iloc[0] == "X1"


def test_rows_read_back_as_the_generators_periods_and_truth(folder: Path) -> None:
    rows = pd.read_csv(folder / "care_episodes.csv", parse_dates=["start_date", "end_date", "recorded_date"])
    truth = read_truth(folder / "truth.json")["care_histories"]
    joined = _join(rows)
    assert len(joined) == truth["periods"]
    assert _digest(joined) == truth["periods_digest_sha256"]
    # the shapes are there: chains, remand after care, zero-day rows, short breaks
    assert truth["continuation_rows"] > 0 and truth["remand_after_care_periods"] > 0
    assert truth["zero_day_rows"] > 0 and truth["short_break_rows"] > 0
    assert len(rows[rows.episode_type != "short_break"]) == truth["episode_rows"] > truth["periods"]
    assert ((rows.end_date == rows.start_date) & (rows.episode_type != "short_break")).sum() == truth["zero_day_rows"]


def test_short_breaks_never_touch_a_period_and_are_flagged(folder: Path) -> None:
    rows = pd.read_csv(folder / "care_episodes.csv", parse_dates=["start_date", "end_date"])
    sb = rows[rows.episode_type == "short_break"]
    assert sb.legal_status.isin(["V3", "V4"]).all() and not sb.end_date.isna().any()
    assert ((sb.end_date - sb.start_date).dt.days.between(1, 3)).all()
    periods = _join(rows)
    m = sb.merge(periods, on="child_id", suffixes=("", "_p"))
    end_p = m.end_date_p.fillna(pd.Timestamp("2262-01-01"))
    touching = (m.start_date <= end_p + pd.Timedelta(days=1)) & (m.start_date_p - pd.Timedelta(days=1) <= m.end_date)
    assert not touching.any()
    # remand rows are J1-J3, care rows neither remand nor short-break codes
    assert rows.loc[rows.episode_type == "remand", "legal_status"].isin(["J1", "J2", "J3"]).all()
    assert rows.loc[rows.episode_type == "care", "legal_status"].isin(["C1", "C2", "E1", "V2"]).all()


def test_late_recorded_rows(folder: Path) -> None:
    rows = pd.read_csv(folder / "care_episodes.csv", parse_dates=["start_date", "recorded_date"])
    lag = (rows.recorded_date - rows.start_date).dt.days
    assert (lag >= 0).all() and (lag >= 30).sum() > 0


def test_a_re_referred_child_has_two_referrals_and_one_history(folder: Path) -> None:
    ref = pd.read_csv(folder / "referrals.csv", parse_dates=["referral_date", "end_date"])
    truth = read_truth(folder / "truth.json")["care_histories"]
    twice = ref[ref.child_id.duplicated(keep=False)].sort_values(["child_id", "referral_date"])
    assert truth["re_referrals"] > 0 and twice.child_id.nunique() == truth["re_referrals"]
    assert ref.child_id.nunique() == truth["referred_children"] == len(ref) - truth["re_referrals"]
    first, second = twice.groupby("child_id").nth(0), twice.groupby("child_id").nth(1)
    assert (second.case_id.to_numpy() != first.case_id.to_numpy()).all()
    assert (second.referral_date.to_numpy() > first.end_date.to_numpy()).all()
    assert (second.family_id.to_numpy() == first.family_id.to_numpy()).all()


def test_re_referrals_add_referral_rows_and_nothing_else() -> None:
    sc = load_scenario("lancs-edge-of-care-004")
    with_ = synthesise(sc, seed=8)
    without = synthesise(sc, seed=8, params=dataclasses.replace(SynthParams(), re_referral_share=0.0))
    assert len(with_.frames["referrals.csv"]) > len(without.frames["referrals.csv"])
    for name in ("care_episodes.csv", "assessments.csv", "school.csv", "reading.csv", "comparison_pool.csv"):
        pd.testing.assert_frame_equal(with_.frames[name], without.frames[name])
    assert with_.truth["care_entry"] == without.truth["care_entry"]


def test_every_file_meets_its_contract_with_the_new_shapes(folder: Path) -> None:
    sc = load_scenario("lancs-edge-of-care-004")
    report = validate_folder(folder, districts=sc.district_names, sub_cohorts=[s.name for s in sc.sub_cohorts])
    assert report.issues.empty, report.issues.head().to_string()


def test_ssda903_pair_holds_the_same_rows(folder: Path) -> None:
    episodes_path, header_path = ssda903_paths(folder)
    epi = pd.read_csv(episodes_path, dtype=str, keep_default_na=False)
    head = pd.read_csv(header_path, dtype=str, keep_default_na=False)
    assert list(epi.columns) == ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
    assert list(head.columns) == ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    assert epi.DECOM.str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert epi.DEC.str.fullmatch(r"(\d\d/\d\d/\d{4})?").all()
    rows = pd.read_csv(folder / "care_episodes.csv", dtype=str, keep_default_na=False)
    iso = lambda s: s.str.slice(6, 10) + "-" + s.str.slice(3, 5) + "-" + s.str.slice(0, 2)  # noqa: E731
    back = pd.DataFrame({"child_id": epi.CHILD, "start_date": iso(epi.DECOM), "end_date": iso(epi.DEC).replace("--", ""), "legal_status": epi.LS})
    mine = rows[["child_id", "start_date", "end_date", "legal_status"]]
    key = ["child_id", "start_date", "end_date", "legal_status"]
    pd.testing.assert_frame_equal(back.sort_values(key).reset_index(drop=True), mine.sort_values(key).reset_index(drop=True))
    # REC X1 exactly on rows followed the same day by another row of the period (a continuation)
    e = epi.assign(s=pd.to_datetime(epi.DECOM, format="%d/%m/%Y"), d=pd.to_datetime(epi.DEC, format="%d/%m/%Y", errors="coerce"))
    starts = Counter(zip(e.CHILD, e.s))  # another row (not itself: zero-day rows) starting on DEC
    followed = np.array([starts[(c, d)] - (s == d) > 0 for c, s, d in zip(e.CHILD, e.s, e.d)])
    short_break = e.LS.isin(["V3", "V4"]).to_numpy()
    assert (e.REC.eq("X1").to_numpy() == (followed & ~short_break)).all()
    assert e.loc[e.LS.isin(["J1", "J2", "J3"]) & (e.REC != "") & (e.REC != "X1"), "REC"].eq("E14").all()
    assert e.loc[e.RNE.isin(["P", "B"])].shape[0] > 0
    assert set(head.CHILD) == set(epi.CHILD) and head.CHILD.is_unique
    assert head.SEX.isin(["1", "2"]).all() and head.UPN.str.fullmatch(r"[A-Z]\d{12}").all()


def test_upn_check_letter_worked_example() -> None:
    # digits 123 4567 08 009, weights 2..13: 2+6+12+20+30+42+56+0+80+0+0+117 = 365;
    # 365 mod 23 = 20 -> the 21st letter of ABCDEFGHJKLMNPQRTUVWXYZ is X.
    assert upn(123, 4567, 8, 9) == "X123456708009"


def test_same_seed_same_ssda903_bytes(folder: Path, tmp_path: Path) -> None:
    write_extracts(synthesise(load_scenario("lancs-edge-of-care-004"), seed=3, scenario_name="lancs-edge-of-care-004"), tmp_path)
    for a, b in zip(ssda903_paths(folder), ssda903_paths(tmp_path)):
        assert a.read_bytes() == b.read_bytes()


# The DfE code sets for SSDA903 2023-24, as listed in Social Finance's liiatools 0.2.0
# (liiatools/spec/s903/SSDA903_schema_2024.yml); checked by hand against that file.
RNE = {"S", "L", "P", "T", "B", "U"}
LS = {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"}
CIN = {f"N{i}" for i in range(1, 9)}
PLACE = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1",
         "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"}
PROVIDER = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}
REC = {"", "X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48", "E5", "E6", "E7",
       "E9", "E14", "E15", "E16", "E17", "E8"}
REASON = {"", "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE", "CUSTOD", "OTHER"}
ETHNIC = {"WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
          "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"}


def test_ssda903_codes_are_in_the_dfe_code_sets(folder: Path) -> None:
    episodes_path, header_path = ssda903_paths(folder)
    epi = pd.read_csv(episodes_path, dtype=str, keep_default_na=False)
    head = pd.read_csv(header_path, dtype=str, keep_default_na=False)
    for column, allowed in (("RNE", RNE), ("LS", LS), ("CIN", CIN), ("PLACE", PLACE), ("PLACE_PROVIDER", PROVIDER),
                            ("REC", REC), ("REASON_PLACE_CHANGE", REASON)):
        assert set(epi[column]) <= allowed, column
    assert set(head.ETHNIC) <= ETHNIC and set(head.MOTHER) <= {"", "0", "1"}
    # lac_validator rule 225: a reason is recorded where an X1 episode is followed by a placement
    # change (RNE P or B), and (here) nowhere else
    e = epi.assign(s=pd.to_datetime(epi.DECOM, format="%d/%m/%Y"), d=pd.to_datetime(epi.DEC, format="%d/%m/%Y", errors="coerce"))
    rne_by_start = e.groupby(["CHILD", "s"]).RNE.agg(lambda r: set(r))
    nxt = [rne_by_start.get((c, d), set()) if rec == "X1" else set() for c, d, rec in zip(e.CHILD, e.d, e.REC)]
    needs = np.array([bool(n & {"P", "B"}) for n in nxt])
    assert (e.REASON_PLACE_CHANGE.ne("").to_numpy() <= needs).all()
    assert e.REASON_PLACE_CHANGE.ne("").sum() > 0
    # an episode after one that ended the period (REC other than X1) starts a new period: RNE S
    assert e.loc[e.RNE != "S"].shape[0] == e.REC.eq("X1").sum()
