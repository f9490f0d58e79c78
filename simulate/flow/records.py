"""Tidy tables of one replication: the event log and the per-case summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cases import EXIT_NAMES
from .engine import STATUS_NAMES
from .model import Replication

EVENT_COLUMNS = ["replication", "case", "district", "sub_cohort", "event", "day", "date"]


def event_log(rep: Replication) -> pd.DataFrame:
    """One row per case event, ordered by day then case.

    Returns
    -------
    pandas.DataFrame
        Columns ``replication``, ``case`` (id within the replication), ``district``,
        ``sub_cohort``, ``event`` (referral, rejected, contact, assessment, start, reneged,
        returned, and ``exit_<route>``), ``day`` (float days since the origin), ``date``.
    """
    c = rep.cases
    n = len(c)
    ids = np.arange(n)
    acc = c.accepted
    started = np.isfinite(rep.start)
    done = rep.status == 3
    parts = [
        ("referral", ids, c.referral),
        ("rejected", ids[~acc], c.referral[~acc]),
        ("contact", ids[acc], c.contact[acc]),
        ("assessment", ids[acc], c.assessment[acc]),
        ("start", ids[started], rep.start[started]),
        ("reneged", ids[rep.status == 4], rep.end[rep.status == 4]),
        ("returned", ids[rep.status == 5], rep.end[rep.status == 5]),
    ]
    for code, name in enumerate(EXIT_NAMES):
        m = done & (c.exit_code == code)
        parts.append((f"exit_{name}", ids[m], rep.end[m]))
    case = np.concatenate([p[1] for p in parts]).astype(np.int64)
    day = np.concatenate([p[2] for p in parts]).astype(float)
    event = np.concatenate([np.full(p[1].size, p[0], dtype=object) for p in parts])
    keep = day <= rep.t_end
    case, day, event = case[keep], day[keep], event[keep]
    order = np.lexsort((case, day))
    case, day, event = case[order], day[order], event[order]
    dnames = np.asarray(c.district_names, dtype=object)
    cnames = np.asarray(c.sub_cohort_names, dtype=object)
    return pd.DataFrame({
        "replication": rep.replication,
        "case": case,
        "district": dnames[c.district[case]] if case.size else [],
        "sub_cohort": cnames[c.sub_cohort[case]] if case.size else [],
        "event": event,
        "day": day,
        "date": pd.to_datetime(rep.origin) + pd.to_timedelta(np.floor(day), unit="D"),
    })


def case_summary(rep: Replication) -> pd.DataFrame:
    """One row per referral.

    Returns
    -------
    pandas.DataFrame
        ``replication``, ``case``, ``district``, ``sub_cohort``, ``need_level``, ``accepted``,
        ``referral_day``, ``contact_day``, ``assessment_day``, ``start_day``, ``end_day``,
        ``status`` (pending, waiting, in_service, done, reneged, returned, or rejected),
        ``exit_route`` (for ``done``), ``wait_to_start_working_days``, ``support_weeks``.
    """
    c = rep.cases
    status = np.where(rep.status < 0, "rejected", np.asarray(STATUS_NAMES, dtype=object)[np.clip(rep.status, 0, None)])
    route = np.where(rep.status == 3, np.asarray(EXIT_NAMES, dtype=object)[c.exit_code], None)
    return pd.DataFrame({
        "replication": rep.replication,
        "case": np.arange(len(c)),
        "district": np.asarray(c.district_names, dtype=object)[c.district],
        "sub_cohort": np.asarray(c.sub_cohort_names, dtype=object)[c.sub_cohort],
        "need_level": c.need,
        "accepted": c.accepted,
        "referral_day": c.referral,
        "contact_day": np.where(c.accepted, c.contact, np.nan),
        "assessment_day": np.where(c.accepted, c.assessment, np.nan),
        "start_day": rep.start,
        "end_day": rep.end,
        "status": status,
        "exit_route": route,
        "wait_to_start_working_days": rep.calendar.working_days_between(c.referral, rep.start),
        "support_weeks": (rep.end - rep.start - rep.paused_days) / 7.0,
    })


def waiting_series(rep: Replication, step_days: float = 7.0) -> pd.DataFrame:
    """Waiting list and open cases on a grid of days (weekly by default), by district and ``all``.

    Returns
    -------
    pandas.DataFrame
        ``replication``, ``day``, ``date``, ``district``, ``waiting`` (families on the list),
        ``open_cases`` (families in support).
    """
    c = rep.cases
    grid = np.arange(0.0, rep.t_end + 1e-9, step_days)
    started = np.isfinite(rep.start)
    joined = np.where(c.accepted, c.ready, np.inf)
    left = np.where(started, rep.start, np.where(np.isfinite(rep.end), rep.end, np.inf))
    stop = np.where(started & np.isfinite(rep.end), rep.end, np.inf)
    rows = []
    names = list(c.district_names)
    for k, name in [*enumerate(names), (-1, "all")]:
        m = np.ones(len(c), dtype=bool) if k < 0 else c.district == k
        count = lambda x: np.searchsorted(np.sort(x[m]), grid, side="right")  # noqa: E731
        rows.append(pd.DataFrame({
            "replication": rep.replication, "day": grid, "district": name,
            "waiting": count(joined) - count(np.where(np.isfinite(joined), left, np.inf)),
            "open_cases": count(np.where(started, rep.start, np.inf)) - count(stop),
        }))
    out = pd.concat(rows, ignore_index=True)
    out.insert(2, "date", pd.to_datetime(rep.origin) + pd.to_timedelta(out["day"], unit="D"))
    return out
