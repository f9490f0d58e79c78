"""Disclosed tables: estimates and counts through disclosure control, then shown the board's way.

Every table a report publishes leaves through :func:`evaluation.disclosure.disclose`; these helpers
shape the calls a report makes (from ``cusp/report_tables.py``, folded into the presentation layer):

* :func:`kpi_table` discloses a table of derived values (means, percentages, estimates) resting on
  counts, formatting derived values with a decimal point so no estimate can be mistaken for a count.
  Several (numerator, denominator) pairs may guard the same row: a row is blanked if any pair breaks
  the policy.
* :func:`count_table` discloses a cross-tabulation of counts (primary and secondary suppression).
* :func:`show` displays a disclosed table with readable headers (:func:`.tables.disclosed`), the
  policy stated once per report by :func:`.tables.footnote`, not under each table.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.disclosure import DisclosedTable, disclose

from .formats import pp

__all__ = ["show", "kpi_table", "count_table", "relabel"]


def relabel(table: DisclosedTable, headers: Mapping[str, str]) -> DisclosedTable:
    """The same disclosed table with its columns (and index name) renamed for the reader."""
    frames = []
    for f in (table.display, table.values, table.suppressed, table.primary):
        f = f.rename(columns=lambda c: headers.get(c, c))
        f.index.name = headers.get(f.index.name, f.index.name)
        frames.append(f)
    return DisclosedTable(*frames, table.policy)


def show(table: DisclosedTable, caption: str | None = None, headers: Mapping[str, str] | None = None) -> None:
    """Display a disclosed table in the notebook: labelled headers (``headers`` first, then
    :func:`.labels.label`), £ without stray pence, no policy line under it."""
    from IPython.display import display

    from .tables import disclosed

    display(disclosed(relabel(table, headers or {}), caption))


def _fmt(v: float, style: str) -> str:
    if v is None or pd.isna(v):
        return ""
    if style == "pct":
        return f"{100 * v:.1f}%"
    if style == "pp":  # a difference of two shares
        return pp(v)
    if style == "gbp":
        return f"£{v:,.2f}"
    # at least one decimal: a derived value must never look like a (policy-checked) count
    return f"{v:.{max(1, int(style))}f}" if style.isdigit() else f"{v:.3f}"


def kpi_table(df: pd.DataFrame, policy: str, *, guards: Sequence[tuple[str | None, str]],
              derived: Sequence[str], counts: Sequence[str] = (), formats: Mapping[str, str] | None = None,
              hide: Sequence[str] = ()) -> DisclosedTable:
    """Disclose a table of derived values resting on counts.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per measure; the index labels the rows (it is never checked as a count).
    policy : str
        Disclosure policy name (``"nhs-digital"``, ``"threshold-10"``).
    guards : sequence of (numerator or None, denominator)
        Count columns each row's derived values rest on; every pair is checked.
    derived : sequence of str
        Columns blanked when any guard breaks the policy.
    counts : sequence of str
        Further count columns, suppressed and rounded by the policy.
    formats : mapping, optional
        Column → ``"pct"`` (share as %), ``"pp"`` (difference of shares in percentage points),
        ``"gbp"`` or a number of decimals (``"2"``); default 3 decimals.
    hide : sequence of str
        Columns used for protection but not published (dropped from the display).

    A ``format`` column, if present, gives each row's format for its derived columns not named
    in ``formats``; it is not published.
    """
    row_formats = df["format"] if "format" in df else None
    df = df.drop(columns=["format"], errors="ignore")
    count_cols = list(dict.fromkeys([c for pair in guards for c in pair if c] + list(counts)))
    first: DisclosedTable | None = None
    hidden = pd.DataFrame(False, index=df.index, columns=df.columns)
    for num, den in guards:
        others = [c for c in count_cols if c not in (num, den)]
        t = disclose(df, policy, numerator=num, denominator=den, derived=derived, counts=others)
        hidden |= t.suppressed
        first = first or t
    assert first is not None
    formats = dict(formats or {})
    disp = first.display.copy()
    vals = first.values.copy()
    for c in derived:
        for i, (idx, v) in enumerate(df[c].items()):
            style = formats[c] if c in formats else (row_formats.iloc[i] if row_formats is not None else "3")
            disp.iloc[i, df.columns.get_loc(c)] = first.policy.suppressed if hidden.iloc[i][c] else _fmt(v, style)
        vals[c] = df[c].where(~hidden[c])
    for c in count_cols:
        disp[c] = np.where(hidden[c], first.policy.suppressed, disp[c])
        vals[c] = vals[c].where(~hidden[c])
    keep = [c for c in df.columns if c not in set(hide)]
    return DisclosedTable(disp[keep], vals[keep], hidden[keep], (first.primary | hidden)[keep], first.policy)


def count_table(table: pd.DataFrame, policy: str, *, margins: bool = True,
                total_row: bool = True, total_column: bool = True) -> DisclosedTable:
    """Disclose a cross-tabulation of counts.

    ``total_row=False`` drops the column totals (when summing over rows means nothing) and
    ``total_column=False`` the row totals (a one-column table); protection is computed with them
    published, so dropping them only hides more.
    """
    t = disclose(table.astype(int), policy, margins=margins)
    for flag, kw in ((total_row, "index"), (total_column, "columns")):
        if margins and not flag:
            for name in ("display", "values", "suppressed", "primary"):
                setattr(t, name, getattr(t, name).drop(**{kw: "Total"}))
    return t
