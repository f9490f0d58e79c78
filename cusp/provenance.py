"""Provenance of a rendered report: code version, environment, parameters, seeds, input hashes.

Every report ends with this block so a reader can tell exactly what produced it:
Cusp's version and git commit (and whether the working tree had uncommitted changes), the
versions of the packages that compute results, the parameters and seeds, and the SHA-256 of
every input file (a folder input is hashed file by file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib.metadata
import platform
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

PACKAGES = ("cusp", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "pydantic", "simpy", "papermill", "nbconvert", "nbclient", "ipykernel")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def hash_inputs(paths: Iterable[str | Path], root: str | Path | None = None) -> list[dict[str, Any]]:
    """SHA-256 and size of every input file; folders are expanded to their files, sorted.

    Returns
    -------
    list of dict
        ``path`` (relative to ``root`` when inside it), ``bytes``, ``sha256``; one per file,
        sorted by path, each file once.
    """
    base = Path(root).resolve() if root is not None else None
    files: dict[str, Path] = {}
    for item in paths:
        p = Path(item)
        candidates = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")) if p.is_dir() else [p]
        for f in candidates:
            resolved = f.resolve()
            label = str(resolved.relative_to(base)) if base is not None and resolved.is_relative_to(base) else str(resolved)
            files[label] = resolved
    return [{"path": label, "bytes": f.stat().st_size, "sha256": sha256_file(f)} for label, f in sorted(files.items())]


def git_state(repo: str | Path) -> dict[str, Any]:
    """Commit and dirty flag of the git working tree holding ``repo`` (``None`` if not in git)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=20, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo, capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package (``None`` when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def collect(
    *,
    notebook: str | Path,
    parameters: Mapping[str, Any],
    inputs: Iterable[str | Path],
    repo: str | Path,
    seeds: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance record of one render (JSON-ready).

    Parameters
    ----------
    notebook
        The source notebook (hashed with the inputs).
    parameters
        The parameters the notebook was executed with.
    inputs
        Files or folders the notebook read.
    repo
        A folder inside the git working tree of the code.
    seeds
        Random seeds; default: every parameter whose name contains ``seed``.
    """
    from . import __version__

    seeds = dict(seeds) if seeds is not None else {k: v for k, v in parameters.items() if "seed" in k.lower()}
    return {
        "cusp_version": __version__,
        "git": git_state(repo),
        "python": platform.python_version(),
        "packages": package_versions(),
        "notebook": str(notebook),
        "parameters": dict(parameters),
        "seeds": seeds,
        "inputs": hash_inputs([notebook, *inputs], root=repo),
        "rendered_at_utc": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
    }


def to_html(record: Mapping[str, Any]) -> str:
    """The provenance record as an HTML block for the end of a report."""
    esc = html.escape
    git = record["git"]
    commit = git.get("commit") or "not in a git repository"
    dirty = {True: " (working tree had uncommitted changes)", False: " (clean working tree)", None: ""}[git.get("dirty")]
    rows = [
        ("Cusp version", record["cusp_version"]),
        ("Git commit", f"{commit}{dirty}"),
        ("Python", record["python"]),
        ("Packages", ", ".join(f"{k} {v}" for k, v in record["packages"].items() if v)),
        ("Notebook", record["notebook"]),
        ("Parameters", ", ".join(f"{k} = {v!r}" for k, v in record["parameters"].items())),
        ("Seeds", ", ".join(f"{k} = {v}" for k, v in record["seeds"].items()) or "none"),
        ("Rendered (UTC)", record["rendered_at_utc"]),
    ]
    head = "".join(f"<tr><th style='text-align:left'>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
    files = "".join(
        f"<tr><td><code>{esc(f['path'])}</code></td><td style='text-align:right'>{f['bytes']:,}</td><td><code>{f['sha256']}</code></td></tr>"
        for f in record["inputs"]
    )
    return (
        "<section id='provenance' class='cusp-provenance'><h2>Provenance</h2>"
        f"<table>{head}</table><h3>Input files (SHA-256)</h3>"
        f"<table><tr><th>file</th><th>bytes</th><th>SHA-256</th></tr>{files}</table></section>"
    )
