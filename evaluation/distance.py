"""Distance travelled: paired pre/post assessment scores per person, tool and area, and the KPIs.

Pairing rules (:func:`pair_assessments`), per person × tool × area:

* **baseline** = the first assessment dated on or before the person's start date (plus
  ``baseline_grace_days``); without a start date, the first assessment;
* **follow-up** = the last assessment dated on or before the end date (or ``as_of`` while open)
  and strictly after the baseline — or, if ``follow_up`` names a timepoint (``"six_month"``), the
  last assessment at that timepoint after the baseline (whether or not support had ended; only
  ``as_of`` cuts it off);
* people without a pair are **counted** in the returned flow table, by reason:
  ``no_baseline`` (nothing on or before start), ``single_reading`` (one assessment only),
  ``no_follow_up`` (a baseline but no later qualifying assessment).

Improvement is oriented with the tool registry (:func:`evaluation.tools.improvement`): positive
is better whatever the tool (MACA-YC18 and PANOC-YC20's negative subscale: lower is better).

KPIs (:func:`distance_travelled`) are returned long, one row per KPI with its numerator,
denominator and exclusions stated.  Reliability per tool for the Reliable Change Index is the
documented parameter ``DEFAULT_RELIABILITY`` (override per call); its baseline SD is fixed for a
cohort (:func:`baseline_sds` of the whole cohort, or a published norm), so :func:`breakdowns`
classifies each child the same way in every group.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.balance import DataInputError
from evaluation.effect_sizes import RCI_CRITICAL, paired_effect_sizes, reliable_change_index
from evaluation.intervals import mean_interval, wilson_interval
from evaluation.tools import get_tool, improvement

__all__ = ["DEFAULT_RELIABILITY", "pair_assessments", "distance_travelled", "breakdowns", "baseline_sds",
           "baselines_without_follow_up", "attrition_bounds",
           "add_breakdown_columns"]

DEFAULT_RELIABILITY: dict[str, float] = {
    # Assumptions, documented in docs/evaluation.md; override with `reliability=`.
    "family_star_plus": 0.80,   # Outcomes Star psychometric reports: internal consistency ~0.8
    "my_star": 0.80,
    "maca_yc18": 0.80,          # Joseph, Becker & Becker (2009): alpha ~0.80 for the total
    "panoc_yc20": 0.85,         # Joseph et al. (2009): alpha 0.83-0.89 for the subscales
    "cfw_radar": 0.75,          # no published figure; conservative assumption
}

_KEY = ["person_id", "tool", "area"]


def _baselines(assessments: pd.DataFrame, periods: pd.DataFrame | None, baseline_grace_days: int,
               as_of) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Assessments with start/end dates and cut-off; the baseline per person × tool × area."""
    a = assessments.copy()
    a["assessment_date"] = pd.to_datetime(a["assessment_date"])
    if periods is not None:
        p = periods.drop_duplicates("person_id").copy()
        p["start_date"] = pd.to_datetime(p["start_date"])
        p["end_date"] = pd.to_datetime(p["end_date"])
        a = a.merge(p[["person_id", "start_date", "end_date"]], on="person_id", how="left")
    else:
        a["start_date"] = pd.NaT
        a["end_date"] = pd.NaT
    a["_cutoff"] = a["end_date"]
    if as_of is not None:
        a["_cutoff"] = a["_cutoff"].fillna(pd.Timestamp(as_of))
    a = a.sort_values(_KEY + ["assessment_date"], kind="stable")
    n_readings = a.groupby(_KEY)["score"].transform("size")
    limit = a["start_date"] + pd.Timedelta(days=baseline_grace_days)
    is_base_cand = a["start_date"].isna() | (a["assessment_date"] <= limit)
    base = a[is_base_cand].groupby(_KEY, as_index=False).first()[
        _KEY + ["assessment_date", "score"]].rename(
        columns={"assessment_date": "baseline_date", "score": "baseline"})
    return a, base, n_readings


