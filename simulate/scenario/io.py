"""Reading scenarios from YAML and turning validation failures into key-path messages."""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import Issue, ScenarioError, UnknownScenarioError
from .model import Scenario
from .whatifs import what_if_issues

PRESET_DIR = Path(__file__).resolve().parents[2] / "scenarios"


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser: ~10x faster
    """A safe loader that rejects a key given twice in one mapping (PyYAML keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1 (PyYAML) reads ``1e12`` as text because it has no dot; YAML 1.2 and every reader
# of it read a number. Cusp reads the 1.2 way, so ``1e12`` meets the bound that refuses it
# instead of a confusing "not text" message. (Registered on the subclass only.)
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _construct_timestamp(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> object:
    """A YAML date that is not a real date (``2019-02-30``) is an error at its line."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a real date ({exc})", node.start_mark
        ) from None


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def preset_dir() -> Path:
    """Folder of the bundled presets (``scenarios/`` beside the packages)."""
    return PRESET_DIR


def list_presets() -> list[str]:
    """Names of the bundled presets, sorted."""
    return sorted(p.stem for p in preset_dir().glob("*.yaml"))


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """Return the file for a preset name or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        if not candidate.is_file():
            raise UnknownScenarioError(f"{candidate}: no such file")
        return candidate
    preset = preset_dir() / f"{name_or_path}.yaml"
    if preset.is_file():
        return preset
    close = difflib.get_close_matches(str(name_or_path), list_presets(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; presets are {', '.join(list_presets())}"
    raise UnknownScenarioError(f"{name_or_path}: no such preset or file{hint}")


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, raising :class:`ScenarioError` with the line on a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Issue("", f"cannot read file: {exc}")], path) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        key_path = _key_path_at(text, mark.line, mark.column) if mark else ""
        raise ScenarioError([Issue(key_path, f"not valid YAML: {where}{problem}")], path) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a constructor PyYAML does not wrap
        raise ScenarioError([Issue("", f"not valid YAML: {exc}")], path) from None


def _key_path_at(text: str, line: int, column: int) -> str:
    """The key path of the node starting at ``line``/``column`` (0-based), or ``""``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return ""
    found: list[str] = []

    def walk(node: yaml.Node, loc: list) -> bool:
        if node.start_mark.line == line and node.start_mark.column == column and loc:
            found.append(format_path(loc))
            return True
        if isinstance(node, yaml.MappingNode):
            return any(walk(k, [*loc, k.value]) or walk(v, [*loc, k.value]) for k, v in node.value)
        if isinstance(node, yaml.SequenceNode):
            return any(walk(v, [*loc, i]) for i, v in enumerate(node.value))
        return False

    if root is not None:
        walk(root, [])
    return found[0] if found else ""


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario from a preset name or a YAML file.

    Raises
    ------
    ScenarioError
        With every problem found, each naming its key path.
    UnknownScenarioError
        When the name matches neither a preset nor a file.
    """
    path = resolve_scenario_path(name_or_path)
    return scenario_from_dict(read_yaml(path), source=path)


def scenario_from_dict(data: Any, source: str | Path | None = None, *, check_what_ifs: bool = True) -> Scenario:
    """Validate plain data (as parsed from YAML) into a :class:`Scenario`.

    ``check_what_ifs=False`` skips re-validating every uncertainty range and stress
    (:func:`.whatifs.what_if_issues`): for data dumped from a scenario that was loaded with
    them checked and changed only within them (a stress draw), where checking again per draw
    would cost more than the rest of the validation.
    """
    if not isinstance(data, dict):
        raise ScenarioError([Issue("", "a scenario must be a mapping of sections")], source)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(issues_from_validation(exc, data), source) from None
    issues = what_if_issues(scenario) if check_what_ifs else []
    if issues:
        raise ScenarioError(issues, source)
    return scenario


def issues_from_validation(exc: ValidationError, data: Any) -> list[Issue]:
    """Turn pydantic's errors into key-path issues, most useful first."""
    issues: list[Issue] = []
    for err in exc.errors(include_url=False):
        loc = _strip_tags(list(err["loc"]), data)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "value_error" and message.startswith("@"):
            for line in message.splitlines():
                path, _, reason = line[1:].partition("|")
                issues.append(Issue(path, reason))
            continue
        path = format_path(loc)
        if err["type"] == "extra_forbidden":
            issues.append(Issue(path, _unknown_key_reason(loc)))
        elif err["type"] == "missing":
            issues.append(Issue(path, "required key is missing"))
        else:
            got = err.get("input")
            shown = f" (got {got!r})" if isinstance(got, (int, float, str)) and len(repr(got)) < 40 else ""
            issues.append(Issue(path, f"{message}{shown}"))
    return _merge_misspellings(issues)


def _merge_misspellings(issues: list[Issue]) -> list[Issue]:
    """Drop 'required key is missing' where an unknown sibling key is its misspelling."""
    hinted = set()
    for issue in issues:
        if "did you mean '" in issue.reason:
            parent = issue.key_path.rpartition(".")[0]
            suggestion = issue.reason.split("did you mean '")[1].split("'")[0]
            hinted.add(f"{parent}.{suggestion}" if parent else suggestion)
    return [i for i in issues if not (i.reason == "required key is missing" and i.key_path in hinted)]


def format_path(loc: list[Any]) -> str:
    """``['districts', 3, 'capacity']`` → ``districts[3].capacity``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _strip_tags(loc: list[Any], data: Any) -> list[Any]:
    """Drop the tag names pydantic inserts for tagged unions, following the input data."""
    out, node = [], data
    for part in loc:
        if isinstance(node, dict) and part not in node and part in (node.get("kind"), node.get("dist")):
            continue
        if isinstance(part, str) and part.startswith(("function-", "list[", "dict[")):
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return out


def _unknown_key_reason(loc: list[Any]) -> str:
    allowed = _allowed_keys(Scenario, loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6) if allowed else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}"


def _allowed_keys(model: Any, loc: list[Any]) -> list[str]:
    """Field names accepted at ``loc`` below ``model`` (best effort, for did-you-mean hints)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current, part)
        if current is None:
            return []
    models = [m for m in _candidates(current) if isinstance(m, type) and issubclass(m, BaseModel)]
    return sorted({name for m in models for name in m.model_fields})


def _candidates(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _candidates(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(tp) for c in _candidates(arg)]
    return [tp]


def _unwrap(tp: Any, part: Any) -> Any:
    for cand in _candidates(tp):
        origin = typing.get_origin(cand)
        if isinstance(part, int) and origin is list:
            return typing.get_args(cand)[0]
        if isinstance(part, str) and origin is dict:
            return typing.get_args(cand)[1]
        if isinstance(cand, type) and issubclass(cand, BaseModel) and part in cand.model_fields:
            return cand.model_fields[part].annotation
    return None
