"""Cusp: model and evaluate outcomes-commissioned children's services.

This package ties the three analysis packages together: the command line (``cusp``) and
report rendering. ``simulate``, ``evaluation`` and ``data_synthetic`` hold the analysis.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cusp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
