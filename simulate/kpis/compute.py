"""Evaluate the registry's KPIs on a per-case table (:mod:`.cases`) for a set of windows.

Every function returns arrays of shape ``(n_windows, n_districts + 1)`` (the last column is
``all``): ``value`` and, for shares and means, the ``numerator`` and ``denominator`` it rests
on. :func:`evaluate` folds the windows into report rows (:func:`.aggregate.fold_rows`). No loop
runs per case or per day: cases and events are binned by whole day with ``bincount`` and
windows read cumulative sums, ``searchsorted`` and a sparse table.

Working days come from a :class:`simulate.calendar.WorkingCalendar` (weekends and English bank
holidays): a wait is the working days after the referral day up to and including the day of
the event (:meth:`~simulate.calendar.WorkingCalendar.working_days_between`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..calendar import WorkingCalendar
from .aggregate import Daily, fold_rows, interval_daily_mass
from .cases import EXIT_ROUTES, CaseTable
from .definitions import REGISTRY
from .windows import Windows

_COMPLETED = (EXIT_ROUTES.index("completed"), EXIT_ROUTES.index("step_down"))
_DISENGAGED = EXIT_ROUTES.index("disengaged")
_CARE = EXIT_ROUTES.index("care_entry")


@dataclass(frozen=True)
class KpiParams:
    """Targets the definitions need, from the scenario (or the contract, for real data).

    Working-day targets count working days after the referral day; ``start_target_days`` is a
    calendar-day target (000: 4 weeks = 28 days) used when ``start_target_working_days`` is None.
    """

    contact_target_working_days: float | None = None
    assessment_target_working_days: float | None = None
    start_target_working_days: float | None = None
    start_target_days: float | None = None
    completion_limit_days: float = 182.0
    review_interval_days: float | None = None


@dataclass
class KpiValue:
    """One KPI's rows × districts: ``value`` and (shares, means) its ``numerator``/``denominator``."""

    value: np.ndarray
    numerator: np.ndarray | None = None
    denominator: np.ndarray | None = None


def _share(num: np.ndarray, den: np.ndarray) -> KpiValue:
    with np.errstate(invalid="ignore", divide="ignore"):
        return KpiValue(np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan), num, den)


def _deadline_last_day(cal: WorkingCalendar, referral: np.ndarray, working: float | None, calendar_days: float | None) -> np.ndarray:
    """The last day on which an event still meets the target (NaN where no target)."""
    ref = np.floor(referral)
    if working is not None:
        # the day before the (target + 1)-th working day after the referral day: a Saturday after
        # a Friday deadline still has the same working-day wait
        ok = np.isfinite(ref)
        out = np.full(ref.shape, np.nan)
        out[ok] = cal.add_working_days(np.maximum(ref[ok], 0.0), np.ceil(working) + 1) - 1.0
        # referrals before the origin (a waiting list at day 0): shift by the days before it
        out[ok] += np.minimum(ref[ok], 0.0)
        return out
    if calendar_days is not None:
        return ref + calendar_days
    return np.full(ref.shape, np.nan)


def _within_target(agg: Daily, district: np.ndarray, eligible: np.ndarray, event: np.ndarray, left: np.ndarray, last_ok: np.ndarray) -> KpiValue:
    """Share meeting a deadline, each case placed in the window where its outcome is known.

    Met: the event on or before its last allowed day. Not met: known the day after that day
    (still waiting, or done late) or on the day the case left the list if earlier.
    """
    met = eligible & np.isfinite(event) & (np.floor(event) <= last_ok)
    fail_day = np.where(np.isfinite(left) & (left < last_ok + 1.0), left, last_ok + 1.0)
    decided = np.where(met, event, np.where(eligible, fail_day, np.nan))
    return _share(agg.sum(decided, district, met.astype(float)), agg.sum(decided, district))


def _oldest_waiting_wait(cal: WorkingCalendar, agg: Daily, district: np.ndarray, waiting_from: np.ndarray, resolved: np.ndarray, n_districts: int) -> np.ndarray:
    """Working days waited so far, on each window's last day, by the longest-waiting family.

    A family waits on day L when it joined by L and is resolved on day L + 1 or later. Among
    families resolved on or after L + 1, the earliest joiner is the oldest waiting one (if it
    joined by L): a suffix minimum over families sorted by resolution day.
    """
    last = agg.hi - 1
    out = np.full((last.size, n_districts + 1), np.nan)
    for k in range(n_districts):
        m = (district == k) & np.isfinite(waiting_from)
        if not m.any():
            continue
        res = np.where(np.isfinite(resolved[m]), np.floor(resolved[m]), np.inf)
        order = np.argsort(res, kind="stable")
        res_s = res[order]
        joined = np.floor(waiting_from[m][order])
        suffix_min = np.minimum.accumulate(joined[::-1])[::-1]
        suffix_min = np.append(suffix_min, np.inf)
        i = np.searchsorted(res_s, last + 1, side="left")
        oldest = suffix_min[i]
        ok = oldest <= last
        out[ok, k] = cal.working_days_between(oldest[ok], last[ok].astype(float))
    with np.errstate(invalid="ignore"):
        out[:, n_districts] = np.nanmax(np.where(np.isfinite(out[:, :n_districts]), out[:, :n_districts], -np.inf), axis=1)
    out[~np.isfinite(out)] = np.nan
    return out


