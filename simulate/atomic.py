"""Atomic file writes: a temporary file beside the target, then ``os.replace``.

A reader never sees half a file, and a failed or interrupted write leaves the previous file
untouched. Used by every writer in ``simulate`` and ``cusp`` (``data_synthetic`` keeps its own
copy: the architecture lets it import only ``simulate.scenario`` and ``evaluation.schemas``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed.

    Examples
    --------
    >>> with atomic_path("out/table.parquet") as tmp:   # doctest: +SKIP
    ...     frame.to_parquet(tmp)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return Path(path)
