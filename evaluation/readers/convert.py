"""Text columns → typed values, with every failing cell, on Arrow compute (no Python per cell).

A column read as text (pandas' Arrow-backed ``str``) is dictionary-encoded once: the distinct
values are few (a few thousand dates, ten areas, 100,000 people in a million rows), so each
check (allowed values, dates, numbers, membership of another file, duplicate keys) is done on
the distinct values and spread back with the integer indices. :class:`Encodings` keeps each
column's encoding so the column checks and the cross-file checks share it.

Dates: ISO ``YYYY-MM-DD`` always; ``dd/mm/yyyy`` too when ``dayfirst``; never month-first;
impossible dates (2019-02-30) are failures, not rolled over.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Reason = str | Callable[[list[Any]], list[str]]

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DMY = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


def arrow(text: pd.Series) -> pa.ChunkedArray:
    """The Arrow strings behind a text column (zero-copy for pandas' Arrow-backed ``str``)."""
    array = text.array
    if hasattr(array, "__arrow_array__"):
        out = array.__arrow_array__()
        return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])
    return pa.chunked_array([pa.array(text.astype(object).where(text.notna(), None), type=pa.string())])


def as_bool(mask: pa.ChunkedArray | pa.Array, null: bool = False) -> np.ndarray:
    """A boolean Arrow result as a NumPy bool array (nulls as ``null``)."""
    return pc.fill_null(mask, null).to_numpy(zero_copy_only=False).astype(bool, copy=False)


class Encodings:
    """Dictionary encodings of text columns, computed once per key and shared by every check."""

    def __init__(self) -> None:
        self._cache: dict[Hashable, tuple[pa.Array, np.ndarray]] = {}

    def get(self, key: Hashable, text: pd.Series) -> tuple[pa.Array, np.ndarray]:
        """``(distinct values, index of each row's value or -1 where blank)`` for ``text``."""
        if key not in self._cache:
            self._cache[key] = _encode(text)
        return self._cache[key]

    def prefetch(self, columns: dict[Hashable, pd.Series]) -> None:
        """Encode several columns at once on a thread pool (Arrow releases the GIL while hashing)."""
        todo = {k: v for k, v in columns.items() if k not in self._cache}
        if len(todo) < 2:
            for key, text in todo.items():
                self.get(key, text)
            return
        with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
            done = pool.map(lambda item: (item[0], _encode(item[1])), todo.items())
            self._cache.update(dict(done))


def _encode(text: pd.Series) -> tuple[pa.Array, np.ndarray]:
    if isinstance(text.dtype, pd.CategoricalDtype):        # read dictionary-encoded: the codes are the encoding
        codes = np.asarray(text.cat.codes, dtype=np.int64)
        return pa.array(np.asarray(text.cat.categories, dtype=object), type=pa.large_string()), codes
    arr = arrow(text)
    enc = pc.dictionary_encode(arr).combine_chunks()
    indices = pc.fill_null(enc.indices, -1) if arr.null_count else enc.indices
    return enc.dictionary, indices.to_numpy(zero_copy_only=False)


def spread(per_value: np.ndarray, idx: np.ndarray, blank: Any) -> np.ndarray:
    """Per-row values from per-distinct-value ``per_value`` (``blank`` where the cell is blank)."""
    if not len(per_value):
        return np.full(len(idx), blank, dtype=per_value.dtype)
    if per_value.dtype == bool and not per_value.any() and not blank:
        return np.zeros(len(idx), dtype=bool)     # the usual case of a failure mask: nothing failed
    if len(per_value) == 1 or (per_value.dtype == bool and per_value.all()):
        out = np.full(len(idx), per_value[0], dtype=per_value.dtype)
    else:
        out = np.take(per_value, idx)            # idx -1 picks the last value: blanks are reset below
    blanks = idx < 0
    if blanks.any():
        out[blanks] = blank
    return out


def isin(encoded: tuple[pa.Array, np.ndarray], values: pa.Array) -> np.ndarray:
    """Rows whose (non-blank) value is in ``values``."""
    dictionary, idx = encoded
    found = as_bool(pc.is_in(dictionary, value_set=values.cast(dictionary.type))) if len(dictionary) else np.zeros(0, dtype=bool)
    return spread(found, idx, False).astype(bool)


def duplicated_rows(encoded: list[tuple[pa.Array, np.ndarray]], n: int) -> np.ndarray:
    """Rows whose complete key (one encoding per key column) already appeared on an earlier row.

    The key columns' integer codes are combined into one integer per row, so the duplicate test
    hashes integers, not strings. Blank keys never count.
    """
    width = 1
    for dictionary, _ in encoded:
        width *= len(dictionary) + 1
    if width >= 2**62:  # too many combinations for one integer: hash the code tuples
        frame = pd.DataFrame({i: e[1] for i, e in enumerate(encoded)})
        return frame.duplicated(keep="first").to_numpy() & (frame >= 0).all(axis=1).to_numpy()
    codes = np.zeros(n, dtype=np.int64)
    for dictionary, idx in encoded:
        codes *= len(dictionary) + 1
        codes += idx
        codes += 1
    if width <= 1 << 26:
        # Fast answer to the usual question "any duplicate at all?": mark each code in a bitmap
        # of all possible codes; as many marks as rows means every key is distinct.
        seen = np.zeros(width, dtype=bool)
        seen[codes] = True
        if int(np.count_nonzero(seen)) == n:
            return np.zeros(n, dtype=bool)
    dup = pd.Series(codes).duplicated(keep="first").to_numpy().copy()
    if dup.any():
        for _, idx in encoded:
            dup &= idx >= 0
    return dup


