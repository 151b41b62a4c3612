"""The `learn` command: a thin layer that parses arguments, calls the library and renders.

Heavy modules (numpy, torch, pytest, jinja2) are imported inside the commands that need them,
so `learn --help` and the commands that do not grade start fast.
"""
from __future__ import annotations

import importlib
import sys

import click

from pathlib import Path

from grader.errors import UserError
from grader.numerics import use_single_thread
from grader.paths import shown_path

# Commands that live in their own modules, loaded only when used: name -> "module:attribute".
_LAZY_COMMANDS = {
    "quiz": "grader.quiz.cli:quiz",
    "new": "grader.instructor_cli:new",
    "batch": "grader.instructor_cli:batch",
    "export": "grader.instructor_cli:export",
    "doctor": "grader.doctor:doctor",
    "wrong": "grader.instructor_cli:wrong",
    "course": "grader.instructor_cli:course",
}


class _LearnGroup(click.Group):
    """A group that loads some commands on demand and turns UserError into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY_COMMANDS:
            module, attribute = _LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)


@click.group(cls=_LearnGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="learn-dl", prog_name="learn")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Self-graded deep-learning exercises and concept quizzes.

    Run `learn` alone for the course table and what to do next.
    """
    if ctx.invoked_subcommand is None:
        _print_course_table()


def _print_course_table() -> None:
    from grader.course import load_course
    from grader.progress import ProgressStore
    from grader.report import render_course

    course = load_course()
    with ProgressStore.open() as store:
        click.echo(render_course(course, store.exercises()))


@cli.command("list")
def list_exercises() -> None:
    """Show the course table: each exercise's status, best score and hints used.

    Example: learn list
    """
    _print_course_table()


@cli.command()
@click.argument("slug")
def show(slug: str) -> None:
    """Show an exercise's instructions and the file to edit.

    Example: learn show he_init
    """
    from grader.course import load_course
    from grader.markdown import render as render_markdown
    from grader.next_steps import quiz_line
    from grader.workspace import learner_file

    course = load_course()
    exercise = course.get(slug)
    path = learner_file(course, exercise)
    click.echo(render_markdown(exercise.readme.read_text(encoding="utf-8")))
    click.echo("")
    click.echo(click.style(f"Edit:  {shown_path(path)}", bold=True))
    click.echo(f"Then:  learn grade {slug}     (learn hint {slug} when stuck)")
    if quiz := quiz_line(course, exercise):
        click.echo(quiz)


@cli.command()
@click.argument("slug", required=False)
@click.option("--file", "file_", type=click.Path(dir_okay=False, path_type=Path),
              help="Grade this file instead of your exercise file (progress is not recorded).")
@click.option("--json", "as_json", is_flag=True, help="Print the results document as JSON.")
@click.option("--all", "all_", is_flag=True, help="Grade every exercise of the course.")
def grade(slug: str | None, file_: Path | None, as_json: bool, all_: bool) -> None:
    """Grade an exercise against its hidden tests (without SLUG: the exercise you are on).

    Exit status: 0 when every test passed, 1 when any failed, 2 on a usage or course error.

    \b
    Examples:
      learn grade
      learn grade he_init
      learn grade he_init --file path/to/mine.py --json
      learn grade --all
    """
    use_single_thread()
    from grader.grading import grade_command

    if all_ and slug:
        raise UserError("name one exercise (learn grade he_init) or use --all, not both")
    if file_ and not slug:
        raise UserError("--file grades a file as one exercise: name it (learn grade he_init "
                        "--file mine.py)")
    sys.exit(grade_command(slug, file_, as_json, all_))


@cli.command()
@click.argument("slug")
def hint(slug: str) -> None:
    """Reveal the next hint of an exercise (hints already seen are shown again).

    Example: learn hint adam
    """
    from grader.course import load_course
    from grader.markdown import labelled
    from grader.progress import ProgressStore

    exercise = load_course().get(slug)
    if not exercise.hints:
        raise UserError(f"{slug} has no hints")
    with ProgressStore.open() as store:
        before = store.exercise(slug).hint_level
        level = store.reveal_hint(slug, len(exercise.hints))
    for number, text in enumerate(exercise.hints[:level], 1):
        style = {"bold": True} if number == level and level > before else {}
        click.echo(labelled(f"Hint {number}/{len(exercise.hints)}: ", text, **style))
    if level == before:
        click.echo("No more hints: that was the last one.")


