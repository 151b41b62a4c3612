"""The worker: the only process where learner code runs.

It is forked from the zygote (grader/zygote.py), which has already set its limits, its
working directory and its output file. Here it installs the forbidden-call tripwires, blocks
imports from the hidden solutions, imports the learner's module and then answers requests
from the grading process, one at a time, over its socket:

    {"op": "getattr", "target": id, "name": str}      an attribute of the module or a handle
    {"op": "call", "target": id, "args": [...], "kwargs": {...}, "keep_result": bool}
    {"op": "getitem", "target": id, "key": value}
    {"op": "keep", "args": [value]}    store data here; reply {"handle": ...}
    {"op": "fetch", "target": id}      the object behind a handle, as data where it is data
    {"op": "same", "target": id, "other": id, "attribute": name}   other is target(.attribute)?
    {"op": "lookup", "target": 0, "name": "numpy.random.default_rng"}  a trusted function,
                                       as a handle the suite can pass to learner code

Every reply is ``{"ok": value, "forbidden": [...]}`` or
``{"error": {...}, "forbidden": [...]}``. Objects that are not data stay here in a table of
handles. The worker never decides a verdict: it only reports what happened.
"""
from __future__ import annotations

import builtins
import difflib
import functools
import importlib
import importlib.abc
import io
import os
import socket
import sys
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader import wire
from grader.sandbox import PRELOADABLE

MODULE_HANDLE = 0  # handle id of the learner's module itself
# The only modules "lookup" imports from: functions a suite hands to learner code (a random
# Generator's constructor, a model for learner code to fit) must be course-neutral and trusted.
LOOKUP_MODULES = ("numpy", "grader.callbacks")


# -- forbidden calls ---------------------------------------------------------------------

ATEN_PREFIX = "torch.ops.aten."


class Tripwires:
    """Replaces forbidden functions, classes and methods with wrappers that record each use.

    A name whose module is not imported yet is installed as soon as an import makes it
    reachable, so ``import torch`` inside the learner's module is covered too. A name under
    ``torch.ops.aten.`` is caught in torch's dispatcher instead, where every Python door to
    that operator ends (torch.*, torch.nn.functional.*, torch.ops.aten.*, _VariableFunctions,
    Tensor methods): the call is refused there.

    Each use is reported to the grading process at once, through ``report``, so clearing a
    record kept here would change nothing.
    """

    def __init__(self, names: list[str], report: Callable[[str], None] = lambda _: None):
        self.pending = list(names)
        self.used: list[str] = []
        self._report = report
        self._aten_library: Any = None
        self._original_import = builtins.__import__
        if self.pending:
            self._try_install()
            builtins.__import__ = self._import

    def _import(self, *args: Any, **kwargs: Any) -> Any:
        module = self._original_import(*args, **kwargs)
        if self.pending:
            self._try_install()
        return module

    def _record(self, name: str) -> None:
        self._report(name)
        self.used.append(name)

    def _try_install(self) -> None:
        for name in list(self.pending):
            if name.startswith(ATEN_PREFIX):
                if "torch" in sys.modules:
                    self._install_aten(name)
                    self.pending.remove(name)
                continue
            resolved = _resolve(name)
            if resolved is not None:
                owner, attribute, target = resolved
                self._wrap(name, owner, attribute, target)
                self.pending.remove(name)

    def _install_aten(self, name: str) -> None:
        """Refuse an aten operator (every overload) in torch's dispatcher, recording the use."""
        import warnings

        import torch
        if self._aten_library is None:
            self._aten_library = torch.library.Library("aten", "IMPL")
        operator = name[len(ATEN_PREFIX):]
        packet = getattr(torch.ops.aten, operator, None)
        if packet is None:
            return

        def refuse(*args: Any, **kwargs: Any) -> Any:
            self._record(name)
            raise RuntimeError(f"{name} is not allowed in this exercise")

        with warnings.catch_warnings():   # "overriding a previously registered kernel"
            warnings.simplefilter("ignore")
            for overload in packet.overloads():
                qualified = operator if overload == "default" else f"{operator}.{overload}"
                for key in ("CompositeImplicitAutograd", "CPU", "AutogradCPU"):
                    if torch._C._dispatch_has_kernel_for_dispatch_key(f"aten::{qualified}", key):
                        self._aten_library.impl(qualified, refuse, key)

    def _wrap(self, name: str, owner: Any, attribute: str, target: Any) -> None:
        record = self._record

        if isinstance(target, type):
            original_init = target.__init__

            @functools.wraps(original_init)
            def init(self_: Any, *args: Any, **kwargs: Any) -> None:
                record(name)
                original_init(self_, *args, **kwargs)

            del init.__wrapped__
            target.__init__ = init
            return

        if isinstance(target, types.FunctionType) and not target.__code__.co_freevars:
            self._swap_code(name, target)
            return

        @functools.wraps(target)
        def tripwire(*args: Any, **kwargs: Any) -> Any:
            record(name)
            return target(*args, **kwargs)

        del tripwire.__wrapped__   # functools.wraps would hand out the original
        setattr(owner, attribute, tripwire)

    def _swap_code(self, name: str, function: types.FunctionType) -> None:
        """Make a pure-Python function record every call, whoever holds it.

        Replacing a module attribute misses every reference taken before (an alias, a class
        that calls the module-level function, one found with gc). Swapping the function's own
        code object catches them all: the new code calls a copy of the original through a
        name in the function's module.
        """
        original = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                                      function.__defaults__, None)
        original.__kwdefaults__ = function.__kwdefaults__
        record = self._record

        def recorded(*args: Any, **kwargs: Any) -> Any:
            record(name)
            return original(*args, **kwargs)

        slot = f"_learn_tripwire_{abs(hash(name))}"
        function.__globals__[slot] = recorded
        namespace: dict = {}
        exec(f"def trampoline(*args, **kwargs):\n    return {slot}(*args, **kwargs)\n",
             function.__globals__, namespace)
        function.__code__ = namespace["trampoline"].__code__

    def take_used(self) -> list[str]:
        """The forbidden names used since the last call, each once, in order of first use."""
        used = list(dict.fromkeys(self.used))
        self.used.clear()
        return used


