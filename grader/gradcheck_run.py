"""`learn gradcheck`: the course's gradient checks, run on the learner's file in a worker.

The manifest says, per exercise, which forward/backward pairs and losses to check and on
which small inputs (``gradcheck:`` in course.yaml, validated by grader/course.py). The checks
themselves are grader/gradcheck.py's; here the learner's functions are reached the way the
hidden suites reach them: through the ``submission`` proxy, so the learner's code runs in an
isolated worker under the exercise's limits and never in this process.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.course import Course, Exercise, GradCheck
from grader.gradcheck import GradientReport, check_layer, check_loss
from grader.plugin import worker_spec
from grader.runner import options_for, pool_for
from grader.submission import GradingSignal, LearnerError, Submission, WorkerSession


@dataclass
class CheckFailure:
    """A check that could not run: the learner's code raised, timed out, or is not written."""

    title: str
    reason: str


def make_inputs(check: GradCheck, seed: int) -> dict[str, Any]:
    """The inputs a check's spec asks for, drawn from a generator with this seed."""
    rng = np.random.default_rng(seed)
    inputs: dict[str, Any] = {}
    for name, spec in check.inputs:
        if isinstance(spec, list):
            inputs[name] = rng.standard_normal(tuple(spec))             # float64, the shape given
        elif isinstance(spec, dict) and set(spec) == {"labels", "shape"}:
            inputs[name] = rng.integers(0, spec["labels"], size=tuple(spec["shape"]))
        elif isinstance(spec, dict):
            inputs[name] = {key: rng.standard_normal(tuple(shape)) for key, shape in spec.items()}
        else:
            inputs[name] = spec                                         # a number, as is
    return inputs


def _limited(session: WorkerSession, function: Any) -> Callable:
    """function (a proxy to the learner's), with the per-test time limit for every call."""
    def call(*args: Any) -> Any:
        session.start_test()
        return function(*args)
    call.__name__ = function.__name__
    return call


def _title(check: GradCheck) -> str:
    return f"{check.function} / {check.backward}" if check.backward else check.function


def run_check(submission: Submission, session: WorkerSession, check: GradCheck,
              seed: int) -> GradientReport | CheckFailure:
    """One check on the learner's module; a CheckFailure when their code cannot be run."""
    inputs = make_inputs(check, seed)
    try:
        forward = _limited(session, getattr(submission, check.function))
        if check.backward is None:
            return check_loss(forward, inputs, list(check.wrt))
        backward = _limited(session, getattr(submission, check.backward))
        return check_layer(forward, backward, inputs, seed=seed)
    except GradingSignal as signal:   # not attempted, timed out, crashed, a syntax error...
        return CheckFailure(_title(check), str(signal).strip())
    except LearnerError as error:
        return CheckFailure(_title(check), f"your code raised {error}\n{error.learner_traceback}".strip())
    except (TypeError, ValueError) as error:  # results that are not (out, cache) and the like
        return CheckFailure(_title(check), f"your functions do not return what the check "
                                           f"expects: {error}")


def run_gradchecks(course: Course, exercise: Exercise, path: Path,
                   seed: int = 0) -> list[GradientReport | CheckFailure]:
    """Every gradient check of the exercise on the file at path, in one worker session."""
    spec = worker_spec(options_for(course, exercise, path))   # the grading settings exactly
    with pool_for(exercise) as pool:
        session = WorkerSession(pool, spec, exercise.limits.test_seconds,
                                exercise.limits.run_seconds)
        try:
            submission = Submission(session)
            return [run_check(submission, session, check, seed) for check in exercise.gradchecks]
        finally:
            session.close()
