"""The pytest plugin that grades: ``submission`` and ``reference`` fixtures, points, verdicts.

The grading runner (grader/runner.py) registers a :class:`GradingPlugin` with its options.
Suite authors can also run a suite by hand, in one process or isolated:

    pytest -p grader.plugin solutions/adam/test_adam.py --learn-submission mine.py \
        [--learn-isolation=inprocess|worker]

Verdicts are decided here, in the grading process, from what the tests observed; the worker
only ever returns data.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader.isolation import WorkerPool, WorkerSpec
from grader.sandbox import PRELOADABLE
from grader.results import GradeResult, TestResult
from grader.submission import GradingSignal, LearnerError, Submission, WorkerSession



@dataclass
class GradingOptions:
    """Everything one grading run needs to know."""

    submission: Path
    reference: Path
    exercise: str = ""
    isolation: str = "worker"           # "worker" (isolated) or "inprocess" (authoring only)
    points: float | None = None         # the exercise's total; test weights are scaled to it
    test_seconds: float = 10.0
    run_seconds: float = 180.0
    memory_mb: int = 1024
    forbidden: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()       # folders the learner's code may not import from
    allowed_imports: tuple[str, ...] | None = None   # packages learner code may import (None: any)
    pool: WorkerPool | None = None      # a running pool to reuse; else one is made and closed
    # Called as each test starts: (number, count, test name). For a progress line.
    progress: Callable[[int, int, str], None] | None = None
    module_name: str = field(default="")

    def __post_init__(self) -> None:
        self.module_name = self.module_name or self.submission.stem


def heavy_imports(*paths: Path) -> tuple[str, ...]:
    """The preloadable libraries that these (trusted) files import at top level."""
    found: set[str] = set()
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return tuple(name for name in PRELOADABLE if name in found)


def worker_spec(options: GradingOptions) -> WorkerSpec:
    """The worker settings of a run; the learner's file is read here, once."""
    # An explicitly named file may be a link the user made; resolve it before the read,
    # which then refuses links.
    return WorkerSpec.for_file(options.submission.resolve(), options.module_name,
                               forbidden=options.forbidden, blocked=options.blocked,
                               allowed_imports=options.allowed_imports,
                               memory_mb=options.memory_mb)


