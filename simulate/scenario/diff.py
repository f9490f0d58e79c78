"""Differences between two scenarios, key path by key path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Scenario

if TYPE_CHECKING:  # pandas is imported inside the functions: `cusp scenario list` starts without it
    import pandas as pd


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts and lists into ``{"districts[0].name": ...}``."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data:
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = data
    return out


def diff_scenarios(a: Scenario, b: Scenario) -> pd.DataFrame:
    """Every key path whose value differs between two scenarios.

    Returns
    -------
    pandas.DataFrame
        Columns ``key_path``, ``a``, ``b`` (``None`` where a side lacks the key), sorted by path.
    """
    import pandas as pd

    fa = flatten(a.model_dump(mode="json", by_alias=True))
    fb = flatten(b.model_dump(mode="json", by_alias=True))
    rows = [
        {"key_path": key, "a": fa.get(key), "b": fb.get(key)}
        for key in sorted(set(fa) | set(fb))
        if fa.get(key) != fb.get(key)
    ]
    return pd.DataFrame(rows, columns=["key_path", "a", "b"])
