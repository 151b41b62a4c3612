"""Each way learner code can go wrong is one failed test with a reason, never a broken grade.

Every file in tests/fixtures/submissions/ is graded through the real `learn grade` command;
its expected reasons are in tests/fixtures/submissions/expected.json.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import SUBMISSIONS, processes_in, run_learn

EXPECTED = {name: spec for name, spec in json.loads((SUBMISSIONS / "expected.json").read_text()).items()
            if not name.startswith("_")}
TESTS = ["test_scale_values", "test_scale_keeps_float32", "test_total", "test_counter_handle",
         "test_rejects_zero_factor"]


def grade_json(shipped_course, name: str) -> tuple[dict, subprocess.CompletedProcess]:
    done = run_learn("grade", "scale", "--file", str(SUBMISSIONS / f"{name}.py"), "--json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout), done


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_failure_mode_gives_expected_reasons(shipped_course, name: str) -> None:
    spec = EXPECTED[name]
    document, done = grade_json(shipped_course, name)
    reasons = {test["name"]: test["reason"] for test in document["tests"]}
    wanted = {test: spec.get(test, spec["all"]) for test in TESTS}
    assert reasons == wanted
    assert done.returncode == (0 if set(wanted.values()) == {"passed"} else 1)
    if "message" in spec:
        failing = [t["output"] for t in document["tests"] if t["reason"] != "passed"]
        assert any(spec["message"] in output for output in failing), failing
    for test in document["tests"]:
        assert test["status"] == ("passed" if test["reason"] == "passed" else "failed")
        assert test["score"] == (test["max_score"] if test["reason"] == "passed" else 0)


def test_stub_is_not_attempted_everywhere(shipped_course) -> None:
    done = run_learn("grade", "scale", "--json")
    document = json.loads(done.stdout)
    assert done.returncode == 1
    assert document["score"] == 0 and document["max_score"] == 10
    assert {t["reason"] for t in document["tests"]} == {"not_attempted"}


def test_no_process_is_left_behind(shipped_course) -> None:
    grade_json(shipped_course, "orphan_process")
    time.sleep(0.2)
    leftover = subprocess.run(["pgrep", "-f", "sleep 313.25"], capture_output=True, text=True)
    assert leftover.stdout.strip() == "", "a process started by learner code survived grading"


def test_fake_results_file_changes_nothing(shipped_course, tmp_path) -> None:
    document, done = grade_json(shipped_course, "fake_results")
    assert document["score"] < document["max_score"]
    failing = next(t for t in document["tests"] if t["name"] == "test_total")
    assert "All 5 tests passed" in failing["output"]  # shown as the learner's output, nothing more


def test_huge_output_is_capped_in_the_report(shipped_course) -> None:
    document, done = grade_json(shipped_course, "huge_output")
    assert len(done.stdout) < 50_000
    assert max(len(t["output"]) for t in document["tests"]) < 10_000


def test_terminal_report_names_reasons_and_totals(shipped_course) -> None:
    done = run_learn("grade", "scale", "--file", str(SUBMISSIONS / "loop_in_call.py"))
    assert done.returncode == 1
    assert "timeout" in done.stdout
    assert "did not finish within 2 s" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == "4/5 tests passed, 8.33/10 points"
    assert "All" not in done.stdout.rstrip().splitlines()[-1]


def test_same_submission_graded_the_same_twice(shipped_course) -> None:
    first, _ = grade_json(shipped_course, "permissive_eq")
    second, _ = grade_json(shipped_course, "permissive_eq")
    strip = lambda doc: [(t["name"], t["reason"], t["score"], t["output"]) for t in doc["tests"]]
    assert strip(first) == strip(second)


def test_killing_the_workers_parent_is_contained_by_the_sandbox(shipped_course) -> None:
    # In the sandbox the worker's parent is the init of its own namespace, which signals
    # from inside cannot kill: the attack does nothing at all.
    document, _ = grade_json(shipped_course, "kills_parent")
    assert [t["reason"] for t in document["tests"]] == ["passed"] * 5


def test_without_sandbox_killing_the_workers_parent_crashes_one_test_and_grading_goes_on(
        shipped_course, tmp_path) -> None:
    done = run_learn("grade", "scale", "--file", str(SUBMISSIONS / "kills_parent.py"), "--json",
                     env={"LEARN_SANDBOX": "off", "TMPDIR": str(tmp_path)})
    assert "sandbox: OFF" in done.stderr
    document = json.loads(done.stdout)
    reasons = [t["reason"] for t in document["tests"]]
    assert reasons.count("crash") == 1 and reasons.count("passed") == 4
    crashed = next(t for t in document["tests"] if t["reason"] == "crash")
    assert "killed the process that starts the grading workers" in crashed["output"]
    time.sleep(0.2)
    assert processes_in(tmp_path) == [], "a grading process of this test survived it"


def test_a_function_that_timed_out_once_gets_a_short_budget_after(shipped_course) -> None:
    document, _ = grade_json(shipped_course, "loop_in_scale")
    calling_scale = ("test_scale_values", "test_scale_keeps_float32", "test_rejects_zero_factor")
    scale_tests = [t for t in document["tests"] if t["name"] in calling_scale]
    assert [t["reason"] for t in scale_tests] == ["timeout"] * 3
    assert "within 2 s (the time limit per test)" in scale_tests[0]["output"]
    for later in scale_tests[1:]:
        assert "within 0.5 s" in later["output"] and "earlier test too" in later["output"]
    assert {t["name"]: t["reason"] for t in document["tests"]}["test_total"] == "passed"


def test_a_grade_shows_the_running_test_and_ctrl_c_records_nothing(course, state_dir) -> None:
    import pexpect

    from grader.course import load_course
    from grader.workspace import learner_file

    loaded = load_course()
    stub = learner_file(loaded, loaded.get("scale"))     # the learner's own file
    stub.parent.mkdir(parents=True, exist_ok=True)
    stub.write_text((SUBMISSIONS / "loop_in_scale.py").read_text())
    shutil.copy(SUBMISSIONS / "_good.py", stub.parent / "_good.py")
    child = pexpect.spawn(sys.executable, ["-m", "grader", "grade", "scale"], encoding="utf-8",
                          env={**os.environ, "NO_COLOR": "1"}, timeout=30, dimensions=(40, 120))
    child.expect(r"running test 1/5: test_scale_values")
    child.sendintr()
    child.expect("Interrupted: this grade was not finished and nothing was recorded.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    from grader.progress import ProgressStore
    with ProgressStore.open() as store:
        assert store.exercise("scale").attempts == 0
