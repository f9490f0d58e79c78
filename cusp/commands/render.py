"""``cusp render``: execute a parameterised notebook into a report folder (HTML, notebook, PDF)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..console import out, table

app = typer.Typer(help="Render a notebook: cusp render NOTEBOOK --params FILE.yaml --param key=value --out reports/NAME.")


def _print_params(notebook: Path) -> None:
    import pandas as pd

    from ..render import declared_parameters

    declared = declared_parameters(notebook)
    rows = pd.DataFrame([{"parameter": k, "type": v["type"], "default": repr(v["default"]), "help": v["help"]} for k, v in declared.items()])
    out.print(table(rows, f"Parameters of {notebook}"))
    raise typer.Exit()


def _list_params(ctx: typer.Context, value: bool) -> bool:
    # eager, so --list-params works without the (required) --out; NOTEBOOK is eager too and
    # may come before or after this flag on the command line
    if value and "notebook" in ctx.params:
        _print_params(ctx.params["notebook"])
    ctx.meta["cusp.list_params"] = value
    return value


def _notebook(ctx: typer.Context, value: Path) -> Path:
    if ctx.meta.get("cusp.list_params"):
        _print_params(value)
    return value


@app.command()
def render(
    notebook: Path = typer.Argument(..., is_eager=True, callback=_notebook, help="the .ipynb to execute (it has a cell tagged 'parameters')"),
    out_dir: Path = typer.Option(..., "--out", help="report folder, e.g. reports/annual-evaluation: new, or one Cusp rendered before (replaced atomically; docs/outputs.md)"),
    params_file: Path | None = typer.Option(None, "--params", help="YAML file of parameter values"),
    param: list[str] = typer.Option([], "--param", "-p", help="key=value, typed as the notebook declares (repeatable; wins over --params)"),
    pdf: bool = typer.Option(False, "--pdf", help="also print the HTML to an A4 PDF with Chromium, Chrome or Edge (or $CUSP_BROWSER)"),
    list_params: bool = typer.Option(False, "--list-params", is_eager=True, callback=_list_params, help="list the notebook's parameters and exit (no --out needed)"),
    timeout: float = typer.Option(600.0, "--timeout", min=1.0, help="seconds any one cell may run"),
    cwd: Path | None = typer.Option(None, "--cwd", help="working directory of the kernel (default: here)"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar while cells execute"),
    dayfirst: bool = typer.Option(False, "--dayfirst", help="read dd/mm/yyyy date parameters day first (UK); without it a date that reads two ways is refused"),
) -> None:
    """Execute NOTEBOOK with checked parameters; write HTML (no code), the executed notebook,
    results.json and a provenance block; --pdf adds a PDF.

    Example: cusp render notebooks/annual_evaluation.ipynb --param data_dir=reports/data --out reports/annual-evaluation
    """
    from ..render import render_notebook
    from ..render.errors import RenderError
    from ..render.export import find_browser, no_browser_message
    from ..render.params import parse_assignments

    no_browser = pdf and find_browser() is None  # render anyway and keep the HTML, then say how to get a PDF
    result = render_notebook(notebook, out_dir, params_file=params_file, params=parse_assignments(param), pdf=pdf and not no_browser, cwd=cwd, timeout=timeout, progress=progress, dayfirst=dayfirst)
    out.print(f"report: {result.html}")
    out.print(f"executed notebook: {result.notebook}")
    if result.results:
        out.print(f"results: {result.results}")
    if result.pdf:
        out.print(f"pdf: {result.pdf}")
    if no_browser:
        raise RenderError(no_browser_message(result.html))
