"""The progress store: derived state, concurrent writers, a writer killed mid-write, bad files."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from grader.errors import UserError
from grader.progress import ProgressStore


def test_best_score_and_first_pass_are_derived(tmp_path: Path) -> None:
    with ProgressStore(tmp_path / "p.sqlite3") as store:
        store.record_attempt("adam", 5, 25, False, 1.0)
        store.record_attempt("adam", 25, 25, True, 1.0)
        store.record_attempt("adam", 20, 25, False, 1.0)
        state = store.exercise("adam")
    assert (state.attempts, state.best_score, state.max_score, state.passed) == (3, 25, 25, True)


def test_hint_level_stops_at_the_number_of_hints(tmp_path: Path) -> None:
    with ProgressStore(tmp_path / "p.sqlite3") as store:
        assert [store.reveal_hint("adam", 2) for _ in range(4)] == [1, 2, 2, 2]


def _write_many(path: str, worker: int) -> None:
    with ProgressStore(Path(path)) as store:
        for attempt in range(40):
            store.record_attempt(f"ex{worker % 2}", attempt, 40, False, 0.0)
            store.reveal_hint("shared", 1000)
            store.record_quiz_answer(f"q{attempt}", "topic", 1.0, worker)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    ProgressStore(path).close()
    with ProcessPoolExecutor(4) as pool:
        list(pool.map(_write_many, [str(path)] * 4, range(4)))
    with ProgressStore(path) as store:
        assert sum(e.attempts for e in store.exercises().values()) == 160
        assert store.exercise("shared").hint_level == 160
        assert store.quiz_accuracy()["topic"].answered == 160


def test_writer_killed_mid_write_leaves_a_readable_store(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from grader.progress import ProgressStore
        store = ProgressStore(Path({str(path)!r}))
        print("ready", flush=True)
        n = 0
        while True:
            store.record_attempt("adam", n % 25, 25, False, 0.0)
            n += 1
    """)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    with ProgressStore(path) as store:
        attempts = store.exercise("adam").attempts
    assert attempts > 0
    check = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok"


def test_corrupt_file_is_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UserError, match="progress store is unreadable.*move the file aside"):
        ProgressStore(path)


def test_newer_schema_is_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(UserError, match="newer version of learn"):
        ProgressStore(path)


def test_corrupt_store_through_the_cli_has_no_traceback(course, state_dir: Path) -> None:
    from conftest import run_learn
    state_dir.mkdir(parents=True)
    (state_dir / "progress.sqlite3").write_bytes(b"garbage" * 1000)
    done = run_learn()
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
