"""Small shared helpers for the benchmark scripts: timed runs, medians, a scratch course."""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def scratch_environment() -> dict[str, str]:
    """The environment with its own empty state folder, so figures do not depend on history."""
    return {**os.environ, "LEARN_HOME": tempfile.mkdtemp(prefix="learn-bench-"), "NO_COLOR": "1"}


def timed(command: list[str], env: dict[str, str], cwd: Path = REPO) -> float:
    """Wall time of one run of command, in seconds (its output is discarded)."""
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def learn(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def course_with_references(env: dict[str, str]) -> Path:
    """A copy of the course whose exercise files are the reference solutions."""
    from grader.course import load_course
    from grader.paths import course_root

    target = Path(tempfile.mkdtemp(prefix="learn-bench-course-")) / "course"
    shutil.copytree(course_root(), target)
    for exercise in load_course(target).exercises:
        shutil.copyfile(exercise.reference, exercise.stub)
    env["LEARN_COURSE"] = str(target)
    return target
