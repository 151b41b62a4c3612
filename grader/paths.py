"""Where the course content lives.

A source checkout (or an editable install) reads the course from the repository root: the
folder holding ``course.yaml``, ``exercises/``, ``solutions/`` and ``question_bank/``. A
regular install carries the same folders inside the package, under ``grader/_course``.
``$LEARN_COURSE`` points at another course folder (instructors' own courses, tests).
"""
from __future__ import annotations

import os
from pathlib import Path

from grader.errors import UserError

COURSE_ENV = "LEARN_COURSE"
MANIFEST_NAME = "course.yaml"

_PACKAGE_DIR = Path(__file__).resolve().parent


def course_root() -> Path:
    """The folder of the course in use; a UserError when none can be found."""
    if env := os.environ.get(COURSE_ENV):
        root = Path(env).expanduser().resolve()
        if not (root / MANIFEST_NAME).is_file():
            raise UserError(f"{COURSE_ENV}={env}: no {MANIFEST_NAME} in that folder")
        return root
    for candidate in (_PACKAGE_DIR / "_course", _PACKAGE_DIR.parent):
        if (candidate / MANIFEST_NAME).is_file():
            return candidate
    raise UserError(f"no course found: set {COURSE_ENV} to a folder containing {MANIFEST_NAME}")


def is_bundled(root: Path) -> bool:
    """True when the course is the copy inside an installed package (not to be edited)."""
    return root == _PACKAGE_DIR / "_course"


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
