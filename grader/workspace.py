"""The learner's own files: where they are edited, how they are reset and backed up.

In a source checkout the learner edits the course's ``exercises/<slug>/<file>`` in place. An
installed course (inside site-packages) is never edited: its stubs are copied on first use to
a workspace in the state folder, and ``learn show`` prints the path to edit.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from grader.course import Course, Exercise
from grader.errors import UserError
from grader.paths import is_bundled
from grader.progress import state_dir
from grader.stubs import MarkerError, make_stub


def learner_file(course: Course, exercise: Exercise) -> Path:
    """The file the learner edits for this exercise (created from the stub when missing)."""
    if not is_bundled(course.root):
        return exercise.stub
    path = state_dir() / "workspace" / exercise.slug / exercise.files[0]
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
