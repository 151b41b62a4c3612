"""`learn new`: what it writes passes `learn check` as is, and it never overwrites anything."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import FIXTURES, run_learn
from grader.cli import cli
from test_startup import PROBE

SYLLABUS = """\
version: 1
sections:
  - title: Basics
    topics:
      - id: basics
        title: Basics
        subtopics: {arrays: arrays}
      - id: normalization
        title: Normalisation
        subtopics: {layer-norm: layer norm}
"""


def new(*args: str):
    return CliRunner().invoke(cli, ["new", *args], catch_exceptions=False)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def test_new_exercise_passes_check_as_is(course: Path) -> None:
    done = new("softmax_x", "--title", "Stable softmax", "--topic", "basics")
    assert done.exit_code == 0, done.output
    for path in ("exercises/softmax_x/softmax_x.py", "exercises/softmax_x/README.md",
                 "solutions/softmax_x/softmax_x.py", "solutions/softmax_x/test_softmax_x.py",
                 "solutions/softmax_x/wrong.yaml"):
        assert (course / path).is_file(), path
        assert path in done.output
    assert "# BEGIN SOLUTION" in (course / "solutions/softmax_x/softmax_x.py").read_text()
    assert "raise NotImplementedError" in (course / "exercises/softmax_x/softmax_x.py").read_text()
    assert "python -m grader.stubs solutions/softmax_x/softmax_x.py" in done.output
    assert "learn check softmax_x" in done.output
    checked = run_learn("check", "--no-quiz")       # the whole course, the new exercise too
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "wrong versions: 1/1 caught" in checked.stdout
    assert "The course checks out." in checked.stdout
    assert "reference: 3/3 points" in checked.stdout        # whole points per test: 2 and 1
    assert "softmax_x: tests worth fractional points" not in checked.stdout
    assert "softmax_x: no correct alternative" in checked.stdout   # a reminder, not a failure
    wrong_yaml = (course / "solutions/softmax_x/wrong.yaml").read_text()
    assert "- name: off_by_one" in wrong_yaml and "find:" in wrong_yaml


def test_points_are_shared_in_whole_numbers(course: Path) -> None:
    done = new("clip_y", "--title", "Clip", "--topic", "basics", "--points", "7")
    assert done.exit_code == 0, done.output
    suite = (course / "solutions/clip_y/test_clip_y.py").read_text()
    assert "@pytest.mark.points(6)" in suite and "@pytest.mark.points(1)" in suite
    assert yaml.safe_load((course / "course.yaml").read_text())["exercises"][1]["points"] == 7
    for points in ("2.5", "1", "0"):
        refused = new("clip_z", "--title", "Clip", "--topic", "basics", "--points", points)
        assert refused.exit_code == 2 and "--points" in refused.output
    assert not (course / "solutions" / "clip_z").exists()


def test_manifest_append_keeps_comments_and_order(course: Path) -> None:
    manifest = course / "course.yaml"
    text = manifest.read_text()
    # Put a key and a comment after the exercise list: the entry must go before them.
    text = text.replace("defaults:\n  limits:\n    test_seconds: 2\n    run_seconds: 60\n"
                        "    memory_mb: 256\n", "")
    text += ("\n# limits for every exercise\n"
             "defaults:\n  limits: {test_seconds: 2, memory_mb: 256}\n")
    manifest.write_text(text)
    done = new("clip_x", "--title", 'Clip "x"', "--topic", "basics", "--points", "5")
    assert done.exit_code == 0, done.output
    after = manifest.read_text()
    assert after.startswith(text.split("exercises:")[0])           # the header comment is kept
    assert "# limits for every exercise" in after
    assert after.index("slug: clip_x") < after.index("# limits for every exercise")
    data = yaml.safe_load(after)
    assert [e["slug"] for e in data["exercises"]] == ["scale", "clip_x"]
    assert data["exercises"][1]["title"] == 'Clip "x"' and data["exercises"][1]["points"] == 5
    line = int(done.output.split("entry at line ")[1].split(")")[0])
    assert after.splitlines()[line - 1].strip() == "- slug: clip_x"


def test_refuses_existing_slug_or_files(course: Path) -> None:
    before = snapshot(course)
    done = new("scale", "--title", "Again", "--topic", "basics")
    assert done.exit_code == 2
    assert "already has an exercise named 'scale'" in done.output
    (course / "solutions" / "half_done").mkdir()
    done = new("half_done", "--title", "Half", "--topic", "basics")
    assert done.exit_code == 2 and "solutions/half_done exists already" in done.output
    (course / "solutions" / "half_done").rmdir()
    assert snapshot(course) == before


@pytest.mark.parametrize("slug, message", [
    ("Softmax", "lower_snake_case"), ("1st", "lower_snake_case"), ("soft-max", "lower_snake_case"),
    ("class", "keyword"), ("numpy", "importable module"), ("random", "importable module"),
])
def test_bad_slugs_are_refused(course: Path, slug: str, message: str) -> None:
    done = new(slug, "--title", "T", "--topic", "basics")
    assert done.exit_code == 2
    assert message in done.output and len(done.output.strip().splitlines()) == 1


def test_unknown_topic_suggests_the_close_one(course: Path) -> None:
    (course / "question_bank").mkdir()
    (course / "question_bank" / "syllabus.yaml").write_text(SYLLABUS)
    done = new("norm_x", "--title", "Norm", "--topic", "normalisation")
    assert done.exit_code == 2
    assert "unknown topic 'normalisation' (did you mean 'normalization'?)" in done.output
    assert not (course / "exercises" / "norm_x").exists()
    assert new("norm_x", "--title", "Norm", "--topic", "normalization").exit_code == 0


def test_rolls_back_when_the_manifest_does_not_validate(course: Path, monkeypatch) -> None:
    import grader.scaffold as scaffold

    before = snapshot(course)
    calls = []

    def failing_second_time(root: Path) -> list[str]:
        calls.append(root)
        return [] if len(calls) == 1 else ["course.yaml:30: something is wrong"]

    monkeypatch.setattr(scaffold, "check_manifest", failing_second_time)
    done = new("rolled", "--title", "T", "--topic", "basics")
    assert done.exit_code == 2 and "nothing was kept" in done.output
    assert snapshot(course) == before
    assert not (course / "exercises" / "rolled").exists()


def test_filled_in_exercise_passes_check(course: Path) -> None:
    """The author's path: learn new, write the real thing, remake the stub, learn check."""
    assert new("relu_fwd", "--title", "ReLU", "--topic", "basics").exit_code == 0
    solutions = course / "solutions" / "relu_fwd"
    (solutions / "relu_fwd.py").write_text('''"""ReLU."""
import numpy as np


def relu_fwd(x):
    """Return max(x, 0) elementwise, keeping x's shape and dtype."""
    # BEGIN SOLUTION
    # TODO: keep the positive entries, zero the rest.
    return np.maximum(x, 0).astype(x.dtype)
    # END SOLUTION
''')
    (solutions / "test_relu_fwd.py").write_text('''"""Hidden suite of relu_fwd."""
import numpy as np
import pytest

from grader.suite import assert_close


@pytest.mark.points(2)
def test_negative_entries_become_zero(submission, reference):
    """relu_fwd zeroes negative entries and keeps positive ones."""
    x = np.random.default_rng(1).standard_normal((3, 5))      # (N, D)
    want = reference.relu_fwd(x)
    assert_close(submission.relu_fwd(x), want, name="relu_fwd(x)",
                 bugs={"leaky slope 0.01": np.where(x > 0, x, 0.01 * x)})
''')
    (solutions / "wrong.yaml").write_text('''- name: leaky
  bug: leaks 0.01 x for negative x
  edits:
    - find: "return np.maximum(x, 0).astype(x.dtype)"
      replace: "return np.where(x > 0, x, 0.01 * x)"
''')
    stub = subprocess.run([sys.executable, "-m", "grader.stubs", str(solutions / "relu_fwd.py")],
                          capture_output=True, text=True, check=True).stdout
    (course / "exercises" / "relu_fwd" / "relu_fwd.py").write_text(stub)
    checked = run_learn("check", "relu_fwd", "--no-quiz")
    assert checked.returncode == 0, checked.stdout
    assert "leaky" in checked.stdout and "wrong versions: 1/1 caught" in checked.stdout


