"""Turn a reference solution into the learner's stub, and show a reference without markers.

A reference marks each answer with a block:

    # BEGIN SOLUTION
    # TODO: what the learner should do here
    ...the answer...
    # END SOLUTION

In the stub, the block becomes its leading ``# TODO`` comment lines followed by
``raise NotImplementedError`` at the block's indentation (or nothing but the comments at
module level, where a raise would break the import). The stub therefore states the spec
(docstrings stay) and an untouched stub grades as "not attempted".
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
TODO = re.compile(r"^[ \t]*# TODO")


class MarkerError(ValueError):
    """A reference whose solution markers are unbalanced."""


def _blocks(lines: list[str], where: str):
    """Yield (begin, end, indent) line indices of every marked block, checking balance."""
    begin = None
    indent = ""
    for number, line in enumerate(lines):
        if m := BEGIN.match(line):
            if begin is not None:
                raise MarkerError(f"{where}:{number + 1}: BEGIN SOLUTION inside another block "
                                  f"(opened at line {begin + 1})")
            begin, indent = number, m["indent"]
        elif END.match(line):
            if begin is None:
                raise MarkerError(f"{where}:{number + 1}: END SOLUTION without BEGIN SOLUTION")
            yield begin, number, indent
            begin = None
    if begin is not None:
        raise MarkerError(f"{where}:{begin + 1}: BEGIN SOLUTION is never closed")


def make_stub(reference_source: str, where: str = "<reference>") -> str:
    """Return the stub for a reference: every solution block replaced by its TODOs and a raise."""
    lines = reference_source.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    for begin, end, indent in _blocks(lines, where):
        out.extend(lines[cursor:begin])
        todos = []
        for line in lines[begin + 1:end]:
            if not TODO.match(line):
                break
            todos.append(line)
        out.extend(todos)
        if indent:  # inside a function or method: the stub must say "not attempted"
            out.append(f"{indent}raise NotImplementedError\n")
        cursor = end + 1
    out.extend(lines[cursor:])
    return "".join(out)


def strip_markers(reference_source: str, where: str = "<reference>") -> str:
    """Return the reference as a learner may read it once solved: marker lines removed."""
    lines = reference_source.splitlines(keepends=True)
    drop: set[int] = set()
    for begin, end, _ in _blocks(lines, where):
        drop.update((begin, end))
    return "".join(line for number, line in enumerate(lines) if number not in drop)


def main(argv: list[str]) -> int:
    """``python -m grader.stubs REFERENCE.py``: print the stub made from a reference."""
    if len(argv) != 1:
        print("usage: python -m grader.stubs REFERENCE.py > STUB.py", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        sys.stdout.write(make_stub(path.read_text(encoding="utf-8"), str(path)))
    except (OSError, MarkerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