@cli.command()
@click.argument("slug", required=False)
@click.option("--all", "all_", is_flag=True, help="Reset every exercise of the course.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset(slug: str | None, all_: bool, yes: bool) -> None:
    """Restore an exercise's original stub; your version is backed up first.

    \b
    Examples:
      learn reset layer_norm
      learn reset --all
    """
    from grader.course import load_course
    from grader.workspace import learner_file, reset as reset_file

    if all_ == bool(slug):
        raise UserError("name one exercise (learn reset layer_norm) or use --all")
    course = load_course()
    exercises = list(course.exercises) if all_ else [course.get(slug or "")]
    if all_:
        question = (f"Replace your files of all {len(exercises)} exercises with the original "
                    f"stubs?" if len(exercises) > 1 else
                    "Replace your file of the course's one exercise with its original stub?")
    else:
        question = f"Replace {shown_path(learner_file(course, exercises[0]))} with the original stub?"
    if not yes and not click.confirm(question):
        click.echo("Nothing changed.")
        return
    for exercise in exercises:
        path = learner_file(course, exercise)
        saved = reset_file(course, exercise)
        if saved is None:
            click.echo(f"{shown_path(path)} already is the original stub.")
        else:
            click.echo(f"Restored {shown_path(path)}. Your version is saved as {saved}")


@cli.command()
@click.argument("slug")
def edit(slug: str) -> None:
    """Open your file of an exercise in your editor ($VISUAL, else $EDITOR).

    Example: EDITOR=nano learn edit adam
    """
    from grader.course import load_course
    from grader.workspace import learner_file, open_in_editor

    course = load_course()
    open_in_editor(learner_file(course, course.get(slug)))


@cli.command()
@click.argument("slug")
@click.option("--force", is_flag=True, help="Show it even though the exercise has not passed.")
@click.option("--alternative", metavar="NAME",
              help="Compare with this correct alternative instead of the reference.")
@click.option("--layout", type=click.Choice(["auto", "diff", "side", "plain"]), default="auto",
              show_default=True,
              help="diff: a unified diff; side: side by side; plain: the solution alone; "
                   "auto: side by side on a wide terminal, else the diff.")
def solution(slug: str, force: bool, alternative: str | None, layout: str) -> None:
    """Show the reference solution beside your file, once you have passed the exercise.

    Also lists the other correct styles of the exercise (its alternatives).

    \b
    Examples:
      learn solution he_init
      learn solution adam --alternative closure --layout side
    """
    from grader.course import load_course
    from grader.progress import ProgressStore
    from grader.markdown import labelled
    from grader.solution_view import alternatives, compare, side_by_side, unified
    from grader.stubs import MarkerError, strip_markers
    from grader.workspace import learner_file

    course = load_course()
    exercise = course.get(slug)
    with ProgressStore.open() as store:
        passed = store.exercise(slug).passed
    if not passed and not force:
        raise UserError(f"{slug} has not passed yet: solve it first (learn grade {slug}), "
                        f"or add --force to look anyway")
    if not passed:
        click.echo(click.style("warning: you have not passed this exercise yet; reading the "
                               "solution now takes away most of what it teaches.", fg="yellow"),
                   err=True)
    others = alternatives(exercise.alternatives())
    shown, label = exercise.reference, "the reference"
    if alternative is not None:
        chosen = [a for a in others if a.name == alternative.removesuffix(".py")]
        if not chosen:
            from grader.yamlfile import did_you_mean

            names = [a.name for a in others]
            raise UserError(f"{slug} has no alternative named '{alternative}'"
                            f"{did_you_mean(alternative, names)}"
                            + (f"; it has: {', '.join(names)}" if names else "; it has none"))
        shown, label = chosen[0].path, f"the alternative {chosen[0].name}"
    try:
        text = strip_markers(shown.read_text(encoding="utf-8"), str(shown))
    except (OSError, MarkerError) as error:
        raise UserError(f"cannot read the solution of {slug}: {error}") from None
    if layout == "plain":
        click.echo(text.rstrip())
        return
    mine_path = learner_file(course, exercise)
    mine = mine_path.read_text(encoding="utf-8", errors="replace")
    mine_label = f"your file ({shown_path(mine_path)})"
    theirs_label = f"{label} ({shown.name})" if alternative is None else label
    if layout == "diff":
        lines = unified(mine, text, mine_label, theirs_label)
    elif layout == "side":
        import shutil

        lines = side_by_side(mine, text, mine_label, theirs_label,
                             max(shutil.get_terminal_size((80, 24)).columns, 100))
    else:
        lines = compare(mine, text, mine_label, theirs_label)
    click.echo("\n".join(lines) if lines else f"Your file and {label} are the same.")
    if others:
        click.echo("")
        click.echo(click.style("Other correct styles", bold=True)
                   + f" (learn solution {slug} --alternative NAME):")
        width = max(len(a.name) for a in others)
        for other in others:
            click.echo(labelled(f"  {other.name:<{width}}  ", other.summary or "(no description)"))


@cli.command()
@click.argument("slug")
@click.option("--file", "file_", type=click.Path(dir_okay=False, path_type=Path),
              help="Check this file instead of your exercise file.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random inputs (and of dout).")
def gradcheck(slug: str, file_: Path | None, seed: int) -> None:
    """Check your backward passes against finite differences of your own forward passes.

    Each of the exercise's forward/backward pairs (and losses that return their gradient)
    runs on small random inputs; every gradient entry is compared with the central
    difference (L(x + eps) - L(x - eps)) / (2 eps), and the worst entries are listed. Your
    code runs in the same isolated worker as grading. Exit status 1 when any check
    disagrees. The same checks are importable: see `python -m pydoc grader.gradcheck`.

    \b
    Examples:
      learn gradcheck layer_norm
      learn gradcheck backprop --seed 3
    """
    use_single_thread()
    from grader.course import load_course
    from grader.gradcheck import ATOL, EPS, RTOL
    from grader.gradcheck_run import CheckFailure, run_gradchecks
    from grader.workspace import learner_file

    course = load_course()
    exercise = course.get(slug)
    if not exercise.gradchecks:
        raise UserError(f"{slug} has no gradient checks (only exercises with a backward pass "
                        f"list them under gradcheck: in course.yaml)")
    path = file_ if file_ is not None else learner_file(course, exercise)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    click.echo(click.style(f"{slug}: gradient checks of {shown_path(path)}", bold=True))
    click.echo(click.style(f"central differences with eps {EPS:g}; an entry agrees within "
                           f"{ATOL:g} + {RTOL:g} * its size", dim=True))
    results = run_gradchecks(course, exercise, path, seed)
    for result in results:
        click.echo("")
        if isinstance(result, CheckFailure):
            click.echo(result.title)
            click.echo(click.style("  ✗ could not run: ", fg="red")
                       + result.reason.replace("\n", "\n    "))
        else:
            text = str(result)
            click.echo(text.replace("✗", click.style("✗", fg="red")).replace(
                "✓", click.style("✓", fg="green")))
    good = sum(not isinstance(r, CheckFailure) and r.ok for r in results)
    click.echo("")
    if good == len(results):
        click.echo(click.style("The gradient check agrees." if len(results) == 1 else
                               f"All {len(results)} gradient checks agree.", fg="green", bold=True))
        return
    click.echo(click.style(f"{good}/{len(results)} gradient checks agree.", fg="red", bold=True))
    sys.exit(1)


@cli.command()
@click.argument("slugs", nargs=-1)
@click.option("--no-quiz", is_flag=True, help="Skip the question-bank check.")
def check(slugs: tuple[str, ...], no_quiz: bool) -> None:
    """Check the course as an author: every exercise, then the question bank.

    For each exercise: the manifest entry, README and hints; the stub against the reference;
    the stub grades "not attempted"; the reference gets full marks twice; alternatives pass;
    every wrong version of solutions/<slug>/wrong.yaml applies and is caught (with a table of
    which tests catch which). Warns, without failing, about tests worth fractional points
    and exercises with no correct alternative. Exit status 1 when anything is wrong, with
    every problem listed.

    \b
    Examples:
      learn check
      learn check adam layer_norm --no-quiz
    """
    use_single_thread()
    from grader.check import check_exercise
    from grader.course import check_manifest, load_course
    from grader.paths import course_root
    from grader.runner import Pools

    root = course_root()
    problems = check_manifest(root)
    if problems:
        click.echo(click.style("The manifest has problems:", fg="red", bold=True))
        for problem in problems:
            click.echo(f"  {problem}")
        sys.exit(1)
    course = load_course(root)
    exercises = [course.get(slug) for slug in slugs] if slugs else list(course.exercises)
    warnings: list[str] = []
    with Pools() as pools:
        for exercise in exercises:
            click.echo(click.style(f"{exercise.slug} · {exercise.title}", bold=True))
            report = check_exercise(course, exercise, pools.get(exercise))
            click.echo("\n".join(report.lines))
            problems += report.problems
            warnings += report.warnings
    if not no_quiz and (root / "question_bank").is_dir():
        from grader.quiz.check import check_bank

        bank = check_bank(root / "question_bank")
        click.echo(click.style("question bank", bold=True))
        click.echo(f"  {'✓' if not bank.problems else '✗'} {bank.summary()}" if not bank.problems
                   else f"  ✗ {len(bank.problems)} problems in the question bank")
        problems += [str(p) for p in bank.problems]
    if warnings:
        click.echo(click.style(f"\n{len(warnings)} warning{'s' * (len(warnings) > 1)} "
                               f"(worth fixing, not failures):", fg="yellow", bold=True))
        for warning in warnings:
            click.echo(f"  {warning}")
    if problems:
        click.echo(click.style(f"\n{len(problems)} problem{'s' * (len(problems) > 1)}:",
                               fg="red", bold=True))
        for problem in problems:
            click.echo(f"  {problem}")
        sys.exit(1)
    click.echo(click.style("\nThe course checks out.", fg="green", bold=True))


@cli.command()
@click.argument("slug", required=False)
@click.option("--poll", is_flag=True, help="Poll the file for changes instead of using inotify.")
def watch(slug: str | None, poll: bool) -> None:
    """Re-grade an exercise every time you save its file.

    Follows the exercise you are on unless you name one. Keys: h next hint,
    n next exercise (once passed), l course table, r re-run, q quit (Ctrl-C works too).

    \b
    Examples:
      learn watch
      learn watch adam
    """
    use_single_thread()
    from grader.course import load_course
    from grader.watch import exercise_to_watch, watch as watch_loop

    course = load_course()
    watch_loop(course, course.get(slug) if slug else exercise_to_watch(course), force_polling=poll)


def main() -> None:
    """Entry point of the `learn` console script."""
    cli(prog_name="learn")
