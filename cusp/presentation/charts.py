"""Charts a reader can trust and a screen reader can describe.

* :func:`show_figure` shows a matplotlib figure as an ``<img>`` with its alt text (nbconvert's lab
  template reads no alt text from output metadata, so the image goes out as HTML) and closes it;
* :func:`bar` draws bars (stacked when given several columns) from *published* values: a
  suppressed value is a hatched, empty column labelled "suppressed", never a bar of zero;
* :func:`alt_text` writes the description from the data; :func:`tidy_legend` keeps in the legend
  only what was drawn.
"""

from __future__ import annotations

import base64
import html
import io
import math
from typing import Callable, Sequence

import pandas as pd
from IPython.display import HTML, display

from .formats import MISSING
from .labels import label

__all__ = ["figure_html", "show_figure", "bar", "alt_text", "tidy_legend"]

SUPPRESSED = "suppressed"


def figure_html(fig, alt: str) -> str:
    """A PNG of ``fig`` as an ``<img>`` with ``alt`` (and the same text as its title attribute)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=fig.dpi)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure class="cusp-figure" style="margin:0.5em 0"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}" style="max-width:100%"></figure>')


def show_figure(fig, alt: str) -> None:
    """Display ``fig`` with ``alt`` as its alternative text, then close it."""
    import matplotlib.pyplot as plt

    display(HTML(figure_html(fig, alt)))
    plt.close(fig)


def alt_text(kind: str, title: str, data: pd.Series | pd.DataFrame, fmt: Callable[[float], str],
             suppressed: pd.Series | pd.DataFrame | None = None, unit: str = "", limit: int = 12) -> str:
    """Alt text from the data: ``Bar chart: <title> (<unit>). A 165; B 130; C suppressed.``

    A DataFrame is described row by row (``row: column value, ...``); more than ``limit`` rows are
    summarised by their range.
    """
    head = f"{kind}: {title}" + (f" ({unit})" if unit else "") + "."
    def cell(v, hidden) -> str:
        return SUPPRESSED if hidden else (MISSING if pd.isna(v) else fmt(v))
    if isinstance(data, pd.Series):
        hid = suppressed if suppressed is not None else data.isna()
        parts = [f"{label(str(i))} {cell(v, bool(hid.get(i, False)))}" for i, v in data.items()]
    else:
        hid = suppressed if suppressed is not None else data.isna()
        parts = [f"{label(str(i))}: " + ", ".join(f"{label(str(c))} {cell(row[c], bool(hid.at[i, c]))}" for c in data.columns)
                 for i, row in data.iterrows()]
    if len(parts) > limit:
        values = data.stack() if isinstance(data, pd.DataFrame) else data
        values = values.dropna()
        rest = f" ({len(parts) - limit} more; values from {fmt(values.min())} to {fmt(values.max())})" if len(values) else ""
        parts = parts[:limit]
        return f"{head} {'; '.join(parts)}{rest}."
    return f"{head} {'; '.join(parts)}."


def bar(data: pd.Series | pd.DataFrame, *, title: str, ylabel: str, xlabel: str = "",
        suppressed: pd.Series | pd.DataFrame | None = None, fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
        colours: Sequence[str] | None = None, figsize: tuple[float, float] = (8, 3.4), rot: int = 0):
    """Bars of published values; suppressed ones hatched and labelled, never drawn as zero.

    Parameters
    ----------
    data
        One value per bar (Series), or one column per stacked series (DataFrame); NaN where not
        published.
    suppressed
        True where a value was suppressed (default: where ``data`` is NaN).
    ylabel
        The axis label with its unit ("£ due", "children (rounded to 5)").

    Returns
    -------
    (figure, alt text)
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    frame = data.to_frame() if isinstance(data, pd.Series) else data
    hid = (suppressed.to_frame() if isinstance(suppressed, pd.Series) else suppressed) if suppressed is not None else frame.isna()
    row_hidden = hid.reindex(index=frame.index, columns=frame.columns).fillna(False).any(axis=1)
    fig, ax = plt.subplots(figsize=figsize)
    x = range(len(frame))
    bottom = pd.Series(0.0, index=frame.index)
    handles = []
    for j, col in enumerate(frame.columns):
        vals = frame[col].where(~row_hidden)
        colour = colours[j] if colours is not None and len(colours) == len(frame.columns) else None
        if colours is not None and len(colours) == len(frame) and len(frame.columns) == 1:
            colour = list(colours)
        bars = ax.bar(list(x), vals.fillna(0).to_numpy(), bottom=bottom.to_numpy(), color=colour,
                      label=label(str(col)) if len(frame.columns) > 1 else None)
        for b, v in zip(bars, vals):
            if pd.isna(v):
                b.set_visible(False)
        if len(frame.columns) > 1 and vals.notna().any():
            handles.append(bars)
        bottom = bottom + vals.fillna(0)
    highest = float(bottom.max()) if len(bottom) else 0.0
    top = max(highest if math.isfinite(highest) else 0.0, 1.0)   # no bars (nothing due yet): an empty axis, not NaN limits
    ax.set_ylim(0, top * 1.12)
    for i, hidden in enumerate(row_hidden):
        if hidden:
            ax.bar(i, top * 1.1, color="none", edgecolor="#505a5f", hatch="//", linewidth=0.8)
            ax.text(i, top * 0.55, SUPPRESSED, rotation=90, ha="center", va="center", fontsize=8,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_xticks(list(x), [label(str(i)) for i in frame.index], rotation=rot, ha="right" if rot else "center")
    ax.set(ylabel=ylabel, xlabel=xlabel, title=title)
    legend = [h for h in handles]
    labels_ = [h.get_label() for h in legend]
    if row_hidden.any():
        legend.append(Patch(facecolor="none", edgecolor="#505a5f", hatch="//"))
        labels_.append("suppressed (small count)")
    if legend:
        ax.legend(legend, labels_, frameon=False, fontsize=8)
    fig.tight_layout()
    shown = data if isinstance(data, pd.DataFrame) else data
    alt = alt_text("Bar chart", title, shown, fmt, hid if isinstance(data, pd.DataFrame) else hid.iloc[:, 0], unit=ylabel)
    return fig, alt


def tidy_legend(ax, **kwargs) -> None:
    """Keep in the legend only artists that were drawn with data; no legend when none is left."""
    handles, names = ax.get_legend_handles_labels()
    keep = []
    for h, n in zip(handles, names):
        if n.startswith("_"):
            continue
        if hasattr(h, "get_xdata") and len(h.get_xdata()) == 0:
            continue
        if hasattr(h, "patches") and not any(p.get_visible() and p.get_height() for p in h.patches):
            continue
        keep.append((h, n))
    if keep:
        ax.legend(*zip(*keep), **{"frameon": False, **kwargs})
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
