"""Process control seen from the grading process: the zygote, the workers, their limits.

:class:`WorkerPool` starts the zygote (grader/zygote.py) in a clean, isolated Python and asks
it for workers; :class:`WorkerProcess` is one worker's connection. Time limits are enforced
here, from outside the worker: a request that outlives its deadline gets the worker's whole
process group killed. Nothing here interprets results: that is grader/submission.py's job.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import wire
from grader.numerics import SINGLE_THREAD_ENV
from grader.procs import become_subreaper, is_running, kill_group

OUTPUT_SHOWN_CHARS = 2000   # learner output shown per test; the rest is counted, not kept


class PoolError(Exception):
    """The zygote could not start or stopped answering: an environment problem, not the learner's."""


class WorkerTimedOut(Exception):
    """A request outlived its deadline; the worker has been killed."""


class WorkerExited(Exception):
    """The worker died during a request; ``status`` says how."""

    def __init__(self, status: "ExitStatus"):
        super().__init__(str(status))
        self.status = status


@dataclass(frozen=True)
class ExitStatus:
    """How a worker process ended: by a signal, or with an exit code."""

    signal: int | None = None
    code: int | None = None

    def __str__(self) -> str:
        if self.signal is not None:
            return f"killed by {signal.Signals(self.signal).name}"
        return f"exited with status {self.code}"


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to know: the learner's file and the limits it runs under."""

    path: Path                 # the learner's file
    module: str                # the module name it is imported as
    forbidden: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()   # folders whose modules may not be imported (solutions)
    memory_mb: int = 1024
    output_bytes: int = 4 << 20


def clean_environment(home: str) -> dict[str, str]:
    """The whole environment a worker sees: nothing of the user's but a locale."""
    return {
        "PATH": os.defpath,
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        **SINGLE_THREAD_ENV,  # no thread pool alive at fork time (grader/numerics.py)
    }


class WorkerPool:
    """A zygote and the workers forked from it. Use as a context manager.

    The zygote starts importing ``preload`` right away, in parallel with whatever the grading
    process does next; the first :meth:`spawn` waits for it to be ready.
    """

    # Learner code can kill the zygote (it is the worker's parent); the pool then starts a
    # new one, but not endlessly.
    MAX_RESTARTS = 5

    def __init__(self, preload: tuple[str, ...] = ("numpy",), python: str = sys.executable):
        self.root = Path(tempfile.mkdtemp(prefix="learn-grade-"))
        self._preload, self._python = preload, python
        self._count = 0
        self._restarts = 0
        self._log = open(self.root / "zygote.log", "ab")
        # Workers of a zygote that died come back here, to be killed and reaped.
        become_subreaper()
        self._start()

    def _start(self) -> None:
        self._ready = False
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [self._python, "-I", "-m", "grader.zygote", str(theirs.fileno()),
                 ",".join(self._preload)],
                pass_fds=[theirs.fileno()], env=clean_environment(str(self.root)),
                cwd=self.root, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        except OSError as error:
            raise PoolError(f"cannot start the grading worker: {error}") from None
        finally:
            theirs.close()
        self._control = ours

    @property
    def alive(self) -> bool:
        """Whether the zygote is still running (asked of /proc: forked grading processes
        share this pool but are not the zygote's parent)."""
        return is_running(self._process.pid)

    def restart_if_dead(self) -> None:
        """Start a new zygote if learner code killed the last one."""
        if self.alive:
            return
        if self._restarts >= self.MAX_RESTARTS:
            raise PoolError(f"the grading worker was stopped {self._restarts + 1} times; giving up")
        self._restarts += 1
        self._control.close()
        self._start()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait until the zygote has finished its imports.

        A process that forks while holding this pool (grader/warm.py) must call this first:
        otherwise each child would wait for a "ready" message that only one of them gets.
        """
        if not self._ready:
            try:
                self._control.settimeout(timeout)
                ready, _ = wire.recv_frame(self._control)
            except (OSError, EOFError, wire.WireError) as error:
                log = (self.root / "zygote.log").read_text(errors="replace")[-800:]
                raise PoolError(f"the grading worker did not start ({error}). {log}") from None
            self._ready = bool(ready.get("ready"))

    def _ask(self, header: dict, timeout: float = 120.0) -> dict:
        self.wait_ready(timeout)
        try:
            self._control.settimeout(timeout)
            wire.send_frame(self._control, header)
            if header.get("op") == "spawn":
                socket.send_fds(self._control, [b"F"], [header.pop("_fd")])
            reply, _ = wire.recv_frame(self._control)
            return reply
        except (OSError, EOFError, wire.WireError) as error:
            log = (self.root / "zygote.log").read_text(errors="replace")[-800:]
            raise PoolError(f"the grading worker stopped answering ({error}). {log}") from None

    def spawn(self, spec: WorkerSpec) -> "WorkerProcess":
        """Fork a fresh worker for spec; it starts by importing the learner's module."""
        self.restart_if_dead()
        self._count += 1
        # Forked grading processes (grader/warm.py) share this pool: names carry the pid.
        name = f"{os.getpid()}-{self._count}"
        workdir = self.root / f"run-{name}"
        workdir.mkdir()
        capture = self.root / f"output-{name}.txt"
        capture.touch()
        ours, theirs = socket.socketpair()
        try:
            header: dict[str, Any] = {"op": "spawn", "_fd": theirs.fileno(), "spec": {
                "path": str(spec.path), "module": spec.module, "forbidden": list(spec.forbidden),
                "blocked": list(spec.blocked), "memory_mb": spec.memory_mb,
                "output_bytes": spec.output_bytes, "workdir": str(workdir),
                "capture": str(capture)}}
            reply = self._ask(header)
        finally:
            theirs.close()
        return WorkerProcess(self, int(reply["pid"]), ours, capture)

    def reap(self, pid: int, kill: bool) -> ExitStatus:
        """Wait for a worker to end (killing it first when asked); its orphans are killed too."""
        if self.alive:
            try:
                status = self._ask({"op": "wait", "pid": pid, "kill": kill})["status"]
                return ExitStatus(signal=status.get("signal"), code=status.get("code"))
            except PoolError:
                pass  # the zygote died meanwhile: its workers are ours to reap now
        return _reap_orphan(pid)

    def close(self) -> None:
        """Kill every worker and stray process, stop the zygote, remove temporary files."""
        if self._process.poll() is None:
            try:
                self.wait_ready(10.0)
                self._control.settimeout(10.0)
                wire.send_frame(self._control, {"op": "shutdown"})
                wire.recv_frame(self._control)
            except (OSError, EOFError, wire.WireError, PoolError):
                pass
            self._control.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._control.close()
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _reap_orphan(pid: int) -> ExitStatus:
    """Kill and reap a worker whose zygote is gone (it was re-parented to this process)."""
    kill_group(pid)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not ours (no subreaper here): init reaps it
            return ExitStatus(signal=signal.SIGKILL)
        if done:
            return (ExitStatus(signal=os.WTERMSIG(status)) if os.WIFSIGNALED(status)
                    else ExitStatus(code=os.WEXITSTATUS(status)))
        time.sleep(0.005)
    return ExitStatus(signal=signal.SIGKILL)


