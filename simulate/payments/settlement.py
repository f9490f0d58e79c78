"""What a SIB settlement returns and the pieces both settlement paths share.

:class:`Settlement`; reading ``--known-at``; the one standing referral per child; Star totals per
person; the payments table (payers split) and the audit table (caps named, what was paid said)
from capped payment rows. Used by :mod:`simulate.payments.sib` (the vectorised settlement) and
:mod:`simulate.payments.sib_reference` (the per-case reference kept as the test oracle).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .caps import split_payers
from .days import to_date
from .errors import PaymentDataError
from .terms import CAPPED, STATUSES, SibTerms

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


def days_of(series: pd.Series) -> list:
    arr = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    out = arr.astype(np.int64).astype(object)
    out[np.isnat(arr)] = None
    return out.tolist()


def _tool(name: str) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def star_totals(assessments: pd.DataFrame | None) -> dict[tuple[str, str], list[tuple[int, float]]]:
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
    for person, tool, day, score in zip(strings_of(both["person_id"]), strings_of(both["tool"]), days_of(both["assessment_date"]), both["score"].tolist()):
        out[(person, tool)].append((day, float(score)))
    return out


def strings_of(series: pd.Series) -> list[str]:
    return series.astype(str).to_numpy(dtype=object).tolist()


def away_from_home(care_episodes: pd.DataFrame, count_short_breaks: bool = False) -> pd.DataFrame:
    """The episodes that are time away from home: short breaks left out unless counted.

    A short break (``episode_type`` ``short_break``; SSDA903 legal status V3/V4, "accommodated
    under an agreed series of short-term breaks") is respite while the child lives at home, so
    it is not a "period of Local Authority care" under 004 §9.2.1 unless the scenario's
    ``short_breaks_away_from_home`` says so.
    """
    if count_short_breaks or "episode_type" not in care_episodes.columns:
        return care_episodes
    keep = care_episodes["episode_type"].astype(str) != "short_break"
    return care_episodes if keep.all() else care_episodes[keep].reset_index(drop=True)


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
    # on integer codes of the children (no sort of strings): first by referral day, engagement day, file row
    codes, children = pd.factorize(np.asarray(child_ids, dtype=object))
    ref = np.array([np.nan if v is None else v for v in ref_days], dtype=float)
    eng = np.array([np.nan if v is None else v for v in start_days], dtype=float)
    with np.errstate(invalid="ignore"):
        ok = (codes >= 0) & ~np.isnan(ref) & ~np.isnan(eng) & (ref >= first_day) & (ref < referral_end)
    sel = np.flatnonzero(ok)
    order = sel[np.lexsort((sel, eng[sel], ref[sel], codes[sel]))]
    c = codes[order]
    first = order[np.r_[True, c[1:] != c[:-1]]] if order.size else order
    standing = dict.fromkeys(child_ids, -1)
    standing.update(zip(np.asarray(children, dtype=object)[codes[first]].tolist(), first.tolist()))
    notes: dict[int, str] = {}
    counts = np.bincount(codes[codes >= 0], minlength=len(children)) if len(children) else np.zeros(0, np.int64)
    twice = np.flatnonzero((codes >= 0) & (counts[np.maximum(codes, 0)] > 1)) if len(children) else np.zeros(0, np.int64)
    twice = twice[np.argsort(codes[twice], kind="stable")]          # grouped by child, file order within
    bounds = np.flatnonzero(np.r_[True, codes[twice][1:] != codes[twice][:-1], True]) if twice.size else np.zeros(1, np.int64)
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        rows_of = twice[lo:hi].tolist()
        i = standing[child_ids[rows_of[0]]]
        if i < 0:
            continue
        others = [j for j in rows_of if j != i]
        said = ", ".join(f"case {case_ids[j]} referred {to_date(ref_days[j]) if ref_days[j] is not None else 'on no date'}" for j in others)
        notes[i] = f"; child re-referred ({said}): not paid again, this engagement's clock stands"
    return standing, notes


def capped_reason(reason: str, cap: str, cut: float, paid: float, gross: float) -> str:
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


def payments_table(capped: pd.DataFrame, terms: SibTerms) -> pd.DataFrame:
    paid = split_payers(capped[capped["amount"] > 0], terms.lcf_share, terms.lcf_end)
    paid["due_date"] = pd.to_datetime(paid["due"].astype(float), unit="D")
    return paid[PAYMENT_COLUMNS].sort_values(["due_date", "child_id", "case_id", "metric", "payer"], kind="stable").reset_index(drop=True)


def audit_table(audit: list[list], capped: pd.DataFrame) -> pd.DataFrame:
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
        frame.loc[hit, "reason"] = [capped_reason(r, c, x, a, g) for r, c, x, a, g in
                                    zip(frame.loc[hit, "reason"], frame.loc[hit, "cut_by"], frame.loc[hit, "capped_gbp"],
                                        frame.loc[hit, "amount"], frame.loc[hit, "gross"])]
    frame["status"] = frame["status"].map(dict(enumerate(STATUSES)))
    # a date something is (or was) due: also on a stopped or failed line that paid before it stopped
    shown = frame["status"].isin(["paid", "not yet due", "capped"]) | (frame["amount"] > 0)
    frame["due_date"] = pd.to_datetime(frame["due"].astype(float).where(shown), unit="D")
    return frame[AUDIT_COLUMNS]
