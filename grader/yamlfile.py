"""Read YAML keeping line numbers, and collect schema problems with "did you mean" help.

Both the course manifest and the question bank are hand-written YAML. Their loaders walk the
parsed data with a :class:`Checker`, which records every problem with the file, the line and
the key path (``exercises[2].limits.memory_mb``), so an author sees all mistakes at once.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.errors import UserError

try:  # the C loader is several times faster; fall back when libyaml is missing
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how pyyaml was built
    _BaseLoader = yaml.SafeLoader


class LocatedDict(dict):
    """A mapping that remembers the line of itself and of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A sequence that remembers the line of itself and of each item (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LocatingLoader(_BaseLoader):
    """A safe loader whose mappings and sequences carry their line numbers."""


def _construct_mapping(loader: _LocatingLoader, node: yaml.MappingNode) -> LocatedDict:
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LocatingLoader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [item.start_mark.line + 1 for item in node.value]
    return result


_LocatingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LocatingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path, shown_as: str | None = None) -> Any:
    """Parse one YAML file; a missing file or a syntax error becomes a one-line UserError."""
    name = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{name}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{name}: cannot read: {error}") from None
    try:
        return yaml.load(text, Loader=_LocatingLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise UserError(f"{name}{line}: invalid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise UserError(f"{name}: invalid YAML: {error}") from None


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a YAML file."""

    file: str
    line: int
    where: str  # key path, e.g. "exercises[2].limits.memory_mb"
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Checker:
    """Collects the problems found while validating one YAML document."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, where, message))

    def mapping(self, value: Any, where: str, line: int,
                required: Iterable[str] = (), optional: Iterable[str] = ()) -> bool:
        """Check that value is a mapping with all required keys and no unknown ones.

        Returns False when value is not a mapping at all (the caller should stop there).
        """
        if not isinstance(value, dict):
            self.add(line, where, f"expected a mapping, got {_kind(value)}")
            return False
        required, optional = list(required), list(optional)
        known = required + optional
        for key in value:
            if key not in known:
                self.add(_line(value, key), _join(where, key),
                         f"unknown key{did_you_mean(key, known)}")
        for key in required:
            if key not in value:
                self.add(_line(value), where, f"missing required key '{key}'")
        return True

    def typed(self, mapping: dict, key: str, where: str, kind: type | tuple[type, ...],
              describe: str | None = None) -> bool:
        """Check mapping[key] (when present) has the given type; bool is never an int here."""
        if key not in mapping:
            return False
        value = mapping[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            expected = describe or " or ".join(k.__name__ for k in kinds)
            self.add(_line(mapping, key), _join(where, key),
                     f"expected {expected}, got {_kind(value)}")
        return ok

    def raise_if_any(self) -> None:
        """Raise a UserError naming the first problem (and how many more) if there are any."""
        if self.problems:
            more = len(self.problems) - 1
            suffix = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
            raise UserError(f"{self.problems[0]}{suffix}")


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def _line(container: Any, key: Any = None) -> int:
    if key is not None and hasattr(container, "line_of"):
        return container.line_of(key)
    return getattr(container, "line", 0)


def line_of(container: Any, key: Any = None) -> int:
    """The line of container[key] (or of the container), 0 when unknown."""
    return _line(container, key)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
