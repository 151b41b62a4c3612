"""What `learn` suggests next: the exercise in progress, the first one not passed, the quiz."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import SUBMISSIONS, run_learn

GOOD = (SUBMISSIONS / "_good.py").read_text()


@pytest.fixture
def two_exercises(course: Path, state_dir: Path) -> Path:
    """The fixture course with a second exercise, `again` (a copy of scale), and a quiz topic."""
    shutil.copytree(course / "exercises" / "scale", course / "exercises" / "again")
    shutil.copytree(course / "solutions" / "scale", course / "solutions" / "again")
    (course / "solutions" / "again" / "test_scale.py").rename(
        course / "solutions" / "again" / "test_again.py")
    manifest = yaml.safe_load((course / "course.yaml").read_text())
    manifest["exercises"].append({**manifest["exercises"][0], "slug": "again", "title": "Again"})
    (course / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    (course / "question_bank").mkdir()
    (course / "question_bank" / "syllabus.yaml").write_text(
        "sections:\n  - title: Basics\n    topics:\n      - id: basics\n        title: Basics\n")
    return course


def workspace_file(state_dir: Path, slug: str) -> Path:
    path = state_dir / "workspace" / slug / "scale.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_after_a_pass_next_names_the_first_exercise_not_passed(two_exercises, state_dir) -> None:
    workspace_file(state_dir, "again").write_text(GOOD)
    done = run_learn("grade", "again")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("Check the concepts: learn quiz basics\n"
                                         "Next: learn show scale")
    workspace_file(state_dir, "scale").write_text(GOOD)
    done = run_learn("grade", "scale")
    assert "Next:" not in done.stdout
    assert "every exercise of the course has passed" in done.stdout
    assert "Every exercise is done" in run_learn().stdout


def test_a_file_graded_with_file_gets_no_next_step(two_exercises) -> None:
    done = run_learn("grade", "scale", "--file", str(SUBMISSIONS / "_good.py"))
    assert done.returncode == 0
    assert "Next:" not in done.stdout and "learn quiz" not in done.stdout


def test_learn_and_learn_grade_follow_the_exercise_in_progress(two_exercises, state_dir) -> None:
    assert "Next: `learn show scale`" in run_learn().stdout
    first = run_learn("grade")  # nothing graded yet: the first exercise
    assert first.returncode == 1 and first.stdout.startswith("scale · Scale an array")
    workspace_file(state_dir, "again").write_text(GOOD.replace("x * factor", "x + factor"))
    assert run_learn("grade", "again").returncode == 1
    assert "In progress: again." in run_learn().stdout
    follow = run_learn("grade")
    assert follow.stdout.startswith("again · Again") and "3/5 tests passed" in follow.stdout
    workspace_file(state_dir, "again").write_text(GOOD)
    assert run_learn("grade").returncode == 0
    assert "In progress: scale." in run_learn().stdout  # graded (and failed) before again
    workspace_file(state_dir, "scale").write_text(GOOD)
    assert run_learn("grade").stdout.startswith("scale ·")
    everything = run_learn("grade")
    assert everything.returncode == 2 and "every exercise has passed" in everything.stderr
    assert run_learn("grade", "--file", str(SUBMISSIONS / "_good.py")).returncode == 2


def test_show_names_the_quiz_of_the_exercise(state_dir, monkeypatch) -> None:
    monkeypatch.delenv("LEARN_COURSE", raising=False)  # the shipped course and its quiz bank
    shown = run_learn("show", "adam")
    assert shown.returncode == 0
    assert "Quiz:  learn quiz optimizers" in shown.stdout
    topics = run_learn("quiz", "optimizers", "-n", "1", "--seed", "1", stdin="")
    assert topics.stdout.startswith("Quiz: 1 question on optimizers")
