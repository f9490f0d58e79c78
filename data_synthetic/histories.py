"""Care histories as councils hold them: periods away from home written as episode rows.

The care process (:func:`data_synthetic.outcomes.care_episodes`) draws **periods away from
home**: the unit the 004 contract speaks of ("the period of Local Authority care or remand",
"returns to their family home", "goes back into care"). Councils do not record periods; they
record episodes (SSDA903): a new row whenever the placement or the legal status changes, the
new row starting the day the previous one ended. This module turns each period into such rows:

- **placement-change chains**: a period split into 2-4 touching rows (REC ``X1`` on all but
  the last), sometimes with a zero-day placement in the middle;
- **remand after care**: the last row of a care period changes legal status to remand
  (``J1``-``J3``) on the day the previous row ends;
- **zero-day periods**: a child away from home and back the same day (start = end);
- **short breaks**: respite episodes (legal status ``V3``/``V4``, ``episode_type``
  ``short_break``) while the child lives at home, never touching a period: they are not
  periods away from home and a reader must exclude them;
- **late recording**: a period's first row may be entered months after it began
  (``recorded_date``); later rows are entered within a week of their start.

Every row carries the SSDA903 fields (``_rne``, ``_ls``, ``_place``...) used by
:mod:`data_synthetic.ssda903`. :func:`true_periods` gives the periods a correct reading of the
rows recovers; truth.json holds their count and digest.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .params import SynthParams

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")

# SSDA903 codes (DfE, "Children looked after return 2023 to 2024: guidance", Annex A code sets).
CARE_LS = {"C2": 0.45, "V2": 0.30, "C1": 0.20, "E1": 0.05}  # full/interim care order, s20, placement order
REMAND_LS = {"J1": 0.70, "J2": 0.20, "J3": 0.10}  # remand; PACE; sentenced with residence requirement
SHORT_BREAK_LS = {"V3": 0.7, "V4": 0.3}  # agreed series of short-term breaks
CARE_PLACE = {"U6": 0.35, "U4": 0.15, "U3": 0.15, "K2": 0.25, "R1": 0.10}  # foster (other/relative), children's home, residential care home
REMAND_PLACE = {"K1": 0.35, "R5": 0.30, "K2": 0.20, "U6": 0.15}  # secure children's home, YOI, children's home, foster
SHORT_BREAK_PLACE = {"U6": 0.5, "K2": 0.5}
CIN = {"N1": 0.55, "N4": 0.15, "N5": 0.08, "N3": 0.07, "N6": 0.05, "N8": 0.05, "N2": 0.03, "N7": 0.02}
PLACE_CHANGE_REASONS = {"CARPL": 0.35, "CREQB": 0.15, "CREQO": 0.10, "CHILD": 0.10, "LAREQ": 0.10, "CLOSE": 0.05, "STAND": 0.05, "OTHER": 0.10}
REC_HOME = "E4A"  # returned home to live with parents as part of the care planning process
REC_REMAND_ENDED = "E14"  # accommodation on remand ended
REC_CONTINUES = "X1"  # episode ceases and a new one begins the same day

ROW_COLUMNS = ["child_id", "start_date", "end_date", "episode_type", "legal_status", "recorded_date",
               "_period", "_link", "_rne", "_place", "_provider", "_cin", "_urn", "_reason_change"]


def council_rows(periods: pd.DataFrame, kids: pd.DataFrame, p: SynthParams, extract: np.datetime64,
                 rng: np.random.Generator, short_break_eligible: np.ndarray | None = None) -> tuple[pd.DataFrame, dict]:
    """Episode rows for every period, plus short breaks, as the extract on ``extract`` holds them.

    Parameters
    ----------
    periods
        One row per period away from home, uncensored: ``child_id``, ``start_date``,
        ``end_date`` (days), ``episode_type`` (care or remand), ``recorded_date``.
    kids
        The children frame (``child_id``, ``_index``: the day the child's record starts).
    extract
        Day the extract was taken: rows starting or recorded later are absent, later ends blank.
    short_break_eligible
        Which of ``kids`` may have short breaks (default: all).

    Returns
    -------
    rows : pandas.DataFrame
        :data:`ROW_COLUMNS`, in start-date order (a chain's rows in link order).
    counts : dict
        Rows and shapes written, for truth.json.
    """
    periods = periods.reset_index(drop=True)
    n = len(periods)
    start = periods["start_date"].to_numpy("datetime64[D]")
    end = periods["end_date"].to_numpy("datetime64[D]")
    length = ((end - start) / DAY).astype(np.int64)
    kind = periods["episode_type"].to_numpy().astype(str)
    splittable = length >= 2
    remand_after = splittable & (kind == "care") & (rng.random(n) < p.remand_after_care_share)
    chained = splittable & (remand_after | (rng.random(n) < p.placement_change_share))
    # 1-3 cuts on interior days, drawn with replacement: a repeated day is a zero-day placement
    n_cuts = np.where(chained, np.minimum(rng.integers(1, 4, n), np.maximum(length - 1, 0)), 0)
    owner = np.repeat(np.arange(n), n_cuts)
    cut = rng.integers(1, np.maximum(length[owner], 2))
    order = np.lexsort((cut, owner))
    owner, cut = owner[order], cut[order]
    links = n_cuts + 1
    period = np.repeat(np.arange(n), links)
    first = np.repeat(np.cumsum(links) - links, links)
    link = np.arange(period.size) - first
    # link k runs from cut k-1 (or the start) to cut k (or the end), in days from the start
    cut_first = np.repeat(np.cumsum(n_cuts) - n_cuts, links)
    k_cut = cut_first + link
    last = link == links[period] - 1
    lo = np.where(link == 0, 0, cut[np.clip(k_cut - 1, 0, max(cut.size - 1, 0))] if cut.size else 0)
    hi = np.where(last, length[period], cut[np.clip(k_cut, 0, max(cut.size - 1, 0))] if cut.size else 0)
    m = period.size
    pkind = kind[period]
    etype = np.where(last & remand_after[period], "remand", pkind)
    # legal status and placement: drawn afresh where they change, carried forward otherwise
    ls_new = np.where(etype == "remand", _draw(rng, REMAND_LS, m), _draw(rng, CARE_LS, m))
    place_new = np.where(etype == "remand", _draw(rng, REMAND_PLACE, m), _draw(rng, CARE_PLACE, m))
    to_remand = last & remand_after[period] & (link > 0)
    ls_change = (link == 0) | to_remand | (rng.random(m) < 0.25)
    place_change = (link == 0) | np.where(ls_change & (link > 0), rng.random(m) < 0.5, True)
    ls = pd.Series(np.where(ls_change, ls_new, None)).groupby(period).ffill().to_numpy()
    place = pd.Series(np.where(place_change, place_new, None)).groupby(period).ffill().to_numpy()
    prev_ls = np.append(None, ls[:-1])
    prev_place = np.append(None, place[:-1])
    rne = np.where(link == 0, "S", np.where((ls != prev_ls) & (place != prev_place), "B", np.where(ls != prev_ls, "L", "P")))
    lag = rng.integers(0, 8, m)
    first_recorded = ((periods["recorded_date"].to_numpy("datetime64[D]") - start) / DAY).astype(np.int64)
    rec_days = np.where(link == 0, first_recorded[period], lo + lag)
    rec_days = pd.Series(rec_days).groupby(period).cummax().to_numpy()  # never before the row before
    cin = _draw(rng, CIN, n)[period]
    frame = pd.DataFrame({
        "child_id": periods["child_id"].to_numpy()[period],
        "start_date": start[period] + lo * DAY,
        "end_date": start[period] + hi * DAY,
        "episode_type": etype,
        "legal_status": ls,
        "recorded_date": start[period] + rec_days * DAY,
        "_period": period,
        "_link": link,
        "_rne": rne,
        "_place": place,
        "_provider": _providers(rng, place),
        "_cin": cin,
        "_urn": _urns(rng, place),
    })
    eligible = np.ones(len(kids), bool) if short_break_eligible is None else short_break_eligible
    breaks = _short_breaks(periods, kids, eligible, p, rng, offset=n)
    frame = pd.concat([frame, breaks], ignore_index=True) if len(breaks) else frame
    frame["_reason_change"] = None
    frame, counts = _censor(frame, extract, rng)
    counts.update(chained_periods=int(chained.sum()), remand_after_care_periods=int(remand_after.sum()))
    return frame, counts


def zero_day_periods(periods: pd.DataFrame, p: SynthParams, rng: np.random.Generator) -> pd.DataFrame:
    """A share ``zero_day_period_share`` of periods become zero-day: away and home the same day."""
    periods = periods.reset_index(drop=True).copy()
    start = periods["start_date"].to_numpy("datetime64[D]")
    end = periods["end_date"].to_numpy("datetime64[D]")
    # not the period a reunification child is in when tracking starts: it ends on the day home
    tracked = periods["_k"].notna().to_numpy() if "_k" in periods else np.ones(len(periods), bool)
    zero = (rng.random(len(periods)) < p.zero_day_period_share) & (end > start) & tracked
    periods["end_date"] = np.where(zero, start, end)
    return periods


def _draw(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    keys = list(shares)
    w = np.array([shares[k] for k in keys], float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=w / w.sum())]


def _providers(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    """PLACE_PROVIDER: own LA (PR1), other LA (PR2), other public (PR3), private (PR4), voluntary (PR5)."""
    u, v = rng.random(len(place)), rng.random(len(place))
    foster = np.where(u < 0.65, "PR1", np.where(v < 0.75, "PR4", "PR5"))
    homes = np.where(u < 0.4, "PR1", "PR4")
    secure = np.where(u < 0.7, "PR1", "PR2")
    return np.where(place == "R5", "PR3", np.where(np.isin(place, ["K2", "R1"]), homes, np.where(place == "K1", secure, foster))).astype(object)


def _urns(rng: np.random.Generator, place: np.ndarray) -> np.ndarray:
    """Ofsted unique reference numbers (SC + 6 digits) for registered homes; XXXXXXX otherwise."""
    number = rng.integers(100000, 1000000, len(place))
    return np.where(np.isin(place, ["K1", "K2", "R1"]), np.char.add("SC", number.astype(str)), "XXXXXXX").astype(object)


def _short_breaks(periods: pd.DataFrame, kids: pd.DataFrame, eligible: np.ndarray, p: SynthParams,
                  rng: np.random.Generator, offset: int) -> pd.DataFrame:
    """Respite stays of 1-3 nights while at home, at least a day clear of any period and each other."""
    index = kids["_index"].to_numpy("datetime64[D]")
    chosen = np.flatnonzero(eligible & ~np.isnat(index) & (rng.random(len(kids)) < p.short_break_child_share))
    if not len(chosen):
        return pd.DataFrame(columns=ROW_COLUMNS[:-1])
    per_child = rng.integers(1, 5, len(chosen))
    who = np.repeat(chosen, per_child)
    s = index[who] + rng.integers(0, 730, who.size) * DAY
    e = s + rng.integers(p.short_break_nights[0], p.short_break_nights[1] + 1, who.size) * DAY
    child = kids["child_id"].to_numpy()[who].astype(object)
    cand = pd.DataFrame({"child_id": child, "s": s, "e": e, "i": np.arange(who.size)})
    # refuse a stay that touches or overlaps a period away from home
    hits = cand.merge(periods[["child_id", "start_date", "end_date"]].astype({"child_id": object}), on="child_id")
    ps = hits["start_date"].to_numpy("datetime64[D]")
    pe = hits["end_date"].to_numpy("datetime64[D]")
    clash = (hits["s"].to_numpy("datetime64[D]") <= pe + DAY) & (ps - DAY <= hits["e"].to_numpy("datetime64[D]"))
    bad = np.zeros(who.size, bool)
    bad[hits["i"].to_numpy()[clash]] = True
    cand = cand.loc[~bad].sort_values(["child_id", "s", "i"], kind="stable")
    # ... or touches an earlier stay of the same child (kept or not: conservative, never overlapping)
    end_days = (cand["e"].to_numpy("datetime64[D]") - np.datetime64("1970-01-01", "D")) / DAY
    running = pd.Series(end_days, index=cand.index).groupby(cand["child_id"].to_numpy()).cummax()
    previous = running.groupby(cand["child_id"].to_numpy()).shift(1).to_numpy(float)
    start_days = (cand["s"].to_numpy("datetime64[D]") - np.datetime64("1970-01-01", "D")) / DAY
    cand = cand.loc[~(start_days <= np.nan_to_num(previous, nan=-np.inf) + 1)].sort_values("i", kind="stable")
    k = len(cand)
    place = _draw(rng, SHORT_BREAK_PLACE, k)
    ls = _draw(rng, SHORT_BREAK_LS, k)
    return pd.DataFrame({
        "child_id": cand["child_id"].to_numpy(), "start_date": cand["s"].to_numpy("datetime64[D]"), "end_date": cand["e"].to_numpy("datetime64[D]"),
        "episode_type": "short_break", "legal_status": ls, "recorded_date": cand["s"].to_numpy("datetime64[D]") + rng.integers(0, 8, k) * DAY,
        "_period": offset + np.arange(k), "_link": 0, "_rne": "S", "_place": place, "_provider": _providers(rng, place), "_cin": "N2", "_urn": _urns(rng, place),
    }, columns=ROW_COLUMNS[:-1])


def _censor(frame: pd.DataFrame, extract: np.datetime64, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Keep what the extract holds; set REC and the reason for a placement change."""
    start = frame["start_date"].to_numpy("datetime64[D]")
    recorded = frame["recorded_date"].to_numpy("datetime64[D]")
    known = (start <= extract) & (recorded <= extract)
    late = int((~known & (start <= extract) & (frame["_link"].to_numpy() == 0)).sum())
    out = frame.loc[known].reset_index(drop=True)  # built in (_period, _link) order
    period = out["_period"].to_numpy()
    has_next = np.append(period[1:] == period[:-1], False)
    end = out["end_date"].to_numpy("datetime64[D]")
    # A row whose successor is not yet in the extract is, as recorded, still open.
    open_ = (end > extract) | (~has_next & _had_next(frame, out))
    out["end_date"] = np.where(open_, NAT, end)
    etype = out["episode_type"].to_numpy()
    rec = np.where(has_next, REC_CONTINUES, np.where(etype == "remand", REC_REMAND_ENDED, REC_HOME))
    out["_rec"] = np.where(open_ & ~has_next, None, rec)
    next_rne = np.append(out["_rne"].to_numpy()[1:], None)
    changes = has_next & np.isin(next_rne, ["P", "B"])
    out["_reason_change"] = np.where(changes, _draw(rng, PLACE_CHANGE_REASONS, len(out)), None)
    out = out.sort_values(["start_date", "child_id", "_period", "_link"], kind="stable").reset_index(drop=True)
    sb = out["episode_type"].to_numpy() == "short_break"
    counts = {
        "episode_rows": int((~sb).sum()),
        "short_break_rows": int(sb.sum()),
        "short_break_children": int(out.loc[sb, "child_id"].nunique()),
        "zero_day_rows": int(((out["end_date"] == out["start_date"]) & ~sb).sum()),
        "continuation_rows": int((out["_rec"] == REC_CONTINUES).sum()),
        "periods_not_yet_recorded": late,
    }
    return out, counts


def _had_next(frame: pd.DataFrame, out: pd.DataFrame) -> np.ndarray:
    """Whether each kept row had a later link in the uncensored frame."""
    last_link = frame.groupby("_period")["_link"].max()
    return out["_link"].to_numpy() < out["_period"].map(last_link).to_numpy()


def true_periods(rows: pd.DataFrame) -> pd.DataFrame:
    """The periods away from home a correct reading of ``rows`` recovers (short breaks excluded).

    Built from the generator's own period numbers, not by joining rows, so a reader that joins
    touching rows can be checked against it. Columns ``child_id``, ``start_date``, ``end_date``
    (blank while ongoing), ``episode_type`` (of the period's first row), sorted by child and start.
    """
    r = rows.loc[rows["episode_type"] != "short_break"].sort_values(["_period", "_link"], kind="stable")
    first = r.drop_duplicates("_period", keep="first").set_index("_period")
    last = r.drop_duplicates("_period", keep="last").set_index("_period")  # its end, blank or not
    out = pd.DataFrame({"child_id": first["child_id"], "start_date": first["start_date"], "end_date": last["end_date"],
                        "episode_type": first["episode_type"]})
    return out.sort_values(["child_id", "start_date"], kind="stable").reset_index(drop=True)


def periods_digest(periods: pd.DataFrame) -> str:
    """SHA-256 of ``child_id,start_date,end_date`` lines (ISO dates, blank end), sorted, with header."""
    start = np.datetime_as_string(periods["start_date"].to_numpy("datetime64[D]"), unit="D")
    end = periods["end_date"].to_numpy("datetime64[D]")
    end_text = np.where(np.isnat(end), "", np.datetime_as_string(end, unit="D"))
    lines = sorted(f"{c},{s},{e}" for c, s, e in zip(periods["child_id"].astype(str), start, end_text))
    return hashlib.sha256(("child_id,start_date,end_date\n" + "".join(f"{line}\n" for line in lines)).encode()).hexdigest()
