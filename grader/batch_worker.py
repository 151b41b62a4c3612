"""One grading process of `learn batch`: grades the jobs it is sent, one at a time.

Started by grader/batch.py as ``python -m grader.batch_worker COURSE_ROOT SLUG PARENT_PID``
in its own session. It keeps one :class:`WorkerPool` for all its jobs, so the heavy imports
happen once per process, not once per student. Learner code runs only in the pool's workers,
under the exercise's limits, exactly as in `learn grade`.

Protocol: one JSON object per line. The parent writes ``{"student", "path"}`` jobs to stdin;
this process answers on its original stdout with ``{"ready": true}`` once, then one line per
job: ``{"student", "result": <results document>, "seconds"}`` or ``{"student", "error"}``.
Anything else printed here (pytest, warnings) goes to stderr, the parent's log file.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from grader.procs import die_with_parent
from grader.sandbox import make_undumpable

def main(argv: list[str]) -> int:
    """Serve grading jobs until stdin closes."""
    root, slug, parent = Path(argv[0]), argv[1], int(argv[2])
    require_sandbox = "--unsafe-no-sandbox" not in argv[3:]
    die_with_parent()   # killed when the batch process dies, however it dies
    if os.getppid() != parent:   # it died before the line above took effect
        os._exit(1)
    make_undumpable()   # learner code must not reach this process's reply pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the batch process's to handle
    reply = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)

    from grader.course import load_course
    from grader.errors import UserError
    from grader.isolation import PoolError
    from grader.runner import grade, pool_for

    course = load_course(root)
    exercise = course.get(slug)
    pool = pool_for(exercise, require_sandbox)
    try:
        reply.write(json.dumps({"ready": True}) + "\n")
        for line in sys.stdin:
            job = json.loads(line)
            started = time.monotonic()
            # The answer carries the job it belongs to; the batch refuses any other.
            answer: dict = {"job": job["job"], "student": job["student"], "sha256": job["sha256"]}
            for attempt in (1, 2):
                try:
                    result = grade(course, exercise, Path(job["path"]), pool=pool)
                    answer["result"] = result.to_json()
                    break
                except PoolError as error:   # the zygote died: start a new one, try once more
                    pool.close()
                    pool = pool_for(exercise, require_sandbox)
                    answer["error"] = f"the grading workers failed: {error}"
                except UserError as error:
                    answer["error"] = str(error)
                    break
                except Exception as error:  # noqa: BLE001 - reported on the student's row
                    answer["error"] = f"grading failed: {type(error).__name__}: {error}"
                    break
            if "result" in answer:
                answer.pop("error", None)
            answer["seconds"] = round(time.monotonic() - started, 3)
            reply.write(json.dumps(answer) + "\n")
    finally:
        pool.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
