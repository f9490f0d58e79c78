"""Tables through disclosure control: :func:`disclose` and :class:`DisclosedTable`.

Cross-tabulations with totals get **primary** suppression (the policy's small cells) and, when
the policy asks for it (or ``secondary=True``), **secondary** suppression so no hidden cell can be
recovered from the row, column and grand totals.  Secondary cells are chosen by a small integer
program (:func:`scipy.optimize.milp`): every table equation (a row or column and its total) that
holds a hidden cell must hold at least two, at the least cost (one per cell plus its share of the
grand total, so small cells are preferred).  The result is then *proved* by an attacker check: for
each hidden cell, two linear programmes (:func:`scipy.optimize.linprog`) give the smallest and
largest value consistent with everything published (rounded cells as their rounding intervals,
all cells non-negative).  A primary cell whose feasible range is narrower than the policy's
protection width is not safe; a cut forcing one more suppression around it is added and the
integer program solved again.  Without secondary suppression the attacker ranges are still
computed and reported (``attacker_ranges``), so a rounding policy's protection can be read off.

KPI tables (one row per measure with ``numerator``/``denominator``) are suppressed row by row:
derived percentages, means and intervals are blanked when their counts break the policy.
The policy applied is printed under every rendered table.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from .policy import Policy, get_policy

__all__ = ["DisclosedTable", "disclose"]


@dataclass
class DisclosedTable:
    """A protected table: what may be shown, what was hidden and why, and the policy text."""

    display: pd.DataFrame            # strings as published
    values: pd.DataFrame             # published numbers (NaN where hidden)
    suppressed: pd.DataFrame         # bool: hidden
    primary: pd.DataFrame            # bool: hidden by the policy's own rule
    policy: Policy
    attacker_ranges: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def policy_text(self) -> str:
        return self.policy.text

    def to_markdown(self) -> str:
        """Pipe table followed by the policy line."""
        d = self.display.reset_index()
        head = "| " + " | ".join(map(str, d.columns)) + " |"
        sep = "|" + "---|" * len(d.columns)
        body = ["| " + " | ".join(map(str, r)) + " |" for r in d.itertuples(index=False)]
        return "\n".join([head, sep, *body, "", f"*{self.policy_text}*"])

    def to_html(self) -> str:
        """HTML table (class ``cusp-disclosed``, count cells class ``count``) and the policy."""
        d = self.display
        cols = "".join(f"<th>{html.escape(str(c))}</th>" for c in [d.index.name or ""] + list(d.columns))
        rows = []
        for idx, r in d.iterrows():
            cells = "".join(f'<td class="count">{html.escape(str(v))}</td>' for v in r)
            rows.append(f"<tr><th>{html.escape(str(idx))}</th>{cells}</tr>")
        return (f'<table class="cusp-disclosed" data-policy="{self.policy.name}"><thead><tr>{cols}</tr>'
                f"</thead><tbody>{''.join(rows)}</tbody></table>\n"
                f'<p class="cusp-policy">{html.escape(self.policy_text)}</p>')




def _round(x: np.ndarray, base: int | None) -> np.ndarray:
    if base is None:
        return x.astype(float)
    return np.floor(x / base + 0.5) * base


def _is_small(x: np.ndarray, pol: Policy) -> np.ndarray:
    return (x > 0) & (x < pol.min_count)


# --------------------------------------------------------------------------- cross-tabs

def _equations(R: int, C: int) -> tuple[list[list[int]], int]:
    """Cell indices: interior r*C+c, row totals R*C+r, column totals R*C+R+c, grand R*C+R+C.

    Each equation is a list of cell indices whose last element is the total of the others.
    """
    rt, ct, g = R * C, R * C + R, R * C + R + C
    eqs = [[r * C + c for c in range(C)] + [rt + r] for r in range(R)]
    eqs += [[r * C + c for r in range(R)] + [ct + c] for c in range(C)]
    eqs.append([rt + r for r in range(R)] + [g])
    eqs.append([ct + c for c in range(C)] + [g])
    return eqs, g + 1


def _attacker_ranges(full: np.ndarray, hidden: np.ndarray, eqs: list[list[int]],
                     pol: Policy, only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of every hidden cell given all published cells (as intervals) and totals.

    ``only`` restricts the linear programmes to those hidden cells (others get NaN).
    """
    n = full.size
    A = np.zeros((len(eqs), n))
    for i, e in enumerate(eqs):
        A[i, e[:-1]] = 1.0
        A[i, e[-1]] = -1.0
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    shown = ~hidden
    pub = _round(full, pol.round_to)
    if pol.round_to:
        half = pol.round_to / 2
        lo[shown] = np.where(pub[shown] == 0, 0, np.maximum(pub[shown] - half, pol.min_count))
        hi[shown] = np.where(pub[shown] == 0, 0, pub[shown] + half)
        # integer counts: rounding half up, so the interval is [r - 2.5, r + 2.5) -> [r-2, r+2]
        lo[shown] = np.ceil(lo[shown] - 1e-9)
        hi[shown] = np.floor(hi[shown] - 1e-9 if pol.round_to % 2 == 0 else hi[shown])
    else:
        lo[shown] = hi[shown] = full[shown]
    out_lo = np.full(n, np.nan)
    out_hi = np.full(n, np.nan)
    bounds = list(zip(lo, [None if np.isinf(h) else h for h in hi]))
    targets = hidden if only is None else hidden & only
    for j in np.flatnonzero(targets):
        c = np.zeros(n)
        c[j] = 1.0
        r1 = linprog(c, A_eq=A, b_eq=np.zeros(len(eqs)), bounds=bounds, method="highs")
        r2 = linprog(-c, A_eq=A, b_eq=np.zeros(len(eqs)), bounds=bounds, method="highs")
        out_lo[j] = r1.fun if r1.status == 0 else 0.0
        out_hi[j] = -r2.fun if r2.status == 0 else np.inf
    return out_lo, out_hi


