"""Where a command may write: Cusp replaces only what Cusp made, and never touches an input.

Every command that writes (``render``, ``payments settle``, ``synth``, ``capacity run``,
``stress run``/``ledger``/``indigo``) goes through :func:`output_folder` or :func:`output_file`:

- an ``--out`` **folder** must be new, empty, or a folder Cusp made earlier (it holds the marker
  file ``.cusp-output``, which lists what Cusp wrote there). The new output is built in a hidden
  sibling folder and swapped in whole; the old one is deleted only if it is still exactly Cusp's
  (nothing in it that the marker does not list). A folder with anything else in it is refused.
- an ``--out`` **file** must be new, or a file Cusp wrote earlier: the hidden file
  ``.NAME.cusp-output`` beside it records the SHA-256 of what Cusp wrote, so a file the user
  has since replaced with their own is refused.
- an ``--out`` that is, contains or lies inside an input of the command (``--data``,
  ``--previous``, a scenario file, a notebook's data folder...) is refused, as is one that is or
  contains the working directory, or is a symbolic link.

A refusal, or a write that fails (disk full, read-only), is an :class:`OutputError`: one line
naming the path and the reason, exit status 2; the previous output stays as it was.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from simulate.atomic import MARKER, exchange, sweep_stale, temp_path
from simulate.errors import CuspError

Inputs = Mapping[str, "str | Path | None"]


class OutputError(CuspError):
    """An ``--out`` Cusp may not write, or a write that failed; the previous output is unchanged."""


# --------------------------------------------------------------------------- checks


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_inputs(out: Path, inputs: Inputs) -> None:
    """Refuse an ``out`` that is, contains or lies inside an input, or holds the working directory.

    Parameters
    ----------
    out
        The output path as the user gave it.
    inputs
        Option name (``"--data"``) → the path the user gave for it (``None`` entries are skipped).
    """
    target = _real(out)
    for role, given in inputs.items():
        if given is None or str(given) == "":
            continue
        source = _real(Path(given))
        if not source.exists():
            continue
        if target == source:
            named = "" if str(given) == str(out) else f" ({given})"
            raise OutputError(f"{out}: is the input {role}{named}; Cusp never writes over its inputs: choose another --out")
        if _within(target, source):
            raise OutputError(f"{out}: lies inside the input {role} ({given}); Cusp never writes into its inputs: choose an --out outside it")
        if _within(source, target):
            raise OutputError(f"{out}: contains the input {role} ({given}); Cusp never replaces its inputs: choose another --out")
    if _within(_real(Path.cwd()), target):
        raise OutputError(f"{out}: is or contains the working directory; choose another --out")


def _entries(folder: Path) -> set[str]:
    """Every file and folder under ``folder`` as a relative POSIX path (symbolic links not followed)."""
    def unreadable(exc: OSError) -> None:
        raise exc  # a folder Cusp cannot list is never taken for an empty one

    found: set[str] = set()
    for root, dirs, files in os.walk(folder, onerror=unreadable):
        rel = Path(root).relative_to(folder)
        found.update((rel / name).as_posix() for name in dirs + files)
    return found


def _read_marker(folder: Path) -> dict | None:
    marker = folder / MARKER
    if not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("made_by") == "cusp" else None


def _foreign(folder: Path) -> list[str]:
    """What in ``folder`` Cusp did not write, per its marker (everything, when unmarked)."""
    found = _entries(folder)
    marker = _read_marker(folder)
    if marker is None:
        return sorted(found)
    listed = set(marker.get("files", []))
    return sorted(e for e in found if e != MARKER and e not in listed)


def check_folder(out: Path) -> None:
    """Refuse an existing ``out`` that is not an empty folder or a folder holding only Cusp's output."""
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; give --out a real new folder")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out}: is a file, not a folder; choose a new folder for --out")
    marker = _read_marker(out)
    try:
        foreign = _foreign(out)
    except OSError as exc:
        raise OutputError(f"{out}: cannot list what is in it ({exc.strerror or exc}); Cusp replaces only folders it can check") from None
    if marker is None and foreign:
        raise OutputError(f"{out}: exists and was not made by Cusp (no {MARKER} marker); Cusp replaces only folders it made: choose a new folder for --out")
    if foreign:
        raise OutputError(f"{out}: holds {foreign[0]!r}{f' and {len(foreign) - 1} more' if len(foreign) > 1 else ''}, which Cusp did not write; move it out or choose a new folder for --out")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_marker(out: Path) -> Path:
    return out.parent / f".{out.name}{MARKER}"


def check_file(out: Path) -> str | None:
    """Refuse an existing ``out`` that Cusp did not write; return its SHA-256 when it is Cusp's."""
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; give --out a new file name")
    if not out.exists():
        return None
    if out.is_dir():
        raise OutputError(f"{out}: is a folder; --out names a file here (e.g. {out / 'run.parquet'})")
    try:
        record = json.loads(_file_marker(out).read_text(encoding="utf-8"))
        known = set(record.get("sha256", [])) if isinstance(record, dict) else set()
    except (OSError, ValueError):
        known = set()
    digest = _sha256(out) if known else None
    if digest is None or digest not in known:
        raise OutputError(f"{out}: exists and was not written by Cusp; Cusp replaces only files it wrote: choose a new file name for --out")
    return digest


