"""Publication tables, the summary block, the table of contents and the disclosure footnote.

Every function returns an :class:`IPython.display.HTML` object (a notebook shows it as the cell's
value or through ``display``); its ``.data`` is the HTML text. Tables have no index column (a
labelled row header is a column of the table), headers read as words with their units, and every
number goes through :mod:`.formats`. A disclosed table (:class:`evaluation.disclosure.DisclosedTable`)
keeps its class ``cusp-disclosed`` and its count cells, which the render gate checks; its policy
text is printed once per report by :func:`footnote`, not under every table.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pandas as pd
from IPython.display import HTML

from .formats import MISSING, gbp, value
from .labels import label

if TYPE_CHECKING:
    from evaluation.disclosure import DisclosedTable

__all__ = ["style", "frame", "table", "disclosed", "footnote", "summary", "contents", "headline", "slug"]

#: Report styles: tables wrap within the page (never wider than it), the summary stands out.
CSS = """<style id="cusp-presentation">
table.cusp-table, table.cusp-disclosed { max-width: 100%; border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.92em; }
table.cusp-table th, table.cusp-table td, table.cusp-disclosed th, table.cusp-disclosed td {
  white-space: normal !important; overflow-wrap: break-word; padding: 0.25em 0.6em; }
table.cusp-table td, table.cusp-disclosed td { text-align: right; }
table.cusp-table caption, p.cusp-caption { caption-side: top; text-align: left; font-weight: bold; margin: 0.6em 0 0.2em; }
section.cusp-summary { border-left: 4px solid #1d70b8; background: #f3f2f1; padding: 0.6em 1em; margin: 0.5em 0 1em; }
section.cusp-summary li.missed { color: #d4351c; font-weight: bold; }
p.cusp-synthetic { font-weight: bold; color: #505a5f; }
nav.cusp-toc ol { margin-top: 0.2em; }
div.cusp-wide table { font-size: 0.8em; }
div.cusp-wide th, div.cusp-wide td { padding: 0.2em 0.35em; }
#provenance table { max-width: 100%; }
#provenance td, #provenance th { white-space: normal !important; overflow-wrap: anywhere; word-break: break-all; }
</style>"""


_NUMBERISH = re.compile(r"^(?:[-+]?£?[\d,]*\.?\d+(?:%| pp)?|–|\*|c|z|k|x)$")


def style() -> str:
    """The report's CSS (included once, by :func:`summary`)."""
    return CSS


def _kind(column: str, series: pd.Series) -> str:
    name = str(column).lower()
    if "£" in name or name.endswith("_gbp") or "gbp" in name:
        return "gbp"
    if name in ("probability", "share") or name.startswith("share") or name.startswith("p_") or "(%)" in name:
        return "share"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    return "number"


def figure_kind(name: str) -> str:
    """The format of a named figure from its name: ``gbp`` (``*_gbp``), ``share`` (``p_*``,
    ``*_share``, ``share_*``, ``*probability*``), ``count`` (``draws``, ``families_*``, ``*_count``),
    else ``number``."""
    n = str(name).lower()
    if "gbp" in n or "£" in n:
        return "gbp"
    if n.startswith("p_") or n.startswith("share") or n.endswith("_share") or "probability" in n or n in ("irr", "discount_rate"):
        return "share"
    if n == "draws" or n.startswith("families_") or n.endswith("_count"):
        return "count"
    return "number"


def figures(df: pd.DataFrame, name: str = "metric", value_column: str = "value", caption: str | None = None) -> HTML:
    """A two-column table of named figures (``metric``, ``value``), each formatted by its name
    (:func:`figure_kind`) and labelled in words: ``provider_net_p5_gbp`` → "Provider net p5", £."""
    rows = pd.DataFrame({"figure": [label(str(m)) for m in df[name]],
                         "value": [value(v, figure_kind(m), 2 if figure_kind(m) == "number" else 1) for m, v in zip(df[name], df[value_column])]})
    return table(rows, caption)


def frame(df: pd.DataFrame, formats: Mapping[str, str] | None = None, *, index: bool | None = None,
          decimals: int = 1) -> pd.DataFrame:
    """``df`` as text: formatted cells, labelled headers and values, no index column.

    Parameters
    ----------
    formats
        Column → kind (``gbp``, ``share``, ``pp``, ``count``, ``number``); others guessed from
        the column's name and type.
    index
        Keep the index as a first column (default: when it is named or not a plain range).
    """
    formats = dict(formats or {})
    d = df.copy()
    if index is None:
        index = d.index.name is not None or not isinstance(d.index, pd.RangeIndex)
    if index:
        d = d.reset_index()
    out = {}
    for col in d.columns:
        s = d[col]
        kind = formats.get(col) or _kind(col, s)
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[label(col)] = [value(v, kind, decimals if kind == "number" else 1) for v in s]
        else:
            out[label(col)] = [MISSING if v is None or (not isinstance(v, str) and pd.isna(v)) else label(str(v)) for v in s]
    return pd.DataFrame(out)


def table(df: pd.DataFrame | None, caption: str | None = None, formats: Mapping[str, str] | None = None, *,
          index: bool | None = None, decimals: int = 1) -> HTML:
    """A table of modelled figures as HTML (pandas Styler, class ``cusp-table``, no index column).

    ``None`` (a section the contract does not have, e.g. the bond's yearly provider table) shows nothing.
    """
    if df is None:
        return HTML("")
    text = frame(df, formats, index=index, decimals=decimals)
    styler = text.style.hide(axis="index").set_table_attributes('class="cusp-table"')
    words = [c for c in text.columns if not all(_NUMBERISH.match(v) for v in text[c])]
    if words:  # text reads from the left, numbers line up on the right
        styler = styler.set_properties(subset=words, **{"text-align": "left"})
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return HTML(styler.to_html())


def disclosed(table: "DisclosedTable", caption: str | None = None, formats: Mapping[str, str] | None = None) -> HTML:
    """A disclosed table with readable headers and formats, and no policy line under it.

    Cells stay as published (symbols such as ``*`` or ``c`` where suppressed); columns named in
    ``formats`` as ``gbp`` are re-written from the published values without pence unless they
    matter. The table keeps class ``cusp-disclosed`` and count cells (class ``count``) for the
    render gate. The policy is stated once per report by :func:`footnote`.
    """
    formats = dict(formats or {})
    d = table.display
    for c in d.columns:  # money as published (£ with pence from the engine) is re-written without them
        shown = [v for v in d[c] if isinstance(v, str) and v not in table.policy.symbols and v not in ("*", "")]
        if c not in formats and shown and all(v.startswith(("£", "-£")) for v in shown):
            formats[c] = "gbp"
    head = "".join(f"<th>{html.escape(label(c))}</th>" for c in [d.index.name or ""] + list(d.columns))
    rows = []
    same = table.suppressed.index.equals(d.index)  # rows by position: a KPI table repeats its index per window
    for i, (idx, r) in enumerate(d.iterrows()):
        cells = []
        for c, v in r.items():
            hidden = bool(table.suppressed[c].iloc[i]) if (same and c in table.suppressed.columns) else False
            money = table.values[c].iloc[i] if (c in table.values.columns and table.values.index.equals(d.index)) else None
            if formats.get(c) == "gbp" and not hidden and money is not None and pd.notna(money):
                v = gbp(money)
            elif formats.get(c) == "count" and not hidden and isinstance(v, str) and re.fullmatch(r"-?[\d,]+\.0+", v):
                v = v.split(".")[0]
            text = MISSING if v is None or (not isinstance(v, str) and pd.isna(v)) or v in ("nan", "None", "") else str(v)
            cells.append(f'<td class="count">{html.escape(text)}</td>')
        rows.append(f"<tr><th>{html.escape(label(str(idx)))}</th>{''.join(cells)}</tr>")
    cap = f'<p class="cusp-caption">{html.escape(caption)}</p>' if caption else ""
    return HTML(f'{cap}<table class="cusp-disclosed" data-policy="{table.policy.name}"><thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>")


def footnote(policy: Any) -> HTML:
    """The disclosure-control note, once per report: the policy's own text."""
    from evaluation.disclosure import get_policy

    pol = get_policy(policy) if isinstance(policy, str) else policy
    return HTML(f'<p class="cusp-policy"><em>{html.escape(pol.text)}</em></p>')


def summary(title: str, points: Sequence[str], *, missed: Sequence[str] = (), synthetic: bool = False,
            figures: Sequence[tuple[str, str]] = ()) -> HTML:
    """The one-screen summary a board reads first (an ``<h2 id="summary">`` section).

    Parameters
    ----------
    points
        Sentences (plain text) of what the reader needs: money due, waits, the staffing answer.
    missed
        Targets likely missed or indicators off track, listed first and marked.
    synthetic
        The figures come from synthetic data: said in bold at the top.
    figures
        Headline figures as (name, formatted value) pairs, shown as a list.
    """
    parts = [CSS, '<section class="cusp-summary" id="summary-section">', f'<h2 id="summary">{html.escape(title)}</h2>']
    if synthetic:
        parts.append('<p class="cusp-synthetic">These figures come from synthetic data generated by Cusp '
                     "(no real child's record): they illustrate the method, not a real service.</p>")
    items = [f'<li class="missed">{html.escape(m)}</li>' for m in missed] + [f"<li>{html.escape(p)}</li>" for p in points]
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    if figures:
        body = "".join(f"<li><b>{html.escape(k)}:</b> {html.escape(v)}</li>" for k, v in figures)
        parts.append(f'<ul class="cusp-figures">{body}</ul>')
    parts.append("</section>")
    return HTML("".join(parts))


def slug(heading: str) -> str:
    """The anchor nbconvert gives a Markdown heading: spaces become hyphens, other characters
    beyond printable ASCII are percent-encoded ("§" → ``%C2%A7``)."""
    from urllib.parse import quote

    return quote(heading.strip().replace(" ", "-"), safe="".join(map(chr, range(33, 127))))


def contents(sections: Sequence[str]) -> HTML:
    """A table of contents linking to the report's ``##`` headings (in order)."""
    items = "".join(f'<li><a href="#{html.escape(slug(s))}">{html.escape(s)}</a></li>' for s in sections)
    # headings that carry their own numbers ("1. Base case") are not numbered a second time
    numbered = bool(sections) and all(re.match(r"\d+[a-z]?\. ", s) for s in sections)
    listing = f'<ul style="list-style: none; padding-left: 1.2em">{items}</ul>' if numbered else f"<ol>{items}</ol>"
    return HTML(f'<nav class="cusp-toc"><h2 id="contents">Contents</h2>{listing}</nav>')


def headline(name: str, est: Any, low: Any = None, high: Any = None, kind: str = "number", level: int = 95) -> str:
    """``name: estimate (95% interval low to high)`` in the kind's format."""
    from .formats import interval

    return f"{name}: {interval(est, low, high, kind, level)}"
