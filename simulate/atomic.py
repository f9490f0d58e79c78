"""Atomic writes with recognisable temporaries, and the sweep that removes a killed run's leftovers.

A file is written to a hidden temporary beside its target and moved into place with
``os.replace``: a reader never sees half a file, and a failed write leaves the previous file
untouched. Temporaries are named ``.NAME.cusp-tmp-PID-NANOSECONDS-HOST`` so that the next write
beside them can tell which were left by a process that no longer runs (killed, or the machine
restarted) and remove them: a killed run must not leave child-level data lying about for long.

This module holds the mechanics only (used by every writer in ``simulate`` and by
:mod:`cusp.outputs`, which adds the rules about which folders Cusp may replace).
``data_synthetic`` writes into whatever folder it is given; ``cusp synth`` hands it a temporary
folder made here.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Name of the file that marks a folder as Cusp's (inside the folder), and the suffix of the
#: hidden file that marks a single output file as Cusp's (beside the file).
MARKER = ".cusp-output"
TEMP_TAG = ".cusp-tmp-"
#: A temporary from another machine (a shared drive), or on Windows, cannot be checked for a live
#: owner: it is stale once this old (seconds).
FOREIGN_STALE_SECONDS = 24 * 3600

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname() or "host")[:40]


def temp_path(target: str | Path) -> Path:
    """A fresh hidden name beside ``target`` (same folder, so a rename is atomic); nothing is created.

    The name carries this process's id, the time in nanoseconds and the host, so that
    :func:`sweep_stale` can tell a live run's temporary from a dead one's.
    """
    target = Path(target)
    return target.parent / f".{target.name}{TEMP_TAG}{os.getpid()}-{time.time_ns()}-{_HOST}"


def _parse(name: str, target_name: str) -> tuple[int, int, str] | None:
    prefix = f".{target_name}{TEMP_TAG}"
    if not name.startswith(prefix):
        return None
    m = re.fullmatch(r"(\d+)-(\d+)-([A-Za-z0-9_-]*)", name[len(prefix):])
    return (int(m.group(1)), int(m.group(2)), m.group(3)) if m else None


def _process_started_after(pid: int, seconds: float) -> bool:
    """True when process ``pid`` started after ``seconds`` (epoch): its id was reused (Linux only)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: start time in clock ticks after boot
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK") > seconds + 1.0
    except (OSError, ValueError, IndexError, StopIteration):
        return False  # cannot tell: treat the owner as alive


def owner_gone(pid: int, started_ns: int, host: str) -> bool:
    """True when the process that made a temporary no longer runs (so the temporary is stale)."""
    if host != _HOST or os.name == "nt":  # on Windows os.kill(pid, 0) would send Ctrl-C: judge by age
        return time.time() - started_ns / 1e9 > FOREIGN_STALE_SECONDS
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    return _process_started_after(pid, started_ns / 1e9)


def sweep_stale(target: str | Path) -> list[Path]:
    """Remove temporaries of ``target`` left by runs that no longer run; return what was removed.

    Only names of the form ``.NAME.cusp-tmp-PID-NS-HOST`` are considered; a folder is removed only
    when it holds Cusp's marker file (every temporary folder Cusp makes gets one first), so a
    user's folder of a look-alike name is never touched.
    """
    target = Path(target)
    removed: list[Path] = []
    try:
        candidates = list(target.parent.glob(f".{glob_escape(target.name)}{TEMP_TAG}*"))
    except OSError:
        return removed
    for path in candidates:
        parsed = _parse(path.name, target.name)
        if parsed is None or not owner_gone(*parsed):
            continue
        try:
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.is_dir() and (path / MARKER).is_file():
                shutil.rmtree(path)
            else:
                continue
        except OSError:
            continue  # not ours to fight over: the next run tries again
        removed.append(path)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed.

    Stale temporaries of ``path`` left by killed runs are removed first.

    Examples
    --------
    >>> with atomic_path("out/table.parquet") as tmp:   # doctest: +SKIP
    ...     frame.to_parquet(tmp)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    tmp = temp_path(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "x", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return Path(path)
