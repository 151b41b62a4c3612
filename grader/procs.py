"""Processes as Linux shows them in /proc: who is whose child, who is still running."""
from __future__ import annotations

import os


def children_of(pid: int) -> set[int]:
    """Pids of the living (not zombie) children of pid; empty where there is no /proc."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set()
    found = set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # The command name (in parentheses) may hold spaces: split after it.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != b"Z":
            found.add(int(entry))
    return found