def _resolve(dotted: str) -> tuple[Any, str, Any] | None:
    """(owner, attribute, object) for a dotted name whose top module is imported, else None."""
    parts = dotted.split(".")
    if parts[0] not in sys.modules:
        return None
    owner: Any = sys.modules[parts[0]]
    for part in parts[1:-1]:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    target = getattr(owner, parts[-1], None)
    return None if target is None else (owner, parts[-1], target)


class _HiddenBlocker(importlib.abc.MetaPathFinder):
    """Refuses to import any module that lives under a blocked folder (the solutions)."""

    def __init__(self, blocked: list[str], allowed_file: str):
        self.blocked = [os.path.realpath(path) + os.sep for path in blocked]
        self.allowed_file = os.path.realpath(allowed_file)

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            origins = [spec.origin or "", *(spec.submodule_search_locations or [])]
            for origin in origins:
                real = os.path.realpath(origin) if origin else ""
                if real and real != self.allowed_file and any(
                        (real + os.sep).startswith(b) or real.startswith(b) for b in self.blocked):
                    raise ImportError(f"module {fullname!r} is part of the hidden course "
                                      f"material and cannot be imported")
            return None
        return None


class _ImportGate(importlib.abc.MetaPathFinder):
    """Refuses imports that learner code makes of packages the exercise does not allow.

    Whether an import is the learner's is read off the call stack: the innermost frame that
    is neither import machinery nor the standard library decides. Learner code (the
    submission folder) is held to the exercise's list; an allowed package's own lazy imports
    (torch importing sympy) pass. In the sandbox, packages that are not allowed are also
    absent from the file system (grader/sandbox.py), which is the guarantee; this gate gives
    the learner a clear message.
    """

    _STDLIB = os.path.dirname(os.__file__) + os.sep

    def __init__(self, allowed: list[str], learner_folder: str):
        self.allowed = set(allowed) | {"grader"}
        self.learner_folder = learner_folder + os.sep

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        top = fullname.partition(".")[0]
        if top in self.allowed or top in sys.stdlib_module_names or not self._learners():
            return None
        shown = ", ".join(sorted(self.allowed - {"grader"})) or "nothing"
        raise ImportError(f"this exercise allows importing only {shown} and the standard "
                          f"library, not {top}", name=fullname)

    def _learners(self) -> bool:
        frame = sys._getframe(1)
        while frame is not None:
            file = frame.f_code.co_filename
            if file.startswith(self.learner_folder):
                return True
            if not (file.startswith("<frozen") or file.startswith(self._STDLIB)
                    or file == __file__):
                return False   # a package's own import
            frame = frame.f_back
        return False


