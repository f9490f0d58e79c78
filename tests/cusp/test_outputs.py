"""The rules of cusp.outputs as worked examples: what may be replaced, and what a failed write leaves."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cusp.cli import main
from cusp.outputs import OutputError, output_file, output_folder
from simulate.atomic import MARKER, temp_path


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


def run(argv, capsys) -> tuple[int, str]:
    """Exit status and standard error (where the one-line error goes; tables go to standard output)."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out
    return int(info.value.code or 0), captured.err


def dead_pid() -> int:
    """The id of a process that has finished."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def leftover(target: Path, pid: int) -> Path:
    """The name a run with process id ``pid`` would have given its temporary beside ``target``."""
    name = temp_path(target).name
    prefix, rest = name.split(".cusp-tmp-")
    _, ns, host = rest.split("-", 2)
    return target.parent / f"{prefix}.cusp-tmp-{pid}-{ns}-{host}"


# --------------------------------------------------------------------------- folders


def test_a_new_folder_is_marked_with_what_cusp_wrote(tmp_path):
    out = tmp_path / "a" / "b"
    with output_folder(out, command="cusp test") as tmp:
        (tmp / "x.csv").write_text("1\n")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "y.csv").write_text("2\n")
    marker = json.loads((out / MARKER).read_text())
    assert marker["made_by"] == "cusp" and marker["command"] == "cusp test" and marker["complete"] is True
    assert marker["files"] == ["sub", "sub/y.csv", "x.csv"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]  # no temporary left


def test_cusps_folder_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="first") as tmp:
        (tmp / "old.csv").write_text("old\n")
    with output_folder(out, command="second") as tmp:
        (tmp / "new.csv").write_text("new\n")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_forged_or_foreign_marker_does_not_make_a_folder_cusps(tmp_path):
    out = tmp_path / "theirs"
    out.mkdir()
    (out / MARKER).write_text('{"made_by": "someone else"}')
    (out / "data.csv").write_text("precious\n")
    with pytest.raises(OutputError, match="not made by Cusp"):
        with output_folder(out, command="x"):
            pytest.fail("the body must not run")
    assert (out / "data.csv").read_text() == "precious\n"


def test_a_failure_while_writing_keeps_the_previous_folder_and_removes_the_temporary(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="first") as tmp:
        (tmp / "a.csv").write_text("previous\n")
    before = tree_digest(tmp_path)
    with pytest.raises(RuntimeError):
        with output_folder(out, command="second") as tmp:
            (tmp / "a.csv").write_text("half")
            raise RuntimeError("killed")
    assert tree_digest(tmp_path) == before


def test_a_file_that_appears_in_the_old_folder_during_the_swap_is_kept_in_sight(tmp_path, monkeypatch, capsys):
    """The race the last check cannot close: the previous output is kept, visibly, not deleted."""
    import cusp.outputs

    out = tmp_path / "out"
    with output_folder(out, command="first") as tmp:
        (tmp / "a.csv").write_text("previous\n")
    with output_folder(out, command="second") as tmp:
        (tmp / "a.csv").write_text("new\n")
        (out / "notes.txt").write_text("written by the user meanwhile\n")
        monkeypatch.setattr(cusp.outputs, "check_folder", lambda target: None)  # the race: after the last check
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("out.kept-")]
    assert len(kept) == 1 and (kept[0] / "notes.txt").read_text() == "written by the user meanwhile\n"
    assert (out / "a.csv").read_text() == "new\n"
    assert f"kept the previous {out} as {kept[0]}" in capsys.readouterr().err


def test_without_an_atomic_exchange_two_renames_replace_the_folder_or_put_it_back(tmp_path, monkeypatch):
    import cusp.outputs

    monkeypatch.setattr(cusp.outputs, "exchange", lambda a, b: False)  # a system without renameat2
    out = tmp_path / "out"
    with output_folder(out, command="first") as tmp:
        (tmp / "a.csv").write_text("one\n")
    with output_folder(out, command="second") as tmp:
        (tmp / "a.csv").write_text("two\n")
    assert (out / "a.csv").read_text() == "two\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    before = tree_digest(tmp_path)
    real_rename = os.rename

    def refuse_new(src, dst):
        if Path(dst) == out and Path(src).name.startswith(".out.cusp-tmp-") and (Path(src) / "b.csv").exists():
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", refuse_new)
    with pytest.raises(OutputError, match="Permission denied"):
        with output_folder(out, command="third") as tmp:
            (tmp / "b.csv").write_text("three\n")
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_write_error_is_one_line_naming_the_folder_and_the_previous_output_stays(tmp_path, code):
    out = tmp_path / "out"
    with output_folder(out, command="first") as tmp:
        (tmp / "a.csv").write_text("previous\n")
    before = tree_digest(tmp_path)
    with pytest.raises(OutputError) as info:
        with output_folder(out, command="second") as tmp:
            raise OSError(code, os.strerror(code), str(tmp / "a.csv"))
    assert info.value.one_line() == f"{out}: cannot write ({os.strerror(code)}); nothing was changed there, the previous output (if any) is as it was"
    assert tree_digest(tmp_path) == before


def test_a_read_only_parent_is_one_line(tmp_path, monkeypatch):
    """As root a chmod does not stop writes, so the file system's refusal is simulated."""
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(args[0]))

    monkeypatch.setattr(os, "mkdir", read_only)
    with pytest.raises(OutputError, match=r"out: cannot write \(Read-only file system\)"):
        with output_folder(tmp_path / "out", command="x"):
            pytest.fail("the body must not run")
    assert list(tmp_path.iterdir()) == []


