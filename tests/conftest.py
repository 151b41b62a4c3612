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


def run_learn(*args: str, stdin: str = "", cwd: Path | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `learn` command in a subprocess with the test's environment."""
    return subprocess.run([sys.executable, "-m", "grader", *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, "NO_COLOR": "1"})


def load_reference(slug: str):
    """The shipped reference solution of an exercise, imported in this process."""
    from grader.plugin import load_module_from

    return load_module_from(REPO / "solutions" / slug / f"{slug}.py", f"{slug}_reference")
