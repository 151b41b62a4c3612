"""The grader against submissions written to break it: one test per attack class.

Every attack in tests/fixtures/attacks/ is graded through the real `learn` command, `learn
batch` or the Gradescope autograder, and each test checks that the attack was refused or
contained, and that honest results stayed exactly what they should be. They run with the
sandbox on; the fallback without namespaces has tests of its own at the end.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, SUBMISSIONS, processes_in, run_learn

ATTACKS = FIXTURES / "attacks"
TESTS = ["test_scale_values", "test_scale_keeps_float32", "test_total", "test_counter_handle",
         "test_rejects_zero_factor"]
HONEST_REASONS = {name: "passed" for name in TESTS}


def stage(name: str, folder: Path, **values: str) -> Path:
    """The attack as a submission in its own folder, beside the correct helpers it imports."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (ATTACKS / f"{name}.py").read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    target = folder / "scale.py"
    target.write_text(text)
    shutil.copy(SUBMISSIONS / "_good.py", folder / "_good.py")
    return target


# Attacks run only where the sandbox is: without it some of them (signals to every process,
# writes into every pipe) would reach the machine running the tests.
SANDBOXED = {"LEARN_SANDBOX": "required"}


def grade(path: Path, *extra: str, slug: str = "scale") -> dict:
    done = run_learn("grade", slug, "--file", str(path), "--json", *extra, env=SANDBOXED)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def reasons(document: dict) -> dict[str, str]:
    return {t["name"]: t["reason"] for t in document["tests"]}


def output_of(document: dict, test: str) -> str:
    return next(t["output"] for t in document["tests"] if t["name"] == test)


