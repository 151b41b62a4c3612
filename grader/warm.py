"""A warm grading process: pytest configured and the hidden suite collected once, then one
forked child per grade.

Cold, a grade pays for importing pytest, torch and the suite, and pytest's own set-up, every
time. Here all of that happens once: :func:`serve` runs pytest.main on the suite with a plugin
whose run loop hands control to the caller, and each :meth:`WarmSuite.start` forks the
prepared process. The child grades the new file with the already-collected tests (its own
worker, from the same zygote, under the same limits as `learn grade`), sends the results
document back through a pipe and exits, so nothing of one run survives into the next. The
parent never blocks: it can watch a file and the keyboard while a grade runs.

Forking is only safe while the process has a single thread (no torch or BLAS thread pool
started yet); :meth:`WarmSuite.start` checks that and otherwise grades in a fresh pytest run
in this process.
"""
from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.course import Course, Exercise
from grader.errors import UserError
from grader.isolation import WorkerPool
from grader.plugin import GradingPlugin
from grader.results import GradeResult
from grader.runner import options_for, pytest_args, run_suite


def thread_count() -> int:
    """Threads of this process, from /proc (1 where /proc is missing and nothing says more)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 1


@dataclass
class RunningGrade:
    """A grade in progress in a forked child; read ``fd`` until end of file, then finish."""

    pid: int
    fd: int
    path: Path
    chunks: list[bytes]


class WarmSuite:
    """The collected suite of one exercise, ready to grade any file quickly."""

    def __init__(self, course: Course, exercise: Exercise, pool: WorkerPool,
                 plugin: GradingPlugin, session) -> None:
        self.course, self.exercise, self.pool = course, exercise, pool
        self.plugin, self.session = plugin, session

    def start(self, path: Path) -> RunningGrade | GradeResult:
        """Begin grading path; a finished GradeResult when it could not fork (see module doc)."""
        if thread_count() > 1:
            return grade_cold(self.course, self.exercise, path, self.pool)
        self.pool.wait_ready()  # settle the pool's state here, not in one child only
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: grade, report, leave without running any exit handler
            os.close(read_end)
            code = 0
            try:
                document = self._grade_here(path)
            except BaseException as error:  # noqa: BLE001 - reported to the parent
                document, code = {"failure": f"{type(error).__name__}: {error}"}, 1
            try:
                with os.fdopen(write_end, "w") as out:
                    json.dump(document, out)
            finally:
                os._exit(code)
        os.close(write_end)
        return RunningGrade(pid, read_end, path, [])

    def _grade_here(self, path: Path) -> dict:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
        options = options_for(self.course, self.exercise, path, pool=self.pool)
        self.plugin.restart(options)
        items = self.session.items
        hook = self.session.config.hook
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            hook.pytest_runtest_protocol(item=item, nextitem=following)
        self.plugin.finish_run()
        return self.plugin.result().to_dict()

    @staticmethod
    def read_some(running: RunningGrade) -> bool:
        """Read what is available; True once the child has closed its end."""
        chunk = os.read(running.fd, 1 << 16)
        if chunk:
            running.chunks.append(chunk)
            return False
        return True

    @staticmethod
    def finish(running: RunningGrade) -> GradeResult:
        """Collect the child's results document (blocking until it is complete)."""
        while not WarmSuite.read_some(running):
            pass
        os.close(running.fd)
        os.waitpid(running.pid, 0)
        text = b"".join(running.chunks).decode("utf-8")
        document = json.loads(text) if text else {"failure": "the grading process died"}
        if "failure" in document:
            raise UserError(f"grading {running.path} failed: {document['failure']}")
        return GradeResult.from_dict(document)

    @staticmethod
    def cancel(running: RunningGrade) -> None:
        """Stop a grade in progress (its worker is killed when the pool closes or next spawn)."""
        try:
            os.kill(running.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(running.fd)
        os.waitpid(running.pid, 0)


def grade_cold(course: Course, exercise: Exercise, path: Path, pool: WorkerPool) -> GradeResult:
    """Grade with a fresh pytest run in this process (the fallback when forking is unsafe)."""
    return run_suite(exercise.suite, options_for(course, exercise, path, pool=pool))


class _ServePlugin:
    """Replaces pytest's run loop with the caller's: the suite stays collected meanwhile."""

    def __init__(self, course: Course, exercise: Exercise, pool: WorkerPool,
                 grading: GradingPlugin, body: Callable[[WarmSuite], object]):
        self.course, self.exercise, self.pool = course, exercise, pool
        self.grading, self.body = grading, body
        self.returned: object = None
        self.error: BaseException | None = None

    def pytest_runtestloop(self, session) -> bool:
        if session.testsfailed or not session.items:
            return True  # collection failed: serve() reports it
        try:
            self.returned = self.body(WarmSuite(self.course, self.exercise, self.pool,
                                                self.grading, session))
        except BaseException as error:  # noqa: BLE001 - re-raised once pytest has unwound
            self.error = error
        return True


def serve(course: Course, exercise: Exercise, pool: WorkerPool,
          body: Callable[[WarmSuite], object]) -> object:
    """Prepare the exercise's suite once and run body(warm_suite); return what body returned."""
    import pytest

    grading = GradingPlugin(options_for(course, exercise, exercise.reference, pool=pool))
    server = _ServePlugin(course, exercise, pool, grading, body)
    # Capture off: pytest would otherwise swap the terminal (fd 0, 1, 2) for files while the
    # caller runs its loop. Learner output goes to the worker's own capture file anyway.
    pytest.main([*pytest_args(exercise.suite), "--capture=no"], plugins=[grading, server])
    if grading.collect_errors:
        first = grading.collect_errors[0].strip().splitlines()
        raise UserError(f"{exercise.suite}: the hidden suite cannot be loaded: "
                        f"{first[-1] if first else 'unknown error'}")
    if server.error is not None:
        raise server.error
    return server.returned
