"""The runner and the tables read only the generic interface (simulate.reforecast.base).

A toy mechanism registered for the test: a three-month contract paid by one payer, £100
settled in month 1; each draw owes £10 in month 2 and £20 (draw 0, 2, ...) or £40 (draw 1,
3, ...) in month 3 — so every number below is worked by hand.
"""

from __future__ import annotations

import datetime as dt
import sys
import types

import numpy as np
import pandas as pd
import pytest

from simulate.payments.days import to_day
from simulate.payments.settlement import Settlement
from simulate.reforecast import ContextBase, Outcome, reforecast, summarise
from simulate.reforecast import run as run_module

START = dt.date(2024, 1, 1)
EDGES = np.array([to_day(dt.date(2024, m, 1)) for m in (1, 2, 3, 4)])


class _Cal:
    def table(self):
        return [{"sub_cohort": "all", "referrals_so_far": 3, "posterior_referrals_per_year": 12.0}]


def _prepare(scenario, frames, as_of, priors):
    pay = pd.DataFrame({"metric": ["sessions"], "due_date": pd.to_datetime(["2024-01-15"]), "amount": [100.0], "payer": ["council"]})
    return ContextBase(Settlement(as_of, pay, pd.DataFrame()), EDGES, to_day(as_of), np.array([100.0, 0.0, 0.0]), ("council",),
                       ("sessions",), 3, "families referred", "provider", _Cal())


def _run_draw(ctx, rng):
    i = int(rng.integers(0, 2))          # the draw's own generator picks the month-3 amount
    late = 20.0 if i == 0 else 40.0
    future = np.array([0.0, 10.0, late])
    return Outcome(future, {"council": ctx.realised_by_month + future}, {"sessions": 10.0 + late}, 1 + i, late,
                   {"provider_net_gbp": 100.0 + 10.0 + late - 90.0, "provider_loss": float(i == 0)},
                   {("attendance", "2024"): bool(i)})


@pytest.fixture
def toy(monkeypatch):
    mod = types.ModuleType("toy_mechanism")
    mod.prepare, mod.run_draw = _prepare, _run_draw
    mod.FIGURES = {"provider_net_gbp": ("Provider net", "gbp"), "provider_loss": ("P(provider loss)", "probability")}
    monkeypatch.setitem(sys.modules, "toy_mechanism", mod)
    monkeypatch.setitem(run_module.MECHANISMS, "toy", "toy_mechanism")
    return types.SimpleNamespace(payment=types.SimpleNamespace(kind="toy"))


def test_a_toy_mechanism_runs_through_the_generic_tables(toy):
    run = reforecast(toy, {}, dt.date(2024, 1, 31), draws=40, seed=3)
    d = run.draws
    late = d["future_due_gbp"] - 10.0
    assert set(late) <= {20.0, 40.0} and len(set(late)) == 2
    assert np.allclose(d["total_due_gbp"], 100.0 + d["future_due_gbp"])
    assert list(d.columns[:6]) == ["draw", "future_due_gbp", "total_due_gbp", "new_cases", "new_cases_gbp", "future_sessions_gbp"]
    share40 = float((late == 40.0).mean())
    t = summarise(run)
    s = t["summary.json"]
    assert s["settled_to_date_gbp"] == 100.0 and s["cases_to_date"] == 3 and s["risk_bearer"] == "provider"
    # total paid after caps: 100 + 10 + (20 or 40)
    assert s["total_outcome_payments_gbp"]["mean"] == pytest.approx(130.0 + 20.0 * share40)
    fig = {f["name"]: f for f in s["figures"]}
    assert fig["provider_loss"]["mean"] == pytest.approx(1.0 - share40)
    assert fig["provider_net_gbp"]["label"] == "Provider net" and fig["provider_net_gbp"]["kind"] == "gbp"
    assert s["waterfall_parts"] == {"settled_gbp": 100.0, "existing_future_gbp": pytest.approx(10.0),
                                    "new_future_gbp": pytest.approx(20.0 + 20.0 * share40)}
    rbm = t["remaining_by_month.csv"]
    # from the as-of month (January: nothing left of it) to March, for the payer and the total
    assert list(rbm["month"].unique()) == ["2024-01", "2024-02", "2024-03"]
    assert set(rbm["payer"]) == {"council", "total"}
    march = rbm[(rbm["month"] == "2024-03") & (rbm["payer"] == "total")].iloc[0]
    assert march["mean_gbp"] == pytest.approx(20.0 + 20.0 * share40)
    assert rbm.loc[rbm["month"] == "2024-01", "mean_gbp"].tolist() == [0.0, 0.0]
    paf = t["planned_achieved_forecast.csv"]
    assert paf["metric"].tolist() == ["families referred", "sessions"]
    assert paf.loc[1, "achieved_to_date"] == 100.0
    assert paf.loc[1, "forecast_mean"] == pytest.approx(130.0 + 20.0 * share40)
    k = t["kpi_probabilities.csv"]
    assert k[["kpi", "period"]].values.tolist() == [["attendance", "2024"]]
    assert k["p_met"].iloc[0] == pytest.approx(share40)


def test_no_kpis_no_kpi_file(toy, monkeypatch):
    def no_kpis(ctx, rng):
        o = _run_draw(ctx, rng)
        o.kpis = None
        return o
    monkeypatch.setattr(sys.modules["toy_mechanism"], "run_draw", no_kpis)
    run = reforecast(toy, {}, dt.date(2024, 1, 31), draws=4, seed=3)
    assert run.kpis is None and "kpi_probabilities.csv" not in summarise(run)