def parse_dates(text: pd.Series, dayfirst: bool = False) -> pd.Series:
    """Dates from text: ISO ``YYYY-MM-DD`` always; ``dd/mm/yyyy`` too when ``dayfirst``.

    Never month-first: without ``dayfirst`` ``01/02/2025`` is missing (an issue), not 2 January.
    Impossible dates (``2019-02-30``) are missing.
    """
    text = text.astype(object).where(text.notna(), None)
    text = text.map(lambda v: v.strip() if isinstance(v, str) else v)
    values = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if dayfirst:
        rest = values.isna() & text.notna()
        if rest.any():
            values = values.where(~rest, pd.to_datetime(text.where(rest), format="%d/%m/%Y", errors="coerce"))
    return values


def date_reason(value: object, dayfirst: bool = False) -> str:
    """Why a date cell failed: impossible, day-first without ``--dayfirst``, or not a date."""
    text = str(value).strip()
    if _ISO.match(text) or (dayfirst and _DMY.match(text)):
        return f"not a real date: {text!r}"
    if _DMY.match(text):
        return (f"{text!r} is dd/mm/yyyy or mm/dd/yyyy: dates are ISO YYYY-MM-DD, or day-first with --dayfirst "
                "(never read month-first)")
    return f"not an ISO date (YYYY-MM-DD){' or dd/mm/yyyy' if dayfirst else ''}: {text!r}"


_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def _numbers(dictionary: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Float value of each distinct text (NaN if not a number) and whether it is not a number."""
    if not len(dictionary):
        return np.zeros(0), np.zeros(0, dtype=bool)
    ok = as_bool(pc.match_substring_regex(dictionary, _NUMBER))
    values = pc.cast(pc.utf8_trim_whitespace(pc.if_else(pa.array(ok), dictionary, None)), pa.float64())
    return values.to_numpy(zero_copy_only=False).astype("float64"), ~ok


def convert(text: pd.Series, col: Any, dayfirst: bool, encoded: Callable[[], tuple[pa.Array, np.ndarray]]
            ) -> tuple[pd.Series, list[tuple[np.ndarray, Reason]]]:
    """Convert one text column by its contract ``col`` (``dtype``, ``nullable``, ``allowed``, ``min``, ``max``).

    Returns the typed values (``datetime64[us]``, ``float64``, ``boolean`` or the text itself)
    and ``(mask, reason)`` pairs of failing cells; a callable reason maps the failing cells'
    texts to one reason each.
    """
    bad: list[tuple[np.ndarray, Reason]] = []
    if col.dtype == "str" and col.allowed is None:      # only blanks to find: no encoding needed
        missing = as_bool(pc.is_null(arrow(text)))
        if not col.nullable:
            bad.append((missing, "blank where a value is required"))
        return (text if text.dtype != object else text.astype("str")), bad
    dictionary, idx = encoded()
    missing = idx < 0
    if not col.nullable:
        bad.append((missing, "blank where a value is required"))
    # Every test below runs on the distinct values; only its result is spread to the rows
    # (a mask with no failure costs nothing to spread).
    if col.dtype == "date":
        distinct = parse_dates(pd.Series(dictionary.to_pylist(), dtype=object), dayfirst).to_numpy(dtype="datetime64[us]")
        bad.append((spread(np.isnat(distinct), idx, False), lambda v: [date_reason(x, dayfirst) for x in v]))
        return pd.Series(spread(distinct, idx, np.datetime64("NaT")), index=text.index), bad
    if col.dtype in ("int", "float"):
        per_value, not_number = _numbers(dictionary)
        bad.append((spread(not_number, idx, False),
                    lambda v, t=col.dtype: [f"not {'a whole number' if t == 'int' else 'a number'}: {x!r}" for x in v]))
        ok = ~np.isnan(per_value)
        if col.dtype == "int":
            frac = ok & (np.floor(per_value, where=ok, out=np.zeros_like(per_value)) != per_value)
            bad.append((spread(frac, idx, False), lambda v: [f"not a whole number: {x!r}" for x in v]))
            ok &= ~frac
        lo = -np.inf if col.min is None else col.min
        hi = np.inf if col.max is None else col.max
        with np.errstate(invalid="ignore"):
            out = ok & ((per_value < lo) | (per_value > hi))
        bad.append((spread(out, idx, False), lambda v: [f"{x} outside {_fmt(lo)}-{_fmt(hi)}" for x in v]))
        clean = np.where(out | ~ok, np.nan, per_value)
        return pd.Series(spread(clean, idx, np.nan), index=text.index, dtype="float64"), bad
    if col.allowed is not None:
        wrong = ~isin((dictionary, idx), pa.array(col.allowed, type=pa.string())) & ~missing
        bad.append((wrong, lambda v: [f"{x!r} is not one of {', '.join(col.allowed or ())}" for x in v]))
    if col.dtype == "bool":
        is_true = isin((dictionary, idx), pa.array(["true"]))
        known = is_true | isin((dictionary, idx), pa.array(["false"]))
        return pd.Series(pd.arrays.BooleanArray(is_true, ~known), index=text.index), bad
    return (text if text.dtype != object else text.astype("str")), bad


def _fmt(x: float) -> str:
    return "∞" if np.isinf(x) else f"{x:g}"
