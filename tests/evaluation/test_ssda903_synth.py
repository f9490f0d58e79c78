"""``cusp synth`` writes care histories as an SSDA903 pair; importing it recovers the true periods.

The synthetic generator (data_synthetic, issue 11) draws periods away from home and writes them
as councils record them (placement-change chains, zero-day placements, remand after care, short
breaks); ``SyntheticExtracts.periods`` holds the periods a correct reading recovers. Until that
generator is merged this test is skipped.
"""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.readers.ssda903 import read_ssda903
from evaluation.readers.ssda903_periods import episodes_to_periods
from simulate.scenario import load_scenario

data_synthetic = pytest.importorskip("data_synthetic")
if not hasattr(data_synthetic, "ssda903_paths"):
    pytest.skip("the synthetic SSDA903 writer (data_synthetic.ssda903_paths) is not on this branch", allow_module_level=True)


def test_import_recovers_the_generators_true_periods(tmp_path):
    extracts = data_synthetic.synthesise(load_scenario("lancs-edge-of-care-004"), seed=3, scenario_name="lancs-edge-of-care-004")
    data_synthetic.write_extracts(extracts, tmp_path)
    episodes, header = data_synthetic.ssda903_paths(tmp_path)
    care, _, report = episodes_to_periods(read_ssda903(episodes, header))
    truth = extracts.periods
    key = ["child_id", "start_date", "end_date"]

    def as_set(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
        f = frame.assign(start_date=pd.to_datetime(frame["start_date"]).dt.strftime("%Y-%m-%d"),
                         end_date=pd.to_datetime(frame["end_date"]).dt.strftime("%Y-%m-%d")).fillna("")
        return set(map(tuple, f[key].astype(str).to_numpy()))

    assert as_set(care) == as_set(truth)
    assert report.periods_built == len(truth) and report.short_break_rows_excluded > 0
