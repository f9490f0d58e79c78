"""Checks of what is about to be published: a rendered report's HTML and its ``results.json``.

:func:`scan_report` reads HTML: every table must have been through :func:`disclose`, every count
cell must obey the policy, no identifier may appear. :func:`scan_results` reads the values a
report writes for other tools (``results.json``): counts must obey the policy, and no share may
give back a small count when multiplied by its denominator.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, Sequence

from .policy import Policy, get_policy

__all__ = ["scan_report", "scan_results", "DISCLOSURE_KEY"]

DISCLOSURE_KEY = "disclosure"  # results.json: {"policy": name, "counts": [...], "shares": [...], "not_counts": [...]}
_NUM = re.compile(r"^-?[\d,]+$")


def scan_report(text: str, policy: str | Policy = "nhs-digital",
                identifiers: Sequence[str] = ()) -> list[str]:
    """Problems in a rendered HTML report: unprotected tables, visible counts, identifiers.

    Every ``<table>`` must carry class ``cusp-disclosed``; every count cell (class ``count``)
    must be a symbol of the policy, 0 or a number the policy allows; no string in
    ``identifiers`` may appear.

    Returns
    -------
    list of str
        One line per problem (empty when the report passes).
    """
    pol = get_policy(policy)
    problems = []
    for m in re.finditer(r"<table([^>]*)>", text):
        if "cusp-disclosed" not in m.group(1):
            problems.append(f"table at character {m.start()} has not been through disclosure control")
    for m in re.finditer(r'<td class="count">([^<]*)</td>', text):
        v = html.unescape(m.group(1)).strip()
        if v in pol.symbols or v in ("*", "") or not _NUM.match(v):
            continue
        problem = _count_problem(int(v.replace(",", "")), pol)
        if problem:
            problems.append(f"{problem} at character {m.start()}")
    for ident in identifiers:
        if ident and ident in text:
            problems.append("a child identifier appears in the report")
            break
    return problems


def _count_problem(x: float, pol: Policy) -> str | None:
    if pol.is_small(x):
        return f"visible count {x:g} below {pol.min_count}"
    if pol.round_to and x % pol.round_to:
        return f"count {x:g} not rounded to {pol.round_to}"
    return None


def scan_results(values: Mapping[str, Any], policy: str | Policy) -> list[str]:
    """Problems in the values of a ``results.json`` published under ``policy``.

    The file must name the policy in its ``"disclosure"`` block (written by
    :func:`cusp.render.results.save_results`). Every integer not listed there as ``not_counts``
    (a seed, a year) is read as a count and must obey the policy; every share object
    (``{"share", "numerator", "denominator"}``) must be a symbol, or a proportion whose product
    with its denominator is not a small count, nor is its complement (a multiple of the policy's
    rounding base is a difference of rounded counts, not an exact count); a bare number under a key naming a share or proportion is a problem (its
    denominator would be unknown to the reader as well as to this check).

    Returns
    -------
    list of str
        One line per problem, naming the key path (empty when the values pass).
    """
    pol = get_policy(policy)
    if not pol.personal_data:  # modelled figures: nothing about a real person to protect
        return []
    block = values.get(DISCLOSURE_KEY)
    if not isinstance(block, Mapping) or block.get("policy") != pol.name:
        return [f"results.json does not record disclosure policy {pol.name!r} (save_results(..., policy=...))"]
    exempt = set(block.get("not_counts", []))
    counts: list[tuple[str, float]] = []
    shares: list[tuple[str, float, float | None]] = []
    problems: list[str] = []

    def walk(node: Any, path: str) -> None:
        key = path.rsplit(".", 1)[-1]
        if isinstance(node, Mapping):
            if "share" in node and "denominator" in node:
                s, den = node["share"], node["denominator"]
                if isinstance(s, (int, float)) and not isinstance(s, bool):
                    shares.append((path, float(s), float(den) if isinstance(den, (int, float)) else None))
                for part in ("numerator", "denominator"):
                    walk(node.get(part), f"{path}.{part}")
                return
            for k, v in node.items():
                if path == "" and k == DISCLOSURE_KEY:
                    continue
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")
        elif isinstance(node, bool) or node is None or key in exempt:
            return
        elif isinstance(node, int):
            counts.append((path, float(node)))
            problem = _count_problem(node, pol)
            if problem:
                problems.append(f"{path}: {problem}")
        elif isinstance(node, float) and re.search(r"share|proportion|rate|percent", key) and 0 <= node <= 1:
            problems.append(f"{path}: a share published without its denominator")

    walk(values, "")
    for path, s, den in shares:
        for where, n in ([(f"{path}.denominator", den)] if den is not None else []):
            for derived in (s * n, (1 - s) * n):
                if pol.round_to and abs(derived / pol.round_to - round(derived / pol.round_to)) < 1e-6:
                    continue  # a difference of rounded counts: uncertain by the rounding, not exact
                if pol.is_small(round(derived)):
                    problems.append(f"{path} × {where} gives {derived:.1f}, a count below {pol.min_count}")
                    break
    return problems

