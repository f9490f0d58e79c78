"""Audit reasons for many rows at once: format each distinct combination of values once.

A settlement of 100,000 children writes 600,000 audit reasons, but far fewer distinct ones (a
reason depends on a handful of dates and counts), so each distinct combination is formatted
once in Python and the rows take their text by index.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from .days import to_date


def combine(*cols: np.ndarray) -> np.ndarray:
    """One int64 code per row, equal for rows equal in every column.

    Integer and boolean columns (days, statuses, counts) are packed by their range, without
    hashing; other columns (amounts, scores) are factorised. Codes are dense: 0, 1, 2, ...
    """
    n = len(cols[0]) if cols else 0
    key = np.zeros(n, np.int64)
    width = 1
    for col in cols:
        a = np.asarray(col)
        if a.dtype.kind in "iub" and n:
            a = a.astype(np.int64, copy=False)
            lo = int(a.min())
            codes, size = a - lo, int(a.max()) - lo + 1
        else:
            codes, uniques = pd.factorize(a, use_na_sentinel=False)
            size = len(uniques)
        if float(width) * max(size, 1) >= 2.0**62:      # re-densify before the packed key overflows
            key = pd.factorize(key)[0].astype(np.int64)
            width = int(key.max()) + 1 if n else 1
        key = key * max(size, 1) + codes
        width *= max(size, 1)
    return pd.factorize(key)[0].astype(np.int64) if n else key


def format_unique(fn: Callable[..., str], *cols: np.ndarray) -> np.ndarray:
    """``fn(*values)`` for every row of ``cols``, called once per distinct combination.

    Returns an object array of str, one per row.
    """
    n = len(cols[0]) if cols else 0
    if n == 0:
        return np.empty(0, dtype=object)
    key = combine(*cols)
    k = int(key.max()) + 1
    rep = np.empty(k, np.int64)
    rep[key[::-1]] = np.arange(n - 1, -1, -1)        # the first row of each combination
    texts = np.empty(k, dtype=object)
    picked = [np.asarray(c)[rep].tolist() for c in cols]
    texts[:] = [fn(*values) for values in zip(*picked)]
    return texts[key]


@lru_cache(maxsize=1 << 16)
def d(day: int) -> str:
    """ISO date of a day number."""
    return to_date(day).isoformat()
