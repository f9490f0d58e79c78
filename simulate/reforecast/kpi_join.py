"""The known past and the simulated future of a caseload as one per-case table (for :mod:`.kpis`).

:func:`known_cases` reads ``referrals.csv`` as known at the end of the as-of day;
:class:`Prepared` holds it as the KPI registry's per-case table (days from the contract start)
with the scenario's remaining months as a horizon of its own (:func:`shifted`);
:func:`joined_table` draws the open cases' ends, runs the flow model from the next day with
the open cases and the waiting list as its :class:`simulate.flow.model.InitialState`, and joins
the two (see :mod:`.kpis` for the reading of each step).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from simulate.flow.errors import FlowInvariantError
from simulate.flow.metrics import case_table
from simulate.flow.model import InitialState, run_replication
from simulate.kpis import CaseTable, case_table_from_frames
from simulate.kpis.cases import EXIT_ROUTES, Assessments
from simulate.scenario import Scenario
from simulate.scenario.service import add_months

from .errors import ReforecastError

# referrals.csv end_reason -> the registry's exit routes (as cusp.kpi_extracts reads them)
EXIT_ROUTE_OF = {"completed": "completed", "stepped_down": "step_down", "stepped_up": "step_up", "disengaged": "disengaged",
                 "entered_care": "care_entry"}
# end-of-case items recorded when support ends
_END_ITEMS = ("exit_strategy", "wellbeing_plan", "feedback_positive")
_OPEN_STREAM = 0x4B50   # spawn_key tail of the stream drawing open cases' ends (apart from the flow's activity streams)


def known_cases(referrals: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The registry's per-case frame of ``referrals.csv`` as known at the end of ``as_of``.

    Referrals after ``as_of`` are dropped; contact, assessment, start and end dates after it are
    blank (they had not happened). An accepted referral that ended without a start left the
    waiting list (``left_date``). Adds ``state``: ``rejected``, ``closed``, ``open`` (started,
    not ended) or ``waiting`` (accepted, not started, not gone), and ``row`` (the row number in
    ``referrals``).

    Returns
    -------
    DataFrame
        Columns ``row, district, referral_date, accepted, contact_date, assessment_date,
        start_date, end_date, left_date, exit_route, state`` and any of ``hours_per_week,
        direct_share, exit_strategy, wellbeing_plan, feedback_positive`` the extract records
        (end-of-case items blank while the case is open).
    """
    r = referrals.reset_index(drop=True)
    cut = pd.Timestamp(as_of)
    keep = pd.to_datetime(r["referral_date"]) <= cut
    r = r[keep]

    def col(name: str) -> pd.Series:
        s = pd.to_datetime(r[name]) if name in r else pd.Series(pd.NaT, index=r.index)
        return s.where(s <= cut)

    accepted = r["accepted"].fillna(False).astype(bool) if "accepted" in r else pd.Series(True, index=r.index)
    start, end = col("start_date"), col("end_date")
    out = pd.DataFrame({"row": r.index.to_numpy(), "district": r["district"].astype(str), "referral_date": pd.to_datetime(r["referral_date"]),
                        "accepted": accepted, "contact_date": col("first_contact_date"), "assessment_date": col("assessment_date"),
                        "start_date": start, "end_date": end.where(start.notna()), "left_date": end.where(start.isna() & accepted)})
    reason = r["end_reason"] if "end_reason" in r else pd.Series(np.nan, index=r.index)
    out["exit_route"] = reason.map(EXIT_ROUTE_OF).where(out["end_date"].notna(), "").fillna("")
    for c in ("hours_per_week", "direct_share", *_END_ITEMS):
        if c in r:
            v = pd.array(r[c], dtype="Float64").to_numpy(dtype=float, na_value=np.nan)
            out[c] = np.where(out["end_date"].notna(), v, np.nan) if c in _END_ITEMS else v
    out["state"] = np.select([~accepted, out["end_date"].notna() | out["left_date"].notna(), start.notna()],
                             ["rejected", "closed", "open"], "waiting")
    return out.reset_index(drop=True)