def forget_modules(allowed: list[str]) -> None:
    """Drop preloaded libraries the exercise does not allow from the module cache, so that an
    import statement cannot fetch them from there."""
    for family, members in PRELOADABLE.items():
        if family in allowed:
            continue
        for name in list(sys.modules):
            if name.partition(".")[0] in members:
                del sys.modules[name]


# -- learner errors ----------------------------------------------------------------------

def describe_error(error: BaseException, learner_file: str) -> dict:
    """What the grading process needs to know of an exception: type, message, learner frames."""
    if isinstance(error, SyntaxError) and not isinstance(error, RecursionError):
        return _describe_syntax_error(error, learner_file)
    kind = type(error)
    message = str(error)
    if isinstance(error, SystemExit):
        message = f"sys.exit({error.code!r})"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename == learner_file]
    shown = Path(learner_file).name
    lines: list[str] = []
    repeats = 0
    for index, frame in enumerate(frames):
        text = (f'  File "{shown}", line {frame.lineno}, in {frame.name}'
                + (f"\n    {frame.line}" if frame.line else ""))
        if lines and text == lines[-1]:  # deep recursion: one line per distinct frame
            repeats += 1
            continue
        if repeats:
            lines.append(f"  [the frame above repeated {repeats} more times]")
            repeats = 0
        lines.append(text)
    if repeats:
        lines.append(f"  [the frame above repeated {repeats} more times]")
    return {"type": kind.__name__, "builtin": kind.__module__ == "builtins",
            "message": message, "traceback": "\n".join(lines)}


def _describe_syntax_error(error: SyntaxError, learner_file: str) -> dict:
    where = f"line {error.lineno}" if error.lineno else "somewhere"
    text = (error.text or "").rstrip("\n")
    caret = ""
    if text and error.offset:
        stripped = text.lstrip()
        caret = "\n    " + " " * max(0, error.offset - 1 - (len(text) - len(stripped))) + "^"
        text = stripped
    shown = f'  File "{Path(learner_file).name}", {where}' + (f"\n    {text}{caret}" if text else "")
    return {"type": type(error).__name__, "builtin": True, "message": f"{error.msg} ({where})",
            "traceback": shown}


# -- the request loop --------------------------------------------------------------------

