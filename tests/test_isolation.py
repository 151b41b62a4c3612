"""The grading process and its workers: fork safety, warm grading, no state between runs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, SUBMISSIONS, zygote_pid
from grader.isolation import WorkerPool, WorkerSpec


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line")


def test_zygote_is_single_threaded_with_torch_loaded(tmp_path: Path) -> None:
    learner = tmp_path / "mine.py"
    learner.write_text("import torch\n\ndef f():\n    return torch.ones(2) @ torch.ones(2)\n")
    with WorkerPool(("numpy", "torch")) as pool:
        worker = pool.spawn(WorkerSpec.for_file(learner, "mine"))
        worker.receive(deadline=__import__("time").monotonic() + 60)  # module imported
        # Forking is only safe while the parent has one thread: no BLAS or torch pool yet.
        assert threads_of(zygote_pid(pool)) == 1
        worker.kill()


WARM_VERSUS_COLD = """
import json, sys
from grader.numerics import use_single_thread
use_single_thread()  # as every grading command does, before numpy is imported
from pathlib import Path

import pytest
from grader.course import load_course
from grader.isolation import WorkerPool
from grader.runner import grade, preload_for
from grader.warm import RunningGrade, serve, thread_count

course = load_course(Path(sys.argv[1]))
exercise = course.get("scale")
files = [Path(p) for p in sys.argv[2:]]
summary = lambda r: [(t.name, t.reason, t.score) for t in r.tests]
with WorkerPool(preload_for(exercise)) as pool:
    # Warm first, on a pool nobody has used yet: the forks must not race for its state.
    def body(warm):
        results, forked = [], []
        for path in files:
            running = warm.start(path)
            forked.append(isinstance(running, RunningGrade))
            results.append(summary(warm.finish(running) if forked[-1] else running))
        return results, forked, thread_count()

    warm, forked, threads = serve(course, exercise, pool, body)
    cold = [summary(grade(course, exercise, path, pool=pool)) for path in files]
print(json.dumps({"cold": cold, "warm": warm, "forked": forked, "threads": threads}))
"""


def test_warm_grades_equal_cold_grades_and_share_no_state(shipped_course) -> None:
    course = FIXTURES / "course"
    files = [course / "solutions" / "scale" / "scale.py", course / "exercises" / "scale" / "scale.py",
             SUBMISSIONS / "stateful.py", SUBMISSIONS / "loop_in_call.py", SUBMISSIONS / "stateful.py"]
    done = subprocess.run([sys.executable, "-c", WARM_VERSUS_COLD, str(course), *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["threads"] == 1 and all(found["forked"]), "the warm path must fork"
    assert found["warm"] == found["cold"]
    stateful = found["warm"][2]
    assert all(reason == "passed" for _, reason, _ in stateful)  # a fresh module every run
    assert found["warm"][4] == stateful


def test_kept_objects_stay_in_the_worker_and_read_back(tmp_path: Path) -> None:
    import numpy as np

    from grader.submission import Submission, WorkerSession, fetch, keep_in_worker, same_object

    learner = tmp_path / "mine.py"
    learner.write_text("class Holder:\n    def __init__(self, items):\n        self.items = items\n"
                       "    def bump(self):\n        for a in self.items:\n            a += 1\n"
                       "    def rebind(self):\n        self.items = [a + 1 for a in self.items]\n")
    with WorkerPool(("numpy",)) as pool:
        session = WorkerSession(pool, WorkerSpec.for_file(learner, "mine"), 10, 60)
        submission = Submission(session)
        kept = keep_in_worker(submission, [np.zeros(3), np.ones(2)])
        holder = submission.Holder(kept)
        holder.bump()
        assert [a.tolist() for a in fetch(kept)] == [[1, 1, 1], [2, 2]]  # updated in place
        assert same_object(kept, holder, attribute="items")
        holder.rebind()
        assert not same_object(kept, holder, attribute="items")
        assert [a.tolist() for a in fetch(kept)] == [[1, 1, 1], [2, 2]]
        session.close()


def test_worker_function_hands_trusted_functions_to_learner_code(tmp_path: Path) -> None:
    import numpy as np

    from grader.submission import Submission, WorkerSession, worker_function

    learner = tmp_path / "mine.py"
    learner.write_text("def use(fit, predict, X, y):\n    return predict(fit(X, y), X[:2])\n"
                       "def draw(rng):\n    return rng.integers(0, 100, size=3)\n")
    with WorkerPool(("numpy",)) as pool:
        session = WorkerSession(pool, WorkerSpec.for_file(learner, "mine"), 10, 60)
        submission = Submission(session)
        fit = worker_function(submission, "grader.callbacks.fit_mean")
        predict = worker_function(submission, "grader.callbacks.predict_mean")
        assert submission.use(fit, predict, np.zeros((4, 2)), np.arange(4.0)).tolist() == [1.5, 1.5]
        rng = worker_function(submission, "numpy.random.default_rng")(7)   # a Generator there
        assert submission.draw(rng).tolist() == np.random.default_rng(7).integers(0, 100, 3).tolist()
        with pytest.raises(RuntimeError, match="only names in numpy, grader.callbacks"):
            worker_function(submission, "os.system")
        session.close()
