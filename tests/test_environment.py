"""environment.yml must name the same packages as pyproject.toml (the source of truth)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# PyPI name (with extras) → conda-forge names, where they differ.
PIP_TO_CONDA: dict[str, set[str]] = {
    "dask[distributed]": {"dask", "distributed"},
    "dask[dataframe]": {"dask"},
}
# Extras that exist only for pip users (benchmarks against peers) need not be in conda.
PIP_ONLY_EXTRAS = {"bench"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra, reqs in project.get("optional-dependencies", {}).items():
        if extra not in PIP_ONLY_EXTRAS:
            requirements += reqs
    names: set[str] = set()
    for req in requirements:
        name = _name(req)
        names |= PIP_TO_CONDA.get(name, {re.sub(r"\[.*\]", "", name)})
    return names


def environment_packages() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # a nested pip: section
            names |= {_name(d) for d in dep.get("pip", [])}
        elif _name(dep) != "python":
            names.add(_name(dep))
    return names


def test_environment_yml_names_the_same_packages_as_pyproject() -> None:
    in_pyproject, in_env = pyproject_packages(), environment_packages()
    assert in_pyproject - in_env == set(), "in pyproject.toml but not environment.yml"
    assert in_env - in_pyproject == set(), "in environment.yml but not pyproject.toml"


def test_environment_pins_python_311() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert env["channels"] == ["conda-forge"]


def test_name_parsing_handles_specifiers_and_extras() -> None:
    assert _name("pandas>=2.1") == "pandas"
    assert _name("dask[distributed]>=2024.1") == "dask[distributed]"
    assert _name("typing_extensions ; python_version<'3.12'") == "typing-extensions"
