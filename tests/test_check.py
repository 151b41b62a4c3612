"""`learn check`: passes on a sound course; on a course with planted mistakes it fails and
lists every one of them."""
from __future__ import annotations

from pathlib import Path

from conftest import run_learn

WRONG_ROUNDS = """
- name: rounds_first
  bug: rounds x before scaling it
  edits:
    - find: "return (x * factor).astype(x.dtype)"
      replace: "return (np.round(x) * factor).astype(x.dtype)"
"""
WRONG_TOTAL = """
- name: total_plus_one
  bug: adds 1 to the total
  edits:
    - find: "return float(np.sum(x))"
      replace: "return float(np.sum(x)) + 1"
"""


def test_sound_course_checks_out_with_a_catch_table(course: Path) -> None:
    done = run_learn("check", "--no-quiz")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wrong versions: 1/1 caught" in done.stdout
    assert "adds_factor     x  x  .  .  ." in done.stdout   # which tests catch which version
    assert "tests that catch no wrong version: 3, 4, 5" in done.stdout
    assert done.stdout.rstrip().endswith("The course checks out.")
    # Warnings, not failures: 10 points over weights 2, 1, 1, 1, 1; no correct alternative.
    warnings = done.stdout[done.stdout.index("2 warnings (worth fixing, not failures):"):]
    assert ("scale: tests worth fractional points (test_scale_values 3.33, "
            "test_scale_keeps_float32 1.67 and 3 more): points: 6 in course.yaml (not 10) "
            "makes every test whole") in warnings
    assert "scale: no correct alternative in scale/alternatives/" in warnings


def test_whole_points_and_an_alternative_leave_no_warning(course: Path) -> None:
    manifest = course / "course.yaml"
    manifest.write_text(manifest.read_text().replace("points: 10", "points: 6"))
    solutions = course / "solutions" / "scale"
    (solutions / "alternatives").mkdir()
    (solutions / "alternatives" / "multiply.py").write_text(
        (solutions / "scale.py").read_text().replace("(x * factor)", "np.multiply(x, factor)"))
    done = run_learn("check", "--no-quiz")
    assert done.returncode == 0, done.stdout
    assert "reference: 6/6 points" in done.stdout and "alternatives: 1/1 pass" in done.stdout
    assert "warning" not in done.stdout and "\n  ! " not in done.stdout


def test_planted_mistakes_are_all_listed(course: Path) -> None:
    solutions = course / "solutions" / "scale"
    reference = (solutions / "scale.py").read_text()
    # 1. a "wrong" version that no test catches: the suite never scales non-integers
    with (solutions / "wrong.yaml").open("a") as wrong:
        wrong.write(WRONG_ROUNDS)
    # 2. a stub that drifted from the reference's API
    stub = course / "exercises" / "scale" / "scale.py"
    stub.write_text(stub.read_text().replace("def total(x):", "def total(x, axis=None):"))
    # 3. a README that forgets to name a function
    readme = course / "exercises" / "scale" / "README.md"
    readme.write_text(readme.read_text().replace("`total(x)`", "the sum"))
    # 4. a correct alternative that is in fact wrong
    (solutions / "alternatives").mkdir()
    (solutions / "alternatives" / "loop.py").write_text(
        reference.replace("return float(np.sum(x))", "return 2 * float(np.sum(x))"))
    done = run_learn("check", "--no-quiz")
    assert done.returncode == 1
    problems = done.stdout[done.stdout.index("problems:"):]
    assert "scale: no test catches the wrong version rounds_first" in problems
    assert "scale: total: the stub says (x, axis=None), the reference (x)" in problems
    assert "scale: README.md does not mention total" in problems
    assert "scale: the correct alternative loop.py fails test_total" in problems
    assert "4 problems:" in done.stdout


def test_reference_that_fails_and_stub_that_is_not_a_stub(course: Path) -> None:
    solutions = course / "solutions" / "scale"
    reference = solutions / "scale.py"
    reference.write_text(reference.read_text().replace("self.n += 1", "self.n += 2"))
    stub = course / "exercises" / "scale" / "scale.py"
    stub.write_text(stub.read_text().replace(
        '    """Return the sum of x as a Python float."""\n    raise NotImplementedError',
        '    """Return the sum of x as a Python float."""\n    return 0.0'))
    done = run_learn("check", "--no-quiz")
    assert done.returncode == 1
    assert "the reference fails test_counter_handle" in done.stdout
    assert "the stub's test_total is not 'not attempted'" in done.stdout


def test_broken_manifest_lists_its_problems(course: Path) -> None:
    manifest = course / "course.yaml"
    manifest.write_text(manifest.read_text().replace("points: 10", "points: -3")
                        .replace("title: Scale an array", "titel: Scale an array"))
    done = run_learn("check")
    assert done.returncode == 1
    assert "points: must be greater than 0" in done.stdout
    assert "unknown key (did you mean 'title'?)" in done.stdout


def test_an_edit_that_no_longer_applies_is_named_and_the_rest_still_graded(course: Path) -> None:
    solutions = course / "solutions" / "scale"
    with (solutions / "wrong.yaml").open("a") as wrong:
        wrong.write(WRONG_TOTAL)
    # The reference changes under the adds_factor edit (same behaviour, other spelling).
    reference = solutions / "scale.py"
    reference.write_text(reference.read_text().replace("(x * factor)", "(factor * x)"))
    done = run_learn("check", "--no-quiz")
    assert done.returncode == 1, done.stdout
    line = next(number for number, text in
                enumerate((solutions / "wrong.yaml").read_text().splitlines(), 1)
                if "(x * factor)" in text)
    stale = (f"scale: {solutions / 'wrong.yaml'}:{line}: adds_factor: the edit's find text "
             f"'return (x * factor).astype(x.dtype)' is not in the reference; the reference "
             f"changed since the edit was written")
    assert stale in done.stdout
    assert "✗ wrong versions: 1/2 caught" in done.stdout
    assert "total_plus_one  .  .  x  .  ." in done.stdout   # the catch table of the others
    assert "1 problem:" in done.stdout
