"""``results.json`` and the restricted folder: what a notebook writes beside its report.

A notebook calls :func:`save_results` with its ``results_path`` parameter; ``cusp render``
points that parameter at the report folder, so ``results.json`` sits beside the report. When the
notebook declares a disclosure policy, ``results.json`` is published like the report: counts go
through the policy (``counts=``), shares are written with their published numerator and
denominator (``shares=``), and the file records the policy so the render gate can check it.

What may not be published — the child-level audit a commissioner needs to check an invoice, a
named child's timeline — goes through :func:`save_restricted` into ``restricted-internal-use/``
inside the report folder: readable by its owner only (mode 700), with a README saying so. The
render gate checks every other file in the folder against the policy and skips this one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from simulate.atomic import atomic_path, write_text_atomic

RESTRICTED_DIR = "restricted-internal-use"
RESTRICTED_README = (
    "RESTRICTED - FOR INTERNAL USE ONLY. NOT FOR PUBLICATION.\n\n"
    "These files hold child-level records (for example the payment audit a commissioner uses to\n"
    "check an invoice). They have NOT been through disclosure control. Do not e-mail, publish or\n"
    "copy them outside the organisation that holds the data; share the report folder without\n"
    "this sub-folder.\n"
)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _published_counts(value: Any, policy: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _published_counts(v, policy) for k, v in value.items()}
    return policy.count(None if value is None else float(value))


def save_results(values: Mapping[str, Any], path: str | Path = "results.json", *, policy: str | None = None,
                 counts: Mapping[str, Any] | None = None, shares: Mapping[str, tuple[float, float]] | None = None,
                 not_counts: tuple[str, ...] | list[str] = ()) -> Path:
    """Write ``values`` as JSON (sorted keys; NumPy scalars and dates made plain), atomically.

    Parameters
    ----------
    values
        Numbers that are not counts of people (money in £, estimates, dates, settings).
    path
        The notebook's ``results_path`` parameter.
    policy
        The notebook's disclosure policy; with it, ``counts`` and ``shares`` are published
        through the policy and the file records ``{"disclosure": {"policy": ...}}``.
    counts
        Counts of people or records (a number, or a mapping of labels to numbers), published
        as the policy says (rounded, or its suppression symbol).
    shares
        ``key -> (numerator, denominator)``: written as ``{"share", "numerator", "denominator"}``
        with the policy's share (a proportion 0-1, computed as the policy says, or a symbol).
    not_counts
        Keys of whole numbers in ``values`` that are not counts (a seed, a year), so the gate
        does not read them as counts.
    """
    out: dict[str, Any] = dict(values)
    if policy is not None:
        from evaluation.disclosure import DISCLOSURE_KEY, get_policy

        pol = get_policy(policy)
        for key, n in (counts or {}).items():
            out[key] = _published_counts(n, pol)
        for key, (num, den) in (shares or {}).items():
            out[key] = {"share": pol.share(float(num), float(den)), "numerator": pol.count(float(num)),
                        "denominator": pol.count(float(den))}
        out[DISCLOSURE_KEY] = {"policy": pol.name, "counts": sorted(counts or {}), "shares": sorted(shares or {}),
                               "not_counts": sorted(not_counts)}
    elif counts or shares:
        raise ValueError("save_results: counts and shares are published through a policy; pass policy=")
    return write_text_atomic(path, json.dumps(_plain(out), indent=2, sort_keys=True) + "\n")


def restricted_dir(results_path: str | Path) -> Path:
    """The restricted folder beside ``results_path`` (created owner-only, with its README)."""
    folder = Path(results_path).resolve().parent / RESTRICTED_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask
    readme = folder / "README.txt"
    if not readme.exists():
        write_text_atomic(readme, RESTRICTED_README)
    return folder


def save_restricted(item: Any, name: str, results_path: str | Path) -> Path:
    """Write a child-level table (``.csv``), figure (``.png``) or text (``.txt``) to the restricted folder.

    Parameters
    ----------
    item
        A pandas DataFrame, a matplotlib Figure, or a string.
    name
        File name inside ``restricted-internal-use/``; its suffix must match the item.
    results_path
        The notebook's ``results_path`` parameter: the restricted folder sits beside it.
    """
    target = restricted_dir(results_path) / name
    with atomic_path(target) as tmp:
        if hasattr(item, "to_csv"):
            item.to_csv(tmp, index=False)
        elif hasattr(item, "savefig"):
            item.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        else:
            Path(tmp).write_text(str(item), encoding="utf-8")
    return target