def load_module_from(path: Path, name: str) -> ModuleType:
    """Import a file as a module in this process (references, and in-process submissions)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def classify(excinfo: pytest.ExceptionInfo | None, suite_file: str) -> tuple[str, str]:
    """(reason, message) for a test outcome, from the exception the test ended with."""
    if excinfo is None:
        return "passed", ""
    error = excinfo.value
    if isinstance(error, GradingSignal):
        return error.reason, str(error)
    if isinstance(error, NotImplementedError):   # in-process runs see the raw exception
        return "not_attempted", "not attempted yet (NotImplementedError)"
    if isinstance(error, MemoryError):
        return "memory", "ran out of memory"
    if isinstance(error, AssertionError):
        return "failed", str(error).strip() or excinfo.exconly()
    if isinstance(error, LearnerError):
        return "error", f"your code raised {error}\n{error.learner_traceback}".rstrip()
    if isinstance(error, pytest.skip.Exception):
        return "error", f"the test was skipped: {error}"
    # Anything else surfaced in the suite's own code, usually because a result had the wrong
    # structure (a tuple unpacked, an index taken): show where.
    where = ""
    for entry in reversed(excinfo.traceback):
        if str(entry.path) == suite_file:
            line = str(entry.statement).strip().splitlines()[0] if entry.statement else ""
            where = f"\n  in the hidden test, line {entry.lineno + 1}: {line}"
            break
    return "error", f"{excinfo.exconly()}{where}"


class GradingPlugin:
    """Fixtures and hooks of one grading run; :meth:`result` gives the results document."""

    def __init__(self, options: GradingOptions):
        self.options = options
        self.items: list[pytest.Item] = []
        self.max_scores: dict[str, float] = {}
        self.results: dict[str, TestResult] = {}
        self.collect_errors: list[str] = []
        self.interrupted = False   # Ctrl-C during the run: its result must not be used
        self.session: WorkerSession | None = None
        self._own_pool: WorkerPool | None = None
        self._reference: ModuleType | None = None
        self._inprocess_module: ModuleType | None = None
        self._started = time.monotonic()
        if options.isolation == "worker":
            pool = options.pool
            if pool is None:  # start the zygote now: it imports while pytest collects
                pool = self._own_pool = WorkerPool(heavy_imports(options.reference),
                                                   allowed_imports=options.allowed_imports)
            self.session = WorkerSession(pool, worker_spec(options), options.test_seconds,
                                         options.run_seconds)

    # -- configuration and collection ----------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): the test's weight (default 1)")
        config.addinivalue_line("markers", "visibility(v): visible, hidden, after_due_date, "
                                           "after_published (Gradescope)")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(str(report.longrepr))

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.items = list(items)
        weights = {item.nodeid: float(_marker_arg(item, "points", 1.0)) for item in items}
        total = sum(weights.values())
        scale = self.options.points / total if self.options.points and total else 1.0
        self.max_scores = {nodeid: weight * scale for nodeid, weight in weights.items()}

    # -- fixtures --------------------------------------------------------------------------

    @pytest.fixture
    def reference(self) -> ModuleType:
        """The reference solution, imported in the grading process."""
        if self._reference is None:
            name = f"learn_reference_{self.options.reference.stem}"
            self._reference = load_module_from(self.options.reference, name)
        return self._reference

    @pytest.fixture
    def submission(self) -> Any:
        """The learner's module: isolated in a worker, or imported here for authoring runs."""
        if self.session is not None:
            return Submission(self.session)
        if self._inprocess_module is None:
            name = f"learn_submission_{self.options.module_name}"
            self._inprocess_module = load_module_from(self.options.submission, name)
        return self._inprocess_module

    # -- running ---------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.options.progress is not None:
            self.options.progress(self.items.index(item) + 1, len(self.items), item.name)
        if self.session is not None:
            self.session.start_test()

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
        # We decide verdicts from the exception itself, so pytest's own failure rendering
        # (which parses source files, most of a warm grade's time) is skipped entirely.
        if call.when == "call" or (call.when == "setup" and call.excinfo is not None):
            self._record(item, call)
        elif call.when == "teardown" and call.excinfo is not None and item.nodeid in self.results:
            result = self.results[item.nodeid]
            if result.passed:
                result.reason, result.message = classify(call.excinfo, str(item.path))
        failed = call.excinfo is not None
        message = self.results[item.nodeid].message if item.nodeid in self.results else ""
        return pytest.TestReport(item.nodeid, item.location, keywords={},
                                 outcome="failed" if failed else "passed",
                                 longrepr=(message or "failed") if failed else None,
                                 when=call.when, duration=call.duration, start=call.start,
                                 stop=call.stop, user_properties=[])

    def _record(self, item: pytest.Item, call: pytest.CallInfo) -> None:
        reason, message = classify(call.excinfo, str(item.path))
        printed, size = self.session.take_output() if self.session is not None else ("", 0)
        doc = (getattr(item, "obj", None).__doc__ or "").strip().splitlines()
        self.results[item.nodeid] = TestResult(
            name=item.name, description=doc[0] if doc else "",
            max_score=self.max_scores.get(item.nodeid, 1.0), reason=reason, message=message,
            learner_output=printed, output_bytes=size,
            visibility=str(_marker_arg(item, "visibility", "visible")),
            seconds=call.duration)

    def restart(self, options: GradingOptions) -> None:
        """Forget the last run and grade options.submission next (warm grading, grader/warm.py)."""
        self.options = options
        self.results = {}
        self._inprocess_module = None
        self._started = time.monotonic()
        self.session = WorkerSession(options.pool, worker_spec(options), options.test_seconds,
                                     options.run_seconds)

    def finish_run(self) -> None:
        """End a warm run: its worker is killed; the pool stays for the next run."""
        if self.session is not None:
            self.session.close()

    def pytest_sessionfinish(self) -> None:
        if self.session is not None:
            self.session.close()
        if self._own_pool is not None:
            self._own_pool.close()

    def result(self) -> GradeResult:
        """The results document, tests in file order; a test that never ran counts as failed."""
        tests = []
        for item in self.items:
            tests.append(self.results.get(item.nodeid) or TestResult(
                name=item.name, description="", max_score=self.max_scores.get(item.nodeid, 1.0),
                reason="error", message="the test did not run"))
        return GradeResult(exercise=self.options.exercise, submission=str(self.options.submission),
                           tests=tests, execution_time=time.monotonic() - self._started)


def _marker_arg(item: pytest.Item, name: str, default: Any) -> Any:
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker is not None and marker.args else default


# -- use as ``pytest -p grader.plugin`` ------------------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("learn", "grading a submission against a hidden suite")
    group.addoption("--learn-submission", help="the learner's file to grade")
    group.addoption("--learn-reference",
                    help="the reference solution (default: <slug>.py beside test_<slug>.py)")
    group.addoption("--learn-isolation", choices=("worker", "inprocess"), default="worker",
                    help="run learner code in an isolated worker (default) or in this process")
    group.addoption("--learn-test-seconds", type=float, default=10.0)
    group.addoption("--learn-memory-mb", type=int, default=1024)


def pytest_configure(config: pytest.Config) -> None:
    submission = config.getoption("--learn-submission", default=None)
    if not submission or any(isinstance(p, GradingPlugin)
                             for p in config.pluginmanager.get_plugins()):
        return
    suites = [Path(arg) for arg in config.args if Path(arg.split("::")[0]).is_file()]
    reference = config.getoption("--learn-reference")
    if reference is None and suites:
        suite = Path(str(suites[0]).split("::")[0])
        reference = suite.parent / (suite.stem.removeprefix("test_") + ".py")
    if reference is None:
        raise pytest.UsageError("--learn-reference is needed when no suite file is named")
    options = GradingOptions(submission=Path(submission), reference=Path(reference),
                             isolation=config.getoption("--learn-isolation"),
                             test_seconds=config.getoption("--learn-test-seconds"),
                             memory_mb=config.getoption("--learn-memory-mb"),
                             blocked=(str(Path(reference).resolve().parent),))
    plugin = GradingPlugin(options)
    config.pluginmanager.register(plugin, "learn-grading")
    plugin.pytest_configure(config)
