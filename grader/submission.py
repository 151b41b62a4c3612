"""The ``submission`` a hidden suite sees: a proxy to the learner's module in its worker.

Calls cross to the worker as data (grader/wire.py) and results come back as data or as
handles (:class:`RemoteObject`). What went wrong in the worker becomes an exception here:

* the learner's own exceptions: :class:`LearnerError` subclasses that also subclass the
  built-in type (``pytest.raises(ValueError)`` works in a suite);
* everything that must end the test whatever the suite does: :class:`GradingSignal`
  subclasses, derived from BaseException so that a suite's ``except Exception`` cannot
  swallow them. Each carries the ``reason`` category of the results document.
"""
from __future__ import annotations

import builtins
import importlib
import signal
import time
from collections.abc import Callable
from typing import Any

from grader import wire
from grader.isolation import WorkerExited, WorkerPool, WorkerProcess, WorkerSpec, WorkerTimedOut

# -- what can happen -----------------------------------------------------------------------


class GradingSignal(BaseException):
    """Ends a test with a verdict other than a plain failed assertion."""

    reason = "error"


class NotAttempted(GradingSignal):
    """The learner's code raised NotImplementedError: the stub is not filled in yet."""

    reason = "not_attempted"


class TimedOut(GradingSignal):
    reason = "timeout"


class OutOfMemory(GradingSignal):
    reason = "memory"


class Crashed(GradingSignal):
    reason = "crash"


class ForbiddenCall(GradingSignal):
    reason = "forbidden"


class SubmissionBroken(GradingSignal):
    """The module cannot be used at all: syntax error, failed import, a missing name."""

    reason = "error"


class LearnerError(Exception):
    """An exception raised by the learner's code (``type_name`` is its original type)."""

    type_name = "Exception"
    learner_traceback = ""

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


_LEARNER_ERROR_TYPES: dict[str, type] = {}


def learner_error(type_name: str, builtin: bool, message: str, learner_traceback: str) -> LearnerError:
    """A LearnerError for the learner's exception, also an instance of the built-in type."""
    cls = _LEARNER_ERROR_TYPES.get(type_name)
    if cls is None:
        cls = LearnerError
        base = getattr(builtins, type_name, None) if builtin else None
        if isinstance(base, type) and issubclass(base, Exception):
            try:
                candidate = type(f"Learner{type_name}", (LearnerError, base), {})
                candidate("probe")
                cls = candidate
            except TypeError:  # e.g. a built-in whose constructor needs more arguments
                cls = LearnerError
        _LEARNER_ERROR_TYPES[type_name] = cls
    error = cls(f"{type_name}: {message}" if message else type_name)
    error.type_name = type_name
    error.learner_traceback = learner_traceback
    return error


# -- the session: one learner module across the tests of a run ---------------------------------

_SIGNAL_WORDS = {
    signal.SIGSEGV: "a segmentation fault (SIGSEGV)",
    signal.SIGABRT: "an abort (SIGABRT)",
    signal.SIGBUS: "a bus error (SIGBUS)",
    signal.SIGFPE: "a floating-point exception (SIGFPE)",
    signal.SIGILL: "an illegal instruction (SIGILL)",
}


REPEAT_BUDGET_SECONDS = 0.5   # for a call of a function that has already timed out once