def test_the_working_directory_a_symlink_and_a_file_are_refused_as_output_folders(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    with pytest.raises(OutputError, match="is or contains the working directory"):
        with output_folder(".", command="x"):
            pytest.fail("the body must not run")
    with pytest.raises(OutputError, match="is or contains the working directory"):
        with output_folder(tmp_path, command="x"):
            pytest.fail("the body must not run")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OutputError, match="link: is a symbolic link"):
        with output_folder(tmp_path / "link", command="x"):
            pytest.fail("the body must not run")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(OutputError, match="file.txt: is a file, not a folder"):
        with output_folder(tmp_path / "file.txt", command="x"):
            pytest.fail("the body must not run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "file.txt", "here", "link"]
    assert not any(here.iterdir()) and not any((tmp_path / "elsewhere").iterdir())


# --------------------------------------------------------------------------- files


def test_a_file_is_replaced_only_while_it_is_what_cusp_wrote(tmp_path):
    out = tmp_path / "run.json"
    with output_file(out, command="x") as tmp:
        tmp.write_text("one\n")
    record = json.loads((tmp_path / ".run.json.cusp-output").read_text())
    assert record["sha256"] == [hashlib.sha256(b"one\n").hexdigest()]
    with output_file(out, command="x") as tmp:
        tmp.write_text("two\n")
    assert out.read_text() == "two\n"
    out.write_text("the user's own\n")
    with pytest.raises(OutputError, match="exists and was not written by Cusp"):
        with output_file(out, command="x"):
            pytest.fail("the body must not run")
    assert out.read_text() == "the user's own\n"


def test_a_file_write_error_keeps_the_previous_file(tmp_path, monkeypatch):
    out = tmp_path / "run.csv"
    with output_file(out, command="x") as tmp:
        tmp.write_text("previous\n")
    before = tree_digest(tmp_path)
    real_replace = os.replace

    def disk_full(src, dst, *a, **k):
        if Path(dst) == out:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OutputError, match="run.csv: cannot write \\(No space left on device\\)"):
        with output_file(out, command="x") as tmp:
            tmp.write_text("new\n")
    monkeypatch.undo()
    assert out.read_text() == "previous\n"
    # the marker may now also accept the version that was never written; the file still matches it
    assert {k: v for k, v in tree_digest(tmp_path).items() if not k.endswith(MARKER)} == \
        {k: v for k, v in before.items() if not k.endswith(MARKER)}
    with output_file(out, command="x") as tmp:                # and Cusp still recognises its file
        tmp.write_text("next\n")
    assert out.read_text() == "next\n"


