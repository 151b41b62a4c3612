"""The zygote: a clean, pre-imported process that forks one worker per learner module.

Started by the grading process as ``python -I -m grader.zygote CONTROL_FD PRELOAD [sandboxed]``
with a clean environment, inside the bubblewrap sandbox when there is one (grader/sandbox.py).
It imports the heavy libraries the exercises use (numpy, torch) once, then forks a fresh
worker on each request, so a new worker costs a fork (about 20 ms here) instead of a torch
import (over a second). No learner code ever runs in the zygote itself.

In the sandbox, each worker sits behind a *keeper*: the zygote forks the keeper, the keeper
enters new user, PID, mount and IPC namespaces and forks the namespace's init (PID 1), which
seals the mounts and forks the worker. The zygote knows the init's pid: killing it makes the
kernel kill every process of the namespace, whatever the learner started; the keeper then
exits as the worker did and the zygote reaps it. Learner code cannot see the zygote, the
keeper or any other worker.

Without the sandbox, the zygote is a child subreaper: a process a worker leaves behind (even
one that escaped with ``setsid``) is re-parented here and killed on the next sweep.

Control requests (frames, see grader/wire.py), each answered with one frame:
    {"op": "spawn", "spec": {...}} + the learner's files as buffers, and the worker's socket
        and output file passed as fds                               ->  {"pid": n}
    {"op": "wait", "pid": n, "kill": bool}   reap a worker (killing it first when asked)
    {"op": "cpu", "pid": n}                  CPU ns used by the worker and its processes
    {"op": "shutdown"}                       kill everything and exit (so does end of file)
"""
from __future__ import annotations

import importlib
import os
import resource
import signal
import socket
import sys
import time
import traceback

from grader import sandbox, wire
from grader.procs import become_subreaper, children_of, descendants, die_with_parent, kill_group
from grader.worker import Worker, redirect_output


def _reap_quietly() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def sweep(keep: set[int]) -> None:
    """Kill and reap every child but those in keep (orphans re-parented here)."""
    for _ in range(100):
        _reap_quietly()
        strays = children_of(os.getpid()) - keep
        if not strays:
            return
        for pid in strays:
            kill_group(pid)
        time.sleep(0.005)


def _vm_size_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _run_worker(worker_sock: socket.socket, capture_fd: int, spec: dict, files: list[bytes],
                workdir: str, imported_size: int) -> None:
    """Body of a freshly forked worker: limit, then serve. Never returns.

    imported_size is the address space taken by the imports (the memory limit comes on top).
    """
    code = 70
    try:
        os.setsid()  # its own process group and session: no terminal to reach
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # past the output limit: killed
        redirect_output(capture_fd)
        keep = {0, 1, 2, worker_sock.fileno()}
        for fd in _open_fds():  # nothing of the zygote's stays reachable
            if fd not in keep:
                _close_quietly(fd)
        os.chdir(workdir)
        os.environ.update(HOME=workdir, TMPDIR=workdir)
        spec = {**spec, "path": _write_submission(workdir, spec["file_names"], files)}
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (spec["output_bytes"], spec["output_bytes"]))
        limit = imported_size + spec["memory_mb"] * (1 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        Worker(worker_sock, spec).serve()
        code = 0
    except BaseException:  # noqa: BLE001 - report and leave; the grader sees the exit status
        try:
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)


