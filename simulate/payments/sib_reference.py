"""The per-case reference settlement of an edge-of-care SIB (004 §9): the test oracle.

One referral at a time in plain Python, with :func:`simulate.payments.stability.settle_stability`
and the one-off rules of :mod:`simulate.payments.metrics`. :func:`simulate.payments.sib.settle_sib`
(the vectorised settlement the command line uses) must give the same money, statuses and due
dates (``tests/simulate/payments/test_sib_differential.py``); ``benchmarks/settle_throughput.py``
times both. Inputs and outputs are those of :func:`simulate.payments.sib.settle_sib`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd

from .caps import apply_caps
from .checks import check_episodes, check_referrals
from .days import OPEN_END, to_date, to_day
from .metrics import Line, settle_education, settle_reading, settle_star
from .prepare import reading_by_case, school_by_case
from .settlement import Settlement, away_from_home, audit_table, days_of, known_by, payments_table, standing_cases, star_totals, strings_of
from .stability import StabilityResult, StabilityRules, settle_stability
from .terms import FAILED, METRICS, NOT_ACHIEVED, NOT_ELIGIBLE, STOPPED, SibTerms


def _group(frame: pd.DataFrame | None, cols: list[str], date_cols: set[str]) -> dict[str, list[tuple]]:
    out: dict = defaultdict(list)
    if frame is None or frame.empty:
        return out
    values = [(days_of(frame[c]) if c in date_cols else frame[c].astype(float).tolist()) for c in cols]
    for child, *rest in zip(strings_of(frame["child_id"]), *values):
        out[child].append(tuple(rest))
    return out


def settle_sib_reference(
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
    spells = _group(care_episodes, ["start_date", "end_date"], {"start_date", "end_date"})
    spells = {k: [(s, OPEN_END if e is None else e) for s, e in v] for k, v in spells.items()}
    stars = star_totals(assessments)
    r = referrals
    child_ids = strings_of(r["child_id"])
    case_ids = strings_of(r["case_id"]) if "case_id" in r else child_ids
    family_ids = strings_of(r["family_id"]) if "family_id" in r else child_ids
    cohorts = strings_of(r["sub_cohort"])
    ref_days, start_days = days_of(r["referral_date"]), days_of(r["start_date"])
    home_days = days_of(r["return_home_date"]) if "return_home_date" in r else [None] * len(r)
    engaged = pd.DataFrame({"case": range(len(r)), "child_id": child_ids, "e": start_days}).dropna(subset=["e"])
    periods = school_by_case(engaged, school, day)
    tests = reading_by_case(engaged, reading, day, mech.reading_tolerance_days)

    standing, notes = standing_cases(child_ids, case_ids, ref_days, start_days, terms.start, terms.referral_end)

    gross: list[tuple] = []
    audit: list[list] = []
    kids: list[tuple] = []
    window = f"[{to_date(terms.start)}, {to_date(terms.referral_end)})"
    for i, (child, case, family, cohort, ref, e, home) in enumerate(zip(child_ids, case_ids, family_ids, cohorts, ref_days, start_days, home_days)):
        if e is None or ref is None or not terms.start <= ref < terms.referral_end or standing[child] != i:
            if e is None:
                why = "not engaged (no start_date)"
            elif ref is None or not terms.start <= ref < terms.referral_end:
                why = f"referred {to_date(ref) if ref is not None else 'on no date'}, outside the referral window {window}"
            else:
                first = standing[child]
                why = (f"re-referral of a child already in the cohort through case {case_ids[first]} (engaged "
                       f"{to_date(start_days[first])}): one set of payments per child, on that engagement's clock")
            audit.extend([child, case, cohort, m, NOT_ELIGIBLE, 0.0, None, why] for m in METRICS)
            kids.append((child, case, cohort, None, ""))
            continue
        prices, keep = terms.prices(cohort), 1.0 - terms.deadweight(cohort)
        t0 = home if terms.is_reunification(cohort) else e
        rules = StabilityRules(mech.milestone_months, mech.tariff_months, mech.max_spell_days_to_resume,
                               mech.failing_spell_number, terms.contract_end, prices.milestone, prices.tariff, 1.0 - keep)
        if t0 is None:
            why = "reunification child with no return_home_date: not home, no stability payment"
            st = StabilityResult(NOT_ELIGIBLE, why, None, 0.0, NOT_ELIGIBLE, why)
            kids.append((child, case, cohort, None, "red"))
        else:
            st = settle_stability(t0, spells.get(child, []), day, rules)
            kids.append((child, case, cohort, t0, _rag(st, spells.get(child, []), t0, day)))
        lines: dict[str, Line] = {
            "stability_milestone": Line(st.milestone_status, st.milestone_reason, st.milestone_due, st.milestone_amount),
            "stability_tariff": Line(st.tariff_status, st.tariff_reason, st.tariff[-1][0] if st.tariff else None, st.tariff_amount),
            "family_star_plus": settle_star(e, stars.get((family, "family_star_plus")) or stars.get((child, "family_star_plus"), []), day,
                                            "Family Star Plus", mech.family_functioning_improvement, mech.assessment_tolerance_days,
                                            prices.family_star_plus, keep, terms.contract_end, mech.assessment_early_days),
            "my_star": settle_star(e, stars.get((child, "my_star"), []), day, "My Star", mech.family_functioning_improvement,
                                   mech.assessment_tolerance_days, prices.my_star, keep, terms.contract_end, mech.assessment_early_days),
            "education": settle_education(e, periods.get(i, []), day, mech.absence_reduction, mech.absence_measure,
                                          prices.education, keep, terms.contract_end),
            "reading": settle_reading(e, tests.get(i, []), day, mech.reading_gain_years, mech.reading_tolerance_days,
                                      prices.reading, keep, terms.contract_end),
        }
        if st.milestone_amount > 0:
            gross.append((child, case, cohort, "stability_milestone", st.milestone_due, st.milestone_amount))
        gross.extend((child, case, cohort, "stability_tariff", due, amount) for due, _, amount in st.tariff)
        for metric in METRICS[2:]:
            if lines[metric].amount > 0:
                gross.append((child, case, cohort, metric, lines[metric].due, lines[metric].amount))
        note = notes.get(i, "")
        audit.extend([child, case, cohort, m, ln.status, ln.amount, ln.due, ln.reason + note] for m, ln in lines.items())

    rows = pd.DataFrame(gross, columns=["child_id", "case_id", "sub_cohort", "metric", "due", "amount"])
    capped = apply_caps(rows, mech.caps, terms.start)
    children = pd.DataFrame(kids, columns=["child_id", "case_id", "sub_cohort", "t0", "rag"])
    children["t0"] = pd.to_datetime(children["t0"].astype(float), unit="D")
    cuts = capped[capped["cut"] > 0].assign(due_date=lambda f: pd.to_datetime(f["due"].astype(float), unit="D"))
    cuts = cuts[["child_id", "case_id", "sub_cohort", "metric", "due_date", "gross", "amount", "cut", "cut_by"]].reset_index(drop=True)
    return Settlement(as_of, payments_table(capped, terms), audit_table(audit, capped), children, cuts)


def _rag(st, spells: list[tuple[int, int]], t0: int, day: int) -> str:
    """Red: milestone missed, tracking stopped or failed; amber: a spell since t0; else green."""
    if st.milestone_status == NOT_ACHIEVED or st.tariff_status in (STOPPED, FAILED):
        return "red"
    if any(s <= day and e > t0 for s, e in spells):
        return "amber"
    return "green"
