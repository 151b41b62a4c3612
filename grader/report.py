"""Terminal rendering of grades and of the course table. Pure functions returning text.

Colours come from click.style and disappear when the output is not a terminal.
"""
from __future__ import annotations

import click

from grader.course import Course
from grader.next_steps import current_exercise
from grader.progress import ExerciseProgress
from grader.results import GradeResult, TestResult
from grader.safe_text import visible, visible_name

_MESSAGE_LINES = 14        # lines of a failure message shown in the terminal (JSON has all)
_OUTPUT_LINES = 8          # lines of learner output shown per test

_LABELS = {
    "passed": ("✓", "green", ""),
    "failed": ("✗", "red", "failed"),
    "error": ("✗", "red", "error"),
    "timeout": ("✗", "red", "timeout"),
    "memory": ("✗", "red", "out of memory"),
    "crash": ("✗", "red", "crashed"),
    "forbidden": ("✗", "magenta", "forbidden call"),
    "not_attempted": ("○", "yellow", "not attempted"),
}


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def _indent(text: str, limit: int, prefix: str = "      ") -> list[str]:
    lines = visible(text).rstrip().split("\n")
    # The diagnosis is the most useful line of a message: it survives any cut.
    diagnosis = [line for line in lines[limit:] if line.strip().startswith("likely mistake:")]
    shown = [prefix + line for line in lines[:limit]]
    if len(lines) > limit:
        hidden = len(lines) - limit - len(diagnosis)
        if hidden:
            shown.append(f"{prefix}[... {hidden} more lines]")
        shown.extend(prefix + line for line in diagnosis)
    return shown


def render_test(test: TestResult, width: int, message_lines: int = _MESSAGE_LINES) -> list[str]:
    """The lines of one test: mark, name, points, and why it failed."""
    mark, colour, label = _LABELS.get(test.reason, ("?", "red", test.reason))
    score = f"{_points(test.score)}/{_points(test.max_score)}"
    head = f"  {click.style(mark, fg=colour)} {test.name:<{width}} {score:>7}"
    if label:
        head += "  " + click.style(label, fg=colour)
    lines = [head]
    if test.passed:
        return lines
    if test.description:
        lines.append(click.style(f"      {test.description}", dim=True))
    if test.message and test.reason != "not_attempted":
        lines.extend(_indent(test.message, message_lines))
    if test.learner_output or test.output_bytes:
        lines.append("      your code printed:")
        lines.extend(_indent(test.learner_output, _OUTPUT_LINES, "        | "))
        shown = len(test.learner_output.encode("utf-8"))
        if test.output_bytes > shown:
            lines.append(f"        [output truncated: {test.output_bytes - shown:,} more bytes "
                         f"not shown]")
    return lines


def _cause(test: TestResult) -> tuple[str, str]:
    """What a failure says, for telling repeats apart: its reason and first message line."""
    first = test.message.strip().splitlines()[0] if test.message.strip() else ""
    return test.reason, first.removesuffix(" (see above)")