def _write_submission(workdir: str, names: list[str], files: list[bytes]) -> str:
    """The learner's files, as the grading process read them, in the worker's own folder;
    the path of the graded one (the first)."""
    folder = os.path.join(workdir, "submission")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for name, data in zip(names, files):
        paths.append(os.path.join(folder, os.path.basename(name)))
        with open(paths[-1], "wb") as file:
            file.write(data)
    return paths[0]


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 256))


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _keeper(worker_sock: socket.socket, capture_fd: int, spec: dict, files: list[bytes],
            report: int) -> None:
    """Between the zygote and a sandboxed worker: enter new namespaces, fork their init
    (PID 1 of the new PID namespace), tell the zygote its pid, then end as it ends.
    Never returns."""
    code = 70
    try:
        die_with_parent()
        imported_size = _vm_size_bytes()      # /proc is hidden from the worker
        sandbox.enter_worker_namespaces()
        pid = os.fork()
        if pid == 0:
            os.close(report)
            _namespace_init(worker_sock, capture_fd, spec, files, imported_size)
        worker_sock.close()
        os.close(capture_fd)
        os.write(report, str(pid).encode())
        os.close(report)
        _, status = os.waitpid(pid, 0)
        code = (128 + os.WTERMSIG(status)) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    except BaseException:  # noqa: BLE001 - the zygote gets no pid and reports the failure
        traceback.print_exc()
    finally:
        os._exit(code)


def _namespace_init(worker_sock: socket.socket, capture_fd: int, spec: dict,
                    files: list[bytes], imported_size: int) -> None:
    """PID 1 of a worker's namespace: seal its mounts, fork the worker, reap every orphan,
    and exit as the worker ended (128 + signal when killed). Never returns.

    The worker is not PID 1 itself because the kernel shields PID 1 from signals sent inside
    its namespace, the file-size limit's SIGXFSZ among them. When this process ends (or is
    killed by the zygote), the kernel kills everything left in the namespace.
    """
    code = 70
    try:
        die_with_parent()
        sandbox.seal_worker_mounts(spec["tmp_mb"])
        worker = os.fork()
        if worker == 0:
            _run_worker(worker_sock, capture_fd, spec, files, sandbox.WORKER_FOLDER,
                        imported_size)
        worker_sock.close()
        os.close(capture_fd)
        while True:   # orphans of the learner's come here: reap them until the worker ends
            pid, status = os.wait()
            if pid == worker:
                code = ((128 + os.WTERMSIG(status)) if os.WIFSIGNALED(status)
                        else os.WEXITSTATUS(status))
                break
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    finally:
        os._exit(code)


