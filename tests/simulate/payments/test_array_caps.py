"""Array caps equal the due-date greedy of caps.apply_caps on the same payments."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from gen import random_children
from simulate.payments.array_caps import cap_rows, payment_rows
from simulate.payments.caps import apply_caps
from simulate.payments.days import to_day
from simulate.payments.stability import StabilityRules
from simulate.payments.vectorised import settle_stability_arrays, spells_from_lists
from simulate.scenario import Caps

RULES = StabilityRules(contract_end=to_day(dt.date(2026, 9, 1)), milestone_price=6800.0, tariff_price=10200.0)


@pytest.mark.parametrize("per_child,total", [(9000.0, None), (None, 2_000_000.0), (12000.0, 1_500_000.0)])
def test_array_caps_match_the_greedy(per_child, total):
    day = to_day(dt.date(2026, 8, 31))
    t0, spells = random_children(400, seed=11, first=to_day(dt.date(2019, 9, 1)), last=to_day(dt.date(2024, 9, 1)), as_of=day)
    offsets, start, end = spells_from_lists(spells)
    res = settle_stability_arrays(t0, offsets, start, end, day, RULES, monthly=True)
    child, kind, due, amount = payment_rows(res)
    order, paid = cap_rows(child, kind, due, amount, per_child=per_child, total=total)
    rows = pd.DataFrame({"child_id": [f"{c:05d}" for c in child], "metric": np.where(kind == 0, "stability_milestone", "stability_tariff"),
                         "due": due, "amount": amount})
    ref = apply_caps(rows, Caps(per_child_gbp=per_child, total_gbp=total), to_day(dt.date(2019, 9, 1)))
    assert len(ref) == len(paid)
    assert np.allclose(ref["amount"].to_numpy(), paid, atol=1e-6)
    assert ref["cut"].sum() > 0                        # the cap actually bites
    if total is not None:
        assert paid.sum() == pytest.approx(total)


def test_total_cap_applies_per_replication():
    day = to_day(dt.date(2026, 8, 31))
    t0, spells = random_children(200, seed=5, first=to_day(dt.date(2019, 9, 1)), last=to_day(dt.date(2024, 9, 1)), as_of=day)
    offsets, start, end = spells_from_lists(spells + spells)          # two identical replications
    res = settle_stability_arrays(np.r_[t0, t0], offsets, start, end, day, RULES, monthly=True)
    child, kind, due, amount = payment_rows(res)
    rep = (child >= 200).astype(np.int64)
    order, paid = cap_rows(child, kind, due, amount, replication=rep, per_child=15000.0, total=1_000_000.0)
    per_rep = np.bincount(rep[order], weights=paid)
    assert per_rep[0] == pytest.approx(1_000_000.0) and per_rep[1] == pytest.approx(per_rep[0])


def test_payments_by_month_sums_each_calendar_month():
    from simulate.payments.array_caps import payments_by_month

    start = to_day(dt.date(2019, 9, 1))
    child = np.array([0, 0, 1, 2])
    due = np.array([to_day(dt.date(2019, 9, 30)), to_day(dt.date(2019, 10, 31)), to_day(dt.date(2019, 10, 1)), to_day(dt.date(2019, 9, 15))])
    paid = np.array([10.0, 20.0, 5.0, 1.0])
    out = payments_by_month(child, due, paid, start, 3, replication=np.array([0, 0, 1]), n_replications=2)
    assert out.tolist() == [[10.0, 25.0, 0.0], [1.0, 0.0, 0.0]]
