"""Known-wrong versions of a reference, kept as small edits of it (``solutions/<slug>/wrong.yaml``).

Each entry names one realistic bug and says how to make it from the reference: a list of
find/replace edits, applied in order, each ``find`` standing exactly once in the text it is
applied to. Keeping the bug as an edit keeps it reviewable (the diff *is* the bug) and keeps it
honest: when the reference changes under it, the edit no longer applies and ``learn check``
says so, instead of grading a stale copy.

    - name: unbiased_variance            # lower_snake_case; the file name when materialised
      bug: divides by D - 1 instead of D (the unbiased variance)
      edits:
        - find: "var = x.var(axis=-1, keepdims=True)"
          replace: "var = x.var(axis=-1, ddof=1, keepdims=True)"
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import UserError
from grader.yamlfile import Checker, line_of, load_yaml

WRONG_FILE = "wrong.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Edit:
    """Replace the one occurrence of ``find`` with ``replace``."""

    find: str
    replace: str
    line: int   # where the edit stands in wrong.yaml, for messages


@dataclass(frozen=True)
class WrongVersion:
    """One known bug, as edits of the reference."""

    name: str
    bug: str
    edits: tuple[Edit, ...]
    line: int


class EditDoesNotApply(UserError):
    """An edit's ``find`` text is missing from the reference, or stands there more than once."""


def load_wrong_versions(path: Path) -> list[WrongVersion]:
    """The wrong versions listed in path (empty when the file does not exist).

    Raises UserError naming the file, line and key of every schema problem at once.
    """
    if not path.is_file():
        return []
    data = load_yaml(path)
    checker = Checker(str(path))
    versions: list[WrongVersion] = []
    if not isinstance(data, list):
        checker.add(1, "", "expected a list of wrong versions ({name, bug, edits})")
        checker.raise_if_any()
    seen: dict[str, int] = {}
    for index, entry in enumerate(data):
        where = f"[{index}]"
        if not checker.mapping(entry, where, line_of(data, index),
                               required=("name", "bug", "edits")) \
                or not {"name", "bug", "edits"} <= set(entry):   # a missing key is reported once
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            checker.add(line_of(entry, "name"), f"{where}.name",
                        f"expected lower_snake_case letters, digits and _, got {name!r}")
            continue
        where = f"{where} ({name})"
        if name in seen:
            checker.add(line_of(entry, "name"), f"{where}.name",
                        f"duplicate name (first used at line {seen[name]})")
            continue
        seen[name] = line_of(entry, "name")
        bug = entry.get("bug")
        if not isinstance(bug, str) or not bug.strip():
            checker.add(line_of(entry, "bug"), f"{where}.bug", "expected a one-line description")
            continue
        edits = _edits(entry.get("edits"), f"{where}.edits", line_of(entry, "edits"), checker)
        if edits:
            versions.append(WrongVersion(name, " ".join(bug.split()), edits, line_of(entry, "name")))
    checker.raise_if_any()
    return versions


def _edits(value: Any, where: str, line: int, checker: Checker) -> tuple[Edit, ...]:
    if not isinstance(value, list) or not value:
        checker.add(line, where, "expected a non-empty list of {find, replace}")
        return ()
    edits = []
    for index, item in enumerate(value):
        spot = f"{where}[{index}]"
        if not checker.mapping(item, spot, line_of(value, index), required=("find", "replace")):
            continue
        find, replace = item.get("find"), item.get("replace")
        if not isinstance(find, str) or not find:
            checker.add(line_of(item, "find"), f"{spot}.find", "expected non-empty text")
        elif not isinstance(replace, str):
            checker.add(line_of(item, "replace"), f"{spot}.replace",
                        "expected text (quote it; an empty string deletes)")
        elif find == replace:
            checker.add(line_of(item, "replace"), f"{spot}.replace", "the same as find: no bug")
        else:
            edits.append(Edit(find, replace, line_of(item, "find")))
    return tuple(edits)


def apply_edits(reference: str, version: WrongVersion, wrong_file: Path) -> str:
    """The reference's text with version's edits applied in order.

    Raises EditDoesNotApply (naming wrong.yaml, the line and the version) when a ``find`` is
    not in the text exactly once: the reference changed, or the edit needs more context.
    """
    text = reference
    for edit in version.edits:
        count = text.count(edit.find)
        if count != 1:
            lines = [line.strip() for line in edit.find.splitlines() if line.strip()] or [edit.find]
            if count == 0:
                # Name the first line that is missing: in a several-line find, the first
                # line may well be there still.
                shown = next((line for line in lines if line not in text), lines[0])
                what = "the edit's find text" if len(lines) == 1 else "a line of the edit's find text"
                why = "is not in the reference; the reference changed since the edit was written"
            else:
                shown, what = lines[0], "the edit's find text"
                why = f"stands {count} times in the reference; give it more surrounding lines"
            shown = shown if len(shown) <= 70 else shown[:67] + "..."
            raise EditDoesNotApply(f"{wrong_file}:{edit.line}: {version.name}: {what} "
                                   f"{shown!r} {why}")
        text = text.replace(edit.find, edit.replace, 1)
    try:   # a version that does not even import would be "caught" by every test
        ast.parse(text)
    except SyntaxError as error:
        raise EditDoesNotApply(
            f"{wrong_file}:{version.line}: {version.name}: the edited reference does not parse "
            f"({error.msg}, line {error.lineno}); a wrong version must run and give wrong "
            f"results") from None
    return _with_bug_docstring(text, version.bug)


def _with_bug_docstring(text: str, bug: str) -> str:
    """Put the bug's description first in the file, so a materialised copy says what it is."""
    return f"# Known-wrong version: {bug}\n{text}"


def build(reference: Path, wrong_file: Path) -> tuple[list[tuple[WrongVersion, str]],
                                                      list[EditDoesNotApply]]:
    """Every wrong version of wrong_file made from the reference, and the error of each one
    whose edits no longer apply (those are left out of the first list).

    Raises UserError when wrong_file itself is malformed.
    """
    source = reference.read_text(encoding="utf-8")
    built, stale = [], []
    for version in load_wrong_versions(wrong_file):
        try:
            built.append((version, apply_edits(source, version, wrong_file)))
        except EditDoesNotApply as error:
            stale.append(error)
    return built, stale


def write_versions(built: list[tuple[WrongVersion, str]], folder: Path) -> list[tuple[WrongVersion, Path]]:
    """Write each built version as folder/<name>.py; the versions and their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for version, text in built:
        path = folder / f"{version.name}.py"
        temporary = path.with_suffix(".py.part")   # a reader never sees half a file
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
        written.append((version, path))
    return written


def materialise(reference: Path, wrong_file: Path, folder: Path) -> list[tuple[WrongVersion, Path]]:
    """Write each wrong version of wrong_file as folder/<name>.py; the versions and their paths.

    Every version is built before any file is written, so a stale edit writes nothing: it
    raises EditDoesNotApply for the first stale edit (naming wrong.yaml and its line).
    """
    built, stale = build(reference, wrong_file)
    if stale:
        more = f" (and {len(stale) - 1} more; learn check lists them)" if len(stale) > 1 else ""
        raise EditDoesNotApply(f"{stale[0]}{more}")
    return write_versions(built, folder)
