"""`learn watch`: re-grade the exercise file on every save, in a fraction of a second.

The grading process stays warm (grader/warm.py): each save costs a fork and the tests
themselves. Saves are noticed through inotify on the file's folder (editors that save by
rename or write twice are covered), or by polling where inotify is missing; a burst of saves
is debounced, and a save during a grade restarts it with the newest content. The screen says
at once that a new version is being graded, and the report is cut to the terminal's height
(grader/report.py: render_compact).

Keys: h next hint, n next exercise (once passed), l course table, r re-run, q quit. Without
a terminal, keys are read one per line from standard input, and end of input quits.
"""
from __future__ import annotations

import ctypes
import os
import select
import shutil
import signal
import struct
import sys
import termios
import time
import tty
from collections.abc import Callable
from pathlib import Path

import click

from grader.course import Course, Exercise
from grader.grading import record_attempt
from grader.markdown import labelled
from grader.next_steps import current_exercise, first_unpassed, quiz_topic
from grader.paths import shown_path
from grader.progress import ProgressStore
from grader.report import render_compact, render_course, visual_rows
from grader.results import GradeResult
from grader.runner import Pools
from grader.warm import RunningGrade, WarmSuite, serve
from grader.workspace import learner_file

DEBOUNCE_SECONDS = 0.05   # quiet time after a write still in progress before grading
SETTLE_SECONDS = 0.005    # after a finished save (closed or renamed into place)
POLL_SECONDS = 0.1        # how often the polling fallback looks at the file
KEYS = "h hint · n next (once passed) · l list · r re-run · q quit"


class FileWatcher:
    """Tells when one file changed: inotify on its folder, else polling its stat."""

    _MODIFY, _CLOSE_WRITE, _MOVED_TO = 0x2, 0x8, 0x80
    _MASK = 0x2 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200  # modify, close_write, moved, create, delete

    def __init__(self, path: Path, force_polling: bool = False):
        self.path = path
        self.fd: int | None = None
        self._last = self._signature()
        if not force_polling:
            try:
                self.fd = self._inotify(path.parent)
            except (OSError, AttributeError):
                self.fd = None  # not Linux, or no inotify: poll

    def _inotify(self, folder: Path) -> int:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0 or libc.inotify_add_watch(fd, os.fsencode(folder), self._MASK) < 0:
            raise OSError(ctypes.get_errno(), "inotify unavailable")
        return fd

    @property
    def polling(self) -> bool:
        return self.fd is None

    def _signature(self) -> tuple | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size, stat.st_ino

    def changed(self) -> float | None:
        """Drain pending events. None when the file did not change; else how long to wait
        for quiet before grading (short after a finished save, longer mid-write)."""
        if self.fd is None:
            now = self._signature()
            moved, self._last = now != self._last, now
            return DEBOUNCE_SECONDS if moved else None
        masks = 0
        try:
            while data := os.read(self.fd, 1 << 16):
                offset = 0
                while offset + 16 <= len(data):
                    _, mask, _, length = struct.unpack_from("iIII", data, offset)
                    raw = data[offset + 16: offset + 16 + length]
                    if raw.split(b"\0", 1)[0].decode(errors="replace") == self.path.name:
                        masks |= mask
                    offset += 16 + length
        except BlockingIOError:
            pass
        if not masks:
            return None
        finished = masks & (self._CLOSE_WRITE | self._MOVED_TO) and not (
            masks & self._MODIFY and not masks & self._CLOSE_WRITE)
        return SETTLE_SECONDS if finished else DEBOUNCE_SECONDS

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Keyboard:
    """Single key presses from a terminal (cbreak mode), or lines from a pipe."""

    def __init__(self) -> None:
        self.fd = sys.stdin.fileno()
        self.tty = os.isatty(self.fd)
        self._saved = termios.tcgetattr(self.fd) if self.tty else None
        if self.tty:
            tty.setcbreak(self.fd)

    def read(self) -> str | None:
        """The next key ('' when nothing useful), None at end of input."""
        try:
            data = os.read(self.fd, 64)
        except OSError:
            return None  # the terminal went away
        if not data:
            return None
        return data.decode(errors="replace").strip()[:1].lower()

    def restore(self) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None