def months_until(start: dt.date, end: dt.date) -> int:
    """The fewest whole months from ``start`` reaching ``end`` or beyond (0 when ``end <= start``)."""
    m = max(0, (end.year - start.year) * 12 + end.month - start.month - 1)
    while add_months(start, m) < end:
        m += 1
    return m


def shifted(scenario: Scenario, first: dt.date) -> Scenario:
    """The scenario's remaining contract as a horizon starting on ``first`` (whole months; at least one referral month).

    Runs on to the first whole month at or after the original referral end and contract end;
    days past the original contract end fall in no reported period.
    """
    h = scenario.horizon
    ref = max(1, months_until(first, h.referral_end))
    total = max(ref, months_until(first, h.contract_end))
    return scenario.model_copy(update={"horizon": h.model_copy(update={"start_date": first, "referral_months": ref,
                                                                      "tracking_months": total - ref})})


def _draw_open(scenario: Scenario, known: pd.DataFrame, open_rows: np.ndarray, as_of_day: int, origin: dt.date,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """Ends (days from ``origin``), exit routes and end-of-case items of the cases open on the as-of day."""
    n = open_rows.size
    start = ((known.loc[open_rows, "start_date"] - pd.Timestamp(origin)) / pd.Timedelta(days=1)).to_numpy(float)
    iv = scenario.intervention
    drawn = np.floor(start + iv.duration_weeks.sample(rng, n) * 7.0)
    # as the flow model reads a snapshot: an end before today moves within two weeks after it
    end = np.where(drawn <= as_of_day, as_of_day + 1 + np.floor(rng.uniform(0, 14, n)), drawn)
    u = rng.random(n)
    route = np.where(u < iv.step_up_share, EXIT_ROUTES.index("step_up"),
                     np.where(u < iv.step_up_share + iv.step_down_share, EXIT_ROUTES.index("step_down"), EXIT_ROUTES.index("completed")))
    out = scenario.outcomes
    probs = (out.exit_strategy_probability, out.wellbeing_plan_probability, out.positive_feedback_probability)
    v = rng.random((n, 3))
    items = {name: (v[:, k] < p).astype(float) for k, (name, p) in enumerate(zip(_END_ITEMS, probs)) if p is not None}
    return end, route.astype(np.int64), items


def _shift(table: CaseTable, offset: float, rows: np.ndarray | None = None) -> dict:
    """A case table's arrays (optionally some rows) with every day moved by ``offset``; events renumbered."""
    n = len(table)
    rows = np.arange(n) if rows is None else np.asarray(rows, np.int64)
    new = np.full(n, -1, np.int64)
    new[rows] = np.arange(rows.size)
    per_case = {k: getattr(table, k)[rows] for k in ("district", "referral_day", "accepted", "contact_day", "assessment_day", "start_day",
                                                    "end_day", "left_day", "exit_route", "paused_days", "hours_per_week", "direct_share",
                                                    "exit_strategy", "wellbeing_plan", "feedback_positive")}
    for k in per_case:
        if k.endswith("_day"):
            per_case[k] = per_case[k] + offset
    rk = new[table.review_case] >= 0 if table.review_case.size else np.zeros(0, bool)
    ev = {"review_case": new[table.review_case[rk]], "review_day": table.review_day[rk] + offset}
    if table.hours_case is not None:
        hk = new[table.hours_case] >= 0
        ev.update(hours_case=new[table.hours_case[hk]], hours_day=table.hours_day[hk] + offset, hours=table.hours[hk],
                  hours_direct=table.hours_direct[hk])
    a = table.assessments
    ak = new[a.case] >= 0 if len(a) else np.zeros(0, bool)
    ev["assessments"] = Assessments(new[a.case[ak]], a.tool[ak], a.area[ak], a.respondent[ak], a.baseline[ak], a.follow_up[ak],
                                    a.follow_up_day[ak] + offset, a.higher_is_better[ak], a.min_score[ak], a.max_score[ak])
    return {**per_case, **ev}


def _concat(parts: list[dict], district_names: list[str]) -> CaseTable:
    """One case table from several :func:`_shift` outputs (cases renumbered in order)."""
    sizes = [p["referral_day"].size for p in parts]
    base = np.cumsum([0, *sizes[:-1]])
    cat = lambda k: np.concatenate([p[k] for p in parts])  # noqa: E731
    t = CaseTable.build(district_names, cat("district"), cat("referral_day"),
                        **{k: cat(k) for k in ("accepted", "contact_day", "assessment_day", "start_day", "end_day", "left_day", "exit_route",
                                               "paused_days", "hours_per_week", "direct_share", "exit_strategy", "wellbeing_plan",
                                               "feedback_positive")})
    t.review_case = np.concatenate([p["review_case"] + b for p, b in zip(parts, base)]).astype(np.int64)
    t.review_day = cat("review_day").astype(float)
    if any("hours_case" in p for p in parts):
        e = np.empty(0)
        t.hours_case = np.concatenate([p.get("hours_case", e.astype(np.int64)) + b for p, b in zip(parts, base)]).astype(np.int64)
        t.hours_day = np.concatenate([p.get("hours_day", e) for p in parts])
        t.hours = np.concatenate([p.get("hours", e) for p in parts])
        t.hours_direct = np.concatenate([p.get("hours_direct", e.astype(bool)) for p in parts]).astype(bool)
    A = [p["assessments"] for p in parts]
    t.assessments = Assessments(np.concatenate([a.case + b for a, b in zip(A, base)]).astype(np.int64),
                                *(np.concatenate([getattr(a, f) for a in A]) for f in ("tool", "area", "respondent", "baseline", "follow_up",
                                                                                       "follow_up_day", "higher_is_better", "min_score", "max_score")))
    return t


class Prepared:
    """What every replication shares: the known cases, their table and the shifted scenario."""

    def __init__(self, scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date,
                 assessment_rows: pd.DataFrame | None = None) -> None:
        h = scenario.horizon
        if not h.start_date - dt.timedelta(days=1) <= as_of < h.contract_end - dt.timedelta(days=1):
            raise ReforecastError(f"--as-of {as_of}: KPI probabilities need a day inside the contract "
                                  f"({h.start_date - dt.timedelta(days=1)}, the day before it starts, to {h.contract_end - dt.timedelta(days=2)})")
        self.scenario, self.as_of = scenario, as_of
        self.origin = h.start_date
        self.first = as_of + dt.timedelta(days=1)
        self.offset = float((self.first - self.origin).days)
        self.day = (as_of - self.origin).days                      # the as-of day, days from the contract start
        self.future = shifted(scenario, self.first)
        names = list(scenario.district_names)
        refs = frames.get("referrals.csv")
        if scenario.referrals is not None and refs is not None and len(refs):
            known = known_cases(refs, as_of)
            bad = ~known["district"].isin(names)
            if bad.any():
                raise ReforecastError(f"referrals.csv: row {int(known.loc[bad, 'row'].iloc[0]) + 2}, column 'district': "
                                      f"{known.loc[bad, 'district'].iloc[0]!r} is not a district of the scenario")
        else:
            known = known_cases(pd.DataFrame({"district": pd.Series(dtype=str), "referral_date": pd.Series(dtype="datetime64[ns]")}), as_of)
        if "hours_per_week" not in known and scenario.referrals is not None:
            known["hours_per_week"] = scenario.intervention.support_hours_per_week
        self.known = known
        reviews = frames.get("plan_reviews.csv")
        ev = None
        if reviews is not None and len(reviews) and len(known):
            ids = frames["referrals.csv"].reset_index(drop=True)["case_id"].astype(str)
            row_of = pd.Series(np.arange(len(ids)), index=ids)
            case_of = pd.Series(np.arange(len(known)), index=known["row"].to_numpy())
            rv = reviews[pd.to_datetime(reviews["review_date"]) <= pd.Timestamp(as_of)]
            rows = rv["case_id"].astype(str).map(row_of)
            ev = pd.DataFrame({"case": rows.map(case_of), "review_date": rv["review_date"]}).dropna(subset=["case"])
        assess = None
        if assessment_rows is not None and len(assessment_rows) and len(known):
            case_of = pd.Series(np.arange(len(known)), index=known["row"].to_numpy())
            a = assessment_rows.assign(case=assessment_rows["case"].map(case_of)).dropna(subset=["case"])
            late = pd.to_datetime(a["follow_up_date"]) > pd.Timestamp(as_of)
            assess = a.assign(follow_up=a["follow_up"].where(~late), follow_up_date=pd.to_datetime(a["follow_up_date"]).where(~late))
        self.table = case_table_from_frames(known.drop(columns=["row", "state"]), self.origin, names, reviews=ev, assessments=assess)
        self.open_rows = np.flatnonzero(known["state"].to_numpy() == "open")
        self.waiting_rows = np.flatnonzero(known["state"].to_numpy() == "waiting")
        self.closed_rows = np.flatnonzero(np.isin(known["state"].to_numpy(), ["closed", "rejected"]))


def joined_table(p: Prepared, seed: int, replication: int) -> tuple[CaseTable, object]:
    """One replication: the known past and the simulated future as one case table (days from the contract start)."""
    sc, known = p.scenario, p.known
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, _OPEN_STREAM)))
    end, route, items = _draw_open(sc, known, p.open_rows, p.day, p.origin, rng)
    open_cases = pd.DataFrame({"district": known.loc[p.open_rows, "district"].to_numpy(),
                               "start_date": known.loc[p.open_rows, "start_date"].dt.date.to_numpy(),
                               "end_date": [(pd.Timestamp(p.origin) + pd.Timedelta(days=float(e))).date() for e in end]})
    waiting = pd.DataFrame({"district": known.loc[p.waiting_rows, "district"].to_numpy(),
                            "referral_date": known.loc[p.waiting_rows, "referral_date"].dt.date.to_numpy()})
    # patience counted from each referral: an extract rarely records a family giving up, so a
    # family "waiting" for a year has most likely gone; the flow model lets it leave at day 0
    state = InitialState(open_cases=open_cases, waiting=waiting, patience_from="referral") if sc.referrals is not None else None
    try:
        rep = run_replication(p.future, seed, replication, initial=state)
    except FlowInvariantError as err:
        # the flow model's capacity check counts today's open cases at day 0 against today's
        # places, so a caseload already above its places (staff cut since) trips it although the
        # engine starts no one until places free; the same path, unchecked
        if "capacity" not in str(err) or not p.open_rows.size:
            raise
        rep = run_replication(p.future, seed, replication, initial=state, check=False)
    if sc.referrals is None:
        return p.table, rep
    sim = case_table(rep)
    parts = [_shift(p.table, 0.0, p.closed_rows)]
    # open cases: as known, with the drawn end, exit route, end-of-case items and the reviews still to come
    op = _shift(p.table, 0.0, p.open_rows)
    op["end_day"] = end
    op["exit_route"] = route
    for name, v in items.items():
        op[name] = v
    iv = sc.intervention
    if iv.review_interval_weeks:
        step = iv.review_interval_weeks * 7.0
        cases, days = [], []
        for k, (s, e) in enumerate(zip(op["start_day"], end)):
            ks = np.arange(math.floor((p.day - s) / step) + 1, math.ceil((e - s) / step)) if e > s else np.zeros(0)
            d = s + ks * step
            d = d[(d > p.day) & (d < e)]
            cases.append(np.full(d.size, k))
            days.append(d)
        op["review_case"] = np.concatenate([op["review_case"], *cases]).astype(np.int64)
        op["review_day"] = np.concatenate([op["review_day"], *days])
    parts.append(op)
    # waiting families: the simulation's first cases, in the list's order; known dates up to today
    w = _shift(sim, p.offset)
    nw = p.waiting_rows.size
    for k in ("contact_day", "assessment_day"):
        # the simulation counts a listed family as contacted and assessed on referral; the past is
        # the extract's, so a step not done by the as-of day is done the day after it at the earliest
        past = getattr(p.table, k)[p.waiting_rows]
        w[k][:nw] = np.where(np.isfinite(past), past, np.maximum(w[k][:nw], p.day + 1.0))
    for k in ("hours_per_week", "direct_share"):
        past = getattr(p.table, k)[p.waiting_rows]
        w[k][:nw] = np.where(np.isfinite(past), past, w[k][:nw])
    parts.append(w)
    return _concat(parts, list(sc.district_names)), rep


__all__ = ["EXIT_ROUTE_OF", "Prepared", "joined_table", "known_cases", "months_until", "shifted"]
