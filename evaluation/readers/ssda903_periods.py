"""SSDA903 episodes → Cusp's ``care_episodes.csv``: one row per period away from home.

A council records a new SSDA903 episode whenever a child's legal status or placement changes;
the child has not gone home in between. 004 §9.2.1 speaks of periods: "Where such cases do
occur but the period of Local Authority care or remand is not greater than 8 weeks and the
Child returns to their family home, the tracking period will continue". So a child's episodes
are chained into periods:

- an episode that starts on or before the day the previous episode of the same child ended
  (the previous one's ``REC`` is ``X1``, "episode ceases, and new episode begins on same day",
  or the dates simply touch or overlap) continues the same period;
- a period starts on its first ``DECOM`` and ends on its last ``DEC`` (the day the child was
  home again); it is open (blank ``end_date``) if any of its episodes is open;
- ``episode_type`` is ``remand`` when every episode of the period has a youth-justice legal
  status (``J1``–``J3``), else ``care``;
- short breaks (legal status ``V3``, ``V4``) are respite, not a period away from home: they are
  left out (and counted) unless ``include_short_breaks``.

The mapping report counts what was read, built and left out, and why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .ssda903 import CONTINUES, REMAND, SHORT_BREAKS, Ssda903

CARE_EPISODE_COLUMNS = ["episode_id", "child_id", "start_date", "end_date", "episode_type"]
CHILD_COLUMNS = ["child_id", "date_of_birth", "sex", "ethnicity"]


@dataclass
class MappingReport:
    """Counts of the SSDA903 → contract mapping (rows of the episodes file; periods built)."""

    episode_rows_read: int
    short_break_rows_excluded: int
    episode_rows_used: int
    children_with_periods: int
    periods_built: int
    periods_open: int
    remand_periods: int
    periods_mixing_care_and_remand: int
    episodes_joined_to_previous: int
    joined_by_x1: int
    joined_by_dates_without_x1: int
    x1_followed_by_a_gap: int
    x1_on_last_episode: int
    header_rows_read: int
    short_breaks_included: bool

    def as_dict(self) -> dict[str, int | bool]:
        return asdict(self)

    def lines(self) -> list[tuple[str, str]]:
        """(what, count) rows for a printed table, in plain words."""
        return [
            ("episode rows read", str(self.episode_rows_read)),
            ("short-break rows (LS V3, V4) " + ("included" if self.short_breaks_included else "excluded"),
             str(self.short_break_rows_excluded if not self.short_breaks_included else 0)),
            ("episode rows used", str(self.episode_rows_used)),
            ("periods away from home built", str(self.periods_built)),
            ("  of which still open", str(self.periods_open)),
            ("  of which remand only (LS J1-J3)", str(self.remand_periods)),
            ("  of which mixing care and remand (type care)", str(self.periods_mixing_care_and_remand)),
            ("episodes joined to the previous one (same period)", str(self.episodes_joined_to_previous)),
            ("  joined: previous REC X1", str(self.joined_by_x1)),
            ("  joined: dates touch or overlap, REC not X1", str(self.joined_by_dates_without_x1)),
            ("REC X1 but the next episode starts later (new period)", str(self.x1_followed_by_a_gap)),
            ("REC X1 on a child's last episode (no continuation; period ends)", str(self.x1_on_last_episode)),
            ("children with periods", str(self.children_with_periods)),
            ("header rows read (children.csv)", str(self.header_rows_read)),
        ]


def episodes_to_periods(data: Ssda903, *, include_short_breaks: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, MappingReport]:
    """Build ``care_episodes.csv`` (periods) and the children's attributes from an SSDA903 return.

    Parameters
    ----------
    data
        A validated return (:func:`evaluation.readers.ssda903.read_ssda903`).
    include_short_breaks
        Count short breaks (``V3``, ``V4``) as time away from home.

    Returns
    -------
    care_episodes : DataFrame
        Columns :data:`CARE_EPISODE_COLUMNS`; ``episode_id`` is ``CHILD-P<n>`` (n-th period of
        the child, from 1); dates ``datetime64``; ``end_date`` missing while open.
    children : DataFrame
        ``child_id``, ``date_of_birth``, ``sex``, ``ethnicity`` (the contract's codes) from the
        header file, for joining to ``referrals.csv`` / ``comparison_pool.csv``.
    report : MappingReport
    """
    e = data.episodes
    short = e["LS"].isin(list(SHORT_BREAKS)).to_numpy()
    used = e if include_short_breaks else e[~short]
    # Same-day starts: a zero-day placement first (DEC = DECOM), an open episode last.
    # (an open episode sorts last: its end as a day number beyond any real date)
    end_day = used["DEC"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    end_day = np.where(used["DEC"].isna().to_numpy(), np.iinfo(np.int64).max, end_day)
    used = used.assign(_end=end_day).sort_values(["CHILD", "DECOM", "_end", "row"], kind="stable")
    used = used.drop(columns="_end").reset_index(drop=True)
    child = used["CHILD"].to_numpy(dtype=object)
    start = used["DECOM"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    end_dt = used["DEC"].to_numpy(dtype="datetime64[D]")
    end = np.where(np.isnat(end_dt), np.iinfo(np.int64).max, end_dt.astype(np.int64))
    n = len(used)
    same_child = np.zeros(n, dtype=bool)
    same_child[1:] = child[1:] == child[:-1]
    # Running latest end of the child's earlier episodes (open = +inf): an episode starting on or
    # before it is still inside the same period away from home.
    running = pd.Series(end).groupby(child, sort=False).cummax().to_numpy()
    previous_end = np.full(n, np.iinfo(np.int64).min)
    previous_end[1:] = running[:-1]
    joined = same_child & (start <= previous_end)
    rec = used["REC"].to_numpy(dtype=object)
    prev_x1 = np.zeros(n, dtype=bool)
    prev_x1[1:] = rec[:-1] == CONTINUES
    period = np.cumsum(~joined)                      # period number across the file
    remand = used["LS"].isin(list(REMAND)).to_numpy()
    frame = pd.DataFrame({"period": period, "child": child, "start": start, "end": end, "remand": remand})
    g = frame.groupby("period", sort=True)
    periods = g.agg(child=("child", "first"), start=("start", "min"), end=("end", "max"), remand=("remand", "all"),
                    any_remand=("remand", "any"))
    nth = periods.groupby("child", sort=False).cumcount() + 1
    open_ = periods["end"].to_numpy() == np.iinfo(np.int64).max
    end_days = periods["end"].to_numpy().astype("float64")
    end_days[open_] = np.nan
    care_episodes = pd.DataFrame({
        "episode_id": periods["child"].astype(str) + "-P" + nth.astype(str),
        "child_id": periods["child"].astype(str),
        "start_date": pd.to_datetime(periods["start"].to_numpy(), unit="D"),
        "end_date": pd.to_datetime(end_days, unit="D"),
        "episode_type": np.where(periods["remand"].to_numpy(), "remand", "care"),
    }).reset_index(drop=True)[CARE_EPISODE_COLUMNS]
    h = data.header
    children = pd.DataFrame({"child_id": h["CHILD"].astype(str), "date_of_birth": h["DOB"], "sex": h["sex"],
                             "ethnicity": h["ethnicity"]})[CHILD_COLUMNS]
    report = MappingReport(
        episode_rows_read=len(e), short_break_rows_excluded=int(short.sum()) if not include_short_breaks else 0,
        episode_rows_used=n, children_with_periods=int(periods["child"].nunique()), periods_built=len(periods),
        periods_open=int(open_.sum()), remand_periods=int(periods["remand"].sum()),
        periods_mixing_care_and_remand=int((periods["any_remand"] & ~periods["remand"]).sum()),
        episodes_joined_to_previous=int(joined.sum()), joined_by_x1=int((joined & prev_x1).sum()),
        joined_by_dates_without_x1=int((joined & ~prev_x1).sum()),
        x1_followed_by_a_gap=int((same_child & prev_x1 & ~joined).sum()),
        x1_on_last_episode=int((~np.append(same_child[1:], False) & (rec == CONTINUES) & used["DEC"].notna().to_numpy()).sum()),
        header_rows_read=len(h), short_breaks_included=include_short_breaks,
    )
    return care_episodes, children, report
