"""Cusp: model and evaluate outcomes-commissioned children's services.

This package ties the three analysis packages together: the command line (``cusp``) and
report rendering. ``simulate``, ``evaluation`` and ``data_synthetic`` hold the analysis.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # looked up on first use: importlib.metadata costs the command line's start-up ~30 ms
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("cusp")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
