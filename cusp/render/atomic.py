"""Replace a report folder atomically: a killed render never leaves half a report.

The new report is built in a hidden sibling folder; it then takes the report's name with
Linux's ``renameat2(RENAME_EXCHANGE)`` (one atomic swap of two folders) where available, else
with two renames; the old folder is deleted afterwards. Leftovers of killed renders
(``.NAME.tmp-*``) older than an hour are removed by the next render of the same report.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
import time
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
STALE_SECONDS = 3600


def temp_dir_for(target: Path) -> Path:
    """A fresh hidden folder beside ``target`` (same file system, so renames are atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        if now - stale.stat().st_mtime > STALE_SECONDS:  # a concurrent render's folder is young
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def replace_dir(new: Path, target: Path) -> None:
    """Make ``new`` the folder at ``target``; the previous ``target`` (if any) is removed."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old report
        return
    old = target.parent / f".{target.name}.tmp-old"
    shutil.rmtree(old, ignore_errors=True)
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)
