"""Manifest validation: every mistake is named with its file, line and key path."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.course import check_manifest, load_course
from grader.errors import UserError


def edit(course: Path, old: str, new: str) -> None:
    manifest = course / "course.yaml"
    text = manifest.read_text()
    assert old in text
    manifest.write_text(text.replace(old, new, 1))


def problems(course: Path) -> list[str]:
    return check_manifest(course)


def test_fixture_course_loads(course) -> None:
    loaded = load_course(course)
    exercise = loaded.get("scale")
    assert exercise.points == 10 and exercise.limits.test_seconds == 2
    assert exercise.forbidden[0].name == "numpy.kron"
    assert exercise.suite.name == "test_scale.py"


@pytest.mark.parametrize("old, new, expected", [
    ("points: 10", "points: ten", "points: expected a number, got str 'ten'"),
    ("points: 10", "points: -1", "points: must be greater than 0"),
    ("    title: Scale an array", "    titel: Scale an array", "unknown key (did you mean 'title'?)"),
    ("slug: scale", "slug: Scale-It", "expected lower_snake_case"),
    ("test_seconds: 2", "test_seconds: 0", "test_seconds: expected a number from 0.1 to 600"),
    ("memory_mb: 256", "memory_mb: 1.5", "memory_mb: expected a whole number"),
    ("files: [scale.py]", "files: [scales.py]", "stub exercises/scale/scales.py not found"),
    ("name: numpy.kron", "name: kron", "expected a dotted name"),
    ("version: 1", "version: 2", "version: expected 1, got 2"),
])
def test_bad_values_are_reported_with_line_and_key(course, old: str, new: str, expected: str) -> None:
    edit(course, old, new)
    found = problems(course)
    assert any(expected in problem for problem in found), found
    assert all(problem.startswith(str(course / "course.yaml") + ":") for problem in found)
    with pytest.raises(UserError):
        load_course(course)


def test_duplicate_slug_names_the_first_line(course) -> None:
    manifest = course / "course.yaml"
    text = manifest.read_text()
    entry = text[text.index("  - slug: scale"):]
    manifest.write_text(text + entry)
    found = problems(course)
    assert any("duplicate slug 'scale' (first used at line" in problem for problem in found)


def test_all_problems_are_listed_at_once(course) -> None:
    edit(course, "points: 10", "points: 0")
    edit(course, "title: Scale an array", "title: 3")
    assert len(problems(course)) == 2


def test_invalid_yaml_gives_the_line(course) -> None:
    (course / "course.yaml").write_text("version: 1\nexercises: [\n")
    found = problems(course)
    assert len(found) == 1 and "invalid YAML" in found[0] and "course.yaml:" in found[0]


def test_unknown_exercise_suggests(course) -> None:
    with pytest.raises(UserError, match="did you mean 'scale'"):
        load_course(course).get("scal")
