"""Process control seen from the grading process: the zygote, the workers, their limits.

:class:`WorkerPool` starts the zygote (grader/zygote.py), inside the bubblewrap sandbox when
it can (grader/sandbox.py), and asks it for workers; :class:`WorkerProcess` is one worker's
connection. Everything here treats the worker as hostile:

* the learner's file is read once, here, without following a symbolic link, and its bytes
  are sent to the worker (the worker never opens a path of ours);
* the worker's output goes to an anonymous file (memfd) whose descriptor is passed to it:
  there is no path it could replace;
* every reply is bounded in size and must arrive whole before the call's deadline, however
  slowly it trickles;
* a request that outlives its deadline gets the worker killed: in the sandbox through the
  zygote (the worker is PID 1 of its namespace, so everything it started dies with it);
  without the sandbox, its process group.

Nothing here interprets results: that is grader/submission.py's job.
"""
from __future__ import annotations

import importlib.util
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

from grader import sandbox, wire
from grader.errors import UserError
from grader.numerics import SINGLE_THREAD_ENV
from grader.procs import become_subreaper, is_running, kill_group

OUTPUT_SHOWN_CHARS = 2000       # learner output shown per test; the rest is counted, not kept
MAX_SOURCE_BYTES = 1 << 20      # a learner's file (and its helpers together) at most this
MAX_SIBLING_FILES = 32          # helper modules sent along with the graded file
MAX_REPLY_HEADER = 8 << 20      # the JSON part of a worker's reply
DEATH_GRACE_SECONDS = 0.5       # for a worker whose connection closed to finish dying


class PoolError(UserError):
    """The zygote could not start or stopped answering: an environment problem, not the
    learner's, shown to the user as one line."""


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


def read_submission(path: Path) -> bytes:
    """The learner's file, read once, never through a symbolic link; UserError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == 40:   # ELOOP: the last component is a symbolic link
            raise UserError(f"{path}: is a symbolic link; grade the file itself") from None
        raise UserError(f"{path}: cannot be read ({error.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:
        raise UserError(f"{path}: larger than {MAX_SOURCE_BYTES >> 10} KiB; not graded")
    return data


def read_learner_files(path: Path) -> tuple[tuple[str, bytes], ...]:
    """The graded file, then the other .py files beside it (the learner's helper modules,
    which it may import), all read now. Links and files past the limits are left out."""
    files = [(path.name, read_submission(path))]
    total = len(files[0][1])
    for sibling in sorted(path.parent.glob("*.py")):
        if len(files) >= MAX_SIBLING_FILES or sibling.name == path.name or sibling.is_symlink():
            continue
        try:
            data = read_submission(sibling)
        except UserError:
            continue
        if total + len(data) > MAX_SOURCE_BYTES:
            break
        files.append((sibling.name, data))
        total += len(data)
    return tuple(files)


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs: the learner's source and the limits it runs under."""

    path: Path                 # where the learner's file was read from (for messages)
    module: str                # the module name it is imported as
    # (name, content) of the graded file, then of its helper modules: read_learner_files
    files: tuple[tuple[str, bytes], ...] = ()
    forbidden: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()   # folders whose modules may not be imported (solutions)
    allowed_imports: tuple[str, ...] | None = None   # None: any package
    memory_mb: int = 1024
    output_bytes: int = 4 << 20

    @classmethod
    def for_file(cls, path: Path, module: str, **settings: Any) -> "WorkerSpec":
        """A spec for the learner's file at path (and its helper modules), read now."""
        return cls(path=path, module=module, files=read_learner_files(path), **settings)


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


def _package_folders(names: tuple[str, ...]) -> list[Path]:
    """Where these top-level packages are installed (found without importing them)."""
    folders = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            folders.extend(Path(p) for p in spec.submodule_search_locations)
    return folders