# --------------------------------------------------------------------------- commands


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> Path:
    from data_synthetic import synthesise, write_extracts
    from simulate.scenario import load_scenario

    folder = tmp_path_factory.mktemp("extracts")
    write_extracts(synthesise(load_scenario("lancs-edge-of-care-004"), seed=1, rows_scale=0.02), folder)
    return folder


FOLDER_COMMANDS = {
    "capacity run": (["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "1"], (pd.DataFrame, "to_csv")),
    "synth": (["synth", "--scenario", "lancs-edge-of-care-004", "--seed", "1", "--rows-scale", "0.01"], (os, "replace")),
    "payments settle": (["payments", "settle", "--scenario", "lancs-edge-of-care-004", "--as-of", "2021-06-30", "--data", "@DATA"],
                        (pd.DataFrame, "to_csv")),
}


@pytest.mark.parametrize("name", sorted(FOLDER_COMMANDS))
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_write_error_mid_command_is_exit_2_and_the_previous_output_stays(name, code, extracts, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    argv, (owner, attribute) = FOLDER_COMMANDS[name]
    argv = [str(extracts) if a == "@DATA" else a for a in argv] + ["--out", out]
    assert run(argv, capsys)[0] == 0
    before = tree_digest(tmp_path)

    def fails(*args, **kwargs):
        raise OSError(code, os.strerror(code), "somewhere")

    monkeypatch.setattr(owner, attribute, fails)
    status, err = run(argv, capsys)
    monkeypatch.undo()
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert f"{out}: cannot write ({os.strerror(code)})" in err
    assert tree_digest(tmp_path) == before


def test_read_only_during_stress_ledger_is_exit_2_and_the_previous_file_stays(tmp_path, capsys, monkeypatch):
    out = tmp_path / "ledger.csv"
    argv = ["stress", "ledger", "--scenario", "lancs-edge-of-care-004", "--out", out]
    assert run(argv, capsys)[0] == 0
    before = out.read_bytes()

    def read_only(self, path=None, *a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", read_only)
    status, printed = run(argv, capsys)
    assert status == 2 and "Traceback" not in printed
    assert f"{out}: cannot write (Read-only file system)" in printed
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ledger.csv.cusp-output", "ledger.csv"]


def test_a_killed_runs_temporary_is_removed_by_the_next_run_beside_it(tmp_path, capsys):
    """A run killed mid-write leaves child-level data in a hidden folder; the next run removes it."""
    out = tmp_path / "data"
    stale = leftover(out, dead_pid())
    stale.mkdir()
    (stale / MARKER).write_text('{"made_by": "cusp", "complete": false}')
    (stale / "referrals.csv").write_text("case_id,child_id\nR1,A\n")
    running = leftover(out, os.getppid())                       # a live process's: kept
    running.mkdir()
    (running / MARKER).write_text('{"made_by": "cusp", "complete": false}')
    lookalike = leftover(out, dead_pid())                        # no marker: not Cusp's, kept
    lookalike.mkdir()
    (lookalike / "mine.txt").write_text("mine\n")
    status, printed = run(["synth", "--scenario", "lancs-edge-of-care-004", "--seed", "1", "--rows-scale", "0.01", "--out", out], capsys)
    assert status == 0, printed
    assert not stale.exists()
    assert running.is_dir() and (lookalike / "mine.txt").read_text() == "mine\n"


def test_a_killed_render_leaves_a_marked_temporary_that_the_next_render_removes(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from render_fixtures import tiny_notebook

    from cusp.render import render_notebook

    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    out, running = tmp_path / "reports" / "tiny", tmp_path / "running.txt"
    proc = subprocess.Popen([sys.executable, "-m", "cusp", "render", str(nb), "--out", str(out), "--no-progress",
                             "--param", "sleep_seconds=60", "--param", f"marker={running}"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not running.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert running.exists(), "the render never reached the sleeping cell"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    left = list((tmp_path / "reports").glob(".tiny.cusp-tmp-*"))
    assert len(left) == 1 and (left[0] / MARKER).is_file() and not out.exists()
    render_notebook(nb, out, cwd=tmp_path, progress=False, timeout=120)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["tiny"]
