"""Write synthetic extracts and truth.json to a folder: deterministic text, atomic replace.

Same frames → byte-identical files: dates as ``YYYY-MM-DD``, booleans as ``true``/``false``,
whole numbers without a decimal point, other numbers with at most two decimals, ``\\n`` line
endings, blanks for missing values. Each file is written to a temporary name in the folder and
moved into place with ``os.replace``, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.schemas import SCHEMAS

from .generate import SyntheticExtracts
from .ssda903 import as_text as ssda903_text
from .truth import dump_truth

SSDA903_FOLDER = "ssda903"


def as_text(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Every column of ``frame`` as text in the contract's format (missing → empty string)."""
    schema = SCHEMAS[file]
    columns = [c for c in schema.columns if c.required or c.name in frame]  # optional fields not generated: no column
    out = {}
    for col in columns:
        s = frame[col.name] if col.name in frame else pd.Series([None] * len(frame), dtype=object)
        missing = s.isna().to_numpy()
        if col.dtype == "date":
            text = np.datetime_as_string(pd.to_datetime(s).to_numpy("datetime64[D]"), unit="D").astype(object)
        elif col.dtype == "bool":
            text = np.where(s.to_numpy() == True, "true", "false").astype(object)  # noqa: E712
        elif col.dtype in ("int", "float"):
            values = pd.to_numeric(s, errors="coerce").to_numpy(float)
            whole = np.isfinite(values) & (values == np.round(values))
            # whole numbers through NumPy's integer-to-text (fast); the rest "%.2f" without
            # trailing zeros, formatted only where needed (np.char.mod on every row was the cost)
            text = np.nan_to_num(np.where(whole, values, 0.0)).astype(np.int64).astype(str).astype(object)
            rest = np.flatnonzero(~whole)
            if rest.size:
                text[rest] = [f"{v:.2f}".rstrip("0") for v in np.round(np.nan_to_num(values[rest]), 2).tolist()]
        else:
            text = s.astype(object).to_numpy(copy=True)
        text[missing] = ""
        out[col.name] = text
    return pd.DataFrame(out, columns=[c.name for c in columns])


def write_extracts(extracts: SyntheticExtracts, folder: str | Path) -> list[Path]:
    """Write every extract, the SSDA903 pair (``ssda903/episodes.csv``, ``ssda903/header.csv``)
    and ``truth.json`` into ``folder`` (created if needed).

    Returns
    -------
    list of pathlib.Path
        The contract extracts in the order written, then ``truth.json`` (always last). The
        SSDA903 files are in :func:`ssda903_paths`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in extracts.frames.items():
        text = as_text(frame, name).to_csv(index=False, lineterminator="\n")
        written.append(_atomic_write(folder / name, text))
    if extracts.ssda903:
        sub = folder / SSDA903_FOLDER
        sub.mkdir(exist_ok=True)
        for name, frame in extracts.ssda903.items():
            _atomic_write(sub / name, ssda903_text(frame))
    written.append(_atomic_write(folder / "truth.json", dump_truth(extracts.truth)))
    return written


def ssda903_paths(folder: str | Path) -> tuple[Path, Path]:
    """The SSDA903 episodes and header files :func:`write_extracts` writes under ``folder``."""
    sub = Path(folder) / SSDA903_FOLDER
    return sub / "episodes.csv", sub / "header.csv"


def _atomic_write(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
