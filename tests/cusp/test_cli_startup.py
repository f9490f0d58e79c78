"""`cusp --help` and `cusp scenario list` start without the scientific stack (lazy imports).

A test of behaviour, not of time: a fresh interpreter runs the command and reports which heavy
modules it imported. The time is measured in benchmarks/cli_startup.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "scipy", "matplotlib", "statsmodels", "papermill", "nbconvert")
PROBE = """
import json, sys
from cusp.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = [m for m in {heavy!r} if m in sys.modules]
sys.stderr.write("HEAVY=" + json.dumps(heavy) + "\\n")
"""


def _heavy_modules(*args: str) -> tuple[list[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)
    line = [x for x in done.stderr.splitlines() if x.startswith("HEAVY=")]
    assert line, done.stderr
    return json.loads(line[-1][len("HEAVY="):]), done.stdout


@pytest.mark.parametrize("args", [["--help"], ["scenario", "list"], ["render", "--help"], ["scenario", "--help"]],
                         ids=" ".join)
def test_command_starts_without_the_scientific_stack(args):
    heavy, shown = _heavy_modules(*args)
    assert heavy == []
    assert shown.strip()  # it did answer


def test_a_command_that_computes_still_loads_what_it_needs():
    # the probe can see imports: `scenario show` draws a pandas table
    heavy, shown = _heavy_modules("scenario", "show", "lancs-edge-of-care-004")
    assert "pandas" in heavy and "Districts" in shown


def test_listed_help_is_each_modules_own():
    import typer

    from cusp.cli import COMMANDS, load_command

    for name, (module, attribute, listed) in COMMANDS.items():
        target = getattr(__import__(module, fromlist=[attribute]), attribute)
        own = target.info.help if isinstance(target, typer.Typer) else None
        if own is not None:
            assert listed == own, name
        assert load_command(name).name == name
