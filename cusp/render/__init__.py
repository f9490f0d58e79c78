"""Report rendering: papermill execution with checked parameters, HTML without code, PDF, provenance.

>>> from cusp.render import render_notebook
>>> render_notebook("notebooks/annual_evaluation.ipynb", "reports/annual-evaluation",
...                 params={"data_dir": "reports/data"})                  # doctest: +SKIP
"""

from .errors import ExecutionFailed, ParameterError, RenderError
from .params import check_parameters, declared_parameters
from .results import save_results
from .run import RenderResult, render_notebook

__all__ = ["ExecutionFailed", "ParameterError", "RenderError", "RenderResult", "check_parameters", "declared_parameters", "render_notebook", "save_results"]
