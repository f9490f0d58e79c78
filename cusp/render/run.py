"""Render a parameterised notebook into a report folder.

``reports/NAME/`` receives ``NAME.html`` (no code, figures embedded, provenance at the end),
``NAME.ipynb`` (the executed notebook), ``provenance.json``, ``results.json`` when the notebook
writes one, and ``NAME.pdf`` with ``pdf=True``. Everything is built in a hidden temporary folder
and swapped in at the end (:mod:`cusp.render.atomic`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError
from papermill.exceptions import PapermillExecutionError

from .. import provenance
from .atomic import replace_dir, temp_dir_for
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
) -> RenderResult:
    """Execute ``notebook`` with checked parameters and write the report folder ``out``.

    Parameters
    ----------
    notebook
        The ``.ipynb`` with a cell tagged ``parameters``.
    out
        The report folder (``reports/NAME``); replaced atomically.
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
    """
    nb_path = Path(notebook)
    declared = declared_parameters(nb_path)
    from_file = dict(values or {})
    if params_file is not None:
        from .params import read_params_file

        from_file = {**read_params_file(params_file), **from_file}
    chosen = check_parameters(declared, from_file, dict(params or {}), source=f" (notebook {nb_path})")
    policy = declared_policy(nb_path, declared, chosen.get(DISCLOSURE_PARAMETER))  # refuses a notebook that declares none
    target = Path(out)
    name = target.name
    work_dir = Path(cwd) if cwd is not None else Path.cwd()
    tmp = temp_dir_for(target)
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
        kept = target.parent / f"{name}.failed.ipynb"
        shutil.move(str(executed), kept)
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExecutionFailed(
            f"{nb_path}: cell {exc.exec_count or exc.cell_index} raised {exc.ename}: {' '.join(str(exc.evalue).split())}; "
            f"the executed notebook with the error is {kept}", str(kept)) from None
    except CellTimeoutError:
        kept = target.parent / f"{name}.failed.ipynb"
        if executed.exists():
            shutil.move(str(executed), kept)
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExecutionFailed(
            f"{nb_path}: a cell ran longer than the {timeout:g} s timeout (--timeout); "
            f"the notebook as far as it ran is {kept}", str(kept)) from None
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, Exception) and not isinstance(exc, RenderError):
            raise RenderError(f"{nb_path}: execution failed ({type(exc).__name__}: {' '.join(str(exc).split())})") from None
        raise
    shown = {**{k: v["default"] for k, v in declared.items()}, **chosen}
    if RESULTS_PARAMETER in declared:
        shown[RESULTS_PARAMETER] = str(target / "results.json")
    record = provenance.collect(notebook=nb_path, parameters=shown, inputs=_input_paths(shown, work_dir), repo=_repo_root())
    nb = nbformat.read(executed, as_version=4)
    if policy:  # every report is gated (declared_policy refused a notebook without one)
        try:
            check_disclosure(nb, notebook_to_html(nb), policy, str(nb_path))
        except RenderError:
            shutil.move(str(executed), target.parent / f"{name}.failed.ipynb")
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    cell = nbformat.v4.new_markdown_cell(provenance.to_html(record))
    cell.metadata["tags"] = ["provenance"]
    nb.cells.append(cell)
    nbformat.write(nb, executed)
    html_path = tmp / f"{name}.html"
    html_path.write_text(notebook_to_html(nb), encoding="utf-8")
    (tmp / "provenance.json").write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    pdf_path = None
    if pdf:
        try:
            pdf_path = print_pdf(html_path, tmp / f"{name}.pdf")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    tmp.chmod(0o755)  # mkdtemp makes it private; a report is for reading
    replace_dir(tmp, target)
    (target.parent / f"{name}.failed.ipynb").unlink(missing_ok=True)  # an older failure is now stale
    results = target / "results.json"
    return RenderResult(
        folder=target, html=target / html_path.name, notebook=target / executed.name,
        pdf=target / pdf_path.name if pdf_path else None, results=results if results.exists() else None, provenance=record,
    )


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _input_paths(values: dict[str, Any], cwd: Path) -> list[Path]:
    """Files and folders named by parameter values (a scenario preset name counts as its YAML)."""
    found: list[Path] = []
    for key, value in values.items():
        if key == RESULTS_PARAMETER or not isinstance(value, str) or not value:
            continue
        p = Path(value) if Path(value).is_absolute() else cwd / value
        if p.exists():
            found.append(p)
        elif "scenario" in key:
            try:
                from simulate.scenario import resolve_scenario_path

                found.append(resolve_scenario_path(value))
            except Exception:  # noqa: BLE001 - not a preset: nothing to hash
                pass
    return found
