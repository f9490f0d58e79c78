"""Extending a stress run already on disk (``cusp stress run --resume``).

Draw ``i`` depends only on the run's seed and ``i`` (its random stream,
:func:`~simulate.stress.sampling.draw_rng`, and its input values with ``mc`` or ``sobol``), so
draws ``n..n + k - 1`` appended to a run of ``n`` draws give the table of one run of ``n + k``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..finance.errors import StressError
from .runner import read_run_metadata


def check_resumable(path: Path, scenario: str, seed: int, method: str, engine: str, model: str, stress: str | None,
                    monthly: Path | None) -> tuple[pd.DataFrame, int]:
    """The run already in ``path`` and the index of the next draw, or a :class:`StressError` saying why not."""
    if monthly is not None:
        raise StressError("--resume: --monthly is not kept across resumed runs; write monthly cash flows from one run")
    if not Path(path).is_file():
        raise StressError(f"--out {path}: --resume needs the run to extend, and there is no such file")
    meta = read_run_metadata(path)
    if not meta:
        raise StressError(f"--out {path}: has no Cusp run metadata, so it cannot be resumed")
    wanted = {"scenario": scenario, "seed": seed, "method": method, "engine": engine, "model": model, "stress": stress}
    for key, value in wanted.items():
        if meta.get(key) != value:
            raise StressError(f"--resume: {path} was run with {key} {meta.get(key)!r}, not {value!r}")
    if method == "lhs":
        raise StressError("--resume: a Latin hypercube run cannot be extended; run with --method mc or sobol")
    frame = pd.read_parquet(path)
    return frame, int(len(frame))
