"""`learn solution`: the reference beside the learner's file, and the other correct styles."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import run_learn
from grader.cli import cli
from grader.progress import ProgressStore
from grader.stubs import strip_markers


def solution(*args: str, columns: int = 80):
    return CliRunner().invoke(cli, ["solution", "scale", *args], env={"COLUMNS": str(columns)})


@pytest.fixture
def passed(course, mine):
    """The fixture exercise passed, a correct alternative beside its reference."""
    alternatives = course / "solutions" / "scale" / "alternatives"
    alternatives.mkdir()
    reference = (course / "solutions" / "scale" / "scale.py").read_text()
    (alternatives / "with_multiply.py").write_text(
        '"""Scales with np.multiply instead of the * operator,\nkeeping the dtype by hand.\n\n'
        'More detail that the listing leaves out."""\n' + reference.split('\n', 1)[1].replace(
            "(x * factor)", "np.multiply(x, factor)"))
    with ProgressStore.open() as store:
        store.record_attempt("scale", 10, 10, True, 0.1)
    return course


def test_a_narrow_terminal_gets_a_unified_diff_from_the_learner_to_the_reference(passed, mine) -> None:
    shown = solution(columns=80)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == f"--- your file ({mine})" and lines[1] == "+++ the reference (scale.py)"
    assert "-    raise NotImplementedError" in lines
    assert "+    return float(np.sum(x))" in lines
    assert not any("BEGIN SOLUTION" in line for line in lines)


def test_a_wide_terminal_gets_both_side_by_side(passed) -> None:
    lines = solution(columns=200).output.splitlines()
    assert lines[0].startswith("your file (") and "the reference (scale.py)" in lines[0]
    assert any(line.split() == ["import", "numpy", "as", "np", "import", "numpy", "as", "np"]
               for line in lines)  # an unchanged line sits level with itself
    assert any(line.rstrip().endswith("> " + "    return float(np.sum(x))") or
               ("|" in line and "return float(np.sum(x))" in line) for line in lines)
    assert all(len(line) <= 200 for line in lines)


def test_the_alternatives_are_listed_and_can_be_compared(passed, mine) -> None:
    listing = solution(columns=100).output
    assert "Other correct styles (learn solution scale --alternative NAME):" in listing
    assert ("  with_multiply  Scales with np.multiply instead of the * operator, keeping the "
            "dtype by hand.") in listing
    assert "More detail" not in listing
    mine.write_text(strip_markers((passed / "solutions" / "scale" / "scale.py").read_text(), "ref"))
    same = solution().output
    assert same.startswith("Your file and the reference (scale.py) are the same, line for line.")
    other = solution("--alternative", "with_multiply", "--layout", "diff").output.splitlines()
    assert "+++ the alternative with_multiply" in other
    assert "+    return np.multiply(x, factor).astype(x.dtype)" in other
    plain = solution("--layout", "plain").output
    assert plain.startswith('"""Scale arrays, sum them, count."""') and "---" not in plain


def test_an_unknown_alternative_is_one_line_with_a_suggestion(passed) -> None:
    done = run_learn("solution", "scale", "--alternative", "with_multiplu")
    assert done.returncode == 2
    assert done.stderr == ("error: scale has no alternative named 'with_multiplu' (did you mean "
                           "'with_multiply'?); it has: with_multiply\n")
