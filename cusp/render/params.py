"""Notebook parameters: what a notebook declares, and user values checked against it.

Papermill only warns about unknown parameters and its ``-p`` guesses types (``00123`` becomes
``123``); here a value is converted to the **declared** type (the annotation in the tagged
``parameters`` cell, else the type of the default) and anything unknown or ill-typed is a
:class:`~cusp.render.errors.ParameterError`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import papermill
import yaml

from .errors import ParameterError, RenderError

_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}


def declared_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """Parameters declared in the notebook's ``parameters`` cell.

    Returns
    -------
    dict
        name → ``{"type": "int" | "str" | ... | "any", "default": value, "help": str}``.

    Raises
    ------
    RenderError
        When the notebook does not exist or has no tagged ``parameters`` cell.
    """
    path = Path(notebook)
    if not path.is_file():
        raise RenderError(f"{path}: no such notebook")
    try:
        found = papermill.inspect_notebook(str(path))
    except Exception as exc:  # noqa: BLE001 - unreadable notebook JSON
        raise RenderError(f"{path}: cannot read the notebook ({type(exc).__name__}: {exc})") from None
    if not found:
        raise RenderError(f"{path}: no cell tagged 'parameters': nothing can be set")
    out = {}
    for name, info in found.items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            default = info["default"]
        kind = _type_name(info.get("inferred_type_name") or "None", default)
        out[name] = {"type": kind, "default": default, "help": info.get("help") or ""}
    return out


def _type_name(annotation: str, default: Any) -> str:
    text = annotation.replace("Optional[", "").replace("]", "").replace(" ", "")
    names = [t for t in text.split("|") if t not in ("None", "NoneType")]
    if len(names) == 1 and names[0] in _TYPES:
        return names[0]
    if default is None:
        return "any"
    return type(default).__name__ if type(default).__name__ in _TYPES else "any"


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["key=value", ...]`` → ``{key: "value"}`` (values stay text until typed)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {pair!r}: expected key=value")
        out[key.strip()] = value
    return out


def read_params_file(path: str | Path) -> dict[str, Any]:
    """Parameters from a YAML mapping file."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"{p}: no such parameters file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{p}: not valid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(data, dict):
        raise ParameterError(f"{p}: expected a mapping of parameter names to values")
    return data


def check_parameters(declared: dict[str, dict[str, Any]], from_file: dict[str, Any], from_cli: dict[str, str], source: str = "") -> dict[str, Any]:
    """Merge file and command-line values (command line wins), typed by the declarations.

    Raises
    ------
    ParameterError
        Naming the first unknown or ill-typed parameter and what the notebook declares.
    """
    values: dict[str, Any] = {}
    for origin, items, is_text in (("parameters file", from_file, False), ("--param", from_cli, True)):
        for key, value in items.items():
            if key not in declared:
                known = ", ".join(f"{k} ({v['type']})" for k, v in declared.items())
                raise ParameterError(f"{origin}: unknown parameter {key!r}{source}; the notebook declares {known}")
            values[key] = _typed(key, value, declared[key]["type"], is_text, origin)
    return values


def _typed(key: str, value: Any, kind: str, is_text: bool, origin: str) -> Any:
    def bad(reason: str) -> ParameterError:
        return ParameterError(f"{origin}: parameter {key!r} expects {kind}, got {value!r} ({reason})")

    if is_text:
        text = str(value)
        if kind == "str":
            return text
        if kind == "int":
            if not re.fullmatch(r"[+-]?\d+", text.strip()):
                raise bad("not a whole number")
            return int(text)
        if kind == "float":
            try:
                return float(text)
            except ValueError:
                raise bad("not a number") from None
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in ("true", "yes", "1"):
                return True
            if lowered in ("false", "no", "0"):
                return False
            raise bad("use true or false")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise bad("not a YAML value") from None
        if kind == "any":
            return value
    expected = _TYPES.get(kind)
    if expected is None or value is None:
        return value
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) and expected is not bool:
        raise bad("a boolean")
    if not isinstance(value, expected):
        raise bad(f"a {type(value).__name__}; quote strings in YAML")
    return value
