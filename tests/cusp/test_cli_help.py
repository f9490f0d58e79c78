"""Every command's --help shows an example, and the root lists every noun."""

from __future__ import annotations

import pytest
from typer.main import get_command

from cusp.cli import app, main


def _paths(cmd, path=()):
    # sub-commands are loaded lazily: ask the group for them rather than reading .commands
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(None):
            yield from _paths(cmd.get_command(None, name), (*path, name))
    else:
        yield path


COMMANDS = sorted(_paths(get_command(app)))


def test_every_noun_is_registered() -> None:
    nouns = {path[0] for path in COMMANDS}
    assert nouns >= {"scenario", "data", "synth", "render", "capacity", "payments", "stress"}


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_help_has_an_example(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*path, "--help"])
    assert info.value.code in (0, None)
    assert "Example: cusp " in capsys.readouterr().out
