"""The ``cusp`` command line: a thin layer over the packages.

A user error (bad file, unknown key, invalid value) prints one line naming the file, key path
or row and exits with status 2, never a traceback: tracebacks of real extracts could print
children's records, so local variables are never shown.
"""

from __future__ import annotations

import os
import sys

import typer

from evaluation.errors import EvaluationError
from simulate.errors import CuspError

from . import __version__
from .commands import capacity, payments, scenario, stress
from .commands import data as data_cmd
from .commands import render as render_cmd
from .commands import synth as synth_cmd

app = typer.Typer(
    name="cusp",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    help="Cusp: simulate, evaluate and report on outcomes-commissioned children's services.",
)
app.add_typer(scenario.app, name="scenario")
app.add_typer(data_cmd.app, name="data")
app.command("synth")(synth_cmd.synth)  # one command, not a group
app.command("render")(render_cmd.render)  # one command with a NOTEBOOK argument: not a group
app.add_typer(capacity.app, name="capacity")
app.add_typer(payments.app, name="payments")
app.add_typer(stress.app, name="stress")


def _version(value: bool) -> None:
    if value:
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
