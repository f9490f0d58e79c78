"""Episodes that touch or overlap are one period away from home (004 §9.2.1, issue 11)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.payments.days import OPEN_END, to_day
from simulate.payments.periods import merge_child, merge_periods


def d(text: str) -> int:
    return to_day(dt.date.fromisoformat(text))


def test_care_then_remand_the_same_day_is_one_59_day_period():
    # care 2022-01-01 -> 2022-02-01, remand 2022-02-01 -> 2022-03-01: home on 1 March only;
    # 31 days of January + 28 of February = 59 days away, one period
    p = merge_child([(d("2022-01-01"), d("2022-02-01")), (d("2022-02-01"), d("2022-03-01"))])
    assert p == [(d("2022-01-01"), d("2022-03-01"))]
    assert p[0][1] - p[0][0] == 31 + 28


def test_overlapping_rows_and_a_row_inside_another_are_one_period():
    rows = [(d("2022-05-10"), d("2022-05-20")), (d("2022-05-01"), d("2022-05-15")), (d("2022-05-03"), d("2022-05-04"))]
    assert merge_child(rows) == [(d("2022-05-01"), d("2022-05-20"))]


def test_three_rows_that_are_two_periods():
    # a placement change on 2022-03-10 (same day), home 2022-04-01, back into care 2022-06-01
    rows = [(d("2022-03-01"), d("2022-03-10")), (d("2022-03-10"), d("2022-04-01")), (d("2022-06-01"), d("2022-06-08"))]
    p = merge_periods(np.array([0, 3]), *map(np.array, zip(*rows)))
    assert list(zip(p.start.tolist(), p.end.tolist())) == [(d("2022-03-01"), d("2022-04-01")), (d("2022-06-01"), d("2022-06-08"))]
    assert p.rows.tolist() == [2, 1] and p.offsets.tolist() == [0, 2]


def test_an_open_row_keeps_the_period_open_and_a_zero_day_row_alone_stays():
    rows = [(d("2022-01-01"), d("2022-01-20")), (d("2022-01-20"), int(OPEN_END))]
    assert merge_child(rows) == [(d("2022-01-01"), int(OPEN_END))]
    assert merge_child([(d("2022-01-05"), d("2022-01-05"))]) == [(d("2022-01-05"), d("2022-01-05"))]
    # a zero-day row on the day a period ends touches it: one period
    assert merge_child([(d("2022-01-01"), d("2022-01-05")), (d("2022-01-05"), d("2022-01-05"))]) == [(d("2022-01-01"), d("2022-01-05"))]


def test_children_do_not_merge_across_each_other():
    # child 0 ends on day 20; child 1 starts on day 20: different children, two periods
    p = merge_periods(np.array([0, 1, 2]), np.array([10, 20]), np.array([20, 30]))
    assert p.offsets.tolist() == [0, 1, 2] and p.start.tolist() == [10, 20]


episodes = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 40), st.booleans()), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(episodes, max_size=6))
def test_periods_cover_the_same_days_are_apart_and_count_every_row(children):
    rows = [[(s, int(OPEN_END) if o else s + n) for s, n, o in c] for c in children]
    offsets = np.concatenate(([0], np.cumsum([len(c) for c in rows]))).astype(np.int64)
    flat = [r for c in rows for r in c]
    start = np.array([s for s, _ in flat], dtype=np.int64)
    end = np.array([e for _, e in flat], dtype=np.int64)
    p = merge_periods(offsets, start, end)
    assert p.rows.sum() == len(flat)
    for i, c in enumerate(rows):
        got = list(zip(p.start[p.offsets[i]:p.offsets[i + 1]].tolist(), p.end[p.offsets[i]:p.offsets[i + 1]].tolist()))
        # apart: each period starts after the previous one ended (a gap of at least one home day)
        assert all(b[0] > a[1] for a, b in zip(got, got[1:]))
        # the same days away (capped at day 400 for open rows) and the same first days
        cover = lambda spans: {x for s, e in spans for x in range(s, min(e, 400))}  # noqa: E731
        assert cover(got) == cover(c)
        assert {s for s, _ in got} <= {s for s, _ in c}
