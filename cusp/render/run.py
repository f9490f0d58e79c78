"""Render a parameterised notebook into a report folder.

``reports/NAME/`` receives ``NAME.html`` (no code, figures embedded, provenance at the end),
``NAME.ipynb`` (the executed notebook), ``provenance.json``, ``results.json`` when the notebook
writes one, and ``NAME.pdf`` with ``pdf=True``. Everything is built in a hidden temporary folder
and swapped in at the end; the report folder must be new, empty or a report Cusp made
(:mod:`cusp.outputs`).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError
from papermill.exceptions import PapermillExecutionError

from simulate.atomic import MARKER

from .. import provenance
from ..outputs import OutputError, check_file, check_output, output_file, output_folder
from .errors import ExecutionFailed, RenderError
from .export import notebook_to_html, print_pdf
from .gate import DISCLOSURE_PARAMETER, check_disclosure, declared_policy
from .params import check_parameters, declared_parameters

RESULTS_PARAMETER = "results_path"


@dataclass
class RenderResult:
    """Where the report went and what it was made from."""

    folder: Path
    html: Path
    notebook: Path
    pdf: Path | None
    results: Path | None
    provenance: dict[str, Any]


def render_notebook(
    notebook: str | Path,
    out: str | Path,
    *,
    params_file: str | Path | None = None,
    params: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    pdf: bool = False,
    cwd: str | Path | None = None,
    timeout: float = 600.0,
    progress: bool = True,
    kernel: str = "python3",
    dayfirst: bool = False,
) -> RenderResult:
    """Execute ``notebook`` with checked parameters and write the report folder ``out``.

    Parameters
    ----------
    notebook
        The ``.ipynb`` with a cell tagged ``parameters``.
    out
        The report folder (``reports/NAME``): new, empty, or one Cusp made; replaced atomically.
    params_file, params
        A YAML mapping of values, and ``key=value`` texts from the command line (which win).
    values
        Already-typed values from Python (checked like the YAML file's).
    pdf
        Also print the HTML to PDF with headless Chromium.
    cwd
        Working directory of the kernel (default: the current directory), so relative paths in
        parameters mean what they mean to the caller.
    timeout
        Seconds any one cell may run before the render fails.
    dayfirst
        Read ``dd/mm/yyyy`` date parameters day first (UK style); without it a date that could be
        read two ways is refused.
    """
    nb_path = Path(notebook)
    declared = declared_parameters(nb_path)
    from_file = dict(values or {})
    if params_file is not None:
        from .params import read_params_file

        from_file = {**read_params_file(params_file), **from_file}
    chosen = check_parameters(declared, from_file, dict(params or {}), source=f" (notebook {nb_path})", dayfirst=dayfirst)
    policy = declared_policy(nb_path, declared, chosen.get(DISCLOSURE_PARAMETER))  # refuses a notebook that declares none
    target = Path(out)
    name = target.name
    work_dir = Path(cwd) if cwd is not None else Path.cwd()
    shown = {**{k: v["default"] for k, v in declared.items()}, **chosen}
    inputs: dict[str, Path | None] = {"NOTEBOOK": nb_path, "--params": Path(params_file) if params_file else None}
    inputs.update({f"parameter {k}": p for k, p in _named_inputs(shown, work_dir)})
    check_output(target, inputs)  # before the kernel starts: refuse an --out over the user's files
    failed = target.parent / f"{name}.failed.ipynb"
    with output_folder(target, command=f"cusp render {nb_path}", inputs=inputs) as tmp:
        executed = tmp / f"{name}.ipynb"
        run_values = dict(chosen)
        if RESULTS_PARAMETER in declared:
            run_values[RESULTS_PARAMETER] = str((tmp / "results.json").resolve())
        try:
            papermill.execute_notebook(
                str(nb_path), str(executed), parameters=run_values, kernel_name=kernel, cwd=str(work_dir),
                execution_timeout=timeout, start_timeout=120, progress_bar=progress, log_output=False, report_mode=False,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no "Kernel is running over TCP without encryption"
            )
        except PapermillExecutionError as exc:
            kept = _keep_failed(executed, failed)
            raise ExecutionFailed(
                f"{nb_path}: cell {exc.exec_count or exc.cell_index} raised {exc.ename}: {' '.join(str(exc.evalue).split())}; "
                f"the executed notebook with the error is {kept}", str(kept)) from None
        except CellTimeoutError:
            kept = _keep_failed(executed, failed)
            raise ExecutionFailed(
                f"{nb_path}: a cell ran longer than the {timeout:g} s timeout (--timeout); "
                f"the notebook as far as it ran is {kept}", str(kept)) from None
        except OSError as exc:
            if exc.errno in _WRITE_ERRNOS:
                raise  # disk full, read-only: output_folder names the report folder
            raise RenderError(f"{nb_path}: execution failed ({type(exc).__name__}: {' '.join(str(exc).split())})") from None
        except Exception as exc:  # noqa: BLE001 - kernel and nbclient failures: one line
            if isinstance(exc, RenderError):
                raise
            raise RenderError(f"{nb_path}: execution failed ({type(exc).__name__}: {' '.join(str(exc).split())})") from None
        if RESULTS_PARAMETER in declared:
            shown[RESULTS_PARAMETER] = str(target / "results.json")
        record = provenance.collect(notebook=nb_path, parameters=shown, inputs=[p for _, p in _named_inputs(shown, work_dir)], repo=_repo_root())
        nb = nbformat.read(executed, as_version=4)
        if policy:  # every report is gated (declared_policy refused a notebook without one)
            try:
                check_disclosure(nb, notebook_to_html(nb), policy, str(nb_path))
            except RenderError:
                _keep_failed(executed, failed)
                raise
        cell = nbformat.v4.new_markdown_cell(provenance.to_html(record))
        cell.metadata["tags"] = ["provenance"]
        nb.cells.append(cell)
        nbformat.write(nb, executed)
        html_path = tmp / f"{name}.html"
        html_path.write_text(notebook_to_html(nb), encoding="utf-8")
        (tmp / "provenance.json").write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
        pdf_path = print_pdf(html_path, tmp / f"{name}.pdf") if pdf else None
    _drop_failed(failed)  # an older failure of this report is now stale
    results = target / "results.json"
    return RenderResult(
        folder=target, html=target / html_path.name, notebook=target / executed.name,
        pdf=target / pdf_path.name if pdf_path else None, results=results if results.exists() else None, provenance=record,
    )


_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EFBIG}


def _keep_failed(executed: Path, failed: Path) -> Path:
    """Keep the executed notebook of a failed render beside the report, as ``NAME.failed.ipynb``.

    That name is replaced only if Cusp wrote it; otherwise a new dated name is used.
    """
    if not executed.exists():
        return failed
    try:
        with output_file(failed, command="cusp render (failed)") as tmp:
            shutil.copyfile(executed, tmp)
        return failed
    except OutputError:
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        other = failed.with_name(f"{failed.stem}-{stamp}.ipynb")
        with open(other, "xb") as handle:
            handle.write(executed.read_bytes())
        return other


def _drop_failed(failed: Path) -> None:
    """Remove ``NAME.failed.ipynb`` after a good render, if Cusp wrote it (a user's file stays)."""
    try:
        if check_file(failed) is None:
            return
    except OutputError:
        return
    failed.unlink(missing_ok=True)
    failed.with_name(f".{failed.name}{MARKER}").unlink(missing_ok=True)


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _named_inputs(values: dict[str, Any], cwd: Path) -> list[tuple[str, Path]]:
    """(parameter, path) of every file or folder a parameter names (a scenario preset name counts as its YAML)."""
    found: list[tuple[str, Path]] = []
    for key, value in values.items():
        if key == RESULTS_PARAMETER or not isinstance(value, str) or not value:
            continue
        p = Path(value) if Path(value).is_absolute() else cwd / value
        if p.exists():
            found.append((key, p))
        elif "scenario" in key:
            try:
                from simulate.scenario import resolve_scenario_path

                found.append((key, resolve_scenario_path(value)))
            except Exception:  # noqa: BLE001 - not a preset: nothing to hash
                pass
    return found
