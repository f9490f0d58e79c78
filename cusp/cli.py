"""The ``cusp`` command line: a thin layer over the packages.

A user error (bad file, unknown key, invalid value) prints one line naming the file, key path
or row and exits with status 2, never a traceback: tracebacks of real extracts could print
children's records, so local variables are never shown.

Sub-commands are loaded when they are run, not when ``cusp`` starts: ``cusp --help`` and
``cusp scenario list`` answer without importing pandas, NumPy, SciPy or matplotlib
(``benchmarks/cli_startup.py`` measures it). Each command module imports what it needs inside
its functions; this module knows only their names and one-line help.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer
from typer.core import TyperCommand, TyperGroup

# name -> (module, attribute, one-line help). The attribute is a Typer app (a group of
# commands) or a function (one command). The help is what `cusp --help` lists without loading
# the module; tests/cusp/test_cli_startup.py checks it against the module's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "scenario": ("cusp.commands.scenario", "app", "Presets and scenario files: list, show, validate, diff."),
    "data": ("cusp.commands.data", "app", "Data extracts: validate a folder against the contracts, import SSDA903 (docs/data-contracts.md)."),
    "synth": ("cusp.commands.synth", "synth", "Synthesise referrals, assessments, care episodes, school, reading and comparison pool."),
    "render": ("cusp.commands.render", "render", "Render a notebook into a report folder: HTML without code, executed notebook, results, PDF."),
    "capacity": ("cusp.commands.capacity", "app", "Referral flow and capacity: waits, caseloads, KPI probabilities, staffing."),
    "payments": ("cusp.commands.payments", "app", "Outcome payments: settle a scenario's mechanism from extracts (docs/payments.md)."),
    "stress": ("cusp.commands.stress", "app", "Stress tests of every payment mechanism: base case, Monte Carlo runs, named and reverse stresses."),
    "reforecast": ("cusp.commands.reforecast", "reforecast", "Mid-contract reforecast: settled to date plus draws of the future (docs/reforecast.md)."),
}


def load_command(name: str) -> TyperCommand | TyperGroup:
    """Import the module of sub-command ``name`` and build its click command."""
    module, attribute, _ = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer(pretty_exceptions_show_locals=False, add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return typer.main.get_group(holder).commands[name]


class LazyGroup(TyperGroup):
    """A Typer group whose sub-commands are imported only when one of them is run."""

    def list_commands(self, ctx: object) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: object, cmd_name: str) -> TyperCommand | TyperGroup | None:
        if cmd_name not in COMMANDS:
            return None
        if ctx is not None and ctx.meta.get("cusp.listing"):  # `cusp --help`: names and one-line help only
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][2], short_help=COMMANDS[cmd_name][2])
        return load_command(cmd_name)

    def format_help(self, ctx: object, formatter: object) -> None:
        ctx.meta["cusp.listing"] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta.pop("cusp.listing", None)


app = typer.Typer(
    name="cusp",
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    help="Cusp: simulate, evaluate and report on outcomes-commissioned children's services.",
)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"cusp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Cusp: simulate, evaluate and report on outcomes-commissioned children's services.

    Example: cusp scenario show lancs-edge-of-care-004
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; maps errors to exit statuses (2 = user error)."""
    from evaluation.errors import EvaluationError
    from simulate.errors import CuspError

    from .console import err, fail

    try:
        # Standalone mode: usage errors print their usage line and exit 2 (click's own rule).
        app(args=argv, prog_name="cusp")
    except (CuspError, EvaluationError) as exc:
        fail(exc.one_line())
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last guard before a user sees a traceback
        if os.environ.get("CUSP_DEBUG"):
            raise
        fail(f"internal error ({type(exc).__name__}: {exc}); set CUSP_DEBUG=1 for a traceback", status=1)