def _longest(done: np.ndarray, ongoing: np.ndarray) -> np.ndarray:
    both = np.fmax(done, ongoing)
    return both


def _per_case_outcomes(t: CaseTable, respondent: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per case: denominator flag, improved overall, improved in all areas, last follow-up day (cached on the table).

    ``respondent`` None reads every assessment row; ``"child"``/``"family"`` only that
    respondent's rows. All are computed together (:func:`_outcome_counts`).
    """
    cache = t.__dict__.setdefault("_outcomes_cache", {})
    if "per_case" not in cache:
        cache["per_case"] = _outcome_counts(t)
    per = cache["per_case"]
    if respondent in per:
        return per[respondent]
    n = len(t)
    return np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool), np.full(n, np.nan)


# bit fields of the packed per-row counts: a case may have up to 2**13 - 1 rows per respondent
_FIELD = 8192


def _outcome_counts(t: CaseTable) -> dict:
    """Per-case outcomes for every respondent and for all respondents together (``None``).

    One pass over the assessment rows: per (case, respondent), the rows, the rows with a
    follow-up, the improved areas and the failing areas are integers, so they are packed into
    one float per row (13-bit fields, exact below 2**53) and summed with one ``bincount``; the
    all-respondents counts are their exact sums. The overall (scaled) change is a float sum and
    keeps its own ``bincount`` over all rows in row order. The last follow-up day is a scatter
    (checked: every row of a case has the same day in the simulation) or an unbuffered maximum.
    """
    a = t.assessments
    n = len(t)
    case = np.asarray(a.case, np.int64)
    has_fu = np.isfinite(a.follow_up)
    change = a.oriented_change()
    scale = np.maximum(a.max_score - a.min_score, 1e-12)
    base_best = a.at_best(a.baseline)
    improved = has_fu & (change > 0)
    # an area at the best score at baseline cannot improve: it counts against only if it worsens
    fails = has_fu & np.where(base_best, change < 0, ~(change > 0))
    scaled = np.zeros(case.size)
    ok = np.isfinite(change)
    scaled[ok] = change[ok] / scale[ok]  # 0 without a follow-up (or a baseline), as nan_to_num would give
    overall = np.bincount(case, weights=scaled, minlength=n) > 0

    r = a.respondent
    if isinstance(r, pd.Categorical):
        names, code = list(r.categories), np.asarray(r.codes, np.int64)
    else:
        u, code = np.unique(np.asarray(r, dtype=object).astype(str), return_inverse=True)
        names, code = list(u), np.asarray(code, np.int64).reshape(-1)
    R = max(len(names), 1)
    key = case * R + code
    rows = np.bincount(key, minlength=n * R)
    if rows.size and rows.max() >= _FIELD:
        raise ValueError(f"assessments: a case has {int(rows.max())} rows for one respondent (at most {_FIELD - 1})")
    packed = has_fu + improved * float(_FIELD) + fails * float(_FIELD) ** 2
    sums = np.bincount(key, weights=packed, minlength=n * R).astype(np.int64)
    paired, n_improved, n_fails = sums % _FIELD, (sums // _FIELD) % _FIELD, sums // _FIELD**2
    fday = np.full(n * R, -np.inf)
    k, v = key[has_fu], np.asarray(a.follow_up_day, float)[has_fu]
    fday[k] = v
    if not np.array_equal(fday[k], v):
        fday[:] = -np.inf
        np.maximum.at(fday, k, v)

    def finish(rows, paired, n_improved, n_fails, fday, overall):
        eligible = (rows > 0) & (paired == rows)
        all_areas = (n_improved > 0) & (n_fails == 0)
        return eligible, overall, all_areas, np.where(eligible, fday, np.nan)

    shape = (n, R)
    out = {None: finish(rows.reshape(shape).sum(axis=1), paired.reshape(shape).sum(axis=1), n_improved.reshape(shape).sum(axis=1),
                        n_fails.reshape(shape).sum(axis=1), fday.reshape(shape).max(axis=1), overall)}
    for j, name in enumerate(names):
        # the overall change is scored on all respondents' rows only (share_improved)
        out[name] = finish(rows.reshape(shape)[:, j], paired.reshape(shape)[:, j], n_improved.reshape(shape)[:, j],
                           n_fails.reshape(shape)[:, j], fday.reshape(shape)[:, j], np.zeros(n, bool))
    return out


def compute_windows(t: CaseTable, windows: Windows, cal: WorkingCalendar, params: KpiParams, n_days: int,
                    names: list[str] | None = None) -> dict[str, KpiValue]:
    """Every ``cases``-based KPI (or those in ``names``) for every window, before folding into rows.

    Parameters
    ----------
    t
        The per-case table (days from ``cal.origin``).
    n_days
        Days observed (the contract's length in the simulation; the extract's coverage for
        real data): events on or after it fall in no window.
    """
    D = len(t.district_names)
    agg = Daily(windows.lo, windows.hi, D, n_days)
    d = t.district
    want = (lambda name: True) if names is None else (lambda name: name in names)  # noqa: E731
    out: dict[str, KpiValue] = {}
    acc = t.accepted
    started = np.isfinite(t.start_day)
    ended = started & np.isfinite(t.end_day)
    route = t.exit_route

    if want("referrals"):
        out["referrals"] = KpiValue(agg.sum(t.referral_day, d))
    if want("accepted") or want("rejected"):
        a = agg.sum(np.where(acc, t.referral_day, np.nan), d)
        out["accepted"] = KpiValue(a)
        out["rejected"] = KpiValue(agg.sum(t.referral_day, d) - a)
    # timescales: waits by the event's day, within-target shares by the day the outcome is known
    for stage, event, target in (("contact", t.contact_day, params.contact_target_working_days),
                                 ("assessment", t.assessment_day, params.assessment_target_working_days),
                                 ("start", t.start_day, params.start_target_working_days)):
        ev = np.where(acc, event, np.nan)
        wait = cal.working_days_between(t.referral_day, ev)
        if want(f"mean_wait_to_{stage}_working_days"):
            out[f"mean_wait_to_{stage}_working_days"] = _share(agg.sum(ev, d, np.nan_to_num(wait)), agg.sum(ev, d))
        if stage != "contact" and want(f"longest_wait_to_{stage}_working_days"):
            done = agg.max(ev, d, wait)
            resolved = np.where(np.isfinite(ev), ev, t.left_day)
            ongoing = _oldest_waiting_wait(cal, agg, d, np.where(acc, t.referral_day, np.nan), resolved, D)
            out[f"longest_wait_to_{stage}_working_days"] = KpiValue(_longest(done, ongoing))
        days = params.start_target_days if stage == "start" else None
        name = {"contact": "share_contacted_within_target", "assessment": "share_assessed_within_target", "start": "share_started_within_target"}[stage]
        if want(name) and (target is not None or days is not None):
            last_ok = _deadline_last_day(cal, t.referral_day, target, days)
            out[name] = _within_target(agg, d, acc & np.isfinite(last_ok), ev, t.left_day, last_ok)
    if want("share_assessed"):
        assessed = acc & np.isfinite(t.assessment_day)
        left_unassessed = acc & ~assessed & np.isfinite(t.left_day)
        day = np.where(assessed, t.assessment_day, np.where(left_unassessed, t.left_day, np.nan))
        out["share_assessed"] = _share(agg.sum(day, d, assessed.astype(float)), agg.sum(day, d))
    if want("families_started"):
        out["families_started"] = KpiValue(agg.sum(t.start_day, d))
    if want("families_worked_with"):
        out["families_worked_with"] = KpiValue(_open_in_window(agg, d, t.start_day, t.end_day, D))
    end_day = np.where(ended, t.end_day, np.nan)
    completed = np.isin(route, _COMPLETED)
    if want("exits") or want("share_completed") or want("completions"):
        ex = agg.sum(end_day, d)
        comp = agg.sum(end_day, d, completed.astype(float))
        out["exits"], out["completions"] = KpiValue(ex), KpiValue(comp)
        out["share_completed"] = _share(comp, ex)
    if want("disengagements"):
        out["disengagements"] = KpiValue(agg.sum(end_day, d, (route == _DISENGAGED).astype(float)))
    if want("care_entries_during_support"):
        out["care_entries_during_support"] = KpiValue(agg.sum(end_day, d, (route == _CARE).astype(float)))
    length = t.end_day - t.start_day - t.paused_days
    if want("mean_duration_weeks"):
        out["mean_duration_weeks"] = _share(agg.sum(end_day, d, np.nan_to_num(length / 7.0)), agg.sum(end_day, d))
    if want("share_completed_within_26_weeks"):
        limit = params.completion_limit_days
        in_time = ended & (length <= limit + 1e-9)
        day = np.where(in_time, t.end_day, np.where(started, t.start_day + t.paused_days + limit, np.nan))
        # a case still open at the limit is known to fail then, even if it ends later
        out["share_completed_within_26_weeks"] = _share(agg.sum(day, d, in_time.astype(float)), agg.sum(day, d))
    if want("reviews"):
        out["reviews"] = KpiValue(agg.sum(t.review_day, d[t.review_case] if t.review_case.size else t.review_case))
    if want("share_reviews_on_time") and params.review_interval_days:
        out["share_reviews_on_time"] = _reviews_on_time(t, agg, params.review_interval_days)
    if want("hours_delivered") or want("direct_work_share"):
        # support hours accrue at hours_per_week while a case is open (zero for an extract that
        # records its hours); recorded activities (contact, assessment, reviews, or an extract's
        # hours table) are events added on the day they were done
        s0 = np.where(started, t.start_day, np.nan)
        s1 = np.where(ended, t.end_day, np.where(started, float(n_days), np.nan))
        sel = np.flatnonzero(started & (t.hours_per_week > 0))
        rate = t.hours_per_week[sel] / 7.0
        hd = interval_daily_mass(s0[sel], s1[sel], rate, d[sel], D, n_days)
        dd = interval_daily_mass(s0[sel], s1[sel], rate * t.direct_share[sel], d[sel], D, n_days)
        if t.hours is not None and t.hours.size:
            hd = hd + agg.count(t.hours_day, d[t.hours_case], t.hours)
            dd = dd + agg.count(t.hours_day, d[t.hours_case], t.hours * t.hours_direct)
        hours, direct = agg.window_sum(hd), agg.window_sum(dd)
        out["hours_delivered"] = KpiValue(hours)
        out["direct_work_share"] = _share(direct, hours)
    for name, col, pool in (("share_exit_strategy", t.exit_strategy, ended), ("share_wellbeing_plan", t.wellbeing_plan, ended & completed),
                            ("share_positive_feedback", t.feedback_positive, ended)):
        if want(name):
            rec = pool & np.isfinite(col)
            day = np.where(rec, t.end_day, np.nan)
            out[name] = _share(agg.sum(day, d, np.nan_to_num(col)), agg.sum(day, d))
    if len(t.assessments):
        for name, resp, which in (("share_improved", None, 1), ("share_improved_all_areas", None, 2),
                                  ("share_improved_all_areas_child", "child", 2), ("share_improved_all_areas_family", "family", 2)):
            if want(name):
                elig, overall, all_areas, fday = _per_case_outcomes(t, resp)
                if not elig.any() and resp is not None:
                    continue
                good = overall if which == 1 else all_areas
                out[name] = _share(agg.sum(fday, d, good.astype(float)), agg.sum(fday, d))
    return out


def _open_in_window(agg: Daily, district: np.ndarray, start: np.ndarray, end: np.ndarray, D: int) -> np.ndarray:
    """Cases whose ``[start, end)`` overlaps each window: started before its end, not ended by its start."""
    out = np.zeros((agg.lo.size, D + 1))
    for k in range(D):
        m = (district == k) & np.isfinite(start)
        s = np.sort(start[m])
        e = np.sort(np.where(np.isfinite(end[m]), end[m], np.inf))
        out[:, k] = np.searchsorted(s, agg.hi, side="left") - np.searchsorted(e, agg.lo, side="right")
    out[:, D] = out[:, :D].sum(axis=1)
    return out


def _starts_and_reviews(t: CaseTable) -> tuple[np.ndarray, np.ndarray]:
    """Every started case's start day followed by its review days, sorted by (case, day).

    The simulation writes reviews already in (case, day) order, each after its case's start:
    then the merge is a scatter into place; otherwise (an extract in any order) a stable
    lexsort, which gives the same order whenever both apply.
    """
    started = np.flatnonzero(np.isfinite(t.start_day))
    rc, rd = t.review_case, t.review_day
    if rc.size:
        with np.errstate(invalid="ignore"):
            same = rc[1:] == rc[:-1]
            ordered = bool(np.all(rc[1:] >= rc[:-1]) and np.all(rd[1:][same] > rd[:-1][same])
                           and np.all(rd > t.start_day[rc]))
    else:
        ordered = True
    if not ordered:
        case = np.concatenate([started, rc])
        day = np.concatenate([t.start_day[started], rd])
        order = np.lexsort((day, case))
        return case[order], day[order]
    counts = 1 + np.bincount(rc, minlength=len(t))[started]
    first = np.cumsum(counts) - counts
    is_start = np.zeros(int(counts.sum()), bool)
    is_start[first] = True
    case = np.empty(is_start.size, np.int64)
    day = np.empty(is_start.size)
    case[is_start], day[is_start] = started, t.start_day[started]
    case[~is_start], day[~is_start] = rc, rd
    return case, day


def _reviews_on_time(t: CaseTable, agg: Daily, interval: float) -> KpiValue:
    """Reviews falling due (interval after the start or the last review, while open) done by the due day."""
    case, day = _starts_and_reviews(t)
    same_next = np.r_[case[1:] == case[:-1], False]
    nxt = np.where(same_next, np.r_[day[1:], np.nan], np.nan)
    due = np.floor(day) + interval
    end = np.where(np.isfinite(t.end_day[case]), t.end_day[case], np.inf)
    is_due = due < end  # support still open on the due day
    met = is_due & np.isfinite(nxt) & (np.floor(nxt) <= due)
    decided = np.where(met, nxt, np.where(is_due, due + 1.0, np.nan))
    d = t.district[case]
    return _share(agg.sum(decided, d, met.astype(float)), agg.sum(decided, d))


def compute_contacts(district: np.ndarray, due_last_day: np.ndarray, covered: np.ndarray, done_day: np.ndarray, minutes: np.ndarray,
                     n_districts: int, windows: Windows, n_days: int) -> dict[str, KpiValue]:
    """Universal touchpoint KPIs (001): coverage of mandated contacts, by the window in which each due window closes."""
    agg = Daily(windows.lo, windows.hi, n_districts, n_days)
    due = agg.sum(due_last_day, district)
    done = agg.sum(due_last_day, district, covered.astype(float))
    out = {"coverage_within_window": _share(done, due), "contacts_due": KpiValue(due), "contacts_done_in_window": KpiValue(done)}
    out["universal_hours"] = KpiValue(agg.sum(np.where(np.isfinite(done_day), done_day, np.nan), district, minutes / 60.0))
    return out


def compute_many(t: CaseTable, windows: list[Windows], cal: WorkingCalendar, params: KpiParams, n_days: int,
                 names: list[str] | None = None) -> list[dict[str, KpiValue]]:
    """:func:`compute_windows` for several sets of windows at once (one entry per set, in order).

    Every window of every set is evaluated in one pass: the daily arrays (one ``bincount`` per
    metric into days × districts) and their cumulative sums are built once and each window is
    a difference of two rows, so a month, quarter, year and rolling-12-month report costs about
    what one of them does. Values are identical to calling :func:`compute_windows` per set,
    because no quantity depends on more than its own window's bounds.
    """
    if len(windows) == 1:
        return [compute_windows(t, windows[0], cal, params, n_days, names)]
    lo = np.concatenate([w.lo for w in windows])
    hi = np.concatenate([w.hi for w in windows])
    joined = Windows("joined", lo, hi, np.arange(lo.size, dtype=np.int64), [""] * int(lo.size), np.ones(lo.size, bool))
    values = compute_windows(t, joined, cal, params, n_days, names)
    cuts = np.cumsum([0, *(w.n for w in windows)])
    take = lambda x, a, b: None if x is None else x[a:b]  # noqa: E731
    return [{name: KpiValue(take(v.value, a, b), take(v.numerator, a, b), take(v.denominator, a, b)) for name, v in values.items()}
            for a, b in zip(cuts[:-1], cuts[1:])]


def fold(values: dict[str, KpiValue], windows: Windows) -> dict[str, KpiValue]:
    """Fold per-window values into the windows' report rows (worst window for a KPI with a direction)."""
    out = {}
    for name, v in values.items():
        better = REGISTRY[name].better if name in REGISTRY else None
        val, num, den = fold_rows(v.value, v.numerator, v.denominator, windows.row, windows.n_rows, better)
        out[name] = KpiValue(val, num, den)
    return out


def evaluate(t: CaseTable, windows: Windows, cal: WorkingCalendar, params: KpiParams, n_days: int, names: list[str] | None = None) -> dict[str, KpiValue]:
    """:func:`compute_windows` folded into report rows: ``{name: KpiValue}`` of shape ``(n_rows, D + 1)``."""
    return fold(compute_windows(t, windows, cal, params, n_days, names), windows)
