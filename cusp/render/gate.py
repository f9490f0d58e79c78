"""Disclosure gate: nothing leaves ``cusp render`` that has not passed the notebook's policy.

Every notebook declares a disclosure policy (a name registered in :mod:`evaluation.disclosure`):
as the parameter ``disclosure_policy`` when the reader may choose it (``nhs-digital``, ``dfe``,
``threshold-10``), or in its metadata (``metadata.cusp.disclosure_policy``) when it is fixed — a
report of modelled figures only declares ``modelled``. A notebook that declares none is refused
before it runs (:func:`declared_policy`).

After execution :func:`check_disclosure` checks every file of the report folder:

* the HTML (without the provenance block, which describes files, not children) with
  :func:`evaluation.disclosure.scan_report`: every ``<table>`` — a pandas frame shown with
  ``display``, a Markdown pipe table, a Styler — must be a
  :class:`~evaluation.disclosure.DisclosedTable`'s (class ``cusp-disclosed``), and every count
  cell must obey the policy;
* ``results.json`` with :func:`evaluation.disclosure.scan_results`: counts through the policy,
  no share that gives back a small count;
* the executed notebook: the same outputs as the HTML plus what went to standard error, scanned
  for identifiers;
* ``restricted-internal-use/`` is not published: it must be owner-only and carry its README.

A notebook may name a regular expression for identifiers in its metadata
(``metadata.cusp.identifier_pattern``, e.g. ``"\\\\bC\\\\d{7}\\\\b"``); any match in the visible
text or the notebook's outputs fails the render. Embedded images are not scanned as text.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import nbformat

from .errors import RenderError

DISCLOSURE_PARAMETER = "disclosure_policy"
DATA_PARAMETER = "data_dir"  # a notebook that reads extracts may not declare the 'modelled' policy
_DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+")


class DisclosureFailed(RenderError):
    """The rendered report shows a table or count that has not passed disclosure control."""


def declared_policy(notebook: str | Path, declared: dict[str, dict[str, Any]], chosen: str | None = None) -> str:
    """The notebook's disclosure policy, or :class:`RenderError` (one line) when it declares none.

    Parameters
    ----------
    notebook
        The ``.ipynb`` (its metadata may declare the policy).
    declared
        Its parameters (:func:`cusp.render.params.declared_parameters`).
    chosen
        A value given for ``disclosure_policy`` on the command line, if any.
    """
    from evaluation.disclosure import get_policy
    from evaluation.errors import EvaluationError

    meta = nbformat.read(notebook, as_version=4).metadata.get("cusp", {}).get(DISCLOSURE_PARAMETER)
    name = chosen or (declared[DISCLOSURE_PARAMETER]["default"] if DISCLOSURE_PARAMETER in declared else meta)
    if not name:
        raise RenderError(
            f"{notebook}: declares no disclosure policy; add a parameter {DISCLOSURE_PARAMETER} = \"nhs-digital\" "
            f"(or dfe, threshold-10), or metadata cusp.{DISCLOSURE_PARAMETER} = \"modelled\" for modelled figures only")
    try:
        pol = get_policy(str(name))
    except EvaluationError as exc:
        raise RenderError(f"{notebook}: parameter {DISCLOSURE_PARAMETER}: {exc}") from None
    if not pol.personal_data and DATA_PARAMETER in declared:
        raise RenderError(f"{notebook}: reads extracts ({DATA_PARAMETER}), so it may not declare the "
                          f"'{pol.name}' policy; choose nhs-digital, dfe or threshold-10")
    return pol.name


def check_disclosure(nb: nbformat.NotebookNode, html: str, policy: str, source: str) -> None:
    """Raise :class:`DisclosureFailed` naming the first problems of the report (see module doc)."""
    from evaluation.disclosure import get_policy, scan_report, scan_results
    from evaluation.errors import EvaluationError

    text = _DATA_URI.sub("data:image/png;base64,", html)
    try:
        pol = get_policy(policy)
        problems = scan_report(text, pol) if pol.personal_data else []
    except EvaluationError as exc:
        raise RenderError(f"{source}: parameter {DISCLOSURE_PARAMETER}: {exc}") from None
    pattern = nb.metadata.get("cusp", {}).get("identifier_pattern")
    if pattern and re.search(pattern, text):
        problems.append(f"text matching the identifier pattern {pattern!r} appears in the report")
    if pattern and any(re.search(pattern, t) for t in _output_texts(nb)):
        problems.append(f"text matching the identifier pattern {pattern!r} appears in the executed notebook's outputs")
    results = _results_path(nb)
    if results is not None and results.exists():
        problems += [f"results.json: {p}" for p in scan_results(json.loads(results.read_text(encoding="utf-8")), pol)]
    if results is not None:
        problems += _restricted_problems(results.parent)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        cells = _cells_with_unmarked_tables(nb)
        where = f"; unmarked tables in cell(s) {', '.join(map(str, cells))}" if cells else ""
        raise DisclosureFailed(f"{source}: disclosure control ({policy}) failed: {'; '.join(problems[:3])}{more}{where}")


def _results_path(nb: nbformat.NotebookNode) -> Path | None:
    """Where the notebook was told to write results.json (papermill records the parameters)."""
    value = nb.metadata.get("papermill", {}).get("parameters", {}).get("results_path")
    return Path(value) if value else None


def _restricted_problems(folder: Path) -> list[str]:
    from .results import RESTRICTED_DIR

    restricted = folder / RESTRICTED_DIR
    if not restricted.exists():
        return []
    problems = []
    if stat.S_IMODE(restricted.stat().st_mode) & 0o077:
        problems.append(f"{RESTRICTED_DIR}/ is readable by others (it must be mode 700)")
    if not (restricted / "README.txt").exists():
        problems.append(f"{RESTRICTED_DIR}/ has no README saying it is not for publication")
    return problems


def _output_texts(nb: nbformat.NotebookNode) -> list[str]:
    """Every text output of every code cell (streams, including standard error, and text data)."""
    texts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                texts.append(o.get("text", ""))
            for kind, data in o.get("data", {}).items():
                if kind.startswith("text/") or kind.endswith("json"):
                    texts.append(data if isinstance(data, str) else "".join(data) if isinstance(data, list) else json.dumps(data))
    return texts


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
