"""Commands that do not grade stay light: no torch, numpy, pytest or jinja2 at start-up."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "numpy", "pytest", "jinja2")

PROBE = """
import sys
from grader.cli import cli
try:
    cli(sys.argv[1:], prog_name="learn")
except SystemExit:
    pass
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print("HEAVY:", ",".join(heavy), file=sys.stderr)
""" % (HEAVY,)


@pytest.mark.parametrize("args", [["--help"], [], ["list"], ["show", "scale"], ["hint", "scale"],
                                  ["grade", "--help"], ["quiz", "--help"]])
def test_light_commands_import_nothing_heavy(shipped_course, args) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env={**os.environ}, timeout=60)
    line = [l for l in done.stderr.splitlines() if l.startswith("HEAVY:")][-1]
    assert line == "HEAVY: ", f"`learn {' '.join(args)}` imported {line[7:]}"
