"""Shared pieces of the payments statement's sections: a section (:class:`Part`) and table helpers.

Used by :mod:`cusp.statement_parts` and the mechanism modules (:mod:`cusp.statement_pbr`,
:mod:`cusp.statement_kpi`, :mod:`cusp.statement_sib`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import presentation as pr
from .presentation.tables import slug

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
    head = "".join(f"<th>{html.escape(c[:1].upper() + c[1:])}</th>" for c in text.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in text.itertuples(index=False))
    return (f'<p class="cusp-caption">{html.escape(caption)}</p><table class="cusp-disclosed">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def published_count(pol: Any, x: Any) -> str:
    """A count as published under ``pol``: rounded with separators, or the policy's symbol."""
    v = pol.count(int(x))
    return f"{v:,}" if isinstance(v, (int, float)) else str(v)


def year_label(y: Any) -> str:
    return f"Year {int(y)}"