def _hidden_paths() -> list[Path]:
    """Host paths the sandbox must not show even where a mounted folder holds them."""
    from grader.paths import course_root
    from grader.progress import state_dir
    hidden = [state_dir()]
    try:
        hidden.append(course_root())
    except UserError:
        pass
    return hidden


class WorkerPool:
    """A zygote and the workers forked from it. Use as a context manager.

    The zygote starts importing ``preload`` right away, in parallel with whatever the grading
    process does next; the first :meth:`spawn` waits for it to be ready. ``allowed_imports``
    (None: any) leaves the preloadable libraries it does not name out of the sandbox.
    With ``require_sandbox``, a pool that cannot sandbox raises PoolError instead of falling
    back to plain processes (for grading other people's code).
    """

    # Learner code can kill the zygote when there is no sandbox (it is the worker's parent);
    # the pool then starts a new one, but not endlessly.
    MAX_RESTARTS = 5

    def __init__(self, preload: tuple[str, ...] = ("numpy",), python: str = sys.executable,
                 allowed_imports: tuple[str, ...] | None = None, require_sandbox: bool = False):
        sandbox.make_undumpable()   # learner code must not read this process's fds or memory
        self.root = Path(tempfile.mkdtemp(prefix="learn-grade-"))
        self._python = python
        self.allowed_imports = allowed_imports
        self._preload = tuple(p for p in preload if allowed_imports is None or p in allowed_imports)
        self._require = require_sandbox or sandbox.sandbox_required()
        self._count = 0
        self._restarts = 0
        self._log = open(self.root / "zygote.log", "ab")
        wanted, why = sandbox.sandbox_wanted()
        self.level = sandbox.SandboxLevel(sandboxed=wanted, reason=why)
        if not wanted and self._require:
            self._fail_unsandboxed(why)
        # Workers of a zygote that died come back here, to be killed and reaped.
        become_subreaper()
        self._start()

    def _fail_unsandboxed(self, why: str) -> None:
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)
        raise PoolError(f"no sandbox for learner code: {why}")

    def _command(self) -> list[str]:
        zygote = [self._python, "-I", "-m", "grader.zygote", "{fd}", ",".join(self._preload)]
        if not self.level.sandboxed:
            return zygote
        hidden = _hidden_paths()
        if self.allowed_imports is not None:
            left_out = [member for family, members in sandbox.PRELOADABLE.items()
                        if family not in self.allowed_imports for member in members]
            hidden += _package_folders(tuple(left_out))
        return [*sandbox.bwrap_command(self._python, hidden), "--", *zygote, "sandboxed"]

    def _start(self) -> None:
        self._ready = False
        ours, theirs = socket.socketpair()
        command = [part.replace("{fd}", str(theirs.fileno())) for part in self._command()]
        try:
            self._process = subprocess.Popen(
                command, pass_fds=[theirs.fileno()], env=clean_environment("/tmp"),
                cwd=self.root, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        except OSError as error:
            raise PoolError(f"cannot start the grading worker: {error}") from None
        finally:
            theirs.close()
        self._control = ours

    @property
    def sandboxed(self) -> bool:
        """Whether workers run in the sandbox (known for sure once the zygote is ready)."""
        return self.level.sandboxed

    @property
    def alive(self) -> bool:
        """Whether the zygote is running (a stopped one is not). Asked of /proc: forked
        grading processes share this pool but are not the zygote's parent."""
        return is_running(self._process.pid)

    def restart_if_dead(self) -> None:
        """Start a new zygote if learner code killed or stopped the last one."""
        if self.alive:
            return
        if self._restarts >= self.MAX_RESTARTS:
            raise PoolError(f"the grading worker was stopped {self._restarts + 1} times; giving up")
        self._restarts += 1
        kill_group(self._process.pid)   # a stopped zygote is still there: end it
        self._control.close()
        self._start()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait until the zygote has finished its imports; fall back to plain processes when
        the sandbox cannot start here (unless the pool requires it).

        A process that forks while holding this pool (grader/warm.py) must call this first:
        otherwise each child would wait for a "ready" message that only one of them gets.
        """
        if self._ready:
            return
        try:
            self._control.settimeout(timeout)
            ready, _ = wire.recv_frame(self._control)
            problem = str(ready.get("problem") or "")
        except (OSError, EOFError, wire.WireError) as error:
            problem = self._log_tail() or str(error)
            if not self.level.sandboxed:
                raise PoolError(f"the grading worker did not start ({error}). {problem}") from None
        if self.level.sandboxed and problem:
            self._process.kill()
            self._process.wait()
            self._control.close()
            if self._require:
                self._fail_unsandboxed(problem)
            self.level = sandbox.SandboxLevel(sandboxed=False, reason=_one_line(problem))
            self._start()
            return self.wait_ready(timeout)
        self._ready = True

    def _log_tail(self) -> str:
        return (self.root / "zygote.log").read_text(errors="replace")[-800:].strip()

    def _ask(self, header: dict, buffers: list[bytes] = (), fds: list[int] = (),
             timeout: float = 120.0) -> dict:
        self.wait_ready(timeout)
        try:
            self._control.settimeout(timeout)
            wire.send_frame(self._control, header, list(buffers))
            if fds:
                socket.send_fds(self._control, [b"F"], list(fds))
            reply, _ = wire.recv_frame(self._control, deadline=time.monotonic() + timeout)
            return reply
        except (OSError, EOFError, wire.WireError) as error:
            raise PoolError(f"the grading worker stopped answering ({error}). "
                            f"{self._log_tail()}") from None

    def spawn(self, spec: WorkerSpec) -> "WorkerProcess":
        """Fork a fresh worker for spec; it starts by importing the learner's module."""
        self.wait_ready()        # first: a sandbox that cannot start falls back here
        self.restart_if_dead()
        self._count += 1
        # Forked grading processes (grader/warm.py) share this pool: names carry the pid.
        name = f"{os.getpid()}-{self._count}"
        workdir = self.root / f"run-{name}"
        if not self.sandboxed:
            workdir.mkdir()
        capture = _anonymous_file(self.root)
        os.set_blocking(capture, True)
        ours, theirs = socket.socketpair()
        try:
            header: dict[str, Any] = {"op": "spawn", "spec": {
                "file_names": [name for name, _ in spec.files], "module": spec.module,
                "forbidden": list(spec.forbidden), "blocked": list(spec.blocked),
                "allowed_imports": (None if spec.allowed_imports is None
                                    else list(spec.allowed_imports)),
                "memory_mb": spec.memory_mb, "output_bytes": spec.output_bytes,
                "workdir": str(workdir), "tmp_mb": sandbox.WORKER_TMP_MB}}
            reply = self._ask(header, [data for _, data in spec.files], [theirs.fileno(), capture])
        except BaseException:
            os.close(capture)
            ours.close()
            raise
        finally:
            theirs.close()
        if "pid" not in reply:
            os.close(capture)
            ours.close()
            raise PoolError(f"the grading worker could not start a worker: "
                            f"{reply.get('error', reply)}")
        reply_limit = MAX_REPLY_HEADER + spec.memory_mb * (1 << 20)
        return WorkerProcess(self, int(reply["pid"]), ours, capture, reply_limit)

    def reap(self, pid: int, kill: bool, grace: float = 0.0) -> ExitStatus:
        """Wait for a worker to end (killing it first when asked, after grace seconds when it
        may be ending by itself); every process it started ends too."""
        if self.alive:
            try:
                status = self._ask({"op": "wait", "pid": pid, "kill": kill, "grace": grace},
                                   timeout=30.0)["status"]
                return ExitStatus(signal=status.get("signal"), code=status.get("code"))
            except PoolError:
                pass  # the zygote died meanwhile
        if self.sandboxed:
            # The zygote is gone, and with it the sandbox and every process in it. The pid is
            # one of the sandbox's, meaningless here: never signal it.
            return ExitStatus(signal=signal.SIGKILL)
        return _reap_orphan(pid)

    def cpu_seconds(self, pid: int) -> float:
        """CPU time used so far by a worker and everything it started, as the kernel counts
        it (asked of the zygote, which sees the worker's processes)."""
        return int(self._ask({"op": "cpu", "pid": pid}, timeout=10.0)["ns"]) / 1e9

    def close(self) -> None:
        """Kill every worker and stray process, stop the zygote, remove temporary files."""
        if self._process.poll() is None:
            try:
                if self._ready:
                    self._control.settimeout(10.0)
                    wire.send_frame(self._control, {"op": "shutdown"})
                    wire.recv_frame(self._control, deadline=time.monotonic() + 10.0)
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


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown reason"


def _anonymous_file(folder: Path) -> int:
    """A read-write file descriptor to a file with no name (memfd; else an unlinked file),
    shared with the worker for its output. Appends go to the end even after a truncation."""
    try:
        fd = os.memfd_create("learner-output", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        fd, name = tempfile.mkstemp(dir=folder)
        os.unlink(name)
    import fcntl
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
    return fd


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

    def __init__(self, pool: WorkerPool, pid: int, sock: socket.socket, capture: int,
                 reply_limit: int):
        self.pool = pool
        self.pid = pid              # in the sandbox: a pid of the sandbox's, never signalled here
        self.sock = sock
        self.capture = capture      # the output file's descriptor
        self.reply_limit = reply_limit
        self.tripped: list[str] = []   # forbidden calls reported by the worker, not yet taken
        self.status: ExitStatus | None = None

    @property
    def alive(self) -> bool:
        return self.status is None

    def receive(self, deadline: float) -> tuple[dict, list[bytes]]:
        """Wait for the worker's next reply, all of it by the deadline (time.monotonic()).

        Forbidden calls reported on the way (``{"tripwire": name}`` frames, sent the moment
        they happen) are collected in :attr:`tripped`.
        """
        try:
            while True:
                header, buffers = wire.recv_frame(self.sock, deadline=deadline,
                                                  max_header=MAX_REPLY_HEADER,
                                                  max_bytes=self.reply_limit)
                if "tripwire" not in header:
                    return header, buffers
                if len(self.tripped) < 100:
                    self.tripped.append(str(header["tripwire"]))
        except (socket.timeout, TimeoutError):
            self.kill()
            raise WorkerTimedOut() from None
        except (EOFError, OSError, wire.WireError):
            # Most likely it died: give it a moment to end by itself so the status says how.
            raise WorkerExited(self.kill(grace=DEATH_GRACE_SECONDS)) from None

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

    def kill(self, grace: float = 0.0) -> ExitStatus:
        """Kill the worker and everything it started (if still running), and reap it.

        grace: how long a worker that may be dying by itself gets before the kill."""
        if self.status is None:
            if not self.pool.sandboxed and not grace:
                kill_group(self.pid)
            self.sock.close()
            self.status = self.pool.reap(self.pid, kill=True, grace=grace)
        return self.status

    def take_output(self) -> tuple[str, int]:
        """The output written since the last call (at most OUTPUT_SHOWN_CHARS) and its full size.

        The file is emptied afterwards, so the size limit applies per test.
        """
        try:
            size = os.fstat(self.capture).st_size
            head = os.pread(self.capture, OUTPUT_SHOWN_CHARS * 4, 0) if size else b""
            if size:
                os.ftruncate(self.capture, 0)
        except OSError:
            return "", 0
        text = head.decode("utf-8", errors="replace")[:OUTPUT_SHOWN_CHARS]
        return text, size

    def __del__(self) -> None:
        try:
            os.close(self.capture)
        except (OSError, AttributeError):
            pass
