"""The zygote: a clean, pre-imported process that forks one worker per learner module.

Started by the grading process as ``python -I -m grader.zygote CONTROL_FD PRELOAD`` with a
clean environment. It imports the heavy libraries the exercises use (numpy, torch) once, then
forks a fresh worker on each request, so a new worker costs a fork (about 20 ms here) instead
of a torch import (over a second). No learner code ever runs in the zygote itself.

It is a child subreaper: any process a worker leaves behind (even one that escaped with
``setsid``) is re-parented here when its parent dies, and is killed on the next sweep.

Control requests (frames, see grader/wire.py), each answered with one frame:
    {"op": "spawn", "spec": {...}} + the worker's socket passed as an fd  ->  {"pid": n}
    {"op": "wait", "pid": n}      reap a worker the grading process killed or saw exit
    {"op": "shutdown"}            kill everything and exit (so does end of file)
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

from grader import wire
from grader.procs import become_subreaper, children_of, kill_group
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
    """Kill and reap every child but the workers in keep (orphans re-parented here)."""
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


def _run_worker(worker_sock: socket.socket, spec: dict) -> None:
    """Body of a freshly forked worker: isolate, limit, then serve. Never returns."""
    code = 70
    try:
        os.setsid()  # its own process group: the grading process kills the whole group
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # past the output limit: killed
        os.chdir(spec["workdir"])
        redirect_output(spec["capture"])
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (spec["output_bytes"], spec["output_bytes"]))
        limit = _vm_size_bytes() + spec["memory_mb"] * (1 << 20)
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


def serve(control: socket.socket) -> None:
    """Answer control requests until shutdown or end of file."""
    workers: set[int] = set()
    try:
        while True:
            try:
                header, _ = wire.recv_frame(control)
            except (EOFError, wire.WireError, OSError):
                return
            op = header.get("op")
            if op == "spawn":
                _, fds, _, _ = socket.recv_fds(control, 1, 1)
                worker_sock = socket.socket(fileno=fds[0])
                pid = os.fork()
                if pid == 0:
                    control.close()
                    _run_worker(worker_sock, header["spec"])
                worker_sock.close()
                workers.add(pid)
                wire.send_frame(control, {"pid": pid})
            elif op == "wait":
                pid = header["pid"]
                kill_group(pid) if header.get("kill") else None
                try:
                    _, status = os.waitpid(pid, 0)
                    result = ({"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status)
                              else {"code": os.WEXITSTATUS(status)})
                except ChildProcessError:
                    result = {"code": None}
                workers.discard(pid)
                sweep(workers)
                wire.send_frame(control, {"status": result})
            elif op == "shutdown":
                break
            else:
                wire.send_frame(control, {"error": f"unknown op {op!r}"})
    finally:
        for pid in workers:
            kill_group(pid)
        sweep(set())
        try:
            wire.send_frame(control, {"bye": True})
        except OSError:
            pass


def main(argv: list[str]) -> None:
    """Entry point: ``python -I -m grader.zygote CONTROL_FD [module,module,...]``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grading process's to handle
    become_subreaper()
    control = socket.socket(fileno=int(argv[0]))
    preloaded = []
    for name in filter(None, (argv[1] if len(argv) > 1 else "").split(",")):
        try:
            importlib.import_module(name)
            preloaded.append(name)
        except Exception:  # noqa: BLE001 - a missing library is the worker's import error
            pass
    wire.send_frame(control, {"ready": True, "preloaded": preloaded})
    serve(control)


if __name__ == "__main__":
    main(sys.argv[1:])
