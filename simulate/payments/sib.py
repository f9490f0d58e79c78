"""Settle an edge-of-care SIB (004 §9) from tidy extracts as of a date, with an audit trail.

Inputs are the extracts of ``docs/data-contracts.md`` as DataFrames with dates parsed:
``referrals`` (case_id, child_id, family_id, sub_cohort, referral_date, start_date,
return_home_date, date_of_birth), ``care_episodes`` (child_id, start_date, end_date),
``assessments`` (person_id, tool, area, assessment_date, score), ``school`` (child_id,
period_start, period_end, unauthorised_absence_days, possible_days) and ``reading``
(child_id, assessment_date, reading_age, forecast_reading_age). The last three are optional.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .caps import apply_caps, split_payers
from .checks import check_episodes, check_referrals
from .days import OPEN_END, to_date, to_day
from .errors import PaymentDataError
from .metrics import Line, settle_education, settle_reading, settle_star
from .prepare import reading_by_case, school_by_case
from .stability import StabilityResult, StabilityRules, settle_stability
from .terms import CAPPED, FAILED, METRICS, NOT_ACHIEVED, NOT_ELIGIBLE, STATUSES, STOPPED, SibTerms

PAYMENT_COLUMNS = ["child_id", "case_id", "sub_cohort", "metric", "due_date", "amount", "payer"]
AUDIT_COLUMNS = ["child_id", "case_id", "sub_cohort", "metric", "status", "amount", "gross", "capped_gbp", "due_date", "reason"]


@dataclass
class Settlement:
    """What is owed as of a date.

    ``payments``: child_id, case_id, sub_cohort, metric, due_date, amount (£), payer.
    ``audit``: one row per case and metric: status, amount paid (£), gross (£ before caps),
    capped_gbp, due_date (paid: the last due date; not yet due: the expected one where known;
    blank otherwise), reason.
    ``children``: (SIB) case, t0 and RAG rating. ``cuts``: (SIB) every payment a cap reduced:
    child_id, case_id, metric, due_date, gross, amount, cut, cut_by.
    """

    as_of: dt.date
    payments: pd.DataFrame
    audit: pd.DataFrame
    children: pd.DataFrame | None = None
    cuts: pd.DataFrame | None = None


def _days(series: pd.Series) -> list:
    arr = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    out = arr.astype(np.int64).astype(object)
    out[np.isnat(arr)] = None
    return out.tolist()


def _tool(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _star_totals(assessments: pd.DataFrame | None) -> dict[tuple[str, str], list[tuple[int, float]]]:
    out: dict = defaultdict(list)
    if assessments is None or assessments.empty:
        return out
    names = {t: _tool(t) for t in assessments["tool"].astype(str).unique()}
    keep = [t for t, n in names.items() if n in ("family_star_plus", "my_star")]
    a = assessments[assessments["tool"].astype(str).isin(keep)]
    a = a.assign(tool=a["tool"].astype(str).map(names))
    has_total = a["area"].astype(str).str.lower() == "total"
    keys = ["person_id", "tool", "assessment_date"]
    totals = a[has_total].groupby(keys, sort=False)["score"].sum()
    summed = a[~has_total].groupby(keys, sort=False)["score"].sum()
    both = pd.concat([summed[~summed.index.isin(totals.index)], totals]).reset_index()
    for person, tool, day, score in zip(_strings(both["person_id"]), _strings(both["tool"]), _days(both["assessment_date"]), both["score"].tolist()):
        out[(person, tool)].append((day, float(score)))
    return out


def _strings(series: pd.Series) -> list[str]:
    return series.astype(str).to_numpy(dtype=object).tolist()


def _group(frame: pd.DataFrame | None, cols: list[str], date_cols: set[str]) -> dict[str, list[tuple]]:
    out: dict = defaultdict(list)
    if frame is None or frame.empty:
        return out
    values = [(_days(frame[c]) if c in date_cols else frame[c].astype(float).tolist()) for c in cols]
    for child, *rest in zip(_strings(frame["child_id"]), *values):
        out[child].append(tuple(rest))
    return out


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
    if known_at is not None:
        care_episodes = known_by(care_episodes, known_at)
    check_episodes(care_episodes, referrals)
    if not allow_no_return_home:
        check_referrals(referrals, {k for k, v in terms.cohort_kind.items() if v == "reunification"})
    day = to_day(as_of)
    spells = _group(care_episodes, ["start_date", "end_date"], {"start_date", "end_date"})
    spells = {k: [(s, OPEN_END if e is None else e) for s, e in v] for k, v in spells.items()}
    stars = _star_totals(assessments)
    r = referrals
    child_ids = _strings(r["child_id"])
    case_ids = _strings(r["case_id"]) if "case_id" in r else child_ids
    family_ids = _strings(r["family_id"]) if "family_id" in r else child_ids
    cohorts = _strings(r["sub_cohort"])
    ref_days, start_days = _days(r["referral_date"]), _days(r["start_date"])
    home_days = _days(r["return_home_date"]) if "return_home_date" in r else [None] * len(r)
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
    return Settlement(as_of, _payments(capped, terms), _audit(audit, capped), children, cuts)


def known_by(care_episodes: pd.DataFrame, known_at: dt.date) -> pd.DataFrame:
    """The episodes recorded (``recorded_date``) on or before ``known_at``.

    Raises
    ------
    PaymentDataError
        The episodes have no ``recorded_date`` column, or it is empty on every row: the
        settlement as known then cannot be rebuilt, and ignoring ``--known-at`` would pay on
        what was not known.
    """
    if "recorded_date" not in care_episodes.columns or (len(care_episodes) and care_episodes["recorded_date"].isna().all()):
        raise PaymentDataError("care_episodes.csv", [], "--known-at needs the recorded_date of each episode, and "
                               + ("the column is missing" if "recorded_date" not in care_episodes.columns else "it is empty on every row"))
    recorded = pd.to_datetime(care_episodes["recorded_date"])
    return care_episodes[recorded.isna() | (recorded <= pd.Timestamp(known_at))].reset_index(drop=True)


def standing_cases(child_ids: list[str], case_ids: list[str], ref_days: list, start_days: list,
                   first_day: int, referral_end: int) -> tuple[dict[str, int], dict[int, str]]:
    """The one referral per child that is paid, and a note naming the child's other referrals.

    004 §9.2.1 pays "a milestone payment for each Child in the cohort" and "a tariff payment per
    day spent out of care by each Child": a child joins the cohort once. The standing referral
    is the child's first engaged one (earliest referral date, then engagement date, then file
    order) referred inside ``[first_day, referral_end)``.

    Returns
    -------
    (standing, notes)
        ``standing``: child_id -> row index of its standing referral (-1 if none);
        ``notes``: row index of a standing referral -> text appended to its reasons when the
        child has other referrals.
    """
    rows = pd.DataFrame({"child": child_ids, "ref": pd.array(ref_days, dtype="Int64"), "e": pd.array(start_days, dtype="Int64"),
                         "pos": np.arange(len(child_ids))})
    ok = rows["ref"].notna() & rows["e"].notna() & (rows["ref"] >= first_day) & (rows["ref"] < referral_end)
    first = rows[ok.fillna(False)].sort_values(["child", "ref", "e", "pos"], kind="stable").drop_duplicates("child")
    standing = dict.fromkeys(child_ids, -1) | dict(zip(first["child"], first["pos"].tolist()))
    notes: dict[int, str] = {}
    counts = rows["child"].value_counts()
    twice = rows[rows["child"].isin(counts.index[counts > 1])]
    for child, idx in twice.groupby("child", sort=False).indices.items():
        i = standing[child]
        if i < 0:
            continue
        others = [j for j in twice["pos"].to_numpy()[idx].tolist() if j != i]
        said = ", ".join(f"case {case_ids[j]} referred {to_date(ref_days[j]) if ref_days[j] is not None else 'on no date'}" for j in others)
        notes[i] = f"; child re-referred ({said}): not paid again, this engagement's clock stands"
    return standing, notes


def _rag(st, spells: list[tuple[int, int]], t0: int, day: int) -> str:
    """Red: milestone missed, tracking stopped or failed; amber: a spell since t0; else green."""
    if st.milestone_status == NOT_ACHIEVED or st.tariff_status in (STOPPED, FAILED):
        return "red"
    if any(s <= day and e > t0 for s, e in spells):
        return "amber"
    return "green"


def _capped_reason(reason: str, cap: str, cut: float, paid: float, gross: float) -> str:
    """The reason of a line a cap cut, saying what was actually paid.

    A tariff line's "N home days paid" becomes "N home days earned", and the £ paid is given
    as home days' worth (paid ÷ gross × N), so the line never claims days the cap did not pay.
    """
    m = re.search(r"(\d+) home days paid", reason)
    said = f"; cap ({cap}) cut £{cut:,.2f}: £{paid:,.2f} paid of £{gross:,.2f} earned"
    if m is None:
        return reason + said
    days = int(m.group(1))
    worth = paid / gross * days if gross > 0 else 0.0
    return reason.replace(m.group(0), f"{days} home days earned") + said + f" ({worth:,.1f} home days' worth)"


def _payments(capped: pd.DataFrame, terms: SibTerms) -> pd.DataFrame:
    paid = split_payers(capped[capped["amount"] > 0], terms.lcf_share, terms.lcf_end)
    paid["due_date"] = pd.to_datetime(paid["due"].astype(float), unit="D")
    return paid[PAYMENT_COLUMNS].sort_values(["due_date", "child_id", "case_id", "metric", "payer"], kind="stable").reset_index(drop=True)


def _audit(audit: list[list], capped: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(audit, columns=["child_id", "case_id", "sub_cohort", "metric", "status", "gross", "due", "reason"])
    key = ["case_id", "metric"]
    sums = capped.groupby(key).agg(amount=("amount", "sum"), capped_gbp=("cut", "sum"))
    names = capped[capped["cut"] > 0].groupby(key)["cut_by"].first()      # the first cap that bit
    frame = frame.join(sums, on=key).join(names.rename("cut_by"), on=key)
    frame["amount"] = frame["amount"].fillna(0.0)
    frame["capped_gbp"] = frame["capped_gbp"].fillna(0.0)
    hit = frame["capped_gbp"] > 0
    frame.loc[hit, "status"] = CAPPED
    frame["cut_by"] = frame["cut_by"].fillna("").astype(str)
    if hit.any():
        frame.loc[hit, "reason"] = [_capped_reason(r, c, x, a, g) for r, c, x, a, g in
                                    zip(frame.loc[hit, "reason"], frame.loc[hit, "cut_by"], frame.loc[hit, "capped_gbp"],
                                        frame.loc[hit, "amount"], frame.loc[hit, "gross"])]
    frame["status"] = frame["status"].map(dict(enumerate(STATUSES)))
    # a date something is (or was) due: also on a stopped or failed line that paid before it stopped
    shown = frame["status"].isin(["paid", "not yet due", "capped"]) | (frame["amount"] > 0)
    frame["due_date"] = pd.to_datetime(frame["due"].astype(float).where(shown), unit="D")
    return frame[AUDIT_COLUMNS]
