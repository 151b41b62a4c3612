"""Grade a submission of an exercise: run its hidden suite under pytest with the plugin.

This is the grading process. It imports pytest and the suite (and whatever the suite uses as
an oracle, often torch); learner code only ever runs in workers (grader/isolation.py).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from grader.course import Course, Exercise
from grader.errors import UserError
from grader.isolation import WorkerPool
from grader.plugin import GradingOptions, GradingPlugin, heavy_imports
from grader.results import GradeResult


_UNUSED_PLUGINS = ("unraisableexception", "threadexception", "faulthandler", "doctest",
                   "junitxml", "pastebin", "stepwise", "logging", "legacypath", "debugging")


def options_for(course: Course, exercise: Exercise, submission: Path, *,
                isolation: str = "worker", pool: WorkerPool | None = None) -> GradingOptions:
    """The grading options an exercise's manifest entry calls for."""
    return GradingOptions(
        submission=submission, reference=exercise.reference, exercise=exercise.slug,
        isolation=isolation, points=exercise.points,
        test_seconds=exercise.limits.test_seconds, run_seconds=exercise.limits.run_seconds,
        memory_mb=exercise.limits.memory_mb,
        forbidden=tuple(f.name for f in exercise.forbidden),
        blocked=(str(course.solutions_folder),), allowed_imports=exercise.imports, pool=pool)


def preload_for(*exercises: Exercise) -> tuple[str, ...]:
    """The libraries a worker pool should import ahead for these exercises."""
    return heavy_imports(*(e.reference for e in exercises))


def pool_for(exercise: Exercise, require_sandbox: bool = False) -> WorkerPool:
    """A worker pool fit for one exercise: its libraries preloaded, no library it does not
    allow (grader/sandbox.py leaves those out of the sandbox altogether)."""
    return WorkerPool(preload_for(exercise), allowed_imports=exercise.imports,
                      require_sandbox=require_sandbox)


class Pools:
    """Worker pools for several exercises, one per kind (what is preloaded and allowed), made
    when first needed. Use as a context manager; every pool is closed at the end."""

    def __init__(self, require_sandbox: bool = False):
        self.require_sandbox = require_sandbox
        self._pools: dict[tuple, WorkerPool] = {}

    def get(self, exercise: Exercise) -> WorkerPool:
        """The pool for exercise."""
        kind = (preload_for(exercise), exercise.imports)
        if kind not in self._pools:
            self._pools[kind] = pool_for(exercise, self.require_sandbox)
        return self._pools[kind]

    def unsandboxed(self) -> list[str]:
        """Why pools in use have no sandbox (one line each, repeats left out)."""
        return sorted({p.level.describe() for p in self._pools.values() if not p.level.sandboxed})

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    def __enter__(self) -> "Pools":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pytest_args(suite: Path) -> list[str]:
    """How the grading process runs a hidden suite: quiet, isolated from any project config."""
    # Plugins a grading run has no use for are left out: they cost time on every warm grade.
    return [str(suite), "-p", "no:cacheprovider", "-p", "no:terminal", "--noconftest",
            *[arg for name in _UNUSED_PLUGINS for arg in ("-p", f"no:{name}")],
            "--import-mode=importlib", "--rootdir", str(suite.parent), "-c", os.devnull,
            "-W", "ignore::DeprecationWarning"]


def run_suite(suite: Path, options: GradingOptions) -> GradeResult:
    """Run one hidden suite against options.submission; the results document it produced."""
    import pytest  # the grading process only

    if not options.submission.is_file():
        raise UserError(f"{options.submission}: file not found")
    plugin = GradingPlugin(options)
    args = pytest_args(suite)
    pytest.main(args, plugins=[plugin])
    if plugin.interrupted:   # pytest caught Ctrl-C; a partial result must not count
        raise KeyboardInterrupt
    if plugin.collect_errors:
        first = plugin.collect_errors[0].strip().splitlines()
        detail = first[-1] if first else "unknown error"
        raise UserError(f"{suite}: the hidden suite cannot be loaded: {detail}")
    result = plugin.result()
    if not result.tests:
        raise UserError(f"{suite}: the hidden suite has no tests")
    return result


def grade(course: Course, exercise: Exercise, submission: Path, *,
          pool: WorkerPool | None = None, isolation: str = "worker",
          progress: Callable[[int, int, str], None] | None = None) -> GradeResult:
    """Grade one file against one exercise's hidden suite (KeyboardInterrupt on Ctrl-C)."""
    options = options_for(course, exercise, submission, isolation=isolation, pool=pool)
    options.progress = progress
    return run_suite(exercise.suite, options)
