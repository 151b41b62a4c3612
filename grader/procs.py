"""Processes as Linux shows them in /proc: who is whose child, who is still running."""
from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_PDEATHSIG = 1


def become_subreaper() -> None:
    """Make orphaned descendants of this process come back to it (Linux), so they can be
    killed and reaped here instead of outliving the grade under init."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphans go to init instead
        pass


def _children_by_parent() -> dict[int, list[int]]:
    """Every living (not zombie) process, grouped under its parent's pid; empty without /proc."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # The command name (in parentheses) may hold spaces: split after it.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def children_of(pid: int) -> set[int]:
    """Pids of the living (not zombie) children of pid; empty where there is no /proc."""
    return set(_children_by_parent().get(pid, []))


def descendants(pid: int) -> list[int]:
    """Pids of every living process below pid (children first), from one pass over /proc."""
    children = _children_by_parent()
    found, frontier = [], [pid]
    while frontier:
        frontier = sorted(child for parent in frontier for child in children.get(parent, []))
        found += frontier
    return found


def die_with_parent() -> None:
    """Be killed (SIGKILL) when the parent process dies (Linux; elsewhere nothing)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def is_running(pid: int) -> bool:
    """Whether pid is a process that is running: a zombie, a dead one and a stopped one
    (SIGSTOP, or traced) are not, since none of them will ever answer. Unlike Popen.poll(),
    this also answers in a process that is not pid's parent (a forked grading process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X", b"T", b"t")
    except OSError:
        return False


def kill_group(pid: int) -> None:
    """SIGKILL pid's process group (a worker is a group leader) and pid itself; quietly
    ignore what is already gone."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass
