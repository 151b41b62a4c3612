"""`learn watch` driven in a real pseudo-terminal: saves, keys, and a clean exit."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pytest

from conftest import FIXTURES, SUBMISSIONS, wrong_version_text
from grader import procs
from grader.progress import ProgressStore

WRONG = wrong_version_text(FIXTURES / "course", "scale", "adds_factor")
RIGHT = (SUBMISSIONS / "_good.py").read_text()


def descendants(pid: int) -> set[int]:
    """Every living process below pid."""
    return set(procs.descendants(pid))


def alive(pids: set[int]) -> set[int]:
    result = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z":
            result.add(pid)
    return result


@pytest.fixture
def watcher(course):
    def start(*extra: str) -> pexpect.spawn:
        child = pexpect.spawn(sys.executable, ["-m", "grader", "watch", "scale", *extra],
                              env={**os.environ, "NO_COLOR": "1"}, encoding="utf-8",
                              timeout=30, dimensions=(60, 160))
        child.expect("nothing attempted yet")
        child.expect("q quit")
        started.append(child)
        return child

    started: list[pexpect.spawn] = []
    yield start
    for child in started:
        if child.isalive():
            child.terminate(force=True)


def save(path: Path, text: str) -> None:
    path.write_text(text)


def test_wrong_then_right_save_then_quit(watcher, mine) -> None:
    child = watcher()
    save(mine, WRONG)
    child.expect("likely mistake: added the factor instead of multiplying")
    child.expect("3/5 tests passed")
    save(mine, RIGHT)
    child.expect("All 5 tests passed, 10/10 points.")
    child.expect("scale passed! Every exercise of the course has passed: the course is done.")
    with ProgressStore.open() as store:
        assert store.exercise("scale").passed
    below = descendants(child.pid)
    assert below, "the watch process should have a zygote below it"
    child.send("q")
    child.expect("Stopped watching.")
    child.expect(pexpect.EOF)
    time.sleep(0.2)
    assert alive(below) == set(), "processes were left behind"


def test_hint_and_list_keys(watcher) -> None:
    child = watcher()
    child.send("h")
    child.expect("Hint 1/2: Multiply every element by the factor.")
    child.send("h")
    child.expect("Hint 2/2")
    child.send("l")
    child.expect("exercises passed")
    child.send("n")
    child.expect("n moves on once this exercise passes")
    child.send("q")
    child.expect(pexpect.EOF)


def test_rename_saves_bursts_syntax_errors_and_a_missing_file(watcher, mine) -> None:
    child = watcher()
    temporary = mine.with_name(".scale.py.swp")
    temporary.write_text(WRONG)
    os.replace(temporary, mine)  # how many editors save
    child.expect("3/5 tests passed")
    save(mine, "def scale(x, factor)\n")  # half-typed
    child.expect("has a syntax error")
    mine.unlink()
    child.expect("is missing; waiting for it to come back")
    for _ in range(5):  # a burst of writes ends with the right file
        save(mine, RIGHT)
    child.expect("All 5 tests passed")
    child.send("q")
    child.expect(pexpect.EOF)


def test_polling_fallback_sees_saves(watcher, mine) -> None:
    child = watcher("--poll")
    assert "(polling)" in child.before
    save(mine, RIGHT)
    child.expect("All 5 tests passed")
    child.sendintr()
    child.expect("Stopped watching.")
    child.expect(pexpect.EOF)


def test_closed_terminal_leaves_nothing_running(watcher) -> None:
    child = watcher()
    below = descendants(child.pid)
    child.close(force=False)  # hang up the terminal (SIGHUP)
    deadline = time.monotonic() + 10
    while alive(below | {child.pid}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(below | {child.pid}) == set()


CLEAR = "\x1b[2J\x1b[H"
LOOPS = RIGHT + "\n\ndef scale(x, factor):\n    while True:\n        pass\n"   # 3 tests time out


def screen_with(child: pexpect.spawn, text: str) -> list[str]:
    """The lines of the first screen from now on that shows text (colours removed)."""
    import click

    while True:
        child.expect("q quit")
        screen = click.unstyle((child.before + child.after).split(CLEAR)[-1]).replace("\r", "")
        if text in screen:
            return screen.splitlines()


def test_a_save_says_grading_at_once_and_a_newer_save_cancels_the_grade(watcher, mine) -> None:
    child = watcher()
    save(mine, RIGHT)
    child.expect("All 5 tests passed")
    child.expect("q quit")
    save(mine, LOOPS)
    started = time.monotonic()
    screen = screen_with(child, "Grading the new version of")
    assert time.monotonic() - started < 1.0
    assert not any("tests passed" in line for line in screen), "the old verdict stayed up"
    time.sleep(0.5)
    save(mine, RIGHT)            # while the looping version is still being graded (~6 s)
    fixed = time.monotonic()
    child.expect("All 5 tests passed")
    assert time.monotonic() - fixed < 3.0, "the newest save waited for the old grade"
    child.send("q")
    child.expect(pexpect.EOF)


def test_a_failure_of_every_test_is_shown_once(watcher, mine) -> None:
    child = watcher()
    save(mine, "def scale(x, factor)\n")
    screen = screen_with(child, "has a syntax error")
    assert sum("has a syntax error" in line for line in screen) == 1
    assert "  ✗ and 4 other tests failed the same way" in screen
    child.send("q")
    child.expect(pexpect.EOF)


def test_the_report_fits_a_40_line_terminal_with_the_likely_mistake(state_dir, monkeypatch) -> None:
    monkeypatch.delenv("LEARN_COURSE", raising=False)   # the shipped course: 11 layer_norm tests
    from grader.course import load_course

    course = load_course()
    exercise = course.get("layer_norm")
    reference = exercise.reference.read_text()
    wrong = reference.replace("x.var(axis=-1, keepdims=True)", "x.var(axis=-1, ddof=1, keepdims=True)")
    assert wrong != reference
    child = pexpect.spawn(sys.executable, ["-m", "grader", "watch", "layer_norm"],
                          env={**os.environ, "NO_COLOR": "1"}, encoding="utf-8", timeout=60,
                          dimensions=(40, 100))
    try:
        child.expect("q quit")
        (state_dir / "workspace" / "layer_norm" / "layer_norm.py").write_text(wrong)
        screen = screen_with(child, "tests passed")
        rows = sum(max(1, -(-len(line) // 100)) for line in screen)   # long lines wrap
        assert rows <= 40, "\n".join(screen)
        assert any("likely mistake: unbiased variance" in line for line in screen), "\n".join(screen)
    finally:
        child.terminate(force=True)
