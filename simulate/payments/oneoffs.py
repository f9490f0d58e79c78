"""The one-off SIB payment lines (004 §9.2.2-9.2.4) for many cases at once, from arrays.

The same rules as :mod:`simulate.payments.metrics` (the per-case reference): Family Star Plus
and My Star, school absence, reading age. Each function takes the engaged cases (engagement day
``e`` and the key that finds their records) and returns :class:`Lines`: status code, due day
(-1: none), amount (£ after deadweight, before caps) and reason per case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .days import add_months_array
from .terms import NOT_ACHIEVED, NOT_ELIGIBLE, NOT_YET_DUE, PAID, STOPPED
from .texts import d, format_unique

_EPS = 1e-9


@dataclass
class Lines:
    """One payment line for ``n`` cases (arrays of length ``n``)."""

    status: np.ndarray
    due: np.ndarray
    amount: np.ndarray
    reason: np.ndarray


def encode(values: pd.Series | np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each row's value and the distinct values (code -1 where missing).

    A categorical column (ids read once as codes, shared by every check) gives its codes
    without touching a string; an Arrow-backed text column is dictionary-encoded by Arrow.
    """
    array = values.array if isinstance(values, pd.Series) else values
    if isinstance(getattr(array, "dtype", None), pd.CategoricalDtype):
        return np.asarray(array.codes, dtype=np.int64), pd.Index(array.categories)
    codes, uniques = pd.factorize(array)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def csr_order(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by code: ``(order, first)`` with the rows of code ``k`` at
    ``order[first[k]:first[k + 1]]`` in file order (missing codes -1 left out)."""
    counts = np.bincount(codes[codes >= 0], minlength=size) if size else np.zeros(0, np.int64)
    first = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    if codes.size and codes.min() >= 0 and (codes.size < 2 or bool((codes[1:] >= codes[:-1]).all())):
        order = np.arange(codes.size)                   # extracts usually list a child's rows together
    else:
        order = np.argsort(codes, kind="stable")
        order = order[codes.size - int(first[-1]):]     # the -1 codes sort first: drop them
    return order, first


def codes_in(people: pd.Index, values: pd.Series | np.ndarray) -> np.ndarray:
    """Each row's position in ``people`` (-1: blank or not there), as int64.

    Every extract's id column is put on the same integer codes once, so the joins after it
    compare integers, never strings. Arrow-backed text (what the readers return) is looked up
    by Arrow's hash table in one pass; a categorical column looks up its categories only.
    """
    array = values.array if isinstance(values, pd.Series) else values
    arrow = getattr(array, "_pa_array", None)
    if arrow is not None and (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        found = pc.index_in(arrow, value_set=pa.array(np.asarray(people, dtype=object), type=arrow.type))
        return pc.fill_null(found, -1).to_numpy().astype(np.int64, copy=False)
    codes, uniques = encode(values)
    look = people.get_indexer(np.asarray(uniques, dtype=object)) if len(uniques) else np.zeros(0, np.int64)
    return np.append(look, -1).astype(np.int64)[codes]


def join_rows(case_keys: np.ndarray, row_keys: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Every (case, row) pair whose keys are equal: a join on integer codes (CSR offsets).

    Both may be integer codes on the same scale (:func:`codes_in`; -1 never matches); else
    ``row_keys`` is text (a categorical Series joins by its codes, a text one is factorised
    once) and ``case_keys`` strings.
    Returns ``(case_of, row_of)``, ordered by case then row (the rows' file order).
    """
    case_keys = np.asarray(case_keys) if not isinstance(case_keys, np.ndarray) else case_keys
    if isinstance(row_keys, np.ndarray) and row_keys.dtype.kind == "i" and case_keys.dtype.kind == "i":
        codes = row_keys
        size = int(max(codes.max(initial=-1), case_keys.max(initial=-1))) + 1
        at = case_keys
    else:
        codes, uniques = encode(row_keys)
        size = len(uniques)
        at = uniques.get_indexer(np.asarray(case_keys, dtype=object)) if size else np.full(len(case_keys), -1)
    order, first = csr_order(codes, size)
    counts = np.diff(first)
    has = at >= 0
    case_idx = np.flatnonzero(has)
    per = counts[at[has]]
    case_of = np.repeat(case_idx, per)
    within = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
    row_of = order[np.repeat(first[at[has]], per) + within]
    return case_of, row_of


def _first_per_case(case_of: np.ndarray, mask: np.ndarray, *sort_keys: np.ndarray) -> np.ndarray:
    """Index (into the joined pairs) of the first pair per case under ``sort_keys``; -1 if none.

    Returns an array over cases ``0..case_of.max()``; callers index it by case.
    """
    sel = np.flatnonzero(mask)
    if sel.size == 0:
        return sel
    order = sel[np.lexsort(tuple(k[sel] for k in reversed(sort_keys)) + (case_of[sel],))] if sort_keys else sel
    c = case_of[order]
    keep = np.r_[True, c[1:] != c[:-1]]
    return order[keep]


def _pay(status: np.ndarray, due: np.ndarray, ok: np.ndarray, price: np.ndarray, contract_end: int) -> np.ndarray:
    """Paid where ``ok`` and due before the contract end, 'stopped' where due on or after it."""
    late = ok & (due >= contract_end)
    status[ok & ~late] = PAID
    status[late] = STOPPED
    return np.where(ok & ~late, price, 0.0)


def star_totals_frames(assessments: pd.DataFrame | None, person: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
    """Total score per person and assessment day, per Star tool (the arrays version of
    :func:`simulate.payments.settlement.star_totals`).

    Tool names are normalised (``Family Star Plus`` → ``family_star_plus``); an assessment's
    total is its ``total`` area where recorded, else the sum of its areas.

    ``person``: each row's integer person code (:func:`codes_in`; -1: no referred person), to
    use instead of hashing ``person_id``; the totals' ``person_id`` are then those codes.

    Returns
    -------
    dict
        ``family_star_plus`` and ``my_star`` → DataFrame person_id, day (int), score.
    """
    empty = pd.DataFrame({"person_id": pd.Series(dtype=object), "day": pd.Series(dtype=np.int64), "score": pd.Series(dtype=float)})
    out = {"family_star_plus": empty, "my_star": empty}
    if assessments is None or assessments.empty:
        return out
    codes, tools = encode(assessments["tool"])
    # per distinct tool name (not per row): 0 Family Star Plus, 1 My Star, -1 another tool
    norm = [str(t).strip().lower().replace(" ", "_").replace("-", "_") for t in tools]
    kind = np.array([{"family_star_plus": 0, "my_star": 1}.get(t, -1) for t in norm] + [-1], dtype=np.int64)[codes]
    keep = kind >= 0
    tool = kind[keep]
    if person is not None:
        keep &= person >= 0          # a person outside the referrals is never a case's record
        tool = kind[keep]
        person, people = pd.factorize(person[keep])     # integers: no string is hashed again
    else:
        person_all, people = encode(assessments["person_id"])
        person, used = pd.factorize(person_all[keep])
        people = np.append(np.asarray(people, dtype=object), np.nan)[used] if len(used) else np.zeros(0, object)
    day = assessments["assessment_date"].to_numpy("datetime64[D]").astype(np.int64)[keep]
    lo = int(day.min()) if len(day) else 0
    span = int(day.max()) - lo + 1 if len(day) else 1
    key = (person.astype(np.int64) * 2 + tool) * span + (day - lo)
    area_codes, areas = encode(assessments["area"])
    is_total = (np.array([str(x).lower() == "total" for x in areas] + [False], dtype=bool)[area_codes])[keep]
    score = assessments["score"].to_numpy(float)[keep]
    totals = pd.Series(score[is_total]).groupby(key[is_total], sort=False).sum()
    summed = pd.Series(score[~is_total]).groupby(key[~is_total], sort=False).sum()
    both = pd.concat([summed[~summed.index.isin(totals.index)], totals])
    k = both.index.to_numpy(np.int64)
    frame = pd.DataFrame({"person_id": np.asarray(people)[k // span // 2], "day": k % span + lo,
                          "score": both.to_numpy(float), "tool": (k // span) % 2})
    return {"family_star_plus": frame[frame["tool"] == 0].drop(columns="tool").reset_index(drop=True),
            "my_star": frame[frame["tool"] == 1].drop(columns="tool").reset_index(drop=True)}


def star_lines(e: np.ndarray, person: np.ndarray, totals: pd.DataFrame, as_of: int, tool: str, improvement: float,
               tolerance: int, price: np.ndarray, contract_end: int, early: int = 0) -> Lines:
    """Family Star Plus or My Star (see :func:`simulate.payments.metrics.settle_star`).

    ``totals``: columns person_id, day (int), score (the total per assessment) of one tool;
    ``person``: each case's person key; ``price``: £ after deadweight per case.
    """
    n = len(e)
    target = add_months_array(e, 6)
    case_of, row_of = join_rows(person, totals["person_id"].to_numpy())
    day = totals["day"].to_numpy(np.int64)[row_of]
    score = totals["score"].to_numpy(float)[row_of]
    known = day <= as_of
    ec, tc = e[case_of], target[case_of]
    base_m = known & (np.abs(day - ec) <= tolerance) & (day < tc - early)
    follow_m = known & (day >= tc - early) & (day <= tc + tolerance)
    fi = _first_per_case(case_of, follow_m, day, score)
    bi = _first_per_case(case_of, base_m, np.abs(day - ec), day)
    f_day, f_score = np.full(n, -1, np.int64), np.full(n, np.nan)
    b_day, b_score = np.full(n, -1, np.int64), np.full(n, np.nan)
    f_day[case_of[fi]], f_score[case_of[fi]] = day[fi], score[fi]
    b_day[case_of[bi]], b_score[case_of[bi]] = day[bi], score[bi]
    has_f, has_b = f_day >= 0, b_day >= 0
    status = np.full(n, NOT_ACHIEVED, np.int8)
    status[~has_f & (as_of < target + tolerance)] = NOT_YET_DUE
    both = has_f & has_b
    ok = both & (f_score - b_score >= improvement * b_score - _EPS)
    amount = _pay(status, f_day, ok, price, contract_end)
    due = np.where(ok, f_day, -1)

    def why(s: int, t: int, ee: int, fd: int, bd: int, fs: float, bs: float) -> str:
        if fd < 0:
            if s == NOT_YET_DUE:
                return f"{tool} follow-up expected {d(t - early)} to {d(t + tolerance)}"
            return f"no {tool} assessment between {d(t - early)} and {d(t + tolerance)}"
        if bd < 0:
            return f"no {tool} baseline within {tolerance} days of engagement {d(ee)}"
        rise = (fs - bs) / bs if bs else float("inf")
        text = f"{tool} total {bs:g} on {d(bd)} to {fs:g} on {d(fd)} ({rise:+.1%}; {improvement:.0%} needed)"
        if s == STOPPED:
            text += f"; but due {d(fd)}, on or after the contract end {d(contract_end)}"
        return text

    return Lines(status, due, amount, format_unique(why, status, target, e, f_day, b_day, f_score, b_score))


def education_lines(e: np.ndarray, child: np.ndarray, school: pd.DataFrame | None, as_of: int, reduction: float, measure: str,
                    price: np.ndarray, contract_end: int, row_keys: np.ndarray | None = None) -> Lines:
    """School absence (see :func:`simulate.payments.metrics.settle_education`).

    ``school``: child_id, period_start, period_end (inclusive), unauthorised_absence_days,
    possible_days (dates as datetime64).
    """
    n = len(e)
    lo, due = add_months_array(e, -12), add_months_array(e, 12)
    sums = np.zeros((4, n))
    seen = np.zeros(n, bool)
    if school is not None and len(school):
        case_of, row_of = join_rows(child, school["child_id"] if row_keys is None else row_keys)
        ps = school["period_start"].to_numpy("datetime64[D]").astype(np.int64)[row_of]
        pe = school["period_end"].to_numpy("datetime64[D]").astype(np.int64)[row_of]
        ab = school["unauthorised_absence_days"].to_numpy(float)[row_of]
        po = school["possible_days"].to_numpy(float)[row_of]
        keep = (ps <= as_of) & (pe + 1 > lo[case_of]) & (ps < due[case_of])
        case_of, ps, pe, ab, po = case_of[keep], ps[keep], pe[keep], ab[keep], po[keep]
        length = pe + 1 - ps
        for k, (a, b) in enumerate(((lo, e), (e, due))):
            overlap = np.minimum(pe + 1, b[case_of]) - np.maximum(ps, a[case_of])
            on = overlap > 0
            share = np.where(on, overlap / length, 0.0)
            sums[2 * k] = np.bincount(case_of[on], weights=(ab * share)[on], minlength=n)
            sums[2 * k + 1] = np.bincount(case_of[on], weights=(po * share)[on], minlength=n)
            if k == 1:
                seen = np.bincount(case_of[on], minlength=n) > 0
    before, before_poss, after, after_poss = sums
    status = np.full(n, NOT_ACHIEVED, np.int8)
    none_before = before <= 0
    status[none_before] = NOT_ELIGIBLE
    waiting = ~none_before & (as_of < due)
    status[waiting] = NOT_YET_DUE
    judged = ~none_before & ~waiting & seen
    if measure == "rate":
        rated = judged & (before_poss > 0) & (after_poss > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            b, a = np.where(rated, before / before_poss, np.nan), np.where(rated, after / after_poss, np.nan)
        judged, unit = rated, "rate"
    else:
        b, a, unit = before, after, "days"
    ok = judged & (b - a >= reduction * b - _EPS)
    amount = _pay(status, due, ok, price, contract_end)
    pay_due = np.where(ok, due, -1)
    shown_b, shown_a = np.where(judged, b, np.nan), np.where(judged, a, np.nan)
    code = np.where(none_before, 0, np.where(waiting, 1, np.where(~seen, 2, np.where(judged, 4, 3))))

    def why(c: int, s: int, ee: int, lo_: int, du: int, bb: float, aa: float) -> str:
        if c == 0:
            return f"no unauthorised absence recorded {d(lo_)} to {d(ee - 1)}: nothing to reduce"
        if c == 1:
            return f"absence compared after 12 months, {d(du)}"
        if c == 2:
            return f"no school records {d(ee)} to {d(du - 1)}"
        if c == 3:
            return "possible school days missing: rate cannot be computed"
        text = (f"unauthorised absence {unit} {bb:.3g} ({d(lo_)} to {d(ee - 1)}) then {aa:.3g} "
                f"({d(ee)} to {d(du - 1)}): {(bb - aa) / bb:+.1%} fall, {reduction:.0%} needed")
        if s == STOPPED:
            text += f"; but due {d(du)}, on or after the contract end {d(contract_end)}"
        return text

    return Lines(status, pay_due, amount, format_unique(why, code, status, e, lo, due, shown_b, shown_a))


def reading_lines(e: np.ndarray, child: np.ndarray, reading: pd.DataFrame | None, as_of: int, gain: float, tolerance: int,
                  price: np.ndarray, contract_end: int, row_keys: np.ndarray | None = None) -> Lines:
    """Reading age beyond the school's forecast (see :func:`simulate.payments.metrics.settle_reading`).

    ``reading``: child_id, assessment_date (datetime64), reading_age, forecast_reading_age.
    """
    n = len(e)
    target = add_months_array(e, 6)
    t_day, age, fore = np.full(n, -1, np.int64), np.full(n, np.nan), np.full(n, np.nan)
    if reading is not None and len(reading):
        case_of, row_of = join_rows(child, reading["child_id"] if row_keys is None else row_keys)
        day = reading["assessment_date"].to_numpy("datetime64[D]").astype(np.int64)[row_of]
        ra = reading["reading_age"].to_numpy(float)[row_of]
        fr = reading["forecast_reading_age"].to_numpy(float)[row_of]
        dist = np.abs(day - target[case_of])
        near = (day <= as_of) & (dist <= tolerance) & ~np.isnan(fr)
        pick = _first_per_case(case_of, near, dist, day)
        t_day[case_of[pick]], age[case_of[pick]], fore[case_of[pick]] = day[pick], ra[pick], fr[pick]
    has = t_day >= 0
    settled = np.where(has, target + np.abs(t_day - target), -1)
    status = np.full(n, NOT_ACHIEVED, np.int8)
    status[~has & (as_of < target + tolerance)] = NOT_YET_DUE
    status[has & (as_of < settled)] = NOT_YET_DUE
    judged = has & (as_of >= settled)
    ok = judged & (age - fore >= gain - _EPS)
    amount = _pay(status, settled, ok, price, contract_end)
    due = np.where(ok, settled, -1)

    def why(s: int, t: int, td: int, st: int, ag: float, fo: float) -> str:
        if td < 0:
            if s == NOT_YET_DUE:
                return f"reading test expected {d(t - tolerance)} to {d(t + tolerance)}"
            return f"no reading test with a school forecast within {tolerance} days of {d(t)}"
        if s == NOT_YET_DUE:
            return f"a test nearer {d(t)} may still come until {d(st)}"
        text = f"reading age {ag:.2f} on {d(td)} vs forecast {fo:.2f} ({ag - fo:+.2f} years; {gain:g} needed)"
        if s == STOPPED:
            text += f"; but due {d(st)}, on or after the contract end {d(contract_end)}"
        return text

    return Lines(status, due, amount, format_unique(why, status, target, t_day, settled, age, fore))
