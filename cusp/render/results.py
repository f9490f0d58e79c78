"""``results.json``: values a notebook computes that other tools need.

A notebook calls :func:`save_results` with its ``results_path`` parameter; ``cusp render``
points that parameter at the report folder, so ``results.json`` sits beside the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from simulate.atomic import write_text_atomic


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


def save_results(values: Mapping[str, Any], path: str | Path = "results.json") -> Path:
    """Write ``values`` as JSON (sorted keys; NumPy scalars and dates made plain), atomically."""
    return write_text_atomic(path, json.dumps(_plain(values), indent=2, sort_keys=True) + "\n")
