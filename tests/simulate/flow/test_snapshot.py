"""Starting from today's snapshot: open cases, today's waiting list, patience, drain times.

Every replication here runs with the invariants on (conservation, Little's law, causality,
capacity with today's open cases counted).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from cusp.cli import main
from simulate.flow.engine import DONE, IN_SERVICE, RENEGED
from simulate.flow.model import InitialState, run_replication
from simulate.scenario import load_scenario, with_overrides

from .conftest import ci_contains


def mmc_service(c: int, mean_days: float, lam_per_day: float, patience: float | None = None, months: int = 36):
    """003 turned into an M/M/c FIFO caseload: c places, exponential support, Poisson referrals."""
    sc = load_scenario("lancs-young-carers-003")
    return with_overrides(sc, {
        "horizon.referral_months": months,
        "referrals.streams": [{"sub_cohort": "young_carers", "per_year": lam_per_day * 365.25}],
        "referrals.seasonality": None, "referrals.acceptance_probability": 1.0,
        "triage.policy": "fifo", "triage.patience_days": patience,
        "triage.contact_delay_working_days": 0, "triage.assessment_delay_working_days": 0,
        "triage.contact_hours": None, "triage.assessment_hours": None,
        "workforce.pooled_fte": c, "workforce.caseload_cap_per_fte": 1, "workforce.vacancy_rate": 0.0, "workforce.leave_share": 0.0,
        "intervention.duration_weeks": {"dist": "exponential", "mean": mean_days / 7.0},
        "intervention.disengagement_per_week": 0.0,
    })


def waiting_list(sc, n: int, oldest_days: int, rng: np.random.Generator) -> pd.DataFrame:
    origin = sc.horizon.start_date
    ages = np.sort(rng.integers(1, oldest_days + 1, n))[::-1]
    return pd.DataFrame({"district": "Burnley", "referral_date": [origin - dt.timedelta(days=int(a)) for a in ages], "need_level": 3})


def open_cases(sc, n: int) -> pd.DataFrame:
    # opened today, end drawn from the (exponential) duration: every place busy at day 0
    return pd.DataFrame({"district": "Burnley", "start_date": [sc.horizon.start_date] * n})


def test_waiting_list_alone_runs_with_invariants_on():
    sc = mmc_service(c=5, mean_days=14, lam_per_day=0.2)
    rng = np.random.default_rng(1)
    rep = run_replication(sc, 3, 0, initial=InitialState(waiting=waiting_list(sc, 30, 90, rng)), check=True)
    snap = rep.cases.snapshot
    # five free places at day 0 go to the five longest waiting (FIFO), at day 0
    first = np.flatnonzero(snap)[:5]
    assert np.all(rep.start[first] == 0.0)
    assert np.all(np.isnan(rep.start[snap][5:]) | (rep.start[snap][5:] > 0))
    # each family's wait counts from its referral, before day 0
    assert np.all(rep.cases.referral[snap] < 0)


def test_open_cases_alone_hold_places_until_they_end():
    sc = mmc_service(c=4, mean_days=14, lam_per_day=0.5)
    oc = pd.DataFrame({"district": "Burnley", "start_date": [sc.horizon.start_date - dt.timedelta(days=10)] * 4,
                       "end_date": [sc.horizon.start_date + dt.timedelta(days=d) for d in (3, 5, 8, 40)]})
    rep = run_replication(sc, 3, 0, initial=InitialState(open_cases=oc), check=True)
    s = rep.start[np.isfinite(rep.start)]
    # all four places are held until day 3; one frees at 3, another at 5, another at 8
    assert s.min() >= 3.0
    assert (s < 5.0).sum() <= 1 and (s < 8.0).sum() <= 2 and (s < 40.0).sum() >= 3


def test_both_together_run_with_invariants_on():
    sc = mmc_service(c=6, mean_days=21, lam_per_day=0.25, patience=60)
    rng = np.random.default_rng(2)
    state = InitialState(open_cases=open_cases(sc, 6), waiting=waiting_list(sc, 20, 60, rng))
    rep = run_replication(sc, 4, 0, initial=state, check=True)
    assert rep.initial_open == 6 and rep.cases.snapshot.sum() == 20
    # every place is taken at day 0, so nobody from today's list starts at day 0
    assert not np.any(rep.start == 0.0)


def test_cli_waiting_alone_no_longer_stops_on_causality(capsys, tmp_path):
    csv = tmp_path / "waiting.csv"
    csv.write_text("district,referral_date,need_level\nBurnley,2027-03-01,3\nPreston,2027-02-10,4\nChorley,2027-03-20,2\n")
    with pytest.raises(SystemExit) as info:
        main(["capacity", "run", "--scenario", "lancs-young-carers-003", "--reps", "2", "--waiting", str(csv)])
    err = capsys.readouterr().err
    assert int(info.value.code or 0) == 0, err


def test_patience_of_todays_list_runs_from_today():
    # no places at all: today's 300 families can only wait or give up. Patience is exponential
    # (mean 120 days), so a family still waiting today gives up within t days of today with
    # probability 1 - exp(-t/120), however long it has already waited; nobody leaves before day 0.
    sc = with_overrides(mmc_service(c=1, mean_days=14, lam_per_day=0.01, patience=120.0), {"workforce.pooled_fte": 0})
    rng = np.random.default_rng(3)
    wl = waiting_list(sc, 300, 400, rng)
    shares, before = [], 0
    for r in range(20):
        rep = run_replication(sc, 11, r, initial=InitialState(waiting=wl), check=True)
        snap = rep.cases.snapshot
        gone = rep.end[snap][rep.status[snap] == RENEGED]
        before += int((gone < 0).sum())
        shares.append(float((gone <= 60.0).sum()) / 300)
    assert before == 0
    ok, mean, se = ci_contains(shares, 1 - math.exp(-60 / 120))
    assert ok, (mean, se)


def test_patience_counted_from_referral_when_the_user_says_so():
    # the stated alternative: a family whose patience (from its referral) has run out leaves at
    # day 0. A family referred a days ago leaves at day 0 with probability 1 - exp(-a/120).
    sc = with_overrides(mmc_service(c=1, mean_days=14, lam_per_day=0.01, patience=120.0), {"workforce.pooled_fte": 0})
    wl = waiting_list(sc, 300, 400, np.random.default_rng(3))
    ages = np.array([(sc.horizon.start_date - d).days for d in wl["referral_date"]], dtype=float)
    expected = float(np.mean(1 - np.exp(-ages / 120.0)))
    shares = []
    for r in range(20):
        rep = run_replication(sc, 11, r, initial=InitialState(waiting=wl, patience_from="referral"), check=True)
        snap = rep.cases.snapshot
        shares.append(float(((rep.status[snap] == RENEGED) & (rep.end[snap] == 0.0)).sum()) / 300)
    ok, mean, se = ci_contains(shares, expected)
    assert ok, (mean, se, expected)


def _first_empty(rep) -> float:
    """First day after day 0 when the waiting list is empty (a sweep over joins and starts)."""
    c = rep.cases
    join = np.clip(c.ready[c.accepted], 0.0, None)
    leave = np.where(np.isfinite(rep.start), rep.start, rep.end)[c.accepted]
    times = np.concatenate([join, leave])
    steps = np.concatenate([np.ones(join.size), -np.ones(leave.size)])
    ok = np.isfinite(times)
    times, steps = times[ok], steps[ok]
    order = np.lexsort((-steps, times))  # joins before leaves at one instant
    level = np.cumsum(steps[order])
    empty = np.flatnonzero(level == 0)
    return float(times[order][empty[0]]) if empty.size else np.inf


def test_drain_time_of_a_300_family_list_at_rho_0_9():
    # M/M/c, c = 500 places, support Exp(mean 70 days): mu = 1/70, c*mu = 50/7 per day;
    # referrals at rho = 0.9: lambda = 0.9 * 50/7 per day. (The model gives support at least one
    # day; with a 70-day mean that touches 1.4% of families and moves the mean by 1e-4.)
    # Today: every place taken (500 cases
    # opened today, exponential remaining time) and N = 300 families waiting, FIFO, no patience.
    #
    # (a) Time until today's list has all started. Each departure lets the next family in
    #     line start, and while all places are busy departures are Poisson(c*mu): the N-th
    #     start is Gamma(N, c*mu), mean N / (c*mu) = 42 days, whatever the arrivals.
    # (b) Time until the waiting list is first empty (newcomers included). While the list is
    #     not empty all c places are busy, so the list length moves like an M/M/1 queue with
    #     arrival rate lambda and service rate c*mu; each fall by one takes an M/M/1 busy
    #     period, mean 1 / (c*mu - lambda). From N: E[T] = N / (c*mu - lambda) = 420 days.
    c, mean_days, n = 500, 70.0, 300
    cmu = c / mean_days
    lam = 0.9 * cmu
    sc = mmc_service(c=c, mean_days=mean_days, lam_per_day=lam)
    wl = waiting_list(sc, n, 60, np.random.default_rng(4))
    state = InitialState(open_cases=open_cases(sc, c), waiting=wl)
    last_start, empty = [], []
    for r in range(40):
        rep = run_replication(sc, 21, r, initial=state, check=True, timelines=False)
        snap = rep.cases.snapshot
        assert np.all(np.isin(rep.status[snap], (DONE, IN_SERVICE)))
        last_start.append(float(np.max(rep.start[snap])))
        empty.append(_first_empty(rep))
    ok, mean, se = ci_contains(last_start, n / cmu)
    assert ok, f"today's list served in {mean:.2f} ± {se:.2f} days vs exact {n / cmu:.2f}"
    ok, mean, se = ci_contains(empty, n / (cmu - lam))
    assert ok, f"list first empty after {mean:.1f} ± {se:.1f} days vs exact {n / (cmu - lam):.1f}"


def test_cli_open_cases_alone_and_both(capsys, tmp_path):
    open_csv = tmp_path / "open.csv"
    open_csv.write_text("district,start_date,end_date\nBurnley,2027-02-01,2027-05-01\nPreston,2027-03-01,2027-04-20\n")
    waiting_csv = tmp_path / "waiting.csv"
    waiting_csv.write_text("district,referral_date\nChorley,2027-03-10\n")
    for extra in (["--open-cases", str(open_csv)], ["--open-cases", str(open_csv), "--waiting", str(waiting_csv)]):
        with pytest.raises(SystemExit) as info:
            main(["capacity", "run", "--scenario", "lancs-young-carers-003", "--reps", "2", *extra])
        err = capsys.readouterr().err
        assert int(info.value.code or 0) == 0, err


def test_open_case_without_an_end_date_gets_one_drawn():
    sc = mmc_service(c=2, mean_days=14, lam_per_day=0.1)
    origin = sc.horizon.start_date
    oc = pd.DataFrame({"district": ["Burnley", "Preston"], "start_date": [origin - dt.timedelta(days=5)] * 2,
                       "end_date": [origin + dt.timedelta(days=30), None]})
    rep = run_replication(sc, 3, 0, initial=InitialState(open_cases=oc), check=True)
    # both open cases held a place from day 0 (the capacity invariant, checked above, counts them)
    assert rep.initial_open == 2 and np.nanmin(rep.start) > 0
