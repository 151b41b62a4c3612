"""Shared fixtures: every test gets its own state folder and its own copy of the fixture course."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh LEARN_HOME for the test."""
    home = tmp_path / "state"
    monkeypatch.setenv("LEARN_HOME", str(home))
    return home


@pytest.fixture
def shipped_course(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture course itself (read-only use: grading writes nothing into the course)."""
    root = FIXTURES / "course"
    monkeypatch.setenv("LEARN_COURSE", str(root))
    return root


@pytest.fixture
def course(tmp_path: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the fixture course, selected with LEARN_COURSE."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", root)
    monkeypatch.setenv("LEARN_COURSE", str(root))
    return root


@pytest.fixture
def mine(course: Path, state_dir: Path) -> Path:
    """The learner's own file of the fixture exercise, in the workspace (made from the stub)."""
    from grader.course import load_course
    from grader.workspace import learner_file

    loaded = load_course(course)
    return learner_file(loaded, loaded.get("scale"))


def run_learn(*args: str, stdin: str = "", cwd: Path | None = None, timeout: float = 120,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `learn` command in a subprocess with the test's environment (plus env)."""
    return subprocess.run([sys.executable, "-m", "grader", *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def processes_in(folder: Path) -> list[int]:
    """Processes whose working folder is inside folder. A grade run with TMPDIR=folder starts
    its zygote (or the sandbox around it) there, so this finds what that grade left running,
    and nothing of any other learn on the machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")).is_relative_to(folder):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def load_reference(slug: str):
    """The shipped reference solution of an exercise, imported in this process."""
    from grader.plugin import load_module_from

    return load_module_from(REPO / "solutions" / slug / f"{slug}.py", f"{slug}_reference")


def zygote_pid(pool) -> int:
    """The host pid of a pool's zygote (inside the sandbox it is a grandchild of bwrap)."""
    from grader.procs import descendants

    for pid in [pool._process.pid, *descendants(pool._process.pid)]:
        try:
            if b"grader.zygote" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    raise AssertionError("no zygote process found")


def wrong_version_text(root: Path, slug: str, name: str) -> str:
    """A known-wrong version of an exercise (solutions/<slug>/wrong.yaml) as a whole file's text."""
    from grader.wrong_versions import build

    solutions = root / "solutions" / slug
    built, stale = build(solutions / f"{slug}.py", solutions / "wrong.yaml")
    assert not stale, stale
    return next(text for version, text in built if version.name == name)
