"""Errors of report rendering; all are user-facing (the command line prints one line, exit 2)."""

from __future__ import annotations

from simulate.errors import CuspError


class RenderError(CuspError):
    """A report could not be rendered (bad notebook, parameter, browser or output folder)."""


class ParameterError(RenderError):
    """A parameter is not declared by the notebook, or its value has the wrong type."""


class ExecutionFailed(RenderError):
    """A notebook cell raised; ``error_notebook`` is papermill's executed copy with the error."""

    def __init__(self, message: str, error_notebook: str) -> None:
        self.error_notebook = error_notebook
        super().__init__(message)