def check_output(out: str | Path, inputs: Inputs | None = None, *, kind: str = "folder") -> None:
    """All the refusals of :func:`output_folder` (``kind="folder"``) or :func:`output_file`
    (``kind="file"``), for a command to call before it starts work, so it fails at once."""
    target = Path(out)
    check_inputs(target, inputs or {})
    if kind == "file":
        check_file(target)
    else:
        check_folder(target)


# --------------------------------------------------------------------------- writing


def _write_error(out: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return OutputError(f"{out}: cannot write ({reason}); nothing was changed there, the previous output (if any) is as it was")


def _marker_text(command: str, files: list[str] | None) -> str:
    from . import __version__

    record = {"made_by": "cusp", "command": command, "cusp_version": __version__,
              "written": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "complete": files is not None,
              "files": files or []}
    return json.dumps(record, indent=2) + "\n"


def _remove_old(old: Path, out: Path) -> None:
    """Delete the previous output, now at ``old``, only if it holds nothing Cusp did not write.

    If files Cusp did not write appeared in it while the command ran, it is kept under a visible
    name (``NAME.kept-YYYYMMDDTHHMMSS``) that no sweep of temporaries will ever touch.
    """
    try:
        if not _foreign(old) and (_read_marker(old) is not None or not any(old.iterdir())):
            shutil.rmtree(old, ignore_errors=True)
            return
        kept = out.with_name(f"{out.name}.kept-{dt.datetime.now():%Y%m%dT%H%M%S}")
        os.rename(old, kept)
    except OSError:
        kept = old
    from .console import err

    err.print(f"warning: kept the previous {out} as {kept}: files appeared in it that Cusp did not write", markup=False)


def _swap(tmp: Path, target: Path) -> Path | None:
    """Make ``tmp`` the folder at ``target``; return where the previous output now is (or None)."""
    if not target.exists():
        os.rename(tmp, target)
        return None
    if exchange(tmp, target):
        return tmp  # the temporary name now holds the previous output
    old = temp_path(target)  # no atomic exchange on this system: two renames
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except OSError:
        os.rename(old, target)  # put the previous output back
        raise
    return old


@contextmanager
def output_folder(out: str | Path, *, command: str, inputs: Inputs | None = None) -> Iterator[Path]:
    """Yield a fresh temporary folder to write into; on success it becomes ``out``, atomically.

    Parameters
    ----------
    out
        The ``--out`` folder: new, empty, or made by Cusp (see the module's rules).
    command
        What made it (``"cusp payments settle"``), recorded in the marker.
    inputs
        Option name → path of every input folder or file the user gave (checked against ``out``).

    Raises
    ------
    OutputError
        Before anything is written, when ``out`` may not be written; after, when a write fails
        (the temporary folder is removed and the previous ``out`` is untouched).
    """
    target = Path(out)
    check_inputs(target, inputs or {})
    check_folder(target)
    tmp = temp_path(target)
    made = False  # only a folder this call made is ever removed here
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(target)
        tmp.mkdir()
        made = True
        (tmp / MARKER).write_text(_marker_text(command, None), encoding="utf-8")  # marks it for the sweep
        yield tmp
        (tmp / MARKER).write_text(_marker_text(command, sorted(_entries(tmp) - {MARKER})), encoding="utf-8")
        check_folder(target)  # again: something may have appeared while the command ran
        previous = _swap(tmp, target)
        made = False  # ``tmp`` is now the output, or holds the previous output
    except OSError as exc:
        if made:
            shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(target, exc) from None
    except BaseException:
        if made:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    if previous is not None:
        _remove_old(previous, target)


@contextmanager
def output_file(out: str | Path, *, command: str, inputs: Inputs | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``out`` to write; on success it replaces ``out`` atomically.

    ``out`` must be new or a file Cusp wrote (its SHA-256 is in the hidden ``.NAME.cusp-output``
    beside it, updated here). Errors as :func:`output_folder`.
    """
    target = Path(out)
    check_inputs(target, inputs or {})
    previous = check_file(target)
    tmp = temp_path(target)
    marker = _file_marker(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(target)
        yield tmp
        digest = _sha256(tmp)
        if check_file(target) != previous:
            raise OutputError(f"{target}: changed while Cusp was writing it; nothing was replaced")

        def record(digests: list[str]) -> None:
            from simulate.atomic import write_text_atomic

            write_text_atomic(marker, json.dumps({"made_by": "cusp", "command": command, "sha256": digests}, indent=2) + "\n")

        # The marker accepts both versions while the file is swapped, so a run killed between the
        # two steps leaves a file the next run still recognises.
        record([d for d in (previous, digest) if d])
        os.replace(tmp, target)
        record([digest])
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _write_error(target, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
