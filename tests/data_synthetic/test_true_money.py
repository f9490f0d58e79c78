"""The money under the contract's reading: council-shaped rows must settle as the true periods.

004 §9.2 speaks of "the period of Local Authority care or remand" and of a Child who "returns
to their family home"; it pays "a milestone payment for each Child in the cohort". So settling
``care_episodes.csv`` as councils write it (touching rows, remand after care, short breaks)
must give exactly the payments of settling one row per true period away from home, and a child
referred twice is paid one milestone.

Both are issue 11 and are fixed by the payments engine (another branch): on this branch they are
strict expected failures, so the merge that fixes them turns them into failures asking for the
mark to be removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from cusp.payment_extracts import read_folder, tool_directions
from data_synthetic import SynthParams, synthesise, write_extracts
from simulate.payments.settle import settle_scenario
from simulate.scenario import load_scenario



def _settle(sc, frames):
    as_of = sc.horizon.contract_end - dt.timedelta(days=1)
    result, _ = settle_scenario(sc, frames, as_of, tool_directions(), True, None)
    return result.payments


def test_rows_settle_as_the_true_periods(tmp_path: Path) -> None:
    sc = load_scenario("lancs-edge-of-care-004")
    ex = synthesise(sc, seed=7, rows_scale=0.2, params=dataclasses.replace(SynthParams(), re_referral_share=0.0))
    write_extracts(ex, tmp_path)
    frames = read_folder(tmp_path, sc)
    periods = ex.periods.assign(episode_id=[f"P{i:07d}" for i in range(len(ex.periods))])
    truth = dict(frames, **{"care_episodes.csv": periods[["episode_id", "child_id", "start_date", "end_date", "episode_type"]]})
    rows, true = _settle(sc, frames), _settle(sc, truth)
    assert len(frames["care_episodes.csv"]) > len(periods)  # the rows really are council-shaped
    assert rows.amount.sum() == pytest.approx(true.amount.sum(), abs=0.005)
    key = ["child_id", "metric", "due_date", "payer"]
    pd.testing.assert_frame_equal(rows.sort_values(key).reset_index(drop=True)[key + ["amount"]],
                                  true.sort_values(key).reset_index(drop=True)[key + ["amount"]])


def test_a_re_referred_child_is_paid_one_milestone(tmp_path: Path) -> None:
    sc = load_scenario("lancs-edge-of-care-004")
    write_extracts(synthesise(sc, seed=7, rows_scale=0.5), tmp_path)
    pay = _settle(sc, read_folder(tmp_path, sc))
    milestones = pay[pay.metric.astype(str).str.contains("milestone")]
    per_child = milestones.groupby(["child_id", "payer"]).size()
    assert (per_child == 1).all()
