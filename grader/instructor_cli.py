"""Instructor commands: `learn new`, `learn batch`, `learn export gradescope`, `learn wrong`,
`learn course copy`.

Thin: parse, call grader/scaffold.py, grader/batch.py, grader/export.py or
grader/wrong_versions.py, render. Loaded only when one of them is used (see _LAZY_COMMANDS in
grader/cli.py).
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import click


@click.command()
@click.argument("slug")
@click.option("--title", required=True, help="The exercise's title, as learners see it.")
@click.option("--topic", required=True,
              help="A topic id from question_bank/syllabus.yaml (e.g. normalization).")
@click.option("--points", type=click.IntRange(min=2), default=3, show_default=True,
              help="The exercise's total points, a whole number: the two scaffolded tests "
                   "weigh points - 1 and 1, so each is worth whole points.")
def new(slug: str, title: str, topic: str, points: int) -> None:
    """Create a new exercise from templates and add it to the course manifest.

    Writes the reference (with solution markers), the stub made from it, the README, a
    hidden suite with whole points per test, and wrong.yaml with one known-wrong version (an
    edit of the reference), all of which pass `learn check` as they are; then lists the
    placeholders to replace. Nothing existing is overwritten.

    The course must be editable: a clone, or a copy made with `learn course copy DIR` and
    selected with LEARN_COURSE=DIR (the course inside a pip-installed package is not).

    \b
    Example:
      learn new stable_softmax --title "Stable softmax" --topic activations
    """
    from grader.paths import course_root
    from grader.scaffold import create_exercise, next_steps

    made = create_exercise(course_root(), slug, title, topic, points)
    click.echo(click.style(f"Created the exercise {slug}:", bold=True))
    for path in made.files:
        click.echo(f"  {path}")
    click.echo(f"  course.yaml (entry at line {made.manifest_line})")
    click.echo("")
    click.echo(click.style("Now replace the placeholders:", bold=True))
    for number, step in enumerate(next_steps(made), 1):
        click.echo(f"  {number}. {step}")
    click.echo(f"Then: learn check {slug}")


@click.command()
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--exercise", "slug", required=True, help="The exercise the submissions are for.")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=64), default=2, show_default=True,
              help="Grading processes to run at once.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for results/<student>.json, gradebook.csv and logs.")
@click.option("--force", is_flag=True, help="Regrade every submission, even unchanged ones.")
@click.option("--unsafe-no-sandbox", "unsafe", is_flag=True,
              help="Grade even where the sandbox cannot start. UNSAFE: a submission can then "
                   "read and change other students' results and your files.")
def batch(submissions: Path, slug: str, jobs: int, out: Path, force: bool, unsafe: bool) -> None:
    """Grade a class's submissions of one exercise, in parallel.

    SUBMISSIONS is a folder of .py files (one per student, named after the student), a
    folder of folders (one per student), or a .zip of either. Each is graded under the same
    limits and isolation as `learn grade`. Rerunning skips the students whose submission is
    unchanged since it was graded; an interrupted batch keeps every finished row.

    Exit status: 0 when every submission was graded (whatever the scores), 1 when some could
    not be graded (status "error"; a rerun retries them), 2 on a usage error, 130 when
    interrupted.

    \b
    Example:
      learn batch submissions/ --exercise adam --jobs 2 --out grades/
    """
    from grader.batch import run_batch, summary
    from grader.course import load_course

    course = load_course()
    exercise = course.get(slug)
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(*_: object) -> None:
        raise KeyboardInterrupt

    try:   # `kill` stops a batch as cleanly as Ctrl-C does (only possible in the main thread)
        signal.signal(signal.SIGTERM, terminate)
    except ValueError:
        previous = None
    try:
        outcome = run_batch(course, exercise, submissions, out, jobs=jobs, force=force,
                            echo=click.echo, unsafe_no_sandbox=unsafe)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    click.echo("")
    click.echo("\n".join(summary(outcome, out)))
    if outcome.interrupted:
        # Rows graded before the interruption match their submissions, so a rerun without
        # --force keeps them and grades only what is left, --force or not this time.
        again = " ".join(arg for arg in sys.argv[1:] if arg != "--force") if force else ""
        how = (f"run it again without --force (learn {again}) to grade only those"
               if force else "run the same command again to grade only those")
        click.echo(click.style(f"Interrupted: {len(outcome.rows)} rows kept, "
                               f"{outcome.pending} submissions not graded yet; {how}.",
                               fg="yellow"), err=True)
        sys.exit(130)
    sys.exit(1 if outcome.errors else 0)


@click.group()
def export() -> None:
    """Export an exercise for another grading platform.

    Example: learn export gradescope adam --out adam_autograder.zip
    """


@export.command()
@click.argument("slug")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The autograder zip to write.")
@click.option("--wheel", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Use this built learn wheel instead of building one from the source tree.")
@click.option("--unsafe-no-sandbox", "unsafe", is_flag=True,
              help="Grade even where the sandbox cannot start (containers that forbid "
                   "namespaces). UNSAFE: a submission can then reach the grading process and "
                   "rewrite its own results.")
def gradescope(slug: str, out: Path, wheel: Path | None, unsafe: bool) -> None:
    """Write a Gradescope autograder zip for one exercise.

    The zip holds setup.sh (installs learn and torch), run_autograder (grades the student's
    file with the same engine and hidden suite as `learn grade`, writing
    /autograder/results/results.json) and the exercise. Upload it as the assignment's
    autograder. To try it locally, see docs/instructors.md.

    \b
    Example:
      learn export gradescope adam --out adam_autograder.zip
    """
    from grader.course import load_course
    from grader.export import export_gradescope

    course = load_course()
    exercise = course.get(slug)
    names = export_gradescope(course, exercise, out, wheel, unsafe_no_sandbox=unsafe)
    click.echo(f"Wrote {out} ({len(names)} files): setup.sh, run_autograder, "
               f"{next(n for n in names if n.startswith('wheels/'))}, course/ with {slug}")
    click.echo("Upload it on Gradescope as a zip-file autograder; students upload "
               f"{exercise.files[0]}.")


@click.command()
@click.argument("slug")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the files to  [default: ./<slug>_wrong]")
def wrong(slug: str, out: Path | None) -> None:
    """Write an exercise's known-wrong versions out as files, to grade or read by hand.

    Each entry of solutions/<slug>/wrong.yaml is applied to the reference and written as
    <out>/<name>.py, whose first line names the bug. When an edit no longer applies to the
    reference, nothing is written and the entry is named (learn check lists every such edit).

    \b
    Example:
      learn wrong layer_norm --out /tmp/ln_wrong
      learn grade layer_norm --file /tmp/ln_wrong/unbiased_variance.py
    """
    from grader.course import load_course
    from grader.errors import UserError
    from grader.paths import shown_path
    from grader.wrong_versions import materialise

    exercise = load_course().get(slug)
    if not exercise.wrong_file.is_file():
        raise UserError(f"{slug} has no known-wrong versions: {exercise.wrong_file} not found")
    folder = out if out is not None else Path(f"{slug}_wrong")
    written = materialise(exercise.reference, exercise.wrong_file, folder)
    width = max(len(path.name) for _, path in written) if written else 0
    click.echo(f"Wrote {len(written)} known-wrong versions of {slug} to {shown_path(folder)}:")
    for version, path in written:
        click.echo(f"  {path.name:<{width}}  {version.bug}")
    if written:
        first = shown_path(written[0][1])
        click.echo(f"Grade one: learn grade {slug} --file {first}")


@click.group()
def course() -> None:
    """The course in use: make an editable copy of it.

    Example: learn course copy ~/my-course
    """


@course.command("copy")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def copy_command(folder: Path) -> None:
    """Copy the course in use to FOLDER (new or empty), to edit it or add exercises.

    Copies course.yaml, exercises/, solutions/ and question_bank/. After a plain
    `pip install`, the course inside the package is read-only: copy it, then point
    LEARN_COURSE at the copy so that learn new, learn check and learning itself use it.

    \b
    Example:
      learn course copy ~/my-course
      export LEARN_COURSE=~/my-course
    """
    from grader.paths import COURSE_ENV, course_root, shown_path
    from grader.scaffold import copy_course

    source = course_root()
    parts = copy_course(source, folder)
    click.echo(f"Copied the course ({', '.join(parts)}) from {shown_path(source)} "
               f"to {shown_path(folder)}.")
    click.echo("To use the copy, set (and keep it in your shell profile):")
    click.echo(f"  export {COURSE_ENV}={folder.resolve()}")
    click.echo("Then learn new, learn check and every other command work on it.")