class WorkerSession:
    """Runs one learner module in workers: starts one on demand and a fresh one after a death.

    A failure to import the module is remembered: every later test reports it at once instead
    of importing again (an endless loop at import would otherwise cost every test its limit).
    """

    def __init__(self, pool: WorkerPool, spec: WorkerSpec, test_seconds: float, run_seconds: float):
        self.pool = pool
        self.spec = spec
        self.test_seconds = test_seconds
        self.run_deadline = time.monotonic() + run_seconds
        self.run_seconds = run_seconds
        self.test_deadline = time.monotonic() + test_seconds
        self.worker: WorkerProcess | None = None
        self.load_failure: GradingSignal | None = None
        self._output: list[str] = []
        self._output_bytes = 0
        self.last_seconds = 0.0
        self.timed_out: set[str] = set()    # what ran out of time ("your forward()")
        self.timing = False                 # measure the CPU time of the next calls

    @property
    def file_name(self) -> str:
        return self.spec.path.name

    def start_test(self) -> None:
        """A new test begins: its own time budget, its own output."""
        self.test_deadline = time.monotonic() + self.test_seconds
        self.take_output()

    def _deadline(self) -> float:
        return min(self.test_deadline, self.run_deadline)

    def _timeout_signal(self, doing: str) -> TimedOut:
        if self.run_deadline <= self.test_deadline:
            return TimedOut(f"{doing} did not finish before the run's time limit "
                            f"({self.run_seconds:g} s for the whole grade) and was stopped")
        return TimedOut(f"{doing} did not finish within {self.test_seconds:g} s "
                        f"(the time limit per test) and was stopped")

    def _ensure_worker(self) -> WorkerProcess:
        if self.load_failure is not None:  # said in full once; later tests get its first line
            first = str(self.load_failure).splitlines()[0]
            raise type(self.load_failure)(f"{first} (see above)")
        if self.worker is not None and self.worker.alive:
            return self.worker
        if time.monotonic() >= self.run_deadline:
            raise self._timeout_signal("grading")
        self._collect_output()
        self.worker = self.pool.spawn(self.spec)
        try:
            header, _ = _with_tripped(self.worker, *self.worker.receive(self._deadline()))
        except WorkerTimedOut:
            self.load_failure = self._timeout_signal(f"importing {self.file_name}")
            raise self.load_failure from None
        except WorkerExited as died:
            self.load_failure = self._death_signal(died.status, f"importing {self.file_name}")
            raise self.load_failure from None
        if "error" in header or header.get("forbidden"):
            failure = self._to_exception(header, doing=f"importing {self.file_name}")
            if isinstance(failure, LearnerError):  # an exception at import: nothing works
                failure = SubmissionBroken(
                    f"importing {self.file_name} failed: {failure}\n{failure.learner_traceback}")
            self.load_failure = failure if isinstance(failure, GradingSignal) else None
            self.worker.kill()
            raise failure
        return self.worker

    def request(self, header: dict, args: Any = None) -> Any:
        """Send a request (args encoded as data) and return the decoded result."""
        self._check_pool()
        worker = self._ensure_worker()
        buffers: list[bytes] = []
        if args is not None:  # (positional list, keyword dict), encoded as one value
            tree, buffers = wire.encode(args, _refuse_local_object)
            header["args"], header["kwargs"] = tree["$tuple"]
        doing = f"your {header.get('_label', 'code')}"
        header.pop("_label", None)
        deadline = self._deadline()
        # A function that already ran out of time once is most likely an endless loop:
        # later calls of it get a short budget, so it costs seconds, not minutes.
        repeat = doing in self.timed_out and time.monotonic() + REPEAT_BUDGET_SECONDS < deadline
        if repeat:
            deadline = time.monotonic() + REPEAT_BUDGET_SECONDS
        # Timed calls are measured in the worker's CPU time, as the kernel counts it (asked of
        # the zygote): learner code can replace its own process's clocks, not the kernel's.
        cpu_before = self.pool.cpu_seconds(worker.pid) if self.timing else 0.0
        try:
            reply, reply_buffers = _with_tripped(worker, *worker.request(header, buffers, deadline))
        except WorkerTimedOut:
            self.timed_out.add(doing)
            if repeat:
                raise TimedOut(f"{doing} did not finish within {REPEAT_BUDGET_SECONDS:g} s and "
                               f"was stopped (it ran out of time in an earlier test too, so "
                               f"it gets a shorter budget now)") from None
            raise self._timeout_signal(doing) from None
        except WorkerExited as died:
            raise self._death_signal(died.status, doing) from None
        finally:
            self._check_pool()
        if self.timing:
            self.last_seconds = self.pool.cpu_seconds(worker.pid) - cpu_before
        if "protocol_error" in reply:
            raise RuntimeError(f"grader protocol error: {reply['protocol_error']}")
        if "handle" in reply and not reply.get("forbidden"):
            return self._remote_object(reply["handle"])
        if "ok" in reply and not reply.get("forbidden"):
            return wire.decode(reply["ok"], reply_buffers, self._remote_object)
        raise self._to_exception(reply, doing)

    def _check_pool(self) -> None:
        """Learner code that kills its worker's parent (the zygote) crashes a test, once.

        The zygote takes a moment to die, so the call that killed it may already have
        returned: the culprit is this call or the one before it. A new zygote is started
        and grading goes on.
        """
        self.pool.wait_ready()   # a sandbox that cannot start falls back here, not a death
        if self.pool.alive:
            return
        if self.worker is not None:
            self.worker.kill()
        self.pool.restart_if_dead()
        raise Crashed("learner code killed the process that starts the grading workers "
                      "(during this test or the one before it); learner code must leave "
                      "other processes alone")

    def _remote_object(self, tree: dict) -> "RemoteObject":
        return RemoteObject(self, tree["$handle"], tree.get("type", "object"))

    def _to_exception(self, reply: dict, doing: str) -> BaseException:
        if used := reply.get("forbidden"):
            names = ", ".join(used)
            return ForbiddenCall(f"{doing} called {names}, which this exercise asks you to "
                                 f"write yourself")
        if "missing" in reply:
            hint = f" (did you mean '{reply['suggestion']}'?)" if reply.get("suggestion") else ""
            return SubmissionBroken(f"{self.file_name} defines no '{reply['missing']}'{hint}")
        error = reply["error"]
        kind, message, frames = error["type"], error["message"], error.get("traceback", "")
        detail = f"{kind}: {message}" if message else kind
        if kind == "NotImplementedError":
            return NotAttempted(f"not attempted yet ({doing} raised NotImplementedError)")
        if kind == "MemoryError" or "can't allocate memory" in message:
            return OutOfMemory(f"{doing} ran out of memory (limit {self.spec.memory_mb} MB "
                               f"on top of its imports)")
        if kind == "SystemExit":
            return Crashed(f"{doing} called {message}: learner code must not exit the process")
        if kind in ("SyntaxError", "IndentationError", "TabError"):
            return SubmissionBroken(f"{self.file_name} has a syntax error: {message}\n{frames}")
        if kind == "KeyboardInterrupt":
            return Crashed(f"{doing} raised KeyboardInterrupt\n{frames}".rstrip())
        if "import" in doing and kind in ("ImportError", "ModuleNotFoundError"):
            return SubmissionBroken(f"{doing} failed: {detail}\n{frames}".rstrip())
        return learner_error(kind, error.get("builtin", False), message, frames)

    def _death_signal(self, status, doing: str) -> GradingSignal:
        if status.signal == signal.SIGXFSZ:
            return Crashed(f"{doing} printed more than {self.spec.output_bytes >> 20} MB "
                           f"(the output limit per test) and was stopped")
        if status.signal == signal.SIGKILL:
            return OutOfMemory(f"{doing} was killed by the system (SIGKILL), most likely for "
                               f"using too much memory")
        if status.signal is not None:
            words = _SIGNAL_WORDS.get(status.signal, f"signal {signal.Signals(status.signal).name}")
            return Crashed(f"{doing} crashed the process with {words}")
        return Crashed(f"{doing} ended the process (exit status {status.code}): learner code "
                       f"must not call os._exit or exit the interpreter")

    def _collect_output(self) -> None:
        if self.worker is not None:
            text, size = self.worker.take_output()
            if size:
                self._output.append(text)
                self._output_bytes += size

    def take_output(self) -> tuple[str, int]:
        """What the learner's code printed since the last call, and its full size in bytes."""
        self._collect_output()
        text, size = "".join(self._output), self._output_bytes
        self._output, self._output_bytes = [], 0
        return text, size

    def close(self) -> None:
        if self.worker is not None:
            self.worker.kill()


