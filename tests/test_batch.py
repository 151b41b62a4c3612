"""`learn batch`: hostile submissions beside good ones, the gradebook, resume, zips, cleanup."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import SUBMISSIONS, run_learn, wrong_version_text

EXPECTED = json.loads((SUBMISSIONS / "expected.json").read_text())
TESTS = ["test_scale_values", "test_scale_keeps_float32", "test_total", "test_counter_handle",
         "test_rejects_zero_factor"]
HOSTILE = ["loop_in_call", "memory_blowup", "segfault", "orphan_process", "sys_exit",
           "syntax_error", "correct"]


# -- processes ---------------------------------------------------------------------------------

def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fields[0] != b"Z":
            found[int(name)] = (int(fields[1]), command)
    return found


def leftovers(before: set[int]) -> list[str]:
    """Processes a batch may have left: learner strays, and grading processes or zygotes that
    are still our descendants or were orphaned (re-parented to init)."""
    table = processes()
    me = os.getpid()

    def ours(pid: int) -> bool:
        while pid > 1 and pid in table:
            pid = table[pid][0]
            if pid == me:
                return True
        return False

    left = []
    for pid, (parent, command) in table.items():
        if pid in before:
            continue
        if "sleep 313.25" in command:
            left.append(command)
        elif ("grader.zygote" in command or "grader.batch_worker" in command) and (
                parent == 1 or ours(pid)):
            left.append(command)
    return left


# -- submissions -------------------------------------------------------------------------------

def reference_text(course: Path) -> str:
    return (course / "solutions" / "scale" / "scale.py").read_text()


@pytest.fixture
def klass(tmp_path: Path, course: Path) -> Path:
    """A mixed class: one folder per hostile fixture (with its helper), plain files, a folder
    without any Python file, and things that are not submissions."""
    root = tmp_path / "class"
    root.mkdir()
    for name in HOSTILE:
        folder = root / name
        folder.mkdir()
        shutil.copy(SUBMISSIONS / f"{name}.py", folder / "scale.py")
        shutil.copy(SUBMISSIONS / "_good.py", folder / "_good.py")
    (root / "alice.py").write_text(reference_text(course))
    (root / "bob.py").write_text(wrong_version_text(course, "scale", "adds_factor"))
    (root / "carol").mkdir()
    (root / "carol" / "notes.txt").write_text("I ran out of time")
    (root / "dave").mkdir()
    (root / "dave" / "nested").mkdir()
    (root / "dave" / "nested" / "my_scale.py").write_text(reference_text(course))
    (root / "_shared.py").write_text("raise SystemExit('not a student')\n")
    (root / ".DS_Store").write_text("")
    (root / "readme.txt").write_text("not a student")
    return root


def read_gradebook(out: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with open(out / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
        handle.seek(0)
        header = next(csv.reader(handle))
    return header, {row["student"]: row for row in rows}


def results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))}


def test_hostile_submissions_cost_only_their_own_row(klass: Path, tmp_path: Path) -> None:
    before = set(processes())
    out = tmp_path / "grades"
    done = run_learn("batch", str(klass), "--exercise", "scale", "--jobs", "2", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr

    header, rows = read_gradebook(out)
    assert header == ["student", "score", "max_score", "status", "seconds", *TESTS]
    assert sorted(rows) == sorted([*HOSTILE, "alice", "bob", "carol", "dave"])
    documents = results(out)
    assert sorted(documents) == sorted(rows)
    for name in HOSTILE:
        spec = EXPECTED[name]
        reasons = {t["name"]: t["reason"] for t in documents[name]["tests"]}
        assert reasons == {test: spec.get(test, spec["all"]) for test in TESTS}, name
    assert rows["correct"]["status"] == "passed" and rows["correct"]["score"] == "10"
    assert rows["loop_in_call"]["test_total"] == "0" and rows["loop_in_call"]["score"] == "8.33"
    assert rows["alice"]["status"] == "passed" and rows["dave"]["status"] == "passed"
    assert rows["bob"]["status"] == "failed"
    assert rows["carol"]["status"] == "missing" and rows["carol"]["test_total"] == ""
    assert "no scale.py and no other .py file" in documents["carol"]["output"]
    assert documents["dave"]["submission"].endswith("dave")
    assert all(len(d["sha256"]) == 64 for d in documents.values())

    summary = done.stdout
    for word in ("mean", "median", "min/max", "90-100%", "most-failed tests", "test_total"):
        assert word in summary
    assert "passed 4" in summary and "missing 1" in summary
    time.sleep(0.2)
    assert leftovers(before) == []


def test_rerun_regrades_only_what_changed(course: Path, tmp_path: Path) -> None:
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "alice.py").write_text(reference_text(course))
    (klass / "bob.py").write_text(wrong_version_text(course, "scale", "adds_factor"))
    out = tmp_path / "grades"
    args = ("batch", str(klass), "--exercise", "scale", "--out", str(out))
    first = run_learn(*args)
    assert first.returncode == 0, first.stderr
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()}

    second = run_learn(*args)
    assert second.returncode == 0
    assert "2 unchanged submissions graded earlier: kept" in second.stdout
    assert "[1/" not in second.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()} == stamps
    assert read_gradebook(out)[1]["bob"]["status"] == "failed"

    (klass / "bob.py").write_text(reference_text(course))          # bob fixes his bug
    third = run_learn(*args)
    assert "1 unchanged submission graded earlier: kept" in third.stdout
    assert "[1/1] bob" in third.stdout
    assert read_gradebook(out)[1]["bob"]["status"] == "passed"
    assert (out / "results" / "alice.json").stat().st_mtime_ns == stamps["alice.json"]

    forced = run_learn(*args, "--force")
    assert "[2/2]" in forced.stdout
    inside = run_learn("batch", str(klass), "--exercise", "scale", "--out", str(klass / "grades"))
    assert inside.returncode == 0 and "[2/2]" in inside.stdout     # grades/ is not a student
    assert "grades" not in read_gradebook(klass / "grades")[1]


def test_zip_of_a_class_folder(klass: Path, tmp_path: Path) -> None:
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in ("alice.py", "bob.py", "correct/scale.py", "correct/_good.py"):
            zipped.write(klass / name, f"class/{name}")          # one top folder, unwrapped
        zipped.writestr("__MACOSX/class/._alice.py", "junk")
    out = tmp_path / "grades"
    done = run_learn("batch", str(archive), "--exercise", "scale", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = read_gradebook(out)[1]
    assert {name: row["status"] for name, row in rows.items()} == {
        "alice": "passed", "bob": "failed", "correct": "passed"}
    assert results(out)["alice"]["submission"] == f"{archive}:class/alice.py"
    again = run_learn("batch", str(archive), "--exercise", "scale", "--out", str(out))
    assert "3 unchanged submissions graded earlier: kept" in again.stdout


@pytest.mark.parametrize("member", ["../evil.py", "/tmp/evil_abs.py", "a/../../evil.py"])
def test_unsafe_zip_is_refused(course: Path, tmp_path: Path, member: str) -> None:
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("alice.py", reference_text(course))
        zipped.writestr(member, "print('escaped')")
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    done = run_learn("batch", str(archive), "--exercise", "scale", "--out", str(work / "grades"),
                     cwd=work)
    assert done.returncode == 2
    assert "unsafe path in the zip" in done.stderr
    assert not list(tmp_path.rglob("evil*.py")) and not Path("/tmp/evil_abs.py").exists()


def test_usage_errors_exit_2(course: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [(["batch", str(empty), "--exercise", "scale", "--out", str(tmp_path / "o")],
              "no submissions found"),
             (["batch", str(tmp_path / "nowhere"), "--exercise", "scale", "--out", "o"],
              "no such file or folder"),
             (["batch", str(empty), "--exercise", "scael", "--out", "o"], "did you mean 'scale'"),
             (["batch", str(empty), "--exercise", "scale", "--out", "o", "--jobs", "0"], "--jobs")]
    for args, message in cases:
        done = run_learn(*args)
        assert done.returncode == 2, args
        assert message in done.stderr, done.stderr


def test_interrupted_batch_keeps_finished_rows_and_resumes(course: Path, tmp_path: Path) -> None:
    before = set(processes())
    klass = tmp_path / "class"
    klass.mkdir()
    for number in range(4):          # each needs a little over 2 s: test_total times out
        folder = klass / f"s{number}"
        folder.mkdir()
        shutil.copy(SUBMISSIONS / "loop_in_call.py", folder / "scale.py")
        shutil.copy(SUBMISSIONS / "_good.py", folder / "_good.py")
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "grader", "batch", str(klass), "--exercise", "scale",
               "--jobs", "1", "--out", str(out)]
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
    first_line = batch.stdout.readline()
    assert first_line.startswith("[1/4] s0"), first_line
    batch.send_signal(signal.SIGINT)
    stdout, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130, stderr
    assert "Interrupted" in stderr
    kept = results(out)
    assert 1 <= len(kept) < 4
    assert sorted(read_gradebook(out)[1]) == sorted(kept)
    assert not list((out / "results").glob(".*.tmp"))
    time.sleep(0.2)
    assert leftovers(before) == []

    rest = run_learn("batch", str(klass), "--exercise", "scale", "--jobs", "2", "--out", str(out))
    assert rest.returncode == 0
    assert f"{len(kept)} unchanged submission" in rest.stdout
    assert len(read_gradebook(out)[1]) == 4
    assert leftovers(before) == []


def test_interrupted_forced_batch_says_how_to_resume_and_files_match_the_gradebook(
        course: Path, tmp_path: Path) -> None:
    klass = tmp_path / "class"
    for number in range(4):          # each needs a little over 2 s: test_total times out
        folder = klass / f"s{number}"
        folder.mkdir(parents=True)
        shutil.copy(SUBMISSIONS / "loop_in_call.py", folder / "scale.py")
        shutil.copy(SUBMISSIONS / "_good.py", folder / "_good.py")
    (klass / "gone").mkdir()           # graded once, then removed from the class
    shutil.copy(SUBMISSIONS / "correct.py", klass / "gone" / "scale.py")
    shutil.copy(SUBMISSIONS / "_good.py", klass / "gone" / "_good.py")
    out = tmp_path / "grades"
    first = run_learn("batch", str(klass), "--exercise", "scale", "--jobs", "2", "--out", str(out))
    assert first.returncode == 0 and len(results(out)) == 5
    shutil.rmtree(klass / "gone")

    command = [sys.executable, "-m", "grader", "batch", str(klass), "--exercise", "scale",
               "--jobs", "1", "--out", str(out), "--force"]
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
    assert batch.stdout.readline().startswith("[1/4] s0")
    batch.send_signal(signal.SIGINT)
    _, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130
    assert "not graded yet; run it again without --force" in stderr and "--force)" not in stderr
    kept = results(out)
    assert sorted(read_gradebook(out)[1]) == sorted(kept)       # never one without the other
    stale = sorted(p.stem for p in (out / "results" / "stale").glob("*.json"))
    assert "gone" in stale and sorted([*kept, *stale]) == sorted(["gone", *[f"s{n}" for n in range(4)]])

    rest = run_learn("batch", str(klass), "--exercise", "scale", "--jobs", "2", "--out", str(out))
    assert rest.returncode == 0 and f"{len(kept)} unchanged submission" in rest.stdout
    assert sorted(read_gradebook(out)[1]) == sorted(results(out)) == [f"s{n}" for n in range(4)]


def test_stuck_grading_process_is_killed_and_its_row_retried(course: Path, tmp_path: Path,
                                                             monkeypatch) -> None:
    """A grade that outlives its deadline: the grading process is killed, its workers with
    it, the row says why (status error, exit 1), and the next run grades it again."""
    from click.testing import CliRunner

    import grader.batch_pool
    from grader.cli import cli

    before = set(processes())
    klass = tmp_path / "class"
    (klass / "stuck").mkdir(parents=True)
    (klass / "stuck" / "scale.py").write_text(   # every test times out: about 10 s in all
        "def scale(x, factor):\n    while True: pass\n\n\n"
        "def total(x):\n    while True: pass\n\n\n"
        "class Counter:\n    def __init__(self, start):\n        while True: pass\n")
    (klass / "alice.py").write_text(reference_text(course))
    out = tmp_path / "grades"
    args = ["batch", str(klass), "--exercise", "scale", "--out", str(out)]
    monkeypatch.setattr(grader.batch_pool, "GRADE_MARGIN_SECONDS", -57.0)   # 60 s run limit -> 3 s
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 1, done.output
    rows = read_gradebook(out)[1]
    assert rows["stuck"]["status"] == "error" and rows["alice"]["status"] == "passed"
    assert "grading took more than 3 s" in results(out)["stuck"]["output"]
    assert "could not be graded" in done.output
    time.sleep(0.2)
    assert leftovers(before) == []

    again = CliRunner().invoke(cli, args, catch_exceptions=False)   # error rows are retried
    assert "1 unchanged submission graded earlier: kept" in again.output
    assert "[1/1] stuck" in again.output
    time.sleep(0.2)
    assert leftovers(before) == []