def _secondary(full: np.ndarray, primary: np.ndarray, eqs: list[list[int]], pol: Policy,
               max_rounds: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-cost secondary suppression protecting every primary cell (see module docstring)."""
    n = full.size
    if not primary.any():
        return primary.copy(), np.full(n, np.nan), np.full(n, np.nan)
    rows = []
    for e in eqs:
        for j in e:
            a = np.zeros(n)
            a[[k for k in e if k != j]] = 1.0
            a[j] = -1.0
            rows.append(a)
    neighbours = [sorted({k for e in eqs if j in e for k in e} - {j}) for j in range(n)]
    cost = 1.0 + full / (full.max() + 1.0)
    lower = primary.astype(float)
    cuts: list[np.ndarray] = []
    hidden = np.ones(n, dtype=bool)
    for _ in range(max_rounds):
        A = np.array(rows + cuts)
        lbs = np.array([0.0] * len(rows) + [1.0] * len(cuts))
        res = milp(cost, integrality=np.ones(n), bounds=Bounds(lower, np.ones(n)),
                   constraints=LinearConstraint(A, lbs, np.inf))
        if res.status != 0:
            hidden = np.ones(n, dtype=bool)
            break
        hidden = res.x > 0.5
        lo, hi = _attacker_ranges(full, hidden, eqs, pol, only=primary)
        weak = [j for j in np.flatnonzero(primary) if hi[j] - lo[j] < pol.protection]
        if not weak:
            break
        for j in weak:
            # cut off this pattern: hide at least one more cell sharing an equation with j
            # (or, if all of those are hidden already, any cell still shown)
            free = [k for k in neighbours[j] if not hidden[k]] or list(np.flatnonzero(~hidden))
            if not free:
                continue
            a = np.zeros(n)
            a[free] = 1.0
            cuts.append(a)
    else:
        hidden = np.ones(n, dtype=bool)  # could not certify a smaller pattern: hide everything
    lo, hi = _attacker_ranges(full, hidden, eqs, pol)
    return hidden, lo, hi


def _crosstab(table: pd.DataFrame, pol: Policy, dominance: pd.DataFrame | None,
              margins: bool, secondary: bool) -> DisclosedTable:
    counts = table.to_numpy(dtype=float)
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise DataInputError("a count table must hold non-negative whole numbers")
    R, C = counts.shape
    eqs, n = _equations(R, C)
    full = np.concatenate([counts.ravel(), counts.sum(axis=1), counts.sum(axis=0), [counts.sum()]])
    primary = _is_small(full, pol)
    if dominance is not None and pol.dominance_k is not None:
        dom = dominance.reindex(index=table.index, columns=table.columns).to_numpy(dtype=float)
        primary[: R * C] |= np.nan_to_num(dom.ravel()) > pol.dominance_k
    if secondary:
        hidden, lo, hi = _secondary(full, primary, eqs, pol)
    else:  # a rounding policy: the attacker ranges are reported, not enforced by more cells
        hidden = primary.copy()
        lo, hi = _attacker_ranges(full, hidden, eqs, pol)
    pub = _round(full, pol.round_to)
    rlab = list(table.index) + ["Total"]
    clab = list(table.columns) + ["Total"]

    def grid(vec: np.ndarray) -> np.ndarray:
        g = np.empty((R + 1, C + 1), dtype=vec.dtype)
        g[:R, :C] = vec[: R * C].reshape(R, C)
        g[:R, C] = vec[R * C: R * C + R]
        g[R, :C] = vec[R * C + R: R * C + R + C]
        g[R, C] = vec[-1]
        return g

    hid_g, prim_g, pub_g = grid(hidden), grid(primary), grid(pub)
    vals = np.where(hid_g, np.nan, pub_g)
    disp = np.where(hid_g, pol.suppressed, np.vectorize(lambda v: f"{int(v):,}")(np.nan_to_num(pub_g)))
    idx = pd.Index(rlab, name=table.index.name)
    mk = lambda a: pd.DataFrame(a, index=idx, columns=clab)  # noqa: E731
    out = DisclosedTable(mk(disp), mk(vals), mk(hid_g), mk(prim_g), pol)
    cells = [(rlab[i], clab[j]) for i in range(R + 1) for j in range(C + 1)]
    flat = {**{(rlab[r], clab[c]): r * C + c for r in range(R) for c in range(C)},
            **{(rlab[r], "Total"): R * C + r for r in range(R)},
            **{("Total", clab[c]): R * C + R + c for c in range(C)}, ("Total", "Total"): n - 1}
    recs = [dict(row=a, column=b, primary=bool(primary[flat[(a, b)]]), low=lo[flat[(a, b)]],
                 high=hi[flat[(a, b)]]) for a, b in cells if hidden[flat[(a, b)]]]
    out.attacker_ranges = pd.DataFrame(recs, columns=["row", "column", "primary", "low", "high"])
    if not margins:
        keep_r, keep_c = rlab[:-1], clab[:-1]
        for name in ("display", "values", "suppressed", "primary"):
            setattr(out, name, getattr(out, name).loc[keep_r, keep_c])
    return out


# --------------------------------------------------------------------------- KPI tables

def _kpi_table(table: pd.DataFrame, pol: Policy, numerator: str | None, denominator: str,
               derived: Sequence[str], counts: Sequence[str]) -> DisclosedTable:
    t = table.copy()
    den = t[denominator].to_numpy(dtype=float)
    bad = _is_small(den, pol)
    if numerator is not None:
        num = t[numerator].to_numpy(dtype=float)
        has = ~np.isnan(num)
        bad |= has & (_is_small(np.nan_to_num(num), pol) | _is_small(np.nan_to_num(den - num), pol))
    count_cols = [c for c in [numerator, denominator, *counts] if c is not None]
    sup = pd.DataFrame(False, index=t.index, columns=t.columns)
    for c in derived:
        sup[c] = bad
    for c in count_cols:
        x = t[c].to_numpy(dtype=float)
        sup[c] = _is_small(np.nan_to_num(x), pol) | (bad if c == numerator else False)
    vals = t.copy()
    disp = t.astype(object).copy()
    for c in t.columns:
        if c in count_cols:
            x = _round(t[c].to_numpy(dtype=float), pol.round_to)
            vals[c] = np.where(sup[c], np.nan, x)
            disp[c] = [pol.suppressed if s else (pol.unavailable if np.isnan(v) else f"{int(v):,}") for s, v in zip(sup[c], x)]
        elif c in derived:
            vals[c] = t[c].where(~sup[c])
            disp[c] = [pol.suppressed if s else (pol.unavailable if pd.isna(v) else f"{v:.3g}") for s, v in zip(sup[c], t[c])]
    return DisclosedTable(disp, vals, sup, sup.copy(), pol)


def disclose(table: pd.DataFrame, policy: str | Policy = "nhs-digital", *,
             denominator: str | None = None, numerator: str | None = None,
             derived: Sequence[str] = (), counts: Sequence[str] = (),
             dominance: pd.DataFrame | None = None, margins: bool = True,
             secondary: bool | None = None) -> DisclosedTable:
    """Protect a table for publication under a named policy.

    Parameters
    ----------
    table : pandas.DataFrame
        Either a cross-tabulation of counts (rows × columns, interior cells only; totals are
        added), or — when ``denominator`` is given — a KPI table with one row per measure.
    policy : str or Policy
        A registered policy name (``"nhs-digital"``, ``"dfe"``, ``"threshold-10"``) or a policy.
    denominator, numerator : str, optional
        KPI tables: count columns the derived values rest on.
    derived : sequence of str
        KPI tables: columns computed from the counts (percentages, means, CIs), blanked with them.
    counts : sequence of str
        KPI tables: further count columns to suppress and round.
    dominance : pandas.DataFrame, optional
        Cross-tabs: share of each cell's total from its ``dominance_n`` largest contributors.
    margins : bool
        Cross-tabs: publish the row, column and grand totals (they are always protected).
    secondary : bool, optional
        Cross-tabs: add secondary suppression. Default: the policy's own choice (off for
        ``nhs-digital``, whose rounding protects the suppressed cells; on for ``dfe`` and
        ``threshold-10``, which publish exact counts).

    Returns
    -------
    DisclosedTable
        ``display`` (strings, the policy's symbol where hidden), ``values``, ``suppressed``, ``primary``,
        ``attacker_ranges`` (each hidden cell's feasible range) and ``policy_text``.
    """
    pol = get_policy(policy)
    if denominator is not None:
        return _kpi_table(table, pol, numerator, denominator, derived, counts)
    return _crosstab(table, pol, dominance, margins, pol.secondary if secondary is None else secondary)
