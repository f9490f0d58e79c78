"""Settle an edge-of-care SIB (004 §9) from tidy extracts as of a date, with an audit trail.

Inputs are the extracts of ``docs/data-contracts.md`` as DataFrames with dates parsed:
``referrals`` (case_id, child_id, family_id, sub_cohort, referral_date, start_date,
return_home_date, date_of_birth), ``care_episodes`` (child_id, start_date, end_date),
``assessments`` (person_id, tool, area, assessment_date, score), ``school`` (child_id,
period_start, period_end, unauthorised_absence_days, possible_days) and ``reading``
(child_id, assessment_date, reading_age, forecast_reading_age). The last three are optional.

Everything runs on arrays, with no Python loop per child: stability through
:func:`simulate.payments.vectorised.settle_stability_arrays` (the engine the flow and stress
paths use), the one-off lines through :mod:`simulate.payments.oneoffs`, caps through
:mod:`simulate.payments.cap_arrays`, and each distinct audit reason formatted once
(:mod:`simulate.payments.texts`). :func:`simulate.payments.sib_reference.settle_sib_reference`
is the per-case reference it must agree with (tested).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .cap_arrays import cap_payment_rows, sort_order
from .checks import check_episodes, check_referrals
from .days import OPEN_END, to_date, to_day
from .oneoffs import Lines, codes_in, education_lines, join_rows, reading_lines, star_lines, star_totals_frames
from .settlement import AUDIT_COLUMNS, PAYMENT_COLUMNS, Settlement, away_from_home, capped_reason, known_by, standing_cases
from .stability import StabilityRules
from .stability_lines import rag, stability_reasons
from .terms import CAPPED, METRICS, NOT_ELIGIBLE, STATUSES, SibTerms
from .vectorised import settle_stability_arrays

_METRIC_ALPHA = np.argsort(np.argsort(np.array(METRICS)))   # rank of each metric's name: payments sort by name


def _day_array(series: pd.Series | None, n: int) -> np.ndarray:
    """int64 day numbers; -1 where missing."""
    if series is None:
        return np.full(n, -1, np.int64)
    arr = pd.to_datetime(series).to_numpy("datetime64[D]")
    return np.where(np.isnat(arr), -1, arr.astype(np.int64))


def _text(series: pd.Series) -> np.ndarray:
    """The column as an object array of str (read extracts hold ids as str already: no copy)."""
    values = series.to_numpy(dtype=object)
    if len(values) and not all(isinstance(v, str) for v in values[:: max(1, len(values) // 64)]):
        values = series.astype(str).to_numpy(dtype=object)
    return values


def settle_sib(
    referrals: pd.DataFrame,
    care_episodes: pd.DataFrame,
    terms: SibTerms,
    as_of: dt.date,
    assessments: pd.DataFrame | None = None,
    school: pd.DataFrame | None = None,
    reading: pd.DataFrame | None = None,
    allow_no_return_home: bool = False,
    known_at: dt.date | None = None,
) -> Settlement:
    """Apply 004 §9 to every referred case as of ``as_of``.

    One child, one set of payments: a child referred more than once (same ``child_id``) is
    paid through its first engaged referral inside the referral window (its clock stands); its
    other referrals are 'not eligible' on every line, and the standing case's reasons name them.
    Care and remand episodes that touch or overlap are one period away from home
    (:mod:`simulate.payments.periods`).

    ``allow_no_return_home`` settles an engaged reunification child with no
    ``return_home_date`` as 'not eligible' for stability (not home yet) instead of failing.
    ``known_at`` keeps only care episodes whose ``recorded_date`` is on or before it: the
    settlement as it could have been made then, before late recording.

    Raises
    ------
    PaymentDataError
        A spell before birth, a spell ending before it starts, an engaged reunification child
        with no return_home_date (lines named), or ``known_at`` given for episodes that carry
        no ``recorded_date``.
    """
    mech = terms.mechanism
    care_episodes = away_from_home(care_episodes, mech.short_breaks_away_from_home)
    if known_at is not None:
        care_episodes = known_by(care_episodes, known_at)
    check_episodes(care_episodes, referrals)
    if not allow_no_return_home:
        check_referrals(referrals, {k for k, v in terms.cohort_kind.items() if v == "reunification"})
    day = to_day(as_of)
    r = referrals
    n = len(r)
    child_ids = _text(r["child_id"])
    case_ids = _text(r["case_id"]) if "case_id" in r else child_ids
    family_ids = _text(r["family_id"]) if "family_id" in r else child_ids
    cohort_codes, cohort_names = pd.factorize(_text(r["sub_cohort"]))
    cohort_names = [str(c) for c in cohort_names]
    ref = _day_array(r["referral_date"], n)
    e = _day_array(r["start_date"], n)
    home = _day_array(r["return_home_date"] if "return_home_date" in r else None, n)

    # who is paid: engaged, referred in the window, the child's standing referral
    none_or = [None if v < 0 else int(v) for v in ref.tolist()], [None if v < 0 else int(v) for v in e.tolist()]
    standing, notes = standing_cases(child_ids.tolist(), case_ids.tolist(), *none_or, terms.start, terms.referral_end)
    first_row = np.array([standing[c] for c in child_ids.tolist()], dtype=np.int64)
    engaged, in_window = e >= 0, (ref >= terms.start) & (ref < terms.referral_end)
    paid_row = engaged & in_window & (first_row == np.arange(n))

    reun = np.array([terms.is_reunification(c) for c in cohort_names], dtype=bool)[cohort_codes] if n else np.zeros(0, bool)
    t0 = np.where(reun, home, e)
    prices = [terms.prices(c) for c in cohort_names]
    keep = 1.0 - np.array([terms.deadweight(c) for c in cohort_names])[cohort_codes] if n else np.zeros(0)

    def price(attr: str) -> np.ndarray:
        return np.array([getattr(p, attr) for p in prices], dtype=float)[cohort_codes] if n else np.zeros(0)

    status = np.full((n, 6), NOT_ELIGIBLE, np.int8)
    gross = np.zeros((n, 6))
    due = np.full((n, 6), -1, np.int64)
    reason = np.empty((n, 6), dtype=object)

    window = f"[{to_date(terms.start)}, {to_date(terms.referral_end)})"
    why_not = np.where(~engaged, "not engaged (no start_date)", "").astype(object)
    out_w = engaged & ~in_window
    if out_w.any():
        why_not[out_w] = [f"referred {to_date(v) if v >= 0 else 'on no date'}, outside the referral window {window}" for v in ref[out_w].tolist()]
    again = engaged & in_window & ~paid_row
    if again.any():
        why_not[again] = [f"re-referral of a child already in the cohort through case {case_ids[f]} (engaged "
                          f"{to_date(e[f])}): one set of payments per child, on that engagement's clock" for f in first_row[again].tolist()]
    reason[~paid_row] = why_not[~paid_row, None]

    # stability (004 §9.2.1) on the array engine
    stab = np.flatnonzero(paid_row & (t0 >= 0))
    no_home = paid_row & (t0 < 0)
    reason[no_home, :2] = "reunification child with no return_home_date: not home, no stability payment"
    rules = StabilityRules(mech.milestone_months, mech.tariff_months, mech.max_spell_days_to_resume, mech.failing_spell_number,
                           terms.contract_end)
    # every id on one integer scale: the referred children and families, looked up once per file
    people = pd.Index(pd.unique(np.concatenate((child_ids, family_ids))))
    people = people[people.notna()]
    kid_code, fam_code = people.get_indexer(child_ids), people.get_indexer(family_ids)

    def coded(frame: pd.DataFrame | None, column: str) -> np.ndarray | None:
        return codes_in(people, frame[column]) if frame is not None and len(frame) else None

    case_of, row_of = join_rows(kid_code[stab], coded(care_episodes, "child_id")) if len(care_episodes) else (np.zeros(0, np.int64),) * 2
    ep_start = _day_array(care_episodes["start_date"], len(care_episodes))[row_of]
    ep_end = _day_array(care_episodes["end_date"], len(care_episodes))[row_of]
    ep_end = np.where(ep_end < 0, OPEN_END, ep_end)
    offsets = np.concatenate(([0], np.cumsum(np.bincount(case_of, minlength=len(stab))))).astype(np.int64)
    k = keep[stab]
    res = settle_stability_arrays(t0[stab], offsets, ep_start, ep_end, day, rules, price("milestone")[stab] * 1.0,
                                  price("tariff")[stab], 1.0 - k, monthly=True, validate=False)
    m_reason, t_reason, last_due = stability_reasons(res, t0[stab], day, rules)
    status[stab, 0], status[stab, 1] = res.milestone_status, res.tariff_status
    gross[stab, 0], gross[stab, 1] = res.milestone_amount, res.month_amount.sum(axis=1)
    due[stab, 0], due[stab, 1] = res.milestone_due, last_due
    reason[stab, 0], reason[stab, 1] = m_reason, t_reason

    # one-off lines (004 §9.2.2-9.2.4)
    pay = np.flatnonzero(paid_row)
    ep = e[pay]
    stars = star_totals_frames(assessments, coded(assessments, "person_id"))
    # Family Star Plus is the family's where the family is assessed, else the child's
    assessed = np.zeros(len(people) + 1, bool)
    assessed[stars["family_star_plus"]["person_id"].to_numpy(np.int64)] = True
    fam, kid = fam_code[pay], kid_code[pay]
    fsp_key = np.where((fam >= 0) & assessed[fam], fam, kid)
    kp = keep[pay]
    lines: list[Lines] = [
        star_lines(ep, fsp_key, stars["family_star_plus"], day, "Family Star Plus", mech.family_functioning_improvement,
                   mech.assessment_tolerance_days, price("family_star_plus")[pay] * kp, terms.contract_end, mech.assessment_early_days),
        star_lines(ep, kid, stars["my_star"], day, "My Star", mech.family_functioning_improvement, mech.assessment_tolerance_days,
                   price("my_star")[pay] * kp, terms.contract_end, mech.assessment_early_days),
        education_lines(ep, kid, school, day, mech.absence_reduction, mech.absence_measure, price("education")[pay] * kp, terms.contract_end,
                        coded(school, "child_id")),
        reading_lines(ep, kid, reading, day, mech.reading_gain_years, mech.reading_tolerance_days, price("reading")[pay] * kp,
                      terms.contract_end, coded(reading, "child_id")),
    ]
    for j, ln in enumerate(lines, start=2):
        status[pay, j], gross[pay, j], due[pay, j], reason[pay, j] = ln.status, ln.amount, ln.due, ln.reason

    # payment rows before caps: milestones, tariff months, one-offs
    ms = stab[res.milestone_amount > 0]
    ti, tj = np.nonzero(res.month_amount > 0)
    oi, oj = np.nonzero(gross[pay, 2:] > 0)
    row = np.concatenate((ms, stab[ti], pay[oi]))
    metric = np.concatenate((np.zeros(ms.size, np.int64), np.ones(ti.size, np.int64), oj.astype(np.int64) + 2))
    when = np.concatenate((res.milestone_due[res.milestone_amount > 0], res.month_due[ti, tj].astype(np.int64), due[pay[oi], oj + 2]))
    amount = np.concatenate((res.milestone_amount[res.milestone_amount > 0], res.month_amount[ti, tj], gross[pay[oi], oj + 2]))
    child_rank, child_names = _rank(child_ids)
    order, paid, cut_by = cap_payment_rows(child_rank[row], metric, when, amount, mech.caps, terms.start)
    row, metric, when, amount = row[order], metric[order], when[order], amount[order]
    cut = amount - paid

    # audit: one row per referral and line
    flat = row * 6 + metric
    amount_paid = np.bincount(flat, weights=paid, minlength=n * 6).reshape(n, 6)
    capped_gbp = np.bincount(flat, weights=cut, minlength=n * 6).reshape(n, 6)
    status[capped_gbp > 0] = CAPPED
    status_text = np.array(STATUSES, dtype=object)[status]
    shown = np.isin(status, [0, 1, 6]) | (amount_paid > 0)
    reasons = reason.copy()
    for i in notes:
        reasons[i] = [x + notes[i] for x in reasons[i]]
    hit_r, hit_c = np.nonzero(capped_gbp > 0)
    if hit_r.size:
        bit = cut > 0
        first_cut = pd.Series(cut_by[bit]).groupby(flat[bit], sort=False).first()
        names = first_cut.reindex(hit_r * 6 + hit_c).to_numpy(dtype=object)
        reasons[hit_r, hit_c] = [capped_reason(x, c, g_cut, a, g) for x, c, g_cut, a, g in
                                 zip(reasons[hit_r, hit_c], names, capped_gbp[hit_r, hit_c], amount_paid[hit_r, hit_c], gross[hit_r, hit_c])]
    due_shown = np.where(shown & (due >= 0), due, -1)
    audit = _frame({
        "child_id": np.repeat(child_ids, 6), "case_id": np.repeat(case_ids, 6),
        "sub_cohort": np.repeat(np.asarray(cohort_names, dtype=object)[cohort_codes], 6) if n else np.zeros(0, object),
        "metric": np.tile(np.array(METRICS, dtype=object), n), "status": status_text.ravel(), "amount": amount_paid.ravel(),
        "gross": gross.ravel(), "capped_gbp": capped_gbp.ravel(), "due_date": _dates(due_shown.ravel()), "reason": reasons.ravel(),
    })[AUDIT_COLUMNS]

    payments = _payments_frame(row, metric, when, paid, (child_rank, child_names), _rank(case_ids), cohort_names, cohort_codes, terms)
    rag_all = np.where(paid_row & (t0 < 0), "red", "").astype(object)
    if stab.size:
        rag_all[stab] = rag(res, t0[stab], offsets, ep_start, ep_end, day)
    children = _frame({"child_id": child_ids, "case_id": case_ids,
                             "sub_cohort": np.asarray(cohort_names, dtype=object)[cohort_codes] if n else np.zeros(0, object),
                             "t0": _dates(np.where(paid_row & (t0 >= 0), t0, -1)), "rag": rag_all})
    bit = cut > 0
    cuts = _frame({"child_id": child_ids[row[bit]], "case_id": case_ids[row[bit]],
                         "sub_cohort": np.asarray(cohort_names, dtype=object)[cohort_codes[row[bit]]] if n else np.zeros(0, object),
                         "metric": np.array(METRICS, dtype=object)[metric[bit]], "due_date": _dates(when[bit]),
                         "gross": amount[bit], "amount": paid[bit], "cut": cut[bit], "cut_by": cut_by[bit]})
    return Settlement(as_of, payments, audit, children, cuts)


def _rank(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each string in sorted order (equal strings share a rank), and the sorted distinct strings."""
    codes, names = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def _frame(columns: dict) -> pd.DataFrame:
    """A DataFrame whose text columns stay object arrays (no conversion of millions of strings
    to another string type: the conversion would cost more than the settlement)."""
    return pd.DataFrame({k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v
                         for k, v in columns.items()})


