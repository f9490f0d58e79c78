"""Notebook parameters: what a notebook declares, and user values checked against it.

Papermill only warns about unknown parameters and its ``-p`` guesses types (``00123`` becomes
``123``); here a value is converted to the **declared** type (the annotation in the tagged
``parameters`` cell, else the type of the default) and anything unknown or ill-typed is a
:class:`~cusp.render.errors.ParameterError`.

A text parameter is a **date** (type ``date``) when its name ends in ``date``, is ``as_of`` or
``known_at``, its default is a ``YYYY-MM-DD`` date or its help says ``YYYY-MM-DD``. Its value
reaches the notebook as ``YYYY-MM-DD`` text: ISO dates are read as they are; ``01/02/2025`` is
read day first only with ``dayfirst=True`` (``cusp render --dayfirst``); without it a value that
reads as two different dates is refused (never read month first silently), and one that can
only be one date (``13/02/2025``) is that date.
"""

from __future__ import annotations

import ast
import datetime as dt
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
        help_text = info.get("help") or ""
        if kind in ("str", "any") and _looks_like_date(name, default, help_text):
            kind = "date"
        out[name] = {"type": kind, "default": default, "help": help_text}
    return out


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def _looks_like_date(name: str, default: Any, help_text: str) -> bool:
    return (name.lower().endswith("date") or name in ("as_of", "known_at") or "YYYY-MM-DD" in help_text
            or (isinstance(default, str) and _ISO.fullmatch(default) is not None))


def read_date(text: str, dayfirst: bool = False) -> dt.date:
    """A date from ``YYYY-MM-DD``, or from ``dd/mm/yyyy`` (day first) when ``dayfirst``.

    Without ``dayfirst``, ``a/b/yyyy`` is accepted only when it names one date whichever way it is
    read (``13/02/2025``, ``05/05/2025``).

    Raises
    ------
    ValueError
        With the reason: not a date, not a real day, or could be two dates (which, and what to do).
    """
    text = text.strip()
    if _ISO.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("not a real day") from None
    m = _SLASHED.fullmatch(text)
    if not m:
        raise ValueError("not a date: write it as YYYY-MM-DD")
    a, b, year = (int(g) for g in m.groups())

    def day(d: int, mo: int) -> dt.date | None:
        try:
            return dt.date(year, mo, d)
        except ValueError:
            return None

    if dayfirst:
        found = day(a, b)
        if found is None:
            raise ValueError("not a real day read as dd/mm/yyyy (--dayfirst)")
        return found
    readings = {r for r in (day(a, b), day(b, a)) if r is not None}
    if not readings:
        raise ValueError("not a real day")
    if len(readings) == 2:
        uk, us = day(a, b), day(b, a)
        raise ValueError(f"could be {uk:%d %B %Y} (day first) or {us:%d %B %Y} (month first); write it as "
                         f"YYYY-MM-DD ({uk.isoformat()} or {us.isoformat()}), or pass --dayfirst to read dd/mm/yyyy")
    return readings.pop()


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


def check_parameters(declared: dict[str, dict[str, Any]], from_file: dict[str, Any], from_cli: dict[str, str], source: str = "",
                     dayfirst: bool = False) -> dict[str, Any]:
    """Merge file and command-line values (command line wins), typed by the declarations.

    Date parameters become ``YYYY-MM-DD`` text; ``dayfirst`` reads ``dd/mm/yyyy`` UK style.

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
            values[key] = _typed(key, value, declared[key]["type"], is_text, origin, dayfirst)
    return values


def _typed(key: str, value: Any, kind: str, is_text: bool, origin: str, dayfirst: bool = False) -> Any:
    def bad(reason: str) -> ParameterError:
        return ParameterError(f"{origin}: parameter {key!r} expects {kind}, got {value!r} ({reason})")

    if kind == "date":
        if isinstance(value, dt.datetime):
            raise bad("a date and time; give the day as YYYY-MM-DD")
        if isinstance(value, dt.date):  # YAML reads an unquoted 2025-03-31 as a date
            return value.isoformat()
        if not isinstance(value, str):
            raise bad(f"a {type(value).__name__}")
        if not value.strip():
            return ""  # blank: the notebook's own default rule
        try:
            return read_date(value, dayfirst).isoformat()
        except ValueError as exc:
            raise bad(str(exc)) from None

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
