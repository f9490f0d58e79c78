"""The vectorised stability path gives the per-child path's results on thousands of children."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gen import random_children
from simulate.payments.days import to_day
from simulate.payments.stability import StabilityRules, settle_stability
from simulate.payments.vectorised import settle_stability_arrays, spells_from_lists

RULES = StabilityRules(contract_end=to_day(dt.date(2026, 9, 1)), milestone_price=6800.0, tariff_price=10200.0, deadweight=0.33)


@pytest.mark.parametrize("as_of", [dt.date(2020, 3, 31), dt.date(2021, 6, 15), dt.date(2024, 12, 31), dt.date(2026, 8, 31), dt.date(2027, 1, 1)])
def test_both_paths_identical(as_of: dt.date) -> None:
    day = to_day(as_of)
    t0, spells = random_children(3000, seed=day, first=to_day(dt.date(2019, 9, 1)), last=to_day(dt.date(2025, 6, 1)), as_of=day)
    offsets, start, end = spells_from_lists(spells)
    vec = settle_stability_arrays(t0, offsets, start, end, day, RULES, monthly=True)
    for i in range(len(t0)):
        ref = settle_stability(int(t0[i]), spells[i], day, RULES)
        assert vec.milestone_status[i] == ref.milestone_status, i
        assert vec.tariff_status[i] == ref.tariff_status, i
        assert vec.milestone_amount[i] == ref.milestone_amount, i
        assert vec.tariff_days[i] == sum(h for _, h, _ in ref.tariff), i
        assert vec.tariff_amount[i] == pytest.approx(ref.tariff_amount, abs=1e-9), i
        got = {int(d): (int(h), a) for d, h, a in zip(vec.month_due[i], vec.month_days[i], vec.month_amount[i]) if h > 0}
        assert got == {d: (h, a) for d, h, a in ref.tariff}, i
        assert (vec.stop_day[i] if vec.stop_day[i] >= 0 else None) == ref.stop_day, i


def test_chunked_monthly_breakdown_equals_one_chunk(monkeypatch):
    import simulate.payments.vectorised as vec

    day = to_day(dt.date(2025, 1, 31))
    t0, spells = random_children(2000, seed=3, first=to_day(dt.date(2019, 9, 1)), last=to_day(dt.date(2024, 9, 1)), as_of=day)
    offsets, start, end = spells_from_lists(spells)
    whole = settle_stability_arrays(t0, offsets, start, end, day, RULES, monthly=True)
    monkeypatch.setattr(vec, "_CHUNK", 257)
    parts = settle_stability_arrays(t0, offsets, start, end, day, RULES, monthly=True)
    assert np.array_equal(whole.month_amount, parts.month_amount) and np.array_equal(whole.month_days, parts.month_days)
    assert np.array_equal(whole.month_due, parts.month_due) and whole.month_days.sum() > 0


def test_per_child_prices_deadweight_and_eligibility_arrays():
    day = to_day(dt.date(2026, 8, 31))
    t0, spells = random_children(1500, seed=21, first=to_day(dt.date(2019, 9, 1)), last=to_day(dt.date(2024, 9, 1)), as_of=day)
    offsets, start, end = spells_from_lists(spells)
    rng = np.random.default_rng(4)
    mp, tp = rng.uniform(1000, 9000, t0.size), rng.uniform(1000, 15000, t0.size)
    dw, ok = rng.choice([0.0, 0.33], t0.size), rng.random(t0.size) < 0.9
    vec = settle_stability_arrays(t0, offsets, start, end, day, RULES, mp, tp, dw, ok, monthly=True)
    for i in range(t0.size):
        if not ok[i]:
            assert vec.milestone_status[i] == vec.tariff_status[i] == 3 and vec.total[i] == 0
            continue
        rules = StabilityRules(contract_end=RULES.contract_end, milestone_price=mp[i], tariff_price=tp[i], deadweight=dw[i])
        ref = settle_stability(int(t0[i]), spells[i], day, rules)
        assert (vec.milestone_status[i], vec.tariff_status[i]) == (ref.milestone_status, ref.tariff_status)
        assert vec.milestone_amount[i] == ref.milestone_amount
        got = {int(d): a for d, h, a in zip(vec.month_due[i], vec.month_days[i], vec.month_amount[i]) if h > 0}
        assert got == {d: a for d, _, a in ref.tariff}
