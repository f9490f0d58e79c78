"""The array helpers the real-data settlement joins and sorts with: worked examples and invariants.

Ids are put on one integer scale (``codes_in``), rows are grouped per code (``join_rows`` on
CSR offsets), payment rows are sorted on a packed key (``sort_order``) and audit reasons are
keyed per distinct combination (``combine``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.payments.cap_arrays import sort_order
from simulate.payments.oneoffs import codes_in, join_rows
from simulate.payments.texts import combine

PEOPLE = pd.Index(np.array(["C1", "C2", "F1"], dtype=object))


def test_codes_in_gives_the_same_codes_whatever_the_text_type():
    # C2 is position 1, F1 position 2; a blank and an id outside the referrals are -1
    values = ["F1", None, "C9", "C2", "C2"]
    expected = [2, -1, -1, 1, 1]
    for dtype in ("str", object, "category"):
        assert codes_in(PEOPLE, pd.Series(values, dtype=dtype)).tolist() == expected


def test_join_rows_on_codes_pairs_each_case_with_its_rows_in_file_order():
    # three cases (children C1, C2, C1 again as a re-referral) and five school rows:
    # rows 0 and 3 are C1's, row 2 is C2's, row 1 is F1's (no case), row 4 is unknown
    cases = np.array([0, 1, 0])
    rows = np.array([0, 2, 1, 0, -1])
    case_of, row_of = join_rows(cases, rows)
    assert list(zip(case_of.tolist(), row_of.tolist())) == [(0, 0), (0, 3), (1, 2), (2, 0), (2, 3)]


def test_join_rows_on_codes_matches_the_join_on_text():
    kids = np.array(["C2", "C1", "F1"], dtype=object)
    text = pd.Series(["C1", "C2", "C1", "F1", "X"], dtype="str")
    by_text = join_rows(kids, text)
    by_code = join_rows(PEOPLE.get_indexer(kids), codes_in(PEOPLE, text))
    assert [a.tolist() for a in by_text] == [a.tolist() for a in by_code]
    assert by_code[0].tolist() == [0, 1, 1, 2] and by_code[1].tolist() == [1, 0, 2, 3]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 5), st.integers(0, 3), st.integers(0, 2)), max_size=60))
def test_sort_order_is_the_stable_lexsort(rows):
    # ties (equal rows) must keep file order, exactly as the stable lexsort does
    keys = [np.array([r[i] for r in rows], dtype=np.int64) for i in range(3)]
    expected = np.lexsort(keys[::-1]) if rows else np.zeros(0, np.int64)
    assert sort_order(*keys).tolist() == expected.tolist()


def test_combine_codes_rows_equal_in_every_column_alike():
    status = np.array([1, 1, 2, 1], dtype=np.int8)
    day = np.array([100, 100, 100, 101])
    score = np.array([3.5, 3.5, 3.5, np.nan])
    key = combine(status, day, score)
    # rows 0 and 1 agree everywhere; 2 differs by status, 3 by day and score
    assert key[0] == key[1] and len({key[0], key[2], key[3]}) == 3
    assert sorted(set(key.tolist())) == [0, 1, 2]
