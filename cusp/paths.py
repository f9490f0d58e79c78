"""Paths a notebook names relative to the repository resolve wherever the notebook runs.

JupyterLab starts kernels in the notebook's folder (``notebooks/``), ``cusp render`` in the
caller's: a default such as ``reports/data`` or ``scenarios/my-service.yaml`` is read from the
current folder when it is there, else from the repository root. A preset name (no suffix, no
folder) is returned unchanged.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["ROOT", "repo_path"]


def repo_path(value: str | Path) -> str:
    """``value`` as given if it exists from here (or is blank or a preset name), else from the repository root."""
    text = str(value)
    if not text or Path(text).is_absolute() or Path(text).exists() or ("/" not in text and "." not in text):
        return text
    candidate = ROOT / text
    return str(candidate) if candidate.exists() else text
