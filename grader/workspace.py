"""The learner's own files: where they are edited, how they are reset and backed up.

The learner never edits the course folder: every exercise's file lives in the workspace of
the state folder (``$LEARN_HOME/workspace/<slug>/<file>``), copied from the course's stub the
first time it is needed, whether the course is a clone or an installed package. The course
stays exactly as shipped, so ``learn check``, the platform's own tests and ``learn export``
see the real stubs, and ``git status`` stays clean. ``learn show`` prints the path to edit.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from grader.course import Course, Exercise
from grader.errors import UserError
from grader.paths import shown_path
from grader.progress import state_dir
from grader.stubs import MarkerError, make_stub


def workspace_dir() -> Path:
    """The folder holding the learner's files, one sub-folder per exercise."""
    return state_dir() / "workspace"


def learner_file(course: Course, exercise: Exercise) -> Path:
    """The file the learner edits for this exercise (copied from the stub when missing).

    The path does not depend on where the course lives: a clone and an installed copy of the
    same course share the learner's work, as they share the progress store.
    """
    path = workspace_dir() / exercise.slug / exercise.files[0]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exercise.stub, path)
    return path


def pristine_stub(exercise: Exercise) -> str:
    """The stub as the course ships it, made from the reference's solution markers."""
    try:
        return make_stub(exercise.reference.read_text(encoding="utf-8"), str(exercise.reference))
    except (OSError, MarkerError) as error:
        raise UserError(f"cannot make the stub of {exercise.slug}: {error}") from None


def write_atomically(path: Path, text: str) -> None:
    """Replace path's content all at once: a crash leaves the old file or the new, never half."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def backup(path: Path, slug: str) -> Path:
    """Copy the learner's file into the state folder's backups; return the copy's path."""
    folder = state_dir() / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{slug}-{stamp}-{path.name}"
    counter = 1
    while target.exists():
        counter += 1
        target = folder / f"{slug}-{stamp}-{counter}-{path.name}"
    shutil.copy2(path, target)
    return target


def reset(course: Course, exercise: Exercise) -> Path | None:
    """Restore the pristine stub; return the backup of the learner's version (None if none)."""
    path = learner_file(course, exercise)
    stub = pristine_stub(exercise)
    saved = None
    if path.exists():
        if path.read_text(encoding="utf-8", errors="replace") == stub:
            return None
        saved = backup(path, exercise.slug)
    write_atomically(path, stub)
    return saved


def open_in_editor(path: Path) -> None:
    """Open path in the learner's editor ($VISUAL, else $EDITOR) and wait for it to close.

    The variable may carry arguments (``code --wait``). A missing variable, or an editor that
    cannot be started, is a UserError of one line.
    """
    for variable in ("VISUAL", "EDITOR"):
        command = os.environ.get(variable, "").strip()
        if command:
            break
    else:
        raise UserError(f"no editor set: set $VISUAL or $EDITOR (export EDITOR=nano), "
                        f"or open {shown_path(path)} yourself")
    try:
        words = shlex.split(command)
    except ValueError as error:
        raise UserError(f"${variable}={command!r} cannot be read as a command: {error}") from None
    try:
        status = subprocess.call([*words, str(path)])
    except OSError as error:
        raise UserError(f"cannot start the editor {words[0]!r} (from ${variable}): "
                        f"{error.strerror or error}") from None
    if status != 0:
        raise UserError(f"the editor {words[0]!r} (from ${variable}) ended with status {status}")
