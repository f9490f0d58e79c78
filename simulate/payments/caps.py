"""Caps on outcome payments, applied in due-date order, and the Life Chances Fund split.

Caps (``payment.caps``): per child (all its metrics), per metric (contract total across
children, keyed by stability / family_functioning / education / reading), per contract year
(all payments due in the year from ``start + k*12 months``) and in total. Payments are taken in
order of due date (ties: child, then metric), and each is paid up to the smallest room left
under every cap it falls under; what a cap cuts is recorded with the cap's name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulate.scenario import Caps

from .days import add_months_day

METRIC_GROUP = {
    "stability_milestone": "stability", "stability_tariff": "stability", "family_star_plus": "family_functioning",
    "my_star": "family_functioning", "education": "education", "reading": "reading",
}
METRIC_ORDER = {m: i for i, m in enumerate(METRIC_GROUP)}


def contract_year(due: np.ndarray, start: int, years: int = 40) -> np.ndarray:
    """Contract year (1-based) of each due day: year k runs ``[start+12(k-1)m, start+12k m)``."""
    bounds = np.array([add_months_day(start, 12 * k) for k in range(years + 1)])
    return np.searchsorted(bounds, np.asarray(due), side="right")


def apply_caps(rows: pd.DataFrame, caps: Caps, start: int) -> pd.DataFrame:
    """Cap payment rows in due-date order.

    Parameters
    ----------
    rows
        Columns ``child_id``, ``metric``, ``due`` (day number), ``amount`` (£).
    caps
        The scenario's caps.
    start
        Contract start day number (contract years count from it).

    Returns
    -------
    DataFrame
        ``rows`` sorted in due-date order with ``gross`` (£ before caps), ``amount`` (£ paid),
        ``cut`` (£ removed) and ``cut_by`` (the first cap that bit: 'per child',
        'per metric stability', 'contract year 3', 'total'; empty when nothing was cut).
    """
    out = rows.assign(_order=rows["metric"].map(METRIC_ORDER)).sort_values(
        ["due", "child_id", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    gross = out["amount"].to_numpy(dtype=float)
    paid = gross.copy()
    cut_by = np.full(len(out), "", dtype=object)
    general = caps.per_child_gbp is not None or caps.per_metric_gbp or caps.per_contract_year_gbp is not None
    if not general and caps.total_gbp is not None and len(out):
        # a total cap alone: the room before each payment is the cap less everything before it
        before = np.cumsum(gross) - gross
        paid = np.clip(float(caps.total_gbp) - before, 0.0, gross)
        cut_by[paid < gross] = "total"
    elif general and len(out):
        years = contract_year(out["due"].to_numpy(), start)
        room_child: dict = {}
        room_metric = {k: float(v) for k, v in caps.per_metric_gbp.items()}
        room_year: dict[int, float] = {}
        room_total = float("inf") if caps.total_gbp is None else float(caps.total_gbp)
        per_child = float("inf") if caps.per_child_gbp is None else float(caps.per_child_gbp)
        per_year = float("inf") if caps.per_contract_year_gbp is None else float(caps.per_contract_year_gbp)
        children = out["child_id"].astype(str).to_numpy(dtype=object).tolist()
        groups = [METRIC_GROUP[m] for m in out["metric"].astype(str).to_numpy(dtype=object).tolist()]
        for i, (child, group, year, amount) in enumerate(zip(children, groups, years.tolist(), gross.tolist())):
            rooms = (
                ("per child", room_child.get(child, per_child)),
                (f"per metric {group}", room_metric.get(group, float("inf"))),
                (f"contract year {year}", room_year.get(year, per_year)),
                ("total", room_total),
            )
            name, room = min(rooms, key=lambda r: r[1])
            pay = min(amount, max(room, 0.0))
            if pay < amount:
                cut_by[i] = name
            paid[i] = pay
            room_child[child] = rooms[0][1] - pay
            if group in room_metric:
                room_metric[group] -= pay
            room_year[year] = rooms[2][1] - pay
            room_total -= pay
    out["gross"] = gross
    out["amount"] = paid
    out["cut"] = gross - paid
    out["cut_by"] = cut_by
    return out


def split_payers(rows: pd.DataFrame, lcf_share: float, lcf_end: int | None) -> pd.DataFrame:
    """One row per payment and payer: the Life Chances Fund pays ``lcf_share`` of each payment
    due before ``lcf_end`` (all of them if None); the commissioner pays the rest.

    ``rows`` needs ``due`` and ``amount``; returns it twice stacked with a ``payer`` column
    ('commissioner' / 'life_chances_fund'), dropping zero amounts.
    """
    due = rows["due"].to_numpy()
    share = np.where(due < lcf_end, lcf_share, 0.0) if lcf_end is not None else np.full(len(rows), lcf_share)
    lcf = rows.assign(amount=rows["amount"].to_numpy() * share, payer="life_chances_fund")
    com = rows.assign(amount=rows["amount"].to_numpy() - lcf["amount"].to_numpy(), payer="commissioner")
    both = pd.concat([com, lcf], ignore_index=True)
    return both[both["amount"] > 0].reset_index(drop=True)