@pytest.mark.parametrize("args", [["new", "--help"], ["batch", "--help"], ["wrong", "--help"],
                                  ["course", "copy", "--help"], ["export", "gradescope", "--help"]])
def test_instructor_help_imports_nothing_heavy(shipped_course, args) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env={**os.environ}, timeout=60)
    line = [l for l in done.stderr.splitlines() if l.startswith("HEAVY:")][-1]
    assert line == "HEAVY: ", f"`learn {' '.join(args)}` imported {line[7:]}"


def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Lay the fixture course out as a plain `pip install` does (inside the package) and use it."""
    import grader.paths

    package = tmp_path / "site-packages" / "grader"
    shutil.copytree(FIXTURES / "course", package / "_course")
    monkeypatch.setattr(grader.paths, "_PACKAGE_DIR", package)
    monkeypatch.delenv("LEARN_COURSE", raising=False)
    return package / "_course"


def test_installed_course_is_copied_before_adding_exercises(tmp_path: Path, state_dir: Path,
                                                           monkeypatch) -> None:
    bundled = installed(tmp_path, monkeypatch)
    before = snapshot(bundled)
    refused = new("relu_x", "--title", "ReLU", "--topic", "basics")
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        "error: the installed course cannot be edited: make an editable copy with "
        "`learn course copy DIR`, then set LEARN_COURSE=DIR and run learn new again")

    mine = tmp_path / "my-course"
    done = CliRunner().invoke(cli, ["course", "copy", str(mine)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f"export LEARN_COURSE={mine}" in done.output
    assert snapshot(mine) == before                        # the whole course, as shipped
    os.chmod(bundled / "course.yaml", 0o444)                # a read-only install...
    again = tmp_path / "again"
    assert CliRunner().invoke(cli, ["course", "copy", str(again)]).exit_code == 0
    assert os.access(again / "course.yaml", os.W_OK)        # ...still gives an editable copy

    monkeypatch.setenv("LEARN_COURSE", str(mine))
    assert new("relu_x", "--title", "ReLU", "--topic", "basics").exit_code == 0
    assert (mine / "solutions" / "relu_x" / "wrong.yaml").is_file()
    os.chmod(bundled / "course.yaml", 0o644)
    assert snapshot(bundled) == before


def test_course_copy_refuses_a_folder_in_use(course: Path, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    for target in (tmp_path / "full", course / "inside"):
        done = CliRunner().invoke(cli, ["course", "copy", str(target)], catch_exceptions=False)
        assert done.exit_code == 2 and len(done.output.strip().splitlines()) == 1, done.output
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"
    assert not (course / "inside").exists()