def test_doctor_reports_the_sandbox_by_trying_it() -> None:
    done = run_learn("doctor", env=SANDBOXED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sandbox: on" in done.stdout
    assert done.stdout.count("✓") == 4 and "✗" not in done.stdout


def test_stopping_every_process_it_can_reach_costs_only_its_own_time(shipped_course, tmp_path):
    document = grade(stage("stop_everyone", tmp_path / "s"))
    # It reaches only its own namespace, where the init ignores it; it does stop itself
    # (it is pid 2 there), which costs its own test, and the next test gets a fresh worker.
    assert reasons(document) == {**HONEST_REASONS, "test_total": "timeout"}


def test_poisoned_bytecode_cannot_be_written_into_the_grader(shipped_course, tmp_path):
    cache = REPO / "grader" / "__pycache__"
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pyc")} if cache.is_dir() else {}
    document = grade(stage("poison_grader_cache", tmp_path / "p"))
    assert reasons(document)["test_total"] == "failed"
    assert "could not poison" in output_of(document, "test_total")
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pyc")} if cache.is_dir() else {}
    assert after == before
    # and a wrong submission graded next still fails
    assert reasons(grade(stage("poison_grader_cache", tmp_path / "q")))["test_total"] == "failed"


def test_a_reply_trickled_byte_by_byte_cannot_stretch_the_deadline(shipped_course, tmp_path):
    started = time.monotonic()
    document = grade(stage("trickle_reply", tmp_path / "t"))
    elapsed = time.monotonic() - started
    assert reasons(document)["test_total"] == "timeout"
    # The test limit is 2 s for the whole call; the trickle alone would take 16 s.
    assert elapsed < 15, elapsed


def test_a_huge_reply_header_is_refused_without_reading_it(shipped_course, tmp_path):
    document = grade(stage("huge_header", tmp_path / "h"))
    assert reasons(document)["test_total"] in ("crash", "error")
    assert document["tests"][0]["reason"] == "passed"


def test_the_progress_store_and_state_folder_are_out_of_reach(state_dir, shipped_course, tmp_path):
    done = run_learn("grade", "scale")          # records an attempt: the store exists
    assert done.returncode == 1
    stored = {p: p.read_bytes() for p in state_dir.rglob("*") if p.is_file()}
    assert stored
    submission = stage("edit_progress_store", tmp_path / "e", STATE=str(state_dir))
    document = grade(submission)
    assert reasons(document)["test_total"] == "failed"
    assert not (state_dir / "planted.txt").exists()
    assert {p: p.read_bytes() for p in state_dir.rglob("*") if p.is_file()} == stored


def test_escape_sequences_in_learner_output_are_shown_not_obeyed(shipped_course, tmp_path):
    done = run_learn("grade", "scale", "--file", str(stage("fake_report", tmp_path / "f")),
                     env=SANDBOXED)
    assert done.returncode == 1
    assert "\x1b" not in done.stdout and "\r" not in done.stdout and "\u202e" not in done.stdout
    assert "\\x1b[2J" in done.stdout and "\\r" in done.stdout and "\\u202e" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == "4/5 tests passed, 8.33/10 points"


def test_the_disk_a_submission_can_fill_is_bounded(shipped_course, tmp_path):
    document = grade(stage("fill_disk", tmp_path / "d"))
    printed = output_of(document, "test_total") if reasons(document)["test_total"] != "passed" \
        else ""
    for test in document["tests"]:
        printed += test["output"]
    written = int(printed.split("WROTE ")[1].split(" MB")[0]) if "WROTE" in printed else None
    # A 64 MB /tmp of its own (and 8 MB of /dev/shm): nothing else is writable.
    assert written is not None and written <= 72, printed[-500:]
    assert "Read-only file system" in printed or "No space left" in printed


def test_the_reference_cannot_be_imported_around_the_blocker(shipped_course, tmp_path):
    reference = FIXTURES / "course" / "solutions" / "scale" / "scale.py"
    document = grade(stage("read_the_reference", tmp_path / "r", REFERENCE=str(reference)))
    assert "could not import the reference" in "".join(t["output"] for t in document["tests"])
    assert reasons(document)["test_scale_values"] == "failed"


def test_processes_that_outlive_the_grade_cannot_touch_results_json(shipped_course, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    results = root / "results" / "results.json"
    stage("outlive_and_rewrite", root / "submission", RESULTS=str(results))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "TMPDIR": str(tmp_path), **SANDBOXED}
    done = subprocess.run([sys.executable, "-m", "grader.autograder", "scale"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    written = results.read_text()
    time.sleep(4.5)   # longer than the attackers try
    assert results.read_text() == written
    document = json.loads(written)
    assert document["score"] == pytest.approx(10) and "forged" not in written
    assert processes_in(tmp_path) == []


def test_torch_is_not_importable_in_a_numpy_exercise(state_dir, tmp_path):
    target = tmp_path / "ln" / "layer_norm.py"
    target.parent.mkdir()
    shutil.copy(ATTACKS / "torch_in_numpy_exercise.py", target)
    document = grade(target, slug="layer_norm")
    assert document["score"] == 0
    printed = "".join(t["output"] for t in document["tests"])
    assert "import torch: this exercise allows importing only numpy" in printed
    assert "torch on disk: []" in printed     # not just refused: absent from the sandbox


DOORS = {
    "aten math kernel": "torch.ops.aten._scaled_dot_product_attention_math(q, k, v)",
    "aten operator": "torch.ops.aten.scaled_dot_product_attention(q, k, v)",
    "C binding": "torch._C._nn.scaled_dot_product_attention(q, k, v)",
    "functional, record cleared through gc":
        "(torch.nn.functional.scaled_dot_product_attention(q, k, v), "
        "[o.clear() for o in __import__('gc').get_objects() if type(o) is list "
        "and 'torch.nn.functional.scaled_dot_product_attention' in o])",
    "__wrapped__ of the tripwire":
        "torch.nn.functional.scaled_dot_product_attention.__wrapped__(q, k, v)",
}


@pytest.mark.parametrize("door", sorted(DOORS))
def test_the_taught_builtin_is_caught_through_every_door(state_dir, tmp_path, door):
    reference = (REPO / "solutions" / "multi_head_attention" / "multi_head_attention.py").read_text()
    line = "    out = weights @ v                                        # (..., Lq, dv)\n"
    assert line in reference
    target = tmp_path / "mha" / "multi_head_attention.py"
    target.parent.mkdir()
    target.write_text(reference.replace(line, f"{line}    _shortcut = {DOORS[door]}\n"))
    document = grade(target, slug="multi_head_attention")
    assert document["score"] < document["max_score"]
    attention_tests = [t for t in document["tests"] if t["name"].startswith("test_sdpa")]
    assert attention_tests and all(t["reason"] != "passed" for t in attention_tests)
    if door != "__wrapped__ of the tripwire":     # that door is simply gone: AttributeError
        assert any(t["reason"] == "forbidden" for t in attention_tests)


def test_frozen_clocks_do_not_fake_the_speed_test(state_dir, tmp_path):
    target = tmp_path / "pe" / "positional_encoding.py"
    target.parent.mkdir()
    shutil.copy(ATTACKS / "fake_clock.py", target)
    document = grade(target, slug="positional_encoding")
    speed = next(t for t in document["tests"] if t["name"] == "test_fast_enough")
    assert speed["reason"] == "failed" and "too slow" in speed["output"]


# -- learn batch: several students, some of them attackers ------------------------------------

def test_batch_grades_honest_students_right_whatever_the_attackers_do(shipped_course, tmp_path):
    klass = tmp_path / "class"
    good = (FIXTURES / "course" / "solutions" / "scale" / "scale.py").read_text()
    for student in ("alice", "bob", "carol"):
        (klass / student).mkdir(parents=True)
        (klass / student / "scale.py").write_text(good)
    (klass / "dave").mkdir()
    (klass / "dave" / "scale.py").write_text(good.replace("return float(np.sum(x))",
                                                          "return float(np.sum(x)) + 1"))
    stage("forge_batch_rows", klass / "mallory", VICTIM="dave")
    stage("stop_everyone", klass / "oscar")
    stage("trickle_reply", klass / "trent")
    # a name that a spreadsheet would run, and a submission that is a link to the reference
    stage("fake_report", klass / "=SUM(1,2)")
    (klass / "zed.py").symlink_to(FIXTURES / "course" / "solutions" / "scale" / "scale.py")
    out = tmp_path / "grades"
    done = run_learn("batch", str(klass), "--exercise", "scale", "--jobs", "2", "--out", str(out),
                     env={"TMPDIR": str(tmp_path), **SANDBOXED}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    documents = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    for student in ("alice", "bob", "carol"):
        assert documents[student]["score"] == pytest.approx(10), student
        assert reasons(documents[student]) == HONEST_REASONS
    assert reasons(documents["dave"])["test_total"] == "failed"   # not the forged full marks
    assert reasons(documents["mallory"])["test_total"] == "failed"
    assert reasons(documents["oscar"]) == {**HONEST_REASONS, "test_total": "timeout"}
    assert reasons(documents["trent"])["test_total"] == "timeout"
    assert documents["zed"]["status"] == "missing" and "symbolic link" in documents["zed"]["output"]
    with open(out / "gradebook.csv", newline="") as handle:
        first_cells = [row[0] for row in csv.reader(handle)]
    assert "'=SUM(1,2)" in first_cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in first_cells)
    assert processes_in(tmp_path) == []
    # A rerun keeps every row: nothing was left stopped or half-done.
    again = run_learn("batch", str(klass), "--exercise", "scale", "--out", str(out),
                      env={"TMPDIR": str(tmp_path), **SANDBOXED})
    assert again.returncode == 0 and "9 unchanged" in again.stdout


# -- without namespaces ------------------------------------------------------------------------

def test_without_a_sandbox_grade_works_and_says_what_is_missing(shipped_course, tmp_path):
    done = run_learn("grade", "scale", "--file", str(SUBMISSIONS / "correct.py"),
                     env={"LEARN_SANDBOX": "off"})
    assert done.returncode == 0
    warning = [line for line in done.stderr.splitlines() if "sandbox: OFF" in line]
    assert len(warning) == 1 and "LEARN_SANDBOX=off" in warning[0]


def test_without_a_sandbox_batch_refuses_unless_told_the_risk(shipped_course, tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copy(SUBMISSIONS / "correct.py", klass / "alice.py")
    out = tmp_path / "grades"
    refused = run_learn("batch", str(klass), "--exercise", "scale", "--out", str(out),
                        env={"LEARN_SANDBOX": "off"})
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--unsafe-no-sandbox" in refused.stderr
    assert not (out / "gradebook.csv").exists()
    allowed = run_learn("batch", str(klass), "--exercise", "scale", "--out", str(out),
                        "--unsafe-no-sandbox", env={"LEARN_SANDBOX": "off"})
    assert allowed.returncode == 0 and "WITHOUT a sandbox" in allowed.stdout


def test_without_a_sandbox_the_autograder_refuses_unless_exported_unsafe(shipped_course, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copy(SUBMISSIONS / "correct.py", root / "submission" / "scale.py")
    shutil.copy(SUBMISSIONS / "_good.py", root / "submission" / "_good.py")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "LEARN_SANDBOX": "off"}
    subprocess.run([sys.executable, "-m", "grader.autograder", "scale"], env=env, check=True,
                   timeout=120)
    refused = json.loads((root / "results" / "results.json").read_text())
    assert refused["score"] == 0 and "without a sandbox" in refused["output"]
    subprocess.run([sys.executable, "-m", "grader.autograder", "scale", "--unsafe-no-sandbox"],
                   env=env, check=True, timeout=120)
    assert json.loads((root / "results" / "results.json").read_text())["score"] == pytest.approx(10)


def test_without_a_sandbox_a_stopped_zygote_counts_as_dead(shipped_course, tmp_path):
    done = run_learn("grade", "scale", "--file", str(stage("stop_the_zygote", tmp_path / "z")),
                     "--json", env={"LEARN_SANDBOX": "off", "TMPDIR": str(tmp_path / "tmp")})
    document = json.loads(done.stdout)
    # The call that stopped it fails; a new zygote grades the rest, and none is left stopped.
    assert reasons(document)["test_total"] in ("crash", "timeout")
    assert [r for name, r in reasons(document).items() if name != "test_total"] == ["passed"] * 4
    time.sleep(0.2)
    assert processes_in(tmp_path / "tmp") == []


@pytest.mark.parametrize("bwrap, why", [
    ("/nonexistent/bwrap", "LEARN_BWRAP=/nonexistent/bwrap is not an executable"),
    ("/bin/false", "the grading worker"),   # bwrap that cannot start, as where namespaces are forbidden
])
def test_where_the_sandbox_cannot_start_grading_falls_back_or_refuses(shipped_course, bwrap, why):
    env = {"LEARN_BWRAP": bwrap}
    fallback = run_learn("grade", "scale", "--file", str(SUBMISSIONS / "correct.py"), env=env)
    assert fallback.returncode == 0, fallback.stderr
    assert "sandbox: OFF" in fallback.stderr and "learner code runs as you" in fallback.stderr
    refused = run_learn("grade", "scale", "--file", str(SUBMISSIONS / "correct.py"),
                        env={**env, "LEARN_SANDBOX": "required"})
    assert refused.returncode != 0 and "no sandbox for learner code" in refused.stderr + refused.stdout
    doctor = run_learn("doctor", env=env)
    assert doctor.returncode == 1 and "sandbox: OFF" in doctor.stdout
