"""The stub generator: solution blocks become TODOs and a raise."""
from __future__ import annotations

import pytest

from grader.stubs import MarkerError, make_stub, strip_markers

REFERENCE = '''import numpy as np
# BEGIN SOLUTION
def _helper():
    return 1
# END SOLUTION


def double(x):
    """Return 2x."""
    # BEGIN SOLUTION
    # TODO: multiply by two.
    # TODO: keep the dtype.
    return 2 * x
    # END SOLUTION
'''


def test_blocks_become_todos_and_raise() -> None:
    stub = make_stub(REFERENCE)
    assert "_helper" not in stub and "2 * x" not in stub
    assert '    """Return 2x."""\n    # TODO: multiply by two.\n    # TODO: keep the dtype.\n' \
           '    raise NotImplementedError\n' in stub
    namespace: dict = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["double"](1)


def test_strip_markers_keeps_the_code() -> None:
    shown = strip_markers(REFERENCE)
    assert "SOLUTION" not in shown and "return 2 * x" in shown and "# TODO: keep" in shown


@pytest.mark.parametrize("broken, message", [
    ("# BEGIN SOLUTION\n", "never closed"),
    ("# END SOLUTION\n", "without BEGIN"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside another block"),
])
def test_unbalanced_markers_are_errors(broken: str, message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        make_stub(broken, "ref.py")


def test_shipped_stubs_match_their_references() -> None:
    from grader.course import load_course
    from grader.paths import course_root

    course = load_course(course_root())
    for exercise in course.exercises:
        made = make_stub(exercise.reference.read_text(), str(exercise.reference))
        assert exercise.stub.read_text() == made, f"{exercise.stub} is out of date"
