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
    """A copy of the course, and a workspace in env's state folder holding the references."""
    from grader.course import load_course
    from grader.paths import course_root
    from grader.workspace import learner_file

    target = Path(tempfile.mkdtemp(prefix="learn-bench-course-")) / "course"
    shutil.copytree(course_root(), target)
    os.environ["LEARN_HOME"] = env["LEARN_HOME"]  # learner_file() below: the same workspace
    course = load_course(target)
    for exercise in course.exercises:
        shutil.copyfile(exercise.reference, learner_file(course, exercise))
    env["LEARN_COURSE"] = str(target)
    return target