class Worker:
    """Serves one learner module to the grading process."""

    def __init__(self, sock: socket.socket, spec: dict):
        self.sock = sock
        self.spec = spec
        self.learner_file = os.path.realpath(spec["path"])
        self.handles: dict[int, Any] = {}
        self.next_handle = 1
        self.tripwires = Tripwires(spec.get("forbidden", []), self._report_tripwire)
        self.module: types.ModuleType | None = None

    def serve(self) -> None:
        """Load the learner's module, reply, then answer requests until the socket closes."""
        self._reply(self._load())
        while True:
            try:
                header, buffers = wire.recv_frame(self.sock)
            except (EOFError, wire.WireError, OSError):
                return
            self._reply(self._handle(header, buffers))

    def _load(self) -> dict:
        path = self.learner_file
        sys.meta_path.insert(0, _HiddenBlocker(self.spec.get("blocked", []), path))
        if (allowed := self.spec.get("allowed_imports")) is not None:
            forget_modules(allowed)
            sys.meta_path.insert(0, _ImportGate(allowed, os.path.dirname(path)))
        blocked = [os.path.realpath(b) for b in self.spec.get("blocked", [])]
        sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") not in blocked]
        sys.path.insert(0, os.path.dirname(path))
        module = types.ModuleType(self.spec["module"])
        module.__file__ = path
        sys.modules[self.spec["module"]] = module
        try:
            source = Path(path).read_bytes()
            code = compile(source, path, "exec")
            exec(code, module.__dict__)
        except BaseException as error:  # noqa: BLE001 - learner code may raise anything
            return {"error": describe_error(error, path), "phase": "import"}
        self.module = module
        self.handles[MODULE_HANDLE] = module
        return {"ok": None}

    def _handle(self, header: dict, buffers: list[bytes]) -> dict:
        op = header.get("op")
        try:
            target = self.handles[header["target"]]
            if op == "getattr":
                return self._getattr(target, header["target"], header["name"])
            if op == "lookup":
                return self._lookup(header["name"])
            args = wire.decode(header.get("args", []), buffers, self._from_handle)
            kwargs = wire.decode(header.get("kwargs", {"$dict": []}), buffers, self._from_handle)
        except (KeyError, TypeError, wire.WireError) as error:
            return {"protocol_error": f"bad request: {error!r}"}
        if op == "keep":  # data the suite wants to live here, as a handle (same object later)
            return {"handle": self._to_handle(args[0])}
        if op == "fetch":  # the object behind a handle, sent back as data where it is data
            return {"ok": target}
        if op == "same":  # is target (or target.attribute) the very object `other`?
            other = self.handles.get(header.get("other"))
            attribute = header.get("attribute")
            try:
                found = getattr(target, attribute) if attribute else target
            except BaseException as error:  # noqa: BLE001 - a property may raise anything
                return {"error": describe_error(error, self.learner_file)}
            return {"ok": found is other}
        try:
            if op == "call":
                result = target(*args, **kwargs)
            elif op == "getitem":
                result = target[args[0]]
            else:
                return {"protocol_error": f"unknown op {op!r}"}
        except BaseException as error:  # noqa: BLE001 - learner code may raise anything
            return {"error": describe_error(error, self.learner_file)}
        if header.get("keep_result"):   # timed calls: the result waits here, as a handle
            return {"handle": self._to_handle(result)}
        return {"ok": result}

    def _getattr(self, target: Any, target_id: int, name: str) -> dict:
        try:
            return {"ok": getattr(target, name)}
        except AttributeError as error:
            if target_id == MODULE_HANDLE:
                public = [n for n in vars(target) if not n.startswith("_")]
                close = difflib.get_close_matches(name, public, n=1)
                return {"missing": name, "suggestion": close[0] if close else None}
            return {"error": describe_error(error, self.learner_file)}
        except BaseException as error:  # noqa: BLE001 - a property may raise anything
            return {"error": describe_error(error, self.learner_file)}

    def _lookup(self, dotted: str) -> dict:
        """A function of a LOOKUP_MODULES module by dotted name; the reply makes it a handle."""
        module_name, _, attribute = str(dotted).rpartition(".")
        if not any(module_name == m or module_name.startswith(m + ".") for m in LOOKUP_MODULES):
            return {"protocol_error": f"lookup {dotted!r}: only names in {', '.join(LOOKUP_MODULES)}"}
        try:
            found = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            return {"protocol_error": f"lookup {dotted!r}: {error}"}
        return {"ok": found}

    def _to_handle(self, value: Any) -> dict:
        handle = self.next_handle
        self.next_handle += 1
        self.handles[handle] = value
        return {"$handle": handle, "type": type(value).__qualname__}

    def _from_handle(self, tree: dict) -> Any:
        return self.handles[tree["$handle"]]

    def _report_tripwire(self, name: str) -> None:
        """Tell the grading process of a forbidden call now, before any reply."""
        wire.send_frame(self.sock, {"tripwire": name})

    def _reply(self, reply: dict) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        buffers: list[bytes] = []
        if "ok" in reply:
            reply["ok"], buffers = wire.encode(reply["ok"], self._to_handle)
        reply["forbidden"] = self.tripwires.take_used()
        wire.send_frame(self.sock, reply, buffers)


def redirect_output(fd: int) -> None:
    """Send this process's stdout and stderr (Python and C level) to the capture file fd."""
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # input() must not wait for a terminal
    os.close(null)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace")
