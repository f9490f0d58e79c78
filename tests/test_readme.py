"""The README is executable: every command in its shell code blocks and its "What you can do" table runs.

Commands run verbatim, in a scratch folder holding a synthetic extract (``cusp synth``) and a copy
of a preset as ``my-service.yaml``, with the README's placeholders substituted consistently
(``DIR`` → that extract's folder). Skipped, and listed here: ``make`` targets (they install into
a virtual environment; ``make test`` would run this test again), which the Makefile's own tests
and CI cover.

Heavy examples stay cheap here: as the README's footnote says, the test appends a small size
(``--reps 2``, ``--draws 20``, ``--replications 5``) to the commands in :data:`CHEAP`; the last
value of an option wins, so the command is otherwise verbatim. ``CUSP_README_FULL=1`` runs every
command at its documented size.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SKIP = ("make ",)  # make targets: see the module docstring
#: command prefix → options appended in the default (fast) run
CHEAP = {
    "cusp capacity run": ["--reps", "2"],
    "cusp capacity plan": ["--reps", "2"],
    "cusp stress run": ["--draws", "20"],
    "cusp stress named": ["--draws", "20"],
    "cusp stress base": ["--replications", "5"],
    "cusp stress reverse": ["--replications", "5"],
}
PLACEHOLDERS = {"DIR": "data"}


def readme_commands(text: str) -> list[str]:
    """Commands of the README's ``sh`` code blocks, then of its "What you can do" table, in order."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    table = text.split("## What you can do with it", 1)[1].split("\n## ", 1)[0]
    for row in table.splitlines():
        if row.startswith("|") and not row.startswith("|---"):
            commands += [c for c in re.findall(r"`([^`]+)`", row) if c.startswith(("cusp ", "make "))]
    return commands


def test_the_readme_lists_commands():
    commands = readme_commands(README.read_text())
    assert "cusp scenario list" in commands and any(c.startswith("cusp stress run") for c in commands)
    assert not [c for c in commands if "..." in c], "an elided command cannot be run: write it out"


def _order(commands: list[str]) -> list[str]:
    # an example that makes the data others read runs first (the README says "cusp synth ... --out DIR")
    return sorted(commands, key=lambda c: not c.startswith("cusp synth"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    work = tmp_path_factory.mktemp("readme")
    shutil.copy(ROOT / "scenarios" / "lancs-edge-of-care-004.yaml", work / "my-service.yaml")
    (work / "notebooks").symlink_to(ROOT / "notebooks")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # the extract `make report` synthesises into reports/data, which the payments example reads
    done = subprocess.run([sys.executable, "-m", "cusp", "synth", "--scenario", "lancs-edge-of-care-004", "--seed", "1",
                           "--out", "reports/data"], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return work


COMMANDS = [c for c in _order(readme_commands(README.read_text())) if not c.startswith(SKIP)]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c.split()[:3]) for c in COMMANDS])
def test_readme_command_runs(command, scratch):
    words = [re.sub(r"\b(" + "|".join(PLACEHOLDERS) + r")\b", lambda m: PLACEHOLDERS[m.group(1)], w) for w in shlex.split(command)]
    assert words[0] == "cusp"
    if not os.environ.get("CUSP_README_FULL"):
        words += next((extra for prefix, extra in CHEAP.items() if command.startswith(prefix)), [])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-m", "cusp", *words[1:]], cwd=scratch, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, f"{command!r} failed in the README:\n{done.stderr[-2000:]}"
