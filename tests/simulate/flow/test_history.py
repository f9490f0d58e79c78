"""Monthly series from a per-case table: a worked example by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulate.flow.history import compare_history, interval_over_replications, monthly_series


def _cases() -> pd.DataFrame:
    d = pd.Timestamp
    return pd.DataFrame({
        # Fri 3 Jan 2025 referred, started Mon 6 Jan (1 working day), ended 20 Feb
        # Mon 13 Jan referred, started Mon 3 Feb (15 working days: 14..31 Jan = 14, + 3 Feb), still open
        # Wed 29 Jan referred, never started
        # Thu 17 Apr referred, started Tue 22 Apr: Good Friday 18 Apr and Easter Monday 21 Apr are
        #   bank holidays, so 1 working day (22 Apr); ended 30 Apr (the month's last day)
        "referral_date": [d("2025-01-03"), d("2025-01-13"), d("2025-01-29"), d("2025-04-17")],
        "start_date": [d("2025-01-06"), d("2025-02-03"), pd.NaT, d("2025-04-22")],
        "end_date": [d("2025-02-20"), pd.NaT, pd.NaT, d("2025-04-30")],
    })


def test_monthly_series_by_hand():
    s = monthly_series(_cases(), dt.date(2025, 1, 1), 4)
    wide = s.pivot(index="month", columns="metric", values="value")
    assert wide["referrals"].tolist() == [3, 0, 0, 1]
    assert wide["starts"].tolist() == [1, 1, 0, 1]
    w = wide["mean_wait_to_start_working_days"].tolist()
    assert w[0] == 1 and w[1] == 15 and np.isnan(w[2]) and w[3] == 1
    # open at month end: Jan 1 (case 1); Feb 1 (case 2; case 1 ended 20 Feb); Mar 1; Apr 1 (case 4 ended on 30 Apr)
    assert wide["open_cases_at_month_end"].tolist() == [1, 1, 1, 1]


def test_replications_and_flags():
    a = _cases().assign(replication=0)
    b = _cases().assign(replication=1)
    b.loc[3, "referral_date"] = pd.NaT  # replication 1 has no April referral
    series = monthly_series(pd.concat([a, b]), dt.date(2025, 1, 1), 4)
    sim = interval_over_replications(series)
    apr = sim[(sim["metric"] == "referrals") & (sim["month"] == pd.Timestamp("2025-04-01"))].iloc[0]
    assert apr["sim_mean"] == 0.5 and apr["sim_low"] == pytest.approx(0.025) and apr["sim_high"] == pytest.approx(0.975)
    observed = monthly_series(_cases(), dt.date(2025, 1, 1), 4)
    observed.loc[(observed["metric"] == "referrals") & (observed["month"] == pd.Timestamp("2025-01-01")), "value"] = 5
    flags = compare_history(observed, sim).set_index(["metric", "month"])["flag"]
    assert flags[("referrals", pd.Timestamp("2025-01-01"))] == "above"  # 5 against 3-3
    assert flags[("referrals", pd.Timestamp("2025-04-01"))] == "above"  # 1 against 0.025-0.975
    assert flags[("starts", pd.Timestamp("2025-02-01"))] == "inside"
    assert flags[("mean_wait_to_start_working_days", pd.Timestamp("2025-03-01"))] == "no value"
