"""grader.callbacks.repeat_calls: many draws of a learner's random function in one round trip."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.callbacks import repeat_calls
from grader.isolation import WorkerPool, WorkerSpec
from grader.submission import Submission, WorkerSession, worker_function


def test_repeat_calls_in_process_shares_the_arguments() -> None:
    rng = np.random.default_rng(3)
    draws = repeat_calls(lambda g, high: int(g.integers(high)), 5, rng, high=10)
    local = np.random.default_rng(3)
    assert draws == [int(local.integers(10)) for _ in range(5)]   # one stream, advanced


def test_repeat_calls_runs_learner_code_in_the_worker(tmp_path: Path) -> None:
    learner = tmp_path / "mine.py"
    learner.write_text("def draw(rng, n):\n    return rng.integers(0, n, size=2)\n")
    with WorkerPool(("numpy",)) as pool:
        session = WorkerSession(pool, WorkerSpec.for_file(learner, "mine"), 10, 60)
        submission = Submission(session)
        rng = worker_function(submission, "numpy.random.default_rng")(11)
        repeat = worker_function(submission, "grader.callbacks.repeat_calls")
        draws = repeat(submission.draw, 300, rng, 7)
        # One Generator, advanced call after call: the same stream as 300 draws here.
        local = np.random.default_rng(11)
        assert [d.tolist() for d in draws] == [local.integers(0, 7, size=2).tolist()
                                               for _ in range(300)]
        session.close()
