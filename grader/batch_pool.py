"""The grading processes of `learn batch`, seen from the batch process.

Each is ``python -m grader.batch_worker`` (grader/batch_worker.py) in its own session, with
its own worker pool; jobs go to whichever is idle, one at a time, so a slow submission holds
up only its own process. A grade that outlives the exercise's run_seconds (plus a margin)
gets its grading process killed; the zygote of that process then sees its control socket
close, kills every worker and exits, and the batch waits for it. Nothing is left running.
"""
from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from grader.batch_sources import Entry
from grader.course import Exercise
from grader.errors import UserError
from grader.numerics import SINGLE_THREAD_ENV
from grader.procs import children_of, is_running

GRADE_MARGIN_SECONDS = 60.0    # on top of run_seconds before a grading process is killed
START_SECONDS = 300.0          # for a grading process to start (imports, course load)


class _GradingProcess:
    """One `python -m grader.batch_worker` and its job, seen from the batch process."""

    def __init__(self, number: int, root: Path, slug: str, log: Path, events: queue.Queue,
                 unsafe_no_sandbox: bool = False):
        env = {**os.environ, "LEARN_COURSE": str(root), "PYTHONUNBUFFERED": "1",
               # N processes share the machine: one thread each for numpy and torch.
               **SINGLE_THREAD_ENV}
        self.number = number
        self.log = log
        self.ready = False
        self.job: tuple[Entry, Path] | None = None
        self.job_id = ""           # what the answer to the job in hand must carry
        self.job_started = 0.0
        self.started = time.monotonic()
        self.killed_because = ""
        with open(log, "ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.batch_worker", str(root), slug, str(os.getpid()),
                 *(["--unsafe-no-sandbox"] if unsafe_no_sandbox else [])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                start_new_session=True, env=env, text=True, encoding="utf-8")
        threading.Thread(target=self._read, args=(events,), daemon=True).start()

    def _read(self, events: queue.Queue) -> None:
        for line in self.process.stdout:
            try:
                events.put(("line", self, json.loads(line)))
            except ValueError:
                continue
        events.put(("eof", self, None))

    def send(self, entry: Entry, staged: Path) -> None:
        self.job, self.job_started = (entry, staged), time.monotonic()
        self.job_id = secrets.token_hex(16)
        try:
            self.process.stdin.write(json.dumps({"job": self.job_id, "student": entry.student,
                                                 "sha256": entry.sha256, "path": str(staged)})
                                     + "\n")
            self.process.stdin.flush()
        except OSError:
            pass   # it died: its end of file is on the way

    def kill(self, because: str) -> None:
        """Kill the grading process; its zygote then kills every worker and exits by itself."""
        self.killed_because = self.killed_because or because
        zygotes = children_of(self.process.pid)
        try:
            self.process.kill()
        except OSError:
            pass
        self.process.wait()
        _wait_gone(zygotes)

    def stop(self) -> None:
        """Let it finish: end its input, wait for it to close its pool and exit."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill("it did not stop")


def _wait_gone(pids: list[int], seconds: float = 15.0) -> None:
    """Wait for processes to exit; kill those still there after the delay."""
    deadline = time.monotonic() + seconds
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if is_running(pid)]
        time.sleep(0.02)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _log_tail(path: Path, chars: int = 400) -> str:
    try:
        return path.read_text(errors="replace")[-chars:].strip()
    except OSError:
        return ""


def grade_in_processes(jobs: list[tuple[Entry, Path]], root: Path, exercise: Exercise,
                        count: int, logs: Path, done: Callable[[Entry, dict], None],
                        unsafe_no_sandbox: bool = False) -> None:
    """Grade the staged jobs in `count` grading processes; call done(entry, answer) for each."""
    events: queue.Queue = queue.Queue()
    pending = deque(jobs)
    processes: list[_GradingProcess] = []
    started = [0]
    failed_starts = [0]
    grade_deadline = exercise.limits.run_seconds + GRADE_MARGIN_SECONDS

    def start() -> None:
        started[0] += 1
        processes.append(_GradingProcess(started[0], root, exercise.slug,
                                          logs / f"grader-{started[0]}.log", events,
                                          unsafe_no_sandbox))

    for _ in range(min(count, len(pending))):
        start()
    try:
        while pending or any(p.job for p in processes):
            for process in processes:
                if process.ready and process.job is None and pending:
                    process.send(*pending.popleft())
            try:
                kind, process, message = events.get(timeout=0.25)
            except queue.Empty:
                kind = ""
            if kind == "line" and message.get("ready"):
                process.ready = True
            elif kind == "line" and process.killed_because:
                continue   # a process being stopped: nothing it says counts any more
            elif kind == "line":
                # An answer counts only for the job in hand, tagged with that job's id and
                # submission: a stray or forged line can never land on another student's row.
                entry = process.job[0] if process.job is not None else None
                if entry is None or message.get("job") != process.job_id \
                        or message.get("sha256") != entry.sha256:
                    process.kill("it sent a result that belongs to no submission in hand")
                    continue
                process.job = None
                done(entry, message)
            elif kind == "eof":
                process.process.wait()
                processes.remove(process)
                if process.job is not None:
                    entry, _ = process.job
                    why = process.killed_because or (
                        f"the grading process stopped ({_exit_text(process.process.returncode)})")
                    done(entry, {"error": why, "seconds": time.monotonic() - process.job_started})
                if not process.ready:
                    failed_starts[0] += 1
                    if failed_starts[0] > count + 2:
                        raise UserError(f"the grading processes cannot start: "
                                        f"{_log_tail(process.log) or 'no message'}")
                if pending and len(processes) < count:
                    start()
            now = time.monotonic()
            for process in processes:
                if process.killed_because:
                    continue   # its end of file is on the way
                if process.job is not None and now - process.job_started > grade_deadline:
                    process.kill(f"grading took more than {grade_deadline:g} s and was stopped")
                elif not process.ready and now - process.started > START_SECONDS:
                    process.kill("the grading process did not start")
    except BaseException:
        for process in processes:   # interrupted: stop now, do not wait for running tests
            process.kill("the batch was interrupted")
        raise
    for process in processes:
        process.stop()


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"