def _with_tripped(worker: WorkerProcess, reply: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
    """The reply, with the forbidden calls the worker reported as they happened added to the
    ones it lists (learner code may have emptied that list; it cannot take back a report)."""
    used = list(dict.fromkeys([*worker.tripped, *reply.get("forbidden", [])]))
    worker.tripped.clear()
    if used:
        reply["forbidden"] = used
    return reply, buffers


def _refuse_local_object(value: Any) -> dict:
    if isinstance(value, RemoteObject):
        return {"$handle": value._learn_id, "type": value._learn_type}
    raise TypeError(f"cannot send a {type(value).__name__} to the learner's code: only data "
                    f"(numbers, strings, lists, dicts, arrays, tensors) and handles cross")


# -- proxies -------------------------------------------------------------------------------


class RemoteObject:
    """A handle to an object that stays in the worker: a function, an instance, a cache."""

    def __init__(self, session: WorkerSession, handle: int, type_name: str, name: str = ""):
        object.__setattr__(self, "_learn_session", session)
        object.__setattr__(self, "_learn_id", handle)
        object.__setattr__(self, "_learn_type", type_name)
        object.__setattr__(self, "_learn_name", name or type_name)

    @property
    def __name__(self) -> str:  # used in messages
        return self._learn_name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._learn_session.request(
            {"op": "getattr", "target": self._learn_id, "name": name,
             "_label": f"{self._learn_name}.{name}"})
        if isinstance(value, RemoteObject):
            object.__setattr__(value, "_learn_name", f"{self._learn_name}.{name}")
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a learner object cannot be changed from the suite; call its methods")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._learn_session.request(
            {"op": "call", "target": self._learn_id, "_label": f"{self._learn_name}()"},
            (list(args), kwargs))

    def __getitem__(self, key: Any) -> Any:
        return self._learn_session.request(
            {"op": "getitem", "target": self._learn_id, "_label": f"{self._learn_name}[...]"},
            ([key], {}))

    def __repr__(self) -> str:
        return f"<learner's {self._learn_type} object>"