def visual_rows(text: str, columns: int) -> int:
    """How many terminal rows text takes on a terminal columns wide (long lines wrap)."""
    return sum(max(1, -(-len(click.unstyle(line)) // columns)) for line in text.split("\n"))


def render_compact(result: GradeResult, title: str, shown_file: str, rows: int,
                   columns: int = 80) -> str:
    """A grade that fits in rows terminal rows (watch mode): every test on one line, and the
    first failure's description and message, cut to the room left but always keeping its
    "likely mistake" line. Failures for the same cause as the first one (a syntax error fails
    every test) are folded into one line; with too many tests, passes are counted, not listed.
    """
    width = max((len(t.name) for t in result.tests), default=10)
    failures = [t for t in result.tests if not t.passed]
    first = failures[0] if failures else None
    repeats = [t for t in failures[1:] if first is not None and _cause(t) == _cause(first)]
    listed = [t for t in result.tests if t not in repeats]
    passes = [t for t in listed if t.passed]
    fold_passes = len(listed) + 6 > rows and len(passes) > 1
    if fold_passes:
        listed = [t for t in listed if not t.passed]

    def build(room: int) -> str:
        lines = [click.style(f"{result.exercise} · {title}", bold=True),
                 click.style(f"graded {shown_file} in {result.execution_time:.1f} s", dim=True),
                 ""]
        if fold_passes:
            lines.append(f"  {click.style('✓', fg='green')} {len(passes)} tests passed")
        for test in listed:
            shown = render_test(test, width, room)
            lines.extend(shown if test is first and room > 0 else shown[:1])
            if test is first and repeats:
                lines.append(f"  {click.style('✗', fg='red')} and {len(repeats)} other tests "
                             f"failed the same way")
        lines += ["", summary_line(result)]
        return "\n".join(lines)

    # The first failure's message gets as many lines as fit (its diagnosis always stays).
    room = rows
    while room > 1 and visual_rows(build(room), columns) > rows:
        room -= 1
    return build(room)


def summary_line(result: GradeResult) -> str:
    """'N/M tests passed, X/Y points' — 'All' only when every test ran and passed."""
    total = len(result.tests)
    points = f"{_points(result.score)}/{_points(result.max_score)} points"
    if result.passed:
        return click.style(f"All {total} tests passed, {points}.", fg="green", bold=True)
    text = f"{result.passed_count}/{total} tests passed, {points}"
    if all(t.reason == "not_attempted" for t in result.tests):
        text += " (nothing attempted yet)"
    return click.style(text, fg="yellow" if result.passed_count else "red", bold=True)


def render_grade(result: GradeResult, title: str, shown_file: str,
                 message_lines: int = _MESSAGE_LINES) -> str:
    """The whole terminal report of one grade, tests in file order.

    message_lines caps each failure message (watch mode keeps the screen short).
    """
    width = max((len(t.name) for t in result.tests), default=10)
    lines = [click.style(f"{result.exercise} · {title}", bold=True),
             click.style(f"graded {visible_name(shown_file)} in {result.execution_time:.1f} s", dim=True), ""]
    for test in result.tests:
        lines.extend(render_test(test, width, message_lines))
    lines += ["", summary_line(result)]
    return "\n".join(lines)


def render_course(course: Course, progress: dict[str, ExerciseProgress]) -> str:
    """The course table: each exercise's status, best score and hints used."""
    width = max(len(e.slug) for e in course.exercises)
    lines = [click.style(course.title, bold=True), ""]
    lines.append(f"  {'#':>2}  {'exercise':<{width}}  {'status':<14} {'best':>9}  hints  title")
    for number, exercise in enumerate(course.exercises, 1):
        state = progress.get(exercise.slug, ExerciseProgress())
        if state.passed:
            status = click.style(f"{'passed':<14}", fg="green")
        elif state.attempts:
            status = click.style(f"{'in progress':<14}", fg="yellow")
        else:
            status = f"{'not started':<14}"
        best = (f"{_points(state.best_score)}/{_points(exercise.points)}"
                if state.best_score is not None else f"-/{_points(exercise.points)}")
        hints = f"{state.hint_level}/{len(exercise.hints)}"
        lines.append(f"  {number:>2}  {exercise.slug:<{width}}  {status} {best:>9}  "
                     f"{hints:>5}  {exercise.title}")
    done = sum(progress.get(e.slug, ExerciseProgress()).passed for e in course.exercises)
    lines += ["", f"{done}/{len(course.exercises)} exercises passed."]
    upcoming = current_exercise(course, progress)
    if upcoming is None:
        lines.append("Every exercise is done. Try `learn quiz` to check the concepts.")
    elif progress.get(upcoming.slug, ExerciseProgress()).attempts:
        lines.append(f"In progress: {upcoming.slug}. Edit the file `learn show {upcoming.slug}` "
                     f"names, then `learn grade`.")
    else:
        lines.append(f"Next: `learn show {upcoming.slug}`, edit the file it names, "
                     f"then `learn grade {upcoming.slug}`.")
    return "\n".join(lines)
