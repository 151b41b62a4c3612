"""`learn export gradescope`: the zip's layout, and its run_autograder run locally against a
fake /autograder tree (setup.sh's install step is skipped: the current environment is used)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SUBMISSIONS
from grader.cli import cli


@pytest.fixture
def autograder_zip(course: Path, tmp_path: Path) -> Path:
    out = tmp_path / "scale_autograder.zip"
    done = CliRunner().invoke(cli, ["export", "gradescope", "scale", "--out", str(out)],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "students upload scale.py" in done.output
    return out


def autograder_tree(archive: Path, root: Path) -> Path:
    """Lay the zip out as Gradescope does: source/ holds the zip, run_autograder is copied up."""
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(root / "source")
        for info in zipped.infolist():       # extractall drops permissions: put them back
            mode = info.external_attr >> 16
            if mode:
                os.chmod(root / "source" / info.filename, mode & 0o777)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return root


def run_autograder(root: Path, python: str = sys.executable) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("LEARN_COURSE", "LEARN_HOME")}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=python)
    done = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True,
                          env=env, cwd=root, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_zip_has_gradescope_layout(autograder_zip: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as zipped:
        names = zipped.namelist()
        infos = {info.filename: info for info in zipped.infolist()}
        setup = zipped.read("setup.sh").decode()
        run = zipped.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "course/course.yaml",
            "course/exercises/scale/scale.py", "course/exercises/scale/README.md",
            "course/solutions/scale/scale.py", "course/solutions/scale/test_scale.py"} <= set(names)
    wheels = [n for n in names if n.startswith("wheels/")]
    assert len(wheels) == 1 and wheels[0].endswith("-py3-none-any.whl")
    assert not any("/wrong" in n or "__pycache__" in n or "alternatives" in n for n in names)
    # The engine's wheel carries no course: only this exercise's reference and suite ship.
    with zipfile.ZipFile(autograder_zip) as zipped:
        wheel = zipped.read(wheels[0])
    inner = zipfile.ZipFile(__import__("io").BytesIO(wheel))
    assert not [n for n in inner.namelist() if "_course" in n or "solutions" in n]
    record = next(n for n in inner.namelist() if n.endswith(".dist-info/RECORD"))
    assert "_course" not in inner.read(record).decode()
    assert [n for n in names if n.endswith("test_scale.py")] == ["course/solutions/scale/test_scale.py"]
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
        assert subprocess.run(["bash", "-n"], input=zipped_text(autograder_zip, script),
                              text=True).returncode == 0
    assert wheels[0].removeprefix("wheels/") in setup
    assert '"torch>=2.2,<2.14"' in setup and "download.pytorch.org/whl/cpu" in setup
    assert "python -m grader.autograder" not in run and '-m grader.autograder "scale"' in run


def zipped_text(archive: Path, name: str) -> str:
    with zipfile.ZipFile(archive) as zipped:
        return zipped.read(name).decode()


def test_correct_submission_gets_full_marks(autograder_zip: Path, tmp_path: Path) -> None:
    root = autograder_tree(autograder_zip, tmp_path / "autograder")
    shutil.copy(SUBMISSIONS / "correct.py", root / "submission" / "scale.py")
    shutil.copy(SUBMISSIONS / "_good.py", root / "submission" / "_good.py")
    results = run_autograder(root)
    assert results["score"] == pytest.approx(10)
    assert [t["name"] for t in results["tests"]] == [
        "test_scale_values", "test_scale_keeps_float32", "test_total", "test_counter_handle",
        "test_rejects_zero_factor"]
    assert {t["status"] for t in results["tests"]} == {"passed"}
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(10)
    assert "5/5 tests passed" in results["output"]
    assert set(results) <= {"score", "execution_time", "output", "tests", "extra_data"}
    for test in results["tests"]:
        assert set(test) <= {"name", "number", "score", "max_score", "status", "output",
                             "visibility", "extra_data"}


def test_hanging_submission_in_a_subfolder(autograder_zip: Path, tmp_path: Path) -> None:
    root = autograder_tree(autograder_zip, tmp_path / "autograder")
    folder = root / "submission" / "my-upload"
    folder.mkdir()
    shutil.copy(SUBMISSIONS / "loop_in_call.py", folder / "scale.py")
    shutil.copy(SUBMISSIONS / "_good.py", folder / "_good.py")
    results = run_autograder(root)
    total = next(t for t in results["tests"] if t["name"] == "test_total")
    assert total["status"] == "failed" and total["score"] == 0
    assert total["extra_data"]["reason"] == "timeout"
    assert "did not finish within 2 s" in total["output"]
    assert results["score"] == pytest.approx(10 - 10 / 6, abs=1e-3)


def test_submission_cannot_write_its_own_results(autograder_zip: Path, tmp_path: Path) -> None:
    root = autograder_tree(autograder_zip, tmp_path / "autograder")
    fake = json.dumps({"score": 100, "tests": []})
    (root / "submission" / "scale.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(root / 'results' / 'results.json')!r}).write_text({fake!r})\n"
        "def scale(x, factor):\n    return x\n")
    results = run_autograder(root)
    assert results["score"] == 0
    assert len(results["tests"]) == 5


def test_nothing_to_grade_still_writes_results(autograder_zip: Path, tmp_path: Path) -> None:
    root = autograder_tree(autograder_zip, tmp_path / "autograder")
    (root / "submission" / "answers.txt").write_text("no code")
    results = run_autograder(root)
    assert results["score"] == 0 and results["tests"] == []
    assert "Upload your scale.py" in results["output"]


def test_broken_environment_still_writes_results(autograder_zip: Path, tmp_path: Path) -> None:
    root = autograder_tree(autograder_zip, tmp_path / "autograder")
    shutil.copy(SUBMISSIONS / "correct.py", root / "submission" / "scale.py")
    results = run_autograder(root, python="/bin/false")        # learn is not installed
    assert results["score"] == 0 and results["tests"] == []
    assert "problem with the autograder" in results["output"]


def test_export_refuses_a_path_that_is_not_a_zip(course: Path, tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["export", "gradescope", "scale", "--out",
                                    str(tmp_path / "out.tar")])
    assert done.exit_code == 2 and "must be a .zip" in done.output