class WatchSession:
    """The watch loop for one exercise; returns "next" or "quit"."""

    def __init__(self, course: Course, exercise: Exercise, keyboard: Keyboard,
                 force_polling: bool, echo: Callable[[str], None]):
        self.course, self.exercise, self.keyboard = course, exercise, keyboard
        self.path = learner_file(course, exercise)
        self.watcher = FileWatcher(self.path, force_polling)
        self.echo = echo
        self.result: GradeResult | None = None
        self.grading = False   # a new version is being graded: the last report is out of date
        self.notes: list[str] = []
        self.running: RunningGrade | None = None

    def screen(self, status: str) -> None:
        """Redraw: the last report (none while a new version is graded), notes (hints, the
        course table), a status line, the keys; the report is cut to fit the terminal."""
        parts = []
        if self.keyboard.tty:
            parts.append("\x1b[2J\x1b[H")
        else:
            parts.append("-" * 60 + "\n")
        notes = "".join("\n" + note + "\n" for note in self.notes)
        if self.result is not None and not self.grading:
            columns, rows = shutil.get_terminal_size((80, 40))
            # What follows the report: the notes, a blank line, the status, the keys.
            below = visual_rows(notes + "\n" + status + "\n" + KEYS, columns)
            parts.append(render_compact(self.result, self.exercise.title,
                                        shown_path(self.path), max(rows - below - 1, 12),
                                        columns) + "\n")
        parts.append(notes)
        parts.append("\n" + status + "\n" + click.style(KEYS, dim=True) + "\n")
        self.echo("".join(parts))

    def run(self, warm: WarmSuite) -> str:
        pending: float | None = time.monotonic()  # when to grade next: once at start
        quiet = 0.0                                # how long nothing may change before that
        watching = f"watching {shown_path(self.path)}" + (" (polling)" if self.watcher.polling else "")
        self.screen(f"Grading {shown_path(self.path)} ...")
        try:
            while True:
                timeout = None
                if pending is not None:
                    timeout = max(0.0, pending + quiet - time.monotonic())
                elif self.watcher.polling:
                    timeout = POLL_SECONDS
                readable = [self.keyboard.fd]
                readable += [self.watcher.fd] if self.watcher.fd is not None else []
                readable += [self.running.fd] if self.running is not None else []
                ready, _, _ = select.select(readable, [], [], timeout)
                wait = (self.watcher.changed()
                        if self.watcher.fd in ready or self.watcher.polling else None)
                if wait is not None:
                    pending, quiet = time.monotonic(), wait  # debounce: a burst grades once
                    if self.running is not None:  # newer content: the old grade is moot
                        warm.cancel(self.running)
                        self.running = None
                if pending is not None and time.monotonic() >= pending + quiet:
                    pending = None
                    self._start(warm, watching)
                if self.running is not None and self.running.fd in ready:
                    if warm.read_some(self.running):
                        self._finished(warm.finish(self.running), watching)
                if self.keyboard.fd in ready:
                    action = self._key(self.keyboard.read(), watching)
                    if action == "rerun":
                        pending, quiet = time.monotonic(), 0.0
                    elif action:
                        return action
        finally:
            if self.running is not None:
                warm.cancel(self.running)
            self.watcher.close()

    def _start(self, warm: WarmSuite, watching: str) -> None:
        if not self.path.exists():
            self.screen(f"{shown_path(self.path)} is missing; waiting for it to come back.")
            return
        self.grading = True
        self.notes = []
        self.screen(f"Grading the new version of {shown_path(self.path)} ...")
        started = warm.start(self.path)
        if isinstance(started, GradeResult):  # graded in place (forking was unsafe)
            self._finished(started, watching)
        else:
            self.running = started

    def _finished(self, result: GradeResult, watching: str) -> None:
        self.running = None
        self.result = result
        self.grading = False
        self.notes = []
        record_attempt(self.exercise, result)
        if result.passed:
            with ProgressStore.open() as store:
                upcoming = first_unpassed(self.course, store.exercises())
            if upcoming is None:
                status = click.style(f"{self.exercise.slug} passed! Every exercise of the "
                                     f"course has passed: the course is done.", fg="green",
                                     bold=True)
            else:
                status = click.style(f"{self.exercise.slug} passed! Press n for the next "
                                     f"exercise ({upcoming.slug}).", fg="green", bold=True)
            if topic := quiz_topic(self.course, self.exercise):
                status += f"\nCheck the concepts: learn quiz {topic}"
        else:
            status = f"Save the file to grade again ({watching})."
        self.screen(status)

    def _key(self, key: str | None, watching: str) -> str | None:
        if key is None or key == "q":
            return "quit"
        if key == "r":
            return "rerun"
        if key == "n":
            if self.result is not None and self.result.passed:
                with ProgressStore.open() as store:
                    if first_unpassed(self.course, store.exercises()) is not None:
                        return "next"
                self.notes = ["Every exercise has passed: there is no next one. q quits."]
            else:
                self.notes = ["n moves on once this exercise passes."]
        elif key == "h":
            if not self.exercise.hints:
                self.notes = ["This exercise has no hints."]
            else:
                with ProgressStore.open() as store:
                    level = store.reveal_hint(self.exercise.slug, len(self.exercise.hints))
                self.notes = [labelled(f"Hint {n}/{len(self.exercise.hints)}: ", text)
                              for n, text in enumerate(self.exercise.hints[:level], 1)]
        elif key == "l":
            with ProgressStore.open() as store:
                self.notes = [render_course(self.course, store.exercises())]
        else:
            return None
        self.screen(f"Grading the new version of {shown_path(self.path)} ..." if self.grading
                    else f"Save the file to grade again ({watching}).")
        return None


def exercise_to_watch(course: Course) -> Exercise:
    """The exercise `learn watch` follows by default: the one in progress (the last when every
    exercise has passed)."""
    with ProgressStore.open() as store:
        return current_exercise(course, store.exercises()) or course.exercises[-1]


def watch(course: Course, exercise: Exercise, force_polling: bool = False) -> None:
    """Run the watch loop from exercise on, until q, Ctrl-C, end of input or a closed terminal."""
    keyboard = Keyboard()
    # A closed terminal sends SIGHUP: leave through the same clean-up as q.
    previous = signal.signal(signal.SIGHUP, lambda *_: (_ for _ in ()).throw(SystemExit(0)))
    echo = lambda text: (sys.stdout.write(text), sys.stdout.flush())
    try:
        with Pools() as pools:
            while True:
                session = WatchSession(course, exercise, keyboard, force_polling, echo)
                pool = pools.get(exercise)
                pool.wait_ready()
                if not pool.sandboxed:   # said once, before the first screen
                    echo(f"warning: {pool.level.describe()}\n")
                action = serve(course, exercise, pool, session.run)
                with ProgressStore.open() as store:
                    upcoming = first_unpassed(course, store.exercises())
                if action != "next" or upcoming is None:
                    break
                exercise = upcoming
    except KeyboardInterrupt:
        pass
    finally:
        keyboard.restore()
        signal.signal(signal.SIGHUP, previous)
    click.echo("\nStopped watching.")