def _dates(days: np.ndarray) -> np.ndarray:
    """datetime64[ns] from day numbers; -1 becomes NaT."""
    days = np.asarray(days, np.int64)
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[days < 0] = np.datetime64("NaT")
    return out


def _payments_frame(row, metric, when, paid, children: tuple[np.ndarray, np.ndarray], cases: tuple[np.ndarray, np.ndarray],
                    cohort_names, cohort_codes, terms: SibTerms) -> pd.DataFrame:
    """Payment rows split between the commissioner and the Life Chances Fund, in due-date order
    (ties: child, case, line name, payer), as :func:`simulate.payments.settlement.payments_table`."""
    keep = paid > 0
    row, metric, when, paid = row[keep], metric[keep], when[keep], paid[keep]
    share = np.where(when < terms.lcf_end, terms.lcf_share, 0.0) if terms.lcf_end is not None else np.full(len(row), terms.lcf_share)
    lcf = paid * share
    com = paid - lcf
    row2, metric2, when2 = np.tile(row, 2), np.tile(metric, 2), np.tile(when, 2)
    amount2 = np.concatenate((com, lcf))
    payer2 = np.repeat(np.array([0, 1], np.int64), len(row))
    ok = amount2 > 0
    row2, metric2, when2, amount2, payer2 = row2[ok], metric2[ok], when2[ok], amount2[ok], payer2[ok]
    (child_rank, child_names), (case_rank, case_names) = children, cases
    c_rank, k_rank = child_rank[row2], case_rank[row2]
    order = sort_order(when2, c_rank, k_rank, _METRIC_ALPHA[metric2], payer2)
    row2, metric2, when2, amount2, payer2 = row2[order], metric2[order], when2[order], amount2[order], payer2[order]
    # text columns as categoricals (integer codes, no millions of string copies) whose categories
    # are in string order, so grouping and sorting them downstream orders as the strings would
    names = np.asarray(cohort_names, dtype=object)
    by_name = np.argsort(names, kind="stable")
    cohort_rank = np.argsort(by_name)
    frame = pd.DataFrame({
        "child_id": pd.Categorical.from_codes(child_rank[row2], child_names),
        "case_id": pd.Categorical.from_codes(case_rank[row2], case_names),
        "sub_cohort": pd.Categorical.from_codes(cohort_rank[cohort_codes[row2]], names[by_name]) if len(names) else np.zeros(0, object),
        "metric": pd.Categorical.from_codes(_METRIC_ALPHA[metric2], sorted(METRICS)), "due_date": _dates(when2), "amount": amount2,
        "payer": pd.Categorical.from_codes(payer2, ["commissioner", "life_chances_fund"]),
    })
    return frame[PAYMENT_COLUMNS]


__all__ = ["AUDIT_COLUMNS", "PAYMENT_COLUMNS", "Settlement", "settle_sib"]