class Zygote:
    """The zygote's request loop and the workers it answers for."""

    def __init__(self, control: socket.socket, sandboxed: bool):
        self.control = control
        self.sandboxed = sandboxed
        self.keepers: dict[int, int] = {}   # worker pid -> the child to reap for it

    def spawn(self, spec: dict, files: list[bytes]) -> dict:
        """Fork a worker for spec; in the sandbox, behind a keeper in its own namespaces."""
        _, fds, _, _ = socket.recv_fds(self.control, 1, 2)
        worker_sock, capture_fd = socket.socket(fileno=fds[0]), fds[1]
        try:
            if not self.sandboxed:
                pid = os.fork()
                if pid == 0:
                    self.control.close()
                    _run_worker(worker_sock, capture_fd, spec, files, spec["workdir"],
                                _vm_size_bytes())
                self.keepers[pid] = pid
                return {"pid": pid}
            read_end, write_end = os.pipe()
            keeper = os.fork()
            if keeper == 0:
                self.control.close()
                os.close(read_end)
                _keeper(worker_sock, capture_fd, spec, files, write_end)
            os.close(write_end)
            with os.fdopen(read_end, "rb") as report:
                text = report.read(32)
            if not text:
                os.waitpid(keeper, 0)
                return {"error": "the worker's namespaces could not be set up"}
            self.keepers[int(text)] = keeper
            return {"pid": int(text)}
        finally:
            worker_sock.close()
            os.close(capture_fd)

    def wait(self, pid: int, kill: bool, grace: float = 0.0) -> dict:
        """Reap a worker, killing it first when asked; how it ended.

        With a grace period, a worker that is ending by itself gets that long to do so before
        the kill, so that a death of its own (SIGXFSZ, SIGSEGV) is reported as it happened.
        """
        keeper = self.keepers.pop(pid, None)
        if keeper is None:
            return {"status": {"code": None}}
        try:
            status = _ended_within(keeper, grace) if kill else None
            if status is None:
                if kill:
                    # Sandboxed, pid is the init of the worker's namespace: killing it ends every
                    # process there. Without the sandbox its group goes, the sweep does the rest.
                    kill_group(pid)
                _, status = os.waitpid(keeper, 0)
            result = ({"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status)
                      else {"code": os.WEXITSTATUS(status)})
            if self.sandboxed and (result.get("code") or 0) > 128:   # an echoed signal
                result = {"signal": result["code"] - 128}
        except ChildProcessError:
            result = {"code": None}
        sweep(set(self.keepers.values()))
        return {"status": result}

    def cpu_ns(self, pid: int) -> dict:
        """The CPU time, in ns, used so far by a worker and every process it started.

        Read from the kernel's accounting, so learner code cannot fake it, and counted in
        CPU time, so a busy machine does not slow the figure down. Live tasks count through
        their scheduler statistics; children already reaped, through their parent's totals.
        """
        if pid not in self.keepers:
            return {"ns": 0}
        total = 0
        for member in [pid, *descendants(pid)]:
            total += _process_cpu_ns(member)
        return {"ns": total}

    def serve(self) -> None:
        """Answer control requests until shutdown or end of file."""
        try:
            while True:
                try:
                    header, buffers = wire.recv_frame(self.control)
                except (EOFError, wire.WireError, OSError):
                    return
                op = header.get("op")
                if op == "spawn":
                    reply = self.spawn(header["spec"], buffers)
                elif op == "wait":
                    reply = self.wait(header["pid"], bool(header.get("kill")),
                                      float(header.get("grace", 0.0)))
                elif op == "cpu":
                    reply = self.cpu_ns(int(header["pid"]))
                elif op == "shutdown":
                    break
                else:
                    reply = {"error": f"unknown op {op!r}"}
                wire.send_frame(self.control, reply)
        finally:
            for pid in self.keepers:
                kill_group(pid)
            sweep(set())
            try:
                wire.send_frame(self.control, {"bye": True})
            except OSError:
                pass


_NS_PER_TICK = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def _process_cpu_ns(pid: int) -> int:
    """CPU ns of pid's threads (scheduler statistics) plus its reaped children's (ticks)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as stats:
                total += int(stats.read().split()[0])
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        total += (int(fields[13]) + int(fields[14])) * _NS_PER_TICK   # cutime, cstime
    except (OSError, ValueError, IndexError):   # it ended meanwhile
        pass
    return total


def _ended_within(pid: int, seconds: float) -> int | None:
    """The wait status of child pid if it ends within seconds, else None (still running)."""
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)


def nested_namespace_problem() -> str:
    """Empty when a worker's own namespaces can be set up here; else what failed."""
    pid = os.fork()
    if pid == 0:
        try:
            sandbox.enter_worker_namespaces()
            inner = os.fork()
            if inner == 0:
                try:
                    sandbox.seal_worker_mounts(1)
                    os._exit(0)
                except BaseException:  # noqa: BLE001
                    os._exit(3)
            _, status = os.waitpid(inner, 0)
            os._exit(0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 3)
        except BaseException:  # noqa: BLE001
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    return {0: "", 2: "a worker's own namespaces cannot be created here",
            3: "a worker's own file systems cannot be mounted here"}.get(
        code, "the namespace check crashed")


def main(argv: list[str]) -> None:
    """Entry point: ``python -I -m grader.zygote CONTROL_FD [module,...] [sandboxed]``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grading process's to handle
    sandbox.make_undumpable()
    become_subreaper()
    control = socket.socket(fileno=int(argv[0]))
    sandboxed = len(argv) > 2 and argv[2] == "sandboxed"
    problem = nested_namespace_problem() if sandboxed else ""
    preloaded = []
    for name in filter(None, (argv[1] if len(argv) > 1 else "").split(",")):
        try:
            importlib.import_module(name)
            preloaded.append(name)
        except Exception:  # noqa: BLE001 - a missing library is the worker's import error
            pass
    wire.send_frame(control, {"ready": True, "preloaded": preloaded,
                              "sandboxed": sandboxed and not problem, "problem": problem})
    if not problem:
        Zygote(control, sandboxed).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