def pair_assessments(assessments: pd.DataFrame, periods: pd.DataFrame | None = None, *,
                     follow_up: str = "last", baseline_grace_days: int = 0,
                     as_of: pd.Timestamp | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pair each person's baseline and follow-up score per tool and area.

    Parameters
    ----------
    assessments : pandas.DataFrame
        Long table with ``person_id, tool, area, timepoint, assessment_date, score``.
    periods : pandas.DataFrame, optional
        ``person_id, start_date, end_date`` (end blank while open); other columns (covariates
        for breakdowns) are carried into the pairs.
    follow_up : str
        ``"last"`` or a timepoint name (e.g. ``"six_month"``).
    baseline_grace_days : int
        Days after the start date still accepted as the baseline (0 = on or before start).
    as_of : date, optional
        Cut-off for open cases (default: no cut-off).

    Returns
    -------
    pairs : pandas.DataFrame
        One row per person × tool × area with ``baseline_date, baseline, follow_up_date,
        follow_up, change`` (follow-up − baseline, in points) and ``improvement`` (oriented so
        positive is better), plus the columns of ``periods``.
    flow : pandas.DataFrame
        Per tool and area: ``assessed, paired, no_baseline, single_reading, no_follow_up``
        (people), so no one is dropped silently.
    """
    a, base, n_readings = _baselines(assessments, periods, baseline_grace_days, as_of)
    b = a.merge(base, on=_KEY, how="left")
    ok = b["assessment_date"] > b["baseline_date"]
    if follow_up == "last":
        ok &= b["_cutoff"].isna() | (b["assessment_date"] <= b["_cutoff"])
    else:
        # a named timepoint stands on its own (a six-month review may fall after support ended);
        # only the as_of cut-off applies
        ok &= b["timepoint"] == follow_up
        if as_of is not None:
            ok &= b["assessment_date"] <= pd.Timestamp(as_of)
    fu = b[ok].groupby(_KEY, as_index=False).last()[_KEY + ["assessment_date", "score"]].rename(
        columns={"assessment_date": "follow_up_date", "score": "follow_up"})
    pairs = base.merge(fu, on=_KEY, how="inner")
    pairs["change"] = pairs["follow_up"] - pairs["baseline"]
    pairs["improvement"] = np.nan
    for tool, idx in pairs.groupby("tool").groups.items():
        pairs.loc[idx, "improvement"] = improvement(tool, pairs.loc[idx, "area"], pairs.loc[idx, "change"])
    if periods is not None:
        pairs = pairs.merge(periods.drop_duplicates("person_id"), on="person_id", how="left")

    people = a.groupby(_KEY).size().rename("n").reset_index()
    people["n_readings"] = n_readings.groupby([a[k] for k in _KEY]).first().to_numpy()
    keys = pd.MultiIndex.from_frame(people[_KEY])
    people["has_base"] = keys.isin(pd.MultiIndex.from_frame(base[_KEY]))
    people["has_fu"] = keys.isin(pd.MultiIndex.from_frame(fu[_KEY]))
    reason = np.where(people["has_base"] & people["has_fu"], "paired",
                      np.where(people["n_readings"] == 1, "single_reading",
                               np.where(~people["has_base"], "no_baseline", "no_follow_up")))
    people["reason"] = reason
    flow = (people.groupby(["tool", "area", "reason"]).size().unstack(fill_value=0)
            .reindex(columns=["paired", "no_baseline", "single_reading", "no_follow_up"], fill_value=0))
    flow.insert(0, "assessed", flow.sum(axis=1))
    return pairs, flow.reset_index()


def baselines_without_follow_up(assessments: pd.DataFrame, periods: pd.DataFrame | None = None, *,
                                follow_up: str = "last", baseline_grace_days: int = 0,
                                as_of: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """People with a baseline but no qualifying follow-up (the attrition of the paired KPIs).

    Same arguments and rules as :func:`pair_assessments`.

    Returns
    -------
    pandas.DataFrame
        One row per person × tool × area: ``person_id, tool, area, baseline_date, baseline,
        at_ceiling`` (baseline at the best score), plus the columns of ``periods``.
    """
    _, base, _ = _baselines(assessments, periods, baseline_grace_days, as_of)
    pairs, _ = pair_assessments(assessments, periods, follow_up=follow_up,
                                baseline_grace_days=baseline_grace_days, as_of=as_of)
    keys = pd.MultiIndex.from_frame(pairs[_KEY]) if len(pairs) else pd.MultiIndex.from_tuples([], names=_KEY)
    out = base[~pd.MultiIndex.from_frame(base[_KEY]).isin(keys)].copy()
    out["at_ceiling"] = [b == _best_score(t, ar) for t, ar, b in zip(out["tool"], out["area"], out["baseline"])]
    if periods is not None:
        out = out.merge(periods.drop_duplicates("person_id"), on="person_id", how="left")
    return out.reset_index(drop=True)


def attrition_bounds(pairs: pd.DataFrame, missing: pd.DataFrame, level: float = 0.95, *,
                     weight_on: Sequence[str] | None = ("baseline",)) -> pd.DataFrame:
    """Worst/best-case bounds on ``pct_improved`` (per area) and ``pct_improved_all_areas`` (per
    tool) for children with a baseline but no follow-up.

    Parameters
    ----------
    pairs : pandas.DataFrame
        From :func:`pair_assessments`.
    missing : pandas.DataFrame
        From :func:`baselines_without_follow_up` (same rules).
    level : float
        Confidence level of the outer Wilson limits.
    weight_on : sequence of str, optional
        Per area, also the attrition-weighted share improved
        (:func:`evaluation.missing.attrition_weighted_share`): completers weighted by the
        inverse of their modelled probability of a follow-up given these columns (``baseline``
        score by default; any column of ``periods`` carried into both tables, e.g. ``age_band``).
        ``None`` or empty: intercept only (the weighted share is then the completers' share).

    Returns
    -------
    pandas.DataFrame
        ``tool, area, measure, completers, lower, upper, lower_ci_low, upper_ci_high, paired,
        missing`` and, on the per-area rows, ``weighted, weighted_ci_low, weighted_ci_high``
        (blank when the follow-up model cannot be fitted, e.g. nobody missing or perfect
        separation): ``lower`` counts every child without a follow-up as not improved, ``upper``
        as improved (:func:`evaluation.missing.share_improved_bounds`).  Children at the best
        score at baseline are left out of both, as in the KPI; for all areas, a child is missing
        if they have a baseline in every area of the tool but are not paired in every area.
    """
    from evaluation.missing import share_improved_bounds

    rows = []
    p = _prepare(pairs)
    for (tool, area), g in p.groupby(["tool", "area"], sort=True):
        elig = g[~g["at_ceiling"]]
        miss = missing[(missing["tool"] == tool) & (missing["area"] == area) & ~missing["at_ceiling"]]
        k = int((elig["improvement"] > 0).sum())
        row = dict(tool=tool, area=area, measure="pct_improved",
                   **share_improved_bounds(k, len(elig), miss["person_id"].nunique(), level))
        row.update(_weighted_share(elig, miss, list(weight_on or []), level))
        rows.append(row)
    for tool, g in p.groupby("tool", sort=True):
        areas = get_tool(tool).area_names
        complete, _ = _per_person(g, tool)
        all_imp = _improved_all_areas(g[g["person_id"].isin(complete.index)])
        both = pd.concat([g[["person_id", "area", "at_ceiling"]],
                          missing.loc[missing["tool"] == tool, ["person_id", "area", "at_ceiling"]]])
        per = both.groupby("person_id").agg(n=("area", "nunique"), ceiling=("at_ceiling", "all"))
        with_base = per[(per["n"] == len(areas)) & ~per["ceiling"]].index
        n_miss = int((~with_base.isin(complete.index)).sum())
        rows.append(dict(tool=tool, area="overall", measure="pct_improved_all_areas",
                         **share_improved_bounds(int(all_imp.sum()), int(all_imp.size), n_miss, level)))
    return pd.DataFrame(rows)


def _weighted_share(elig: pd.DataFrame, miss: pd.DataFrame, covariates: list[str], level: float) -> dict:
    """Attrition-weighted share improved for one tool × area (blank if it cannot be fitted)."""
    import warnings

    from evaluation.missing import attrition_weighted_share

    blank = dict(weighted=np.nan, weighted_ci_low=np.nan, weighted_ci_high=np.nan)
    if len(miss) == 0 or len(elig) == 0 or any(c not in elig or c not in miss for c in covariates):
        return blank
    d = pd.concat([elig[covariates].assign(improved=(elig["improvement"] > 0).astype(float)),
                   miss[covariates].assign(improved=np.nan)], ignore_index=True)
    if len(covariates) and d[covariates].isna().any().any():
        return blank
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = attrition_weighted_share(d, "improved", covariates, level)
    except (np.linalg.LinAlgError, ValueError, OverflowError):
        return blank
    if not np.isfinite(r["se"]):
        return blank
    return dict(weighted=r["estimate"], weighted_ci_low=r["ci_low"], weighted_ci_high=r["ci_high"])


def _best_score(tool: str, area: str) -> float:
    ar = get_tool(tool).area(area)
    return ar.max_score if ar.higher_is_better else ar.min_score


def _kpis(g: pd.DataFrame, tool: str, area: str, reliability: float, level: float,
          n_unpaired: int, sd_baseline: float | None = None) -> list[dict]:
    rows: list[dict] = []
    n = len(g)
    single = f"{n_unpaired} without a pair" if n_unpaired else "none without a pair"
    m, lo, hi = mean_interval(g["improvement"].to_numpy(), level)
    rows.append(dict(measure="mean_improvement", estimate=m, ci_low=lo, ci_high=hi,
                     numerator=np.nan, denominator=n, exclusions=single))
    pre, post = g["baseline_oriented"].to_numpy(float), g["follow_up_oriented"].to_numpy(float)
    es = paired_effect_sizes(pre, post, level)
    for r in es.itertuples():
        rows.append(dict(measure=r.measure, estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high,
                         numerator=np.nan, denominator=r.n, exclusions=single))
    at_ceiling = g["at_ceiling"].to_numpy(dtype=bool)
    k = int(at_ceiling.sum())
    elig = ~at_ceiling
    imp = int((g["improvement"].to_numpy()[elig] > 0).sum())
    lo, hi = wilson_interval(imp, int(elig.sum()), level)
    excl = f"{single}; {k} at the best score at baseline"
    rows.append(dict(measure="pct_improved", estimate=imp / elig.sum() if elig.sum() else np.nan,
                     ci_low=lo, ci_high=hi, numerator=imp, denominator=int(elig.sum()), exclusions=excl))
    sd = sd_baseline if sd_baseline is not None else (float(np.std(pre, ddof=1)) if n >= 2 else np.nan)
    if n >= 1 and np.isfinite(sd) and sd > 0:
        rci = reliable_change_index(pre, post, reliability, sd_baseline=sd)
        rel = int((rci[elig] > RCI_CRITICAL).sum())
        lo, hi = wilson_interval(rel, int(elig.sum()), level)
        rows.append(dict(measure="pct_reliable_improvement",
                         estimate=rel / elig.sum() if elig.sum() else np.nan, ci_low=lo, ci_high=hi,
                         numerator=rel, denominator=int(elig.sum()),
                         exclusions=f"{excl}; RCI > 1.96 with reliability {reliability} and "
                                    f"baseline SD {sd:.3g} ({'fixed' if sd_baseline is not None else 'this group'})"))
    for r in rows:
        r.update(tool=tool, area=area)
    return rows


def _prepare(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs with ``at_ceiling`` and scores oriented so higher is better."""
    p = pairs.copy()
    p["at_ceiling"] = [b == _best_score(t, a) for t, a, b in zip(p["tool"], p["area"], p["baseline"])]
    sign = np.array([1.0 if get_tool(t).area(a).higher_is_better else -1.0
                     for t, a in zip(p["tool"], p["area"])])
    p["baseline_oriented"] = p["baseline"].to_numpy(float) * sign
    p["follow_up_oriented"] = p["follow_up"].to_numpy(float) * sign
    return p


def _per_person(g: pd.DataFrame, tool: str) -> tuple[pd.DataFrame, int]:
    """Each person's mean over the tool's areas, for people paired in every area; and how many
    people were paired in some areas only."""
    areas = get_tool(tool).area_names
    per = g.groupby("person_id").agg(n_areas=("area", "nunique"),
                                     baseline_oriented=("baseline_oriented", "mean"),
                                     follow_up_oriented=("follow_up_oriented", "mean"),
                                     improvement=("improvement", "mean"),
                                     all_ceiling=("at_ceiling", "all"))
    complete = per[per["n_areas"] == len(areas)].copy()
    complete["at_ceiling"] = complete["all_ceiling"]
    return complete, len(per) - len(complete)


def baseline_sds(pairs: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Sample SD (ddof=1) of the baseline score per (tool, area) and (tool, "overall").

    The Reliable Change Index uses ONE baseline SD for a cohort: compute it here on the whole
    cohort (or supply the tool's published norm) and pass it to :func:`distance_travelled` for
    every breakdown group, so a child's reliable-change classification does not depend on which
    group it is counted in.
    """
    p = _prepare(pairs)
    out: dict[tuple[str, str], float] = {}
    for (tool, area), g in p.groupby(["tool", "area"], sort=True):
        out[(tool, area)] = float(g["baseline_oriented"].std(ddof=1)) if len(g) > 1 else np.nan
    for tool, g in p.groupby("tool", sort=True):
        complete, _ = _per_person(g, tool)
        out[(tool, "overall")] = (float(complete["baseline_oriented"].std(ddof=1))
                                  if len(complete) > 1 else np.nan)
    return out


def _improved_all_areas(g: pd.DataFrame) -> pd.Series:
    """Per person (paired in every area): True if improved in every area not at the best score
    at baseline and not worse in any area that was; people at the best score everywhere who did
    not get worse anywhere are left out (they could not improve)."""
    imp = g["improvement"].to_numpy(float)
    ceil = g["at_ceiling"].to_numpy(bool)
    ok = np.where(ceil, imp >= 0, imp > 0)
    counted = ~ceil | (imp < 0)
    f = pd.DataFrame({"person_id": g["person_id"].to_numpy(), "ok": ok, "counted": counted})
    per = f.groupby("person_id").agg(ok=("ok", "all"), counted=("counted", "any"))
    return per.loc[per["counted"], "ok"]


def distance_travelled(pairs: pd.DataFrame, flow: pd.DataFrame | None = None, *,
                       reliability: Mapping[str, float] | None = None,
                       level: float = 0.95,
                       baseline_sd: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """KPIs per tool and area, and overall per tool, each with denominator and exclusions.

    Parameters
    ----------
    pairs : pandas.DataFrame
        From :func:`pair_assessments`.
    flow : pandas.DataFrame, optional
        Its flow table; used to state how many people had no pair.
    reliability : mapping, optional
        Reliability per tool for the RCI (defaults: ``DEFAULT_RELIABILITY``).
    level : float
        Confidence level.
    baseline_sd : mapping, optional
        Fixed baseline SD per ``(tool, area)`` (area ``"overall"`` for the person-mean row) for
        the RCI — the whole cohort's (:func:`baseline_sds`) or the tool's published norm.
        Default: the SD of the baselines in ``pairs`` (the whole cohort when ``pairs`` is).

    Returns
    -------
    pandas.DataFrame
        Columns ``tool, area, measure, estimate, ci_low, ci_high, numerator, denominator,
        exclusions``.  Measures: ``mean_improvement`` (points, positive = better), ``d_z, d_av,
        d_rm, g_z, g_av, g_rm``, ``pct_improved``, ``pct_reliable_improvement`` and, on the
        ``overall`` row, ``pct_improved_all_areas`` (improved in every area not already at the
        best score at baseline, and not worse in any area that was; denominator: people paired
        in every area of the tool, less those at the best score everywhere who stayed there).
        ``overall`` scores are each person's mean over the tool's areas, oriented.
    """
    rel = {**DEFAULT_RELIABILITY, **(reliability or {})}
    sds = dict(baseline_sd) if baseline_sd is not None else {}
    p = _prepare(pairs)
    rows: list[dict] = []
    for (tool, area), g in p.groupby(["tool", "area"], sort=True):
        unp = 0
        if flow is not None:
            f = flow[(flow["tool"] == tool) & (flow["area"] == area)]
            unp = int(f[["no_baseline", "single_reading", "no_follow_up"]].to_numpy().sum())
        rows += _kpis(g, tool, area, rel.get(tool, 0.8), level, unp, sds.get((tool, area)))
    for tool, g in p.groupby("tool", sort=True):
        complete, incomplete = _per_person(g, tool)
        if flow is not None:
            f = flow[flow["tool"] == tool]
            incomplete += int(f["assessed"].max() - f["paired"].max()) if len(f) else 0
        rows += _kpis(complete, tool, "overall", rel.get(tool, 0.8), level, incomplete,
                      sds.get((tool, "overall")))
        all_imp = _improved_all_areas(g[g["person_id"].isin(complete.index)])
        k, d = int(all_imp.sum()), int(all_imp.size)
        lo, hi = wilson_interval(k, d, level)
        rows.append(dict(tool=tool, area="overall", measure="pct_improved_all_areas",
                         estimate=k / d if d else np.nan, ci_low=lo, ci_high=hi, numerator=k,
                         denominator=d,
                         exclusions=f"{incomplete} not paired in every area; "
                                    f"{len(complete) - d} at the best score in every area at baseline "
                                    f"and not worse; an area at the best score at baseline counts "
                                    f"as not improved if it got worse"))
    cols = ["tool", "area", "measure", "estimate", "ci_low", "ci_high", "numerator", "denominator",
            "exclusions"]
    return pd.DataFrame(rows)[cols]


def breakdowns(pairs: pd.DataFrame, by: Sequence[str], *, measures: Sequence[str] | None = None,
               reliability: Mapping[str, float] | None = None, level: float = 0.95,
               baseline_sd: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """KPIs for everyone and for each level of each named column, in one table.

    Parameters
    ----------
    pairs : pandas.DataFrame
        From :func:`pair_assessments` (covariates such as ``sex``, ``district``, ``quarter``
        carried from ``periods``).
    by : sequence of str
        Columns to break down by, one at a time (003 asks for age, sex, ethnicity, district,
        referral reason, need level, referral source, delivery mode; quarterly).
    measures : sequence of str, optional
        Keep only these measures (default: all).
    baseline_sd : mapping, optional
        Baseline SD per ``(tool, area)`` for the Reliable Change Index, the same for every
        group: default the whole ``pairs`` table's (:func:`baseline_sds`); or a published norm.

    Returns
    -------
    pandas.DataFrame
        :func:`distance_travelled` columns plus ``breakdown`` (column name, ``"all"`` for
        everyone) and ``group`` (its level).
    """
    sds = dict(baseline_sd) if baseline_sd is not None else baseline_sds(pairs)
    parts = [distance_travelled(pairs, reliability=reliability, level=level, baseline_sd=sds)
             .assign(breakdown="all", group="all")]
    for col in by:
        if col not in pairs.columns:
            raise DataInputError(f"breakdown column {col!r} is not in the pairs table")
        for level_value, g in pairs.groupby(col, sort=True, dropna=False):
            t = distance_travelled(g, reliability=reliability, level=level, baseline_sd=sds)
            parts.append(t.assign(breakdown=col, group=str(level_value)))
    out = pd.concat(parts, ignore_index=True)
    if measures is not None:
        out = out[out["measure"].isin(list(measures))]
    front = ["breakdown", "group"]
    return out[front + [c for c in out.columns if c not in front]].reset_index(drop=True)


def add_breakdown_columns(periods: pd.DataFrame, age_bands: Sequence[int] = (0, 5, 10, 16, 18, 26)) -> pd.DataFrame:
    """Add ``age_band`` (age at start, e.g. ``"10-15"``) and ``quarter`` (``"2024-Q3"`` of the
    start date) to a periods table, for :func:`breakdowns`.

    Parameters
    ----------
    periods : pandas.DataFrame
        Needs ``start_date`` and ``date_of_birth``.
    age_bands : sequence of int
        Band edges in whole years; a band is ``[edge, next edge)``.
    """
    out = periods.copy()
    start = pd.to_datetime(out["start_date"])
    dob = pd.to_datetime(out["date_of_birth"])
    age = (start.dt.year - dob.dt.year
           - ((start.dt.month < dob.dt.month) | ((start.dt.month == dob.dt.month) & (start.dt.day < dob.dt.day))).astype(int))
    edges = list(age_bands)
    labels = [f"{a}-{b - 1}" for a, b in zip(edges[:-1], edges[1:])]
    out["age_band"] = pd.cut(age, edges, right=False, labels=labels).astype(str)
    out["quarter"] = start.dt.year.astype("Int64").astype(str) + "-Q" + start.dt.quarter.astype("Int64").astype(str)
    return out
