"""What `learn grade` does: choose the file, grade it, remember the attempt, show the result."""
from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import click

from grader.course import Course, Exercise, load_course
from grader.errors import UserError
from grader.isolation import WorkerPool
from grader.next_steps import after_pass, current_exercise
from grader.paths import shown_path
from grader.progress import ProgressStore
from grader.report import render_grade, summary_line
from grader.results import GradeResult
from grader.runner import Pools, grade
from grader.workspace import learner_file

EXIT_PASSED, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


def record_attempt(exercise: Exercise, result: GradeResult) -> None:
    """Store one grade of the learner's own file in the progress store."""
    with ProgressStore.open() as store:
        store.record_attempt(exercise.slug, result.score, result.max_score, result.passed,
                             result.execution_time)


def grade_and_record(course: Course, exercise: Exercise, path: Path, pool: WorkerPool | None,
                     record: bool, progress: Callable[[int, int, str], None] | None = None
                     ) -> GradeResult:
    """Grade path; when it is the learner's own file, store the attempt in the progress store.
    An interrupted grade (KeyboardInterrupt) records nothing."""
    result = grade(course, exercise, path, pool=pool, progress=progress)
    if record:
        record_attempt(exercise, result)
    return result


def grade_command(slug: str | None, file_: Path | None, as_json: bool, all_: bool) -> int:
    """Run `learn grade`; return the exit status (0 all passed, 1 any failed)."""
    course = load_course()
    if all_:
        exercises = list(course.exercises)
    elif slug:
        exercises = [course.get(slug)]
    else:
        exercises = [_exercise_in_progress(course)]
    # In a terminal, a line says which test is running (on stderr, erased when done).
    progress = ProgressLine() if not as_json and sys.stderr.isatty() else None
    try:
        return _grade_all(course, exercises, file_, as_json, all_, progress)
    except KeyboardInterrupt:
        if progress is not None:
            progress(0, 0, "")
        click.echo("Interrupted: this grade was not finished and nothing was recorded.", err=True)
        return EXIT_INTERRUPTED


class ProgressLine:
    """One terminal line that names the test now running; called with (0, 0, '') to erase.

    It writes to its own copy of the terminal's stderr, taken before grading starts: pytest
    captures the grading process's stdout and stderr while tests run.
    """

    def __init__(self) -> None:
        self._terminal = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace")
        self._width = shutil.get_terminal_size().columns - 1

    def __call__(self, number: int, count: int, name: str) -> None:
        text = f"  running test {number}/{count}: {name}" if count else ""
        self._terminal.write("\r\x1b[2K" + text[:self._width])
        self._terminal.flush()


def _grade_all(course: Course, exercises: list[Exercise], file_: Path | None, as_json: bool,
               all_: bool, progress: Callable[[int, int, str], None] | None) -> int:
    results: list[GradeResult] = []
    # Pools for the whole command: with --all the heavy imports happen once per kind.
    with Pools() as pools:
        for exercise in exercises:
            pool = pools.get(exercise)
            own = learner_file(course, exercise)
            path = file_ if file_ is not None else own
            if not path.is_file():
                raise UserError(f"{path}: file not found")
            record = path.resolve() == own.resolve()
            result = grade_and_record(course, exercise, path, pool, record, progress)
            if progress is not None:
                progress(0, 0, "")
            results.append(result)
            if not as_json:
                click.echo(render_grade(result, exercise.title, shown_path(path)))
                if all_:
                    click.echo("")
        for line in pools.unsandboxed():
            click.echo(click.style(f"warning: {line}", fg="yellow"), err=True)
    if as_json:
        documents = [r.to_json() for r in results]
        click.echo(json.dumps(documents if all_ else documents[0], indent=2))
    elif all_:
        click.echo(click.style("Course summary", bold=True))
        for exercise, result in zip(exercises, results):
            click.echo(f"  {exercise.slug:<24} {click.unstyle(summary_line(result))}")
    elif results[0].passed and file_ is None:  # a pass of the learner's own file
        with ProgressStore.open() as store:
            states = store.exercises()
        click.echo("\n".join(after_pass(course, exercises[0], states)))
    return EXIT_PASSED if all(r.passed for r in results) else EXIT_FAILED


def _exercise_in_progress(course: Course) -> Exercise:
    """What `learn grade` without a slug grades: the exercise the learner is on."""
    with ProgressStore.open() as store:
        exercise = current_exercise(course, store.exercises())
    if exercise is None:
        raise UserError("every exercise has passed: name the one to grade (learn grade "
                        f"{course.exercises[-1].slug}) or use --all")
    return exercise