class WorkerProcess:
    """One worker: requests with deadlines, its captured output, its end."""

    def __init__(self, pool: WorkerPool, pid: int, sock: socket.socket, capture: Path):
        self.pool = pool
        self.pid = pid
        self.sock = sock
        self.capture = capture
        self.status: ExitStatus | None = None

    @property
    def alive(self) -> bool:
        return self.status is None

    def receive(self, deadline: float) -> tuple[dict, list[bytes]]:
        """Wait for the worker's next reply until the deadline (time.monotonic())."""
        try:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            return wire.recv_frame(self.sock)
        except (socket.timeout, TimeoutError):
            self.kill()
            raise WorkerTimedOut() from None
        except (EOFError, OSError, wire.WireError):
            status = self.kill()
            raise WorkerExited(status) from None

    def request(self, header: dict, buffers: list[bytes], deadline: float) -> tuple[dict, list[bytes]]:
        """Send one request and wait for its reply until the deadline."""
        try:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            wire.send_frame(self.sock, header, buffers)
        except (socket.timeout, TimeoutError):
            self.kill()
            raise WorkerTimedOut() from None
        except OSError:
            raise WorkerExited(self.kill()) from None
        return self.receive(deadline)

    def kill(self) -> ExitStatus:
        """Kill the worker's process group (if still running) and reap it."""
        if self.status is None:
            kill_group(self.pid)
            self.sock.close()
            self.status = self.pool.reap(self.pid, kill=True)
        return self.status

    def take_output(self) -> tuple[str, int]:
        """The output written since the last call (at most OUTPUT_SHOWN_CHARS) and its full size.

        The file is emptied afterwards, so the size limit applies per test.
        """
        try:
            size = self.capture.stat().st_size
            with open(self.capture, "rb") as captured:
                head = captured.read(OUTPUT_SHOWN_CHARS * 4)
            if size:
                os.truncate(self.capture, 0)
        except OSError:
            return "", 0
        text = head.decode("utf-8", errors="replace")[:OUTPUT_SHOWN_CHARS]
        return text, size