class Submission(RemoteObject):
    """The learner's module: ``submission.some_function(...)`` runs in the worker."""

    def __init__(self, session: WorkerSession):
        super().__init__(session, 0, "module", name="")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._learn_session.request(
            {"op": "getattr", "target": 0, "name": name, "_label": name})
        if isinstance(value, RemoteObject):
            object.__setattr__(value, "_learn_name", name)
        return value

    def __repr__(self) -> str:
        return f"<submission {self._learn_session.file_name}>"


def timed_call(fn: Callable, args: tuple, kwargs: dict,
               fetch_result: bool = True) -> tuple[float, Any]:
    """Call fn; the CPU time the call took, and what it returned.

    A learner's function is measured by the kernel's accounting of its worker (and of every
    process it starts), read from outside it: learner code can fake neither, and a busy
    machine does not inflate it. Its result stays in the worker during the measurement; with
    fetch_result=False it is returned as a handle (:func:`fetch` brings it back). A local
    function is measured by this process's CPU clock.
    """
    if isinstance(fn, RemoteObject):
        session = fn._learn_session
        session.timing = True
        try:
            kept = session.request({"op": "call", "target": fn._learn_id, "keep_result": True,
                                    "_label": f"{fn._learn_name}()"}, (list(args), kwargs))
        finally:
            session.timing = False
        return session.last_seconds, fetch(kept) if fetch_result else kept
    started = time.process_time()
    result = fn(*args, **kwargs)
    return time.process_time() - started, result


# -- keeping data in the worker --------------------------------------------------------------

def keep_in_worker(submission: Any, value: Any) -> Any:
    """Put data into the learner's process and return a handle to it there.

    Data crosses by copy, so a suite that needs to see what learner code does to an object it
    was given (an in-place update of the arrays passed to an optimiser) keeps the object in
    the worker, passes the handle in calls, and reads it back with :func:`fetch`. In an
    in-process run the value itself is returned.
    """
    if not isinstance(submission, RemoteObject):
        return value
    return submission._learn_session.request({"op": "keep", "target": 0, "_label": "keep"},
                                             ([value], {}))


def worker_function(submission: Any, dotted: str) -> Any:
    """A trusted function, looked up by name in the learner's process, for learner code to call.

    Learner code that takes a callable or a random generator (``cross_val_mse(fit, predict,
    ...)``, ``kmeans(X, k, rng)``) must get one that lives in its own process: a function of
    the suite cannot cross. ``dotted`` names a function of numpy or of grader.callbacks, e.g.
    ``worker_function(submission, "numpy.random.default_rng")(0)`` is a Generator there. In an
    in-process run the function itself is returned.
    """
    if not isinstance(submission, RemoteObject):
        module_name, _, attribute = dotted.rpartition(".")
        return getattr(importlib.import_module(module_name), attribute)
    return submission._learn_session.request({"op": "lookup", "target": 0, "name": dotted,
                                              "_label": dotted})


def fetch(value: Any) -> Any:
    """The object behind a handle, copied back as data (non-data parts stay handles)."""
    if not isinstance(value, RemoteObject):
        return value
    return value._learn_session.request({"op": "fetch", "target": value._learn_id,
                                         "_label": f"{value._learn_name} (read back)"})


def same_object(kept: Any, owner: Any, attribute: str | None = None) -> bool:
    """Whether kept is owner (or owner.<attribute>): the very same object, not an equal copy.

    Both live in the worker when they are handles; attributes are looked up there, since
    reading one from here would only give a copy.
    """
    if isinstance(kept, RemoteObject) and isinstance(owner, RemoteObject):
        return bool(owner._learn_session.request(
            {"op": "same", "target": owner._learn_id, "other": kept._learn_id,
             "attribute": attribute, "_label": "identity check"}))
    found = getattr(owner, attribute) if attribute else owner
    return found is kept
