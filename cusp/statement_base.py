"""Shared pieces of the payments statement's sections: a section (:class:`Part`) and table helpers.

Used by :mod:`cusp.statement_parts` and the mechanism modules (:mod:`cusp.statement_pbr`,
:mod:`cusp.statement_kpi`, :mod:`cusp.statement_sib`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import presentation as pr
from .presentation.tables import slug

# a cell that is a number as published (£, %, a count, a symbol): right-aligned; anything else reads from the left
_NUMBERISH = re.compile(r"^(?:-?£?[\d,]*\.?\d+%?|–|\*|c|z|k|x)$")

__all__ = ["Part", "as_html", "money_frame", "published_count", "year_label"]


@dataclass
class Part:
    """One ``##`` section: heading (its anchor is the contents' link), intro line, HTML items."""

    heading: str
    intro: str = ""
    items: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        head = f'<h2 id="{html.escape(slug(self.heading), quote=True)}">{html.escape(self.heading)}</h2>'
        intro = f"<p>{html.escape(self.intro)}</p>" if self.intro else ""
        return head + intro + "".join(self.items)



def as_html(obj: Any) -> str:
    return obj.data if hasattr(obj, "data") else str(obj)


def money_frame(df: pd.DataFrame, caption: str, formats: dict[str, str] | None = None) -> str:
    """A table of contract-level money (no count of people under it), published as it is.

    Cells are formatted by :func:`cusp.presentation.tables.frame` (£ with separators, % to one
    decimal); the table is marked as through disclosure control (class ``cusp-disclosed``) with
    no count cells, because no cell counts children or families.
    """
    text = pr.frame(df, formats)
    words = [not all(_NUMBERISH.match(str(v)) for v in text[c]) for c in text.columns]  # text reads from the left
    cell = lambda v, left: f'<td style="text-align:left">{html.escape(str(v))}</td>' if left else f"<td>{html.escape(str(v))}</td>"  # noqa: E731
    head = "".join(f'<th style="text-align:{"left" if w else "right"}">{html.escape(c[:1].upper() + c[1:])}</th>'
                   for c, w in zip(text.columns, words))
    rows = "".join("<tr>" + "".join(cell(v, w) for v, w in zip(r, words)) + "</tr>" for r in text.itertuples(index=False))
    return (f'<p class="cusp-caption">{html.escape(caption)}</p><table class="cusp-disclosed">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def published_count(pol: Any, x: Any) -> str:
    """A count as published under ``pol``: rounded with separators, or the policy's symbol."""
    v = pol.count(int(x))
    return f"{v:,}" if isinstance(v, (int, float)) else str(v)


def year_label(y: Any) -> str:
    return f"Year {int(y)}"

