"""Disclosure gate: a report that publishes a table not through disclosure control does not render.

A notebook opts in by declaring the parameter ``disclosure_policy`` (a policy name of
:mod:`evaluation.disclosure`).  After execution, the report's HTML (without the provenance block,
which describes files, not children) is scanned with :func:`evaluation.disclosure.scan_report`:
every ``<table>`` — a pandas frame shown with ``display``, a Markdown pipe table, a Styler — must
be a :class:`~evaluation.disclosure.DisclosedTable`'s (class ``cusp-disclosed``), and every count
cell must obey the policy.  A notebook may also name a regular expression for identifiers in its
metadata (``metadata.cusp.identifier_pattern``, e.g. ``"\\\\bC\\\\d{7}\\\\b"``); any match in
the visible text fails the render.  Embedded images are not scanned as text.
"""

from __future__ import annotations

import re

import nbformat

from .errors import RenderError

DISCLOSURE_PARAMETER = "disclosure_policy"
_DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+")


class DisclosureFailed(RenderError):
    """The rendered report shows a table or count that has not passed disclosure control."""


def check_disclosure(nb: nbformat.NotebookNode, html: str, policy: str, source: str) -> None:
    """Raise :class:`DisclosureFailed` naming the first problems in ``html`` (see module doc)."""
    from evaluation.disclosure import scan_report
    from evaluation.errors import EvaluationError

    text = _DATA_URI.sub("data:image/png;base64,", html)
    try:
        problems = scan_report(text, policy)
    except EvaluationError as exc:
        raise RenderError(f"{source}: parameter {DISCLOSURE_PARAMETER}: {exc}") from None
    pattern = nb.metadata.get("cusp", {}).get("identifier_pattern")
    if pattern and re.search(pattern, text):
        problems.append(f"text matching the identifier pattern {pattern!r} appears in the report")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        cells = _cells_with_unmarked_tables(nb)
        where = f"; unmarked tables in cell(s) {', '.join(map(str, cells))}" if cells else ""
        raise DisclosureFailed(f"{source}: disclosure control ({policy}) failed: {'; '.join(problems[:3])}{more}{where}")


_UNMARKED = re.compile(r"<table(?![^>]*cusp-disclosed)[^>]*>|^\s*\|?\s*:?-{3,}:?\s*\|", re.MULTILINE)


def _cells_with_unmarked_tables(nb: nbformat.NotebookNode) -> list[int]:
    """Positions (1-based, among all cells) of cells whose outputs hold a table not marked
    ``cusp-disclosed`` (an HTML table, or a Markdown pipe table's separator row)."""
    found = []
    for i, cell in enumerate(nb.cells, start=1):
        texts = [cell.source] if cell.cell_type == "markdown" else [
            "".join(o.get("data", {}).get(kind, "")) for o in cell.get("outputs", [])
            for kind in ("text/html", "text/markdown")]
        if any(_UNMARKED.search(t) for t in texts):
            found.append(i)
    return found
