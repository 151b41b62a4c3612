"""`learn solution`: the reference (or a correct alternative) set against the learner's file.

Two layouts of the same comparison, both built on difflib's line matching:

* a unified diff (``-`` your line, ``+`` the reference's), for any terminal;
* side by side, your file on the left and the reference on the right, when the terminal is
  wide enough for two columns of code.

The alternatives are listed with the summary of their docstring, so a learner sees which
other styles are also correct.
"""
from __future__ import annotations

import ast
import difflib
import shutil
from dataclasses import dataclass
from pathlib import Path

import click

SIDE_BY_SIDE_MIN_WIDTH = 160   # two columns of ~78 characters of code, and a gutter
_GUTTER = {"equal": " ", "replace": "|", "delete": "<", "insert": ">"}


@dataclass(frozen=True)
class Alternative:
    """A correct solution in another style."""

    name: str       # the file name without .py
    path: Path
    summary: str    # its docstring's summary paragraph, on one line


def alternatives(paths: list[Path]) -> list[Alternative]:
    """The alternatives at paths, each with its docstring's summary ('' when it has none)."""
    found = []
    for path in paths:
        try:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        except (OSError, SyntaxError, UnicodeDecodeError):
            docstring = ""
        summary = " ".join(docstring.strip().split("\n\n")[0].split())
        found.append(Alternative(path.stem, path, summary))
    return found


def unified(mine: str, theirs: str, mine_label: str, theirs_label: str) -> list[str]:
    """A unified diff from the learner's text to the reference's, coloured by line kind."""
    lines = []
    for line in difflib.unified_diff(mine.splitlines(), theirs.splitlines(), mine_label,
                                     theirs_label, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            lines.append(click.style(line, bold=True))
        elif line.startswith("@@"):
            lines.append(click.style(line, fg="cyan"))
        elif line.startswith("-"):
            lines.append(click.style(line, fg="red"))
        elif line.startswith("+"):
            lines.append(click.style(line, fg="green"))
        else:
            lines.append(line)
    return lines


def _cell(text: str, width: int) -> str:
    """One column's text, cut to width (with … when cut) and padded to it."""
    text = text.expandtabs(4)
    return text[:width - 1] + "…" if len(text) > width else text.ljust(width)


def side_by_side(mine: str, theirs: str, mine_label: str, theirs_label: str,
                 width: int) -> list[str]:
    """Both texts in two columns, matching lines level; the gutter marks | < > the changes."""
    column = (width - 3) // 2
    left, right = mine.splitlines(), theirs.splitlines()
    lines = [click.style(f"{_cell(mine_label, column)}   {_cell(theirs_label, column)}".rstrip(),
                         bold=True)]
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for kind, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset in range(max(i2 - i1, j2 - j1)):
            a = left[i1 + offset] if i1 + offset < i2 else ""
            b = right[j1 + offset] if j1 + offset < j2 else ""
            mark = _GUTTER[kind]
            if kind == "replace" and (i1 + offset >= i2 or j1 + offset >= j2):
                mark = "<" if b == "" and i1 + offset < i2 else ">"
            row = f"{_cell(a, column)} {mark} {_cell(b, column)}".rstrip()
            lines.append(row if mark == " " else click.style(row, fg="yellow"))
    return lines


def compare(mine: str, theirs: str, mine_label: str, theirs_label: str,
            width: int | None = None) -> list[str]:
    """The comparison in the layout the terminal allows (side by side when wide enough)."""
    width = width or shutil.get_terminal_size((80, 24)).columns
    if mine.splitlines() == theirs.splitlines():
        return [f"Your file and {theirs_label} are the same, line for line."]
    if width >= SIDE_BY_SIDE_MIN_WIDTH:
        return side_by_side(mine, theirs, mine_label, theirs_label, width)
    return unified(mine, theirs, mine_label, theirs_label)
