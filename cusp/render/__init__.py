"""Report rendering: papermill execution with checked parameters, HTML without code, PDF, provenance.

>>> from cusp.render import render_notebook
>>> render_notebook("notebooks/annual_evaluation.ipynb", "reports/annual-evaluation",
...                 params={"data_dir": "reports/data"})                  # doctest: +SKIP

Names are imported lazily: a notebook that only needs :func:`save_results` does not pay for
importing papermill and nbconvert inside its kernel.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "ExecutionFailed": "errors", "ParameterError": "errors", "RenderError": "errors",
    "check_parameters": "params", "declared_parameters": "params",
    "save_results": "results", "RenderResult": "run", "render_notebook": "run",
    "DisclosureFailed": "gate",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
