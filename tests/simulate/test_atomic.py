"""Atomic writes: the target is replaced whole, or not at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulate.atomic import MARKER, atomic_path, sweep_stale, temp_path, write_text_atomic


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.csv"
    write_text_atomic(target, "a,b\n1,2\n")
    write_text_atomic(target, "a,b\n3,4\n")
    assert target.read_text() == "a,b\n3,4\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half a fi")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def _leftover(target: Path, pid: int, ns: int | None = None, host: str | None = None) -> Path:
    """The temporary name a run of process ``pid`` (at ``ns``, on ``host``) gives beside ``target``."""
    prefix, rest = temp_path(target).name.split(".cusp-tmp-")
    _, now, here = rest.split("-", 2)
    return target.parent / f"{prefix}.cusp-tmp-{pid}-{ns if ns is not None else now}-{host or here}"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporaries_are_hidden_and_name_their_process(tmp_path: Path) -> None:
    name = temp_path(tmp_path / "out.csv").name
    assert name.startswith(".out.csv.cusp-tmp-") and f"-{os.getpid()}-" in name


def test_sweep_removes_only_temporaries_whose_owner_is_gone(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    dead_file = _leftover(target, _dead_pid())
    dead_file.write_text("half a file")
    dead_dir = _leftover(target, _dead_pid(), ns=1)
    dead_dir.mkdir()
    (dead_dir / MARKER).write_text("{}")
    (dead_dir / "events.csv").write_text("child-level rows")
    unmarked = _leftover(target, _dead_pid(), ns=2)             # a look-alike folder Cusp did not make
    unmarked.mkdir()
    live = _leftover(target, os.getppid())                      # a run still going
    live.write_text("in progress")
    old_foreign = _leftover(target, 1, ns=1_000_000_000, host="other-machine")   # 1970: stale
    old_foreign.write_text("x")
    young_foreign = _leftover(target, 1, host="other-machine")                   # now: may be running
    young_foreign.write_text("x")
    other_target = _leftover(tmp_path / "other.parquet", _dead_pid())            # not beside this target
    other_target.write_text("x")

    removed = sweep_stale(target)
    assert sorted(removed) == sorted([dead_file, dead_dir, old_foreign])
    assert all(p.exists() for p in (unmarked, live, young_foreign, other_target))


def test_atomic_path_sweeps_before_writing(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    stale = _leftover(target, _dead_pid())
    stale.write_text("half")
    write_text_atomic(target, "a\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]
