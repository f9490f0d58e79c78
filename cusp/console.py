"""One place for terminal output: rich consoles, number formats, metric labels and tables.

Tables are for reading at 80 columns: counts never in scientific notation, shares as %, waits
with their unit, intervals clipped to the possible range (and a note saying so), long names
wrapped at spaces, a table too wide split into column groups or turned vertical (one block per
row). Full tables belong in CSV files in the output folder.
"""

from __future__ import annotations

import math
import re
import sys
from typing import TYPE_CHECKING, Any, Iterable

from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

# Results wrap at the console width (80 columns when the output is not a terminal); messages
# to standard error stay on one line each, so a user error is ONE line whatever its length.
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

if TYPE_CHECKING:  # pandas is imported where a table is drawn: `cusp --help` starts without it
    import pandas as pd

# Labels, units and metric kinds live in the presentation layer, shared with the reports.
from .presentation.labels import LABELS, UNITS, metric_kind, metric_label  # noqa: E402,F401


def number(value: float, kind: str = "ratio") -> str:
    """A number as a reader wants it, never in scientific notation.

    Counts and hours: thousands separators, no decimals below 100 only when not whole
    (``1,460``, ``0.3``); shares: % with one decimal (``99.9%``); waits and weeks: one decimal.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if kind == "share":
        return "100%" if v == 1 else ("0%" if v == 0 else f"{100 * v:.1f}%")
    if kind in ("wait", "weeks"):
        return f"{v:,.1f}"
    if kind in ("count", "hours"):
        return f"{v:,.0f}" if abs(v) >= 100 or v == round(v) else f"{v:,.1f}"
    return f"{v:,.2f}"


def plain(v: float, digits: int = 4) -> str:
    """About ``digits`` significant figures in fixed notation (no ``e+03``)."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    if abs(v) >= 10 ** (digits - 1):
        return f"{v:,.0f}"
    decimals = min(6, max(0, digits - 1 - math.floor(math.log10(abs(v)))))
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def interval(mean: float, low: float, high: float, kind: str, signed: bool = False) -> tuple[str, bool]:
    """``mean (low–high)`` in the metric's format, the interval clipped to the possible range.

    Counts, hours, waits and weeks cannot be negative and shares lie in 0-100%, but a t
    interval over a few replications can cross those bounds: the ends are clipped.

    Returns
    -------
    (text, clipped)
        ``clipped`` is True when an end was moved to the bound.
    """
    if mean is None or not math.isfinite(float(mean)):
        return "–", False
    clipped = False
    if not signed and math.isfinite(low) and low < 0 and kind in ("count", "hours", "wait", "weeks", "share", "ratio"):
        low, clipped = 0.0, True
    if not signed and kind == "share" and math.isfinite(high) and high > 1 and mean <= 1:
        high, clipped = 1.0, True
    fmt = (lambda x: ("+" if x > 0 else "") + number(x, kind)) if signed else (lambda x: number(x, kind))
    if not (math.isfinite(low) and math.isfinite(high)) or (low == high == mean):
        return fmt(mean), clipped
    sep = " to " if signed else "–"
    inner = fmt(low).removesuffix("%") if kind == "share" and not signed else fmt(low)  # 91.9% (85.3–98.6%)
    return f"{fmt(mean)} ({inner}{sep}{fmt(high)})", clipped


CLIP_NOTE = ("Some intervals are clipped to the possible range (counts and waits at 0, shares at 0-100%): "
             "a t interval over few replications can cross it.")


def fail(message: str, status: int = 2) -> None:
    """Print one line to standard error and exit (2 = the user's input was wrong)."""
    err.print(f"[bold red]error:[/] {' '.join(message.split())}", markup=True)
    sys.exit(status)


def table(frame: pd.DataFrame, title: str | None = None, formats: dict[str, str] | None = None, *, index: Iterable[str] | None = None, width: int | None = None) -> RenderableType:
    """A rich table from a DataFrame, laid out for the console's width.

    Cells wrap at spaces. When even that layout is wider than the console, the value columns
    are split over several tables (the ``index`` columns repeated in each); when one value
    column beside the index is still too wide, the table is turned vertical: one block per row,
    headed by its ``index`` values, with one line per column.

    Parameters
    ----------
    formats
        Column → format spec (``",.0f"``, ``".0%"``); other numbers are formatted without
        scientific notation (:func:`plain`).
    index
        Columns identifying a row (default: the first column).
    width
        Width to fit (default: the results console's width).
    """
    import pandas as pd

    formats = formats or {}
    width = width or out.width
    cells = pd.DataFrame({c: [_cell(v, formats.get(c)) for v in frame[c]] for c in frame.columns}, index=frame.index)
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns}
    tbl = _rich(cells, title, numeric)
    if _min_width(tbl, width) <= width:
        return tbl
    keys = list(index) if index is not None else [frame.columns[0]]
    values = [c for c in cells.columns if c not in keys]
    # split the value columns into the fewest, evenly sized groups of consecutive columns that fit
    fit = 0
    while fit < len(values) and _min_width(_rich(cells[keys + values[: fit + 1]], None, numeric), width) <= width:
        fit += 1
    if fit >= 1 and len(values) > 1:
        n_groups = math.ceil(len(values) / fit)
        cuts = [round(i * len(values) / n_groups) for i in range(n_groups + 1)]  # balanced: 7 columns -> 2, 3, 2
        groups = [values[a:b] for a, b in zip(cuts, cuts[1:])]
        if all(_min_width(_rich(cells[keys + g], None, numeric), width) <= width for g in groups):
            parts = [_rich(cells[keys + g], (f"{title} ({i + 1}/{len(groups)})" if title else None), numeric) for i, g in enumerate(groups)]
            return Group(*parts)
    # turned vertical: one block per row, its key(s) as a heading, then one line per column
    tbl = Table(title=(title + " (one block per row: too wide for the screen)") if title else None, title_justify="left")
    tbl.add_column("column", overflow="fold")
    tbl.add_column("value", overflow="fold", justify="right" if all(_NUMBERISH.match(str(v)) for v in cells[values].to_numpy().ravel()) else "left")
    for i, (_, row) in enumerate(cells.iterrows()):
        if i:
            tbl.add_section()
        tbl.add_row(Text(" · ".join(str(row[k]) for k in keys), style="bold"), "")
        for col in values:
            tbl.add_row(f"  {col}", row[col])
    return tbl


def _min_width(tbl: Table, width: int) -> int:
    return Measurement.get(out, out.options.update_width(max(width, 400)), tbl).minimum


_NUMBERISH = re.compile(r"^(?:[-+]?[£]?[\d,]*\.?\d+%?|–|∞)$")


def _rich(cells: pd.DataFrame, title: str | None, right: dict[str, bool], fold: bool = False) -> Table:
    tbl = Table(title=title, title_justify="left", show_lines=False)
    for col in cells.columns:
        numbers = len(cells) > 0 and all(_NUMBERISH.match(str(v)) for v in cells[col])
        tbl.add_column(str(col), justify="right" if right.get(col) or numbers else "left", overflow="fold" if fold else "ellipsis")
    for row in cells.itertuples(index=False):
        tbl.add_row(*row)
    return tbl


def _cell(value: Any, spec: str | None) -> str:
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if spec and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, spec)
    if isinstance(value, float):
        return plain(value)
    return str(value)
