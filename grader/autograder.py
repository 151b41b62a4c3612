"""The grading step of an exported Gradescope autograder (see grader/export.py).

``python -m grader.autograder SLUG``, run by the zip's ``run_autograder`` with LEARN_COURSE
pointing at the course inside the zip. It finds the student's file under
``$AUTOGRADER_ROOT/submission`` (default /autograder), grades it exactly as `learn grade`
does (same engine, same hidden suite, same limits and isolation) and writes
``$AUTOGRADER_ROOT/results/results.json`` in Gradescope's format. Whatever goes wrong, it
still writes a results.json whose output says what happened.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

ROOT_ENV = "AUTOGRADER_ROOT"
# Grade without a sandbox where namespaces are forbidden: a submission can then reach the
# grading process and the results file. The name says so on purpose.
UNSAFE_FLAG = "--unsafe-no-sandbox"


def gradescope_document(result, execution_time: float) -> dict:
    """A GradeResult as Gradescope's results.json (documented keys; ours in extra_data)."""
    tests = []
    for number, test in enumerate(result.tests, 1):
        output = test.output_text()
        if test.description and not test.passed:
            output = f"{test.description}\n{output}" if output else test.description
        tests.append({"name": test.name, "number": str(number),
                      "score": test.score, "max_score": test.max_score,   # unrounded: they sum
                      "status": "passed" if test.passed else "failed", "output": output,
                      "visibility": test.visibility, "extra_data": {"reason": test.reason}})
    summary = (f"{result.passed_count}/{len(result.tests)} tests passed, "
               f"{round(result.score, 2):g}/{round(result.max_score, 2):g} points.")
    return {"score": round(result.score, 6), "execution_time": round(execution_time),
            "output": "\n".join(filter(None, [summary, result.output])), "tests": tests,
            "extra_data": {"exercise": result.exercise, "max_score": round(result.max_score, 4)}}


def failure_document(message: str) -> dict:
    """A results.json that gives no points and explains why."""
    return {"score": 0, "output": message, "tests": []}


def grade_submission(root: Path, slug: str, require_sandbox: bool = True) -> dict:
    """Grade the submission under root/submission; the results document to write.

    Without the sandbox (and require_sandbox) nothing is graded: the document says why.
    """
    from grader.batch_sources import find_graded_file
    from grader.course import load_course
    from grader.isolation import PoolError
    from grader.runner import grade, pool_for

    started = time.monotonic()
    course = load_course()
    exercise = course.get(slug)
    filename = exercise.files[0]
    folder = root / "submission"
    if not folder.is_dir():
        return failure_document(f"No submission folder at {folder}.")
    path, problem = find_graded_file(folder, filename)
    if path is None:
        return failure_document(f"Nothing to grade: {problem}. Upload your {filename}.")
    try:
        pool = pool_for(exercise, require_sandbox=require_sandbox)
    except PoolError as error:
        return failure_document(f"The autograder refused to run this submission without a "
                                f"sandbox ({error}). This is a problem with the autograder's "
                                f"machine, not with your code; please tell your instructor.")
    with pool:
        result = grade(course, exercise, path, pool=pool)
    # The pool is closed here. In the sandbox every process the submission started was in
    # the pool's PID namespace and is gone; none can touch results.json after this.
    return gradescope_document(result, time.monotonic() - started)


def write_results(path: Path, document: dict) -> None:
    """Write results.json atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2), encoding="utf-8")
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    """Grade and write results.json; exit 0 whenever a results.json was written."""
    unsafe = UNSAFE_FLAG in argv
    argv = [arg for arg in argv if arg != UNSAFE_FLAG]
    if len(argv) != 1:
        print(f"usage: python -m grader.autograder SLUG [{UNSAFE_FLAG}]", file=sys.stderr)
        return 2
    from grader.errors import UserError   # if even this fails, run_autograder reports it

    root = Path(os.environ.get(ROOT_ENV, "/autograder"))
    try:
        document = grade_submission(root, argv[0], require_sandbox=not unsafe)
    except UserError as error:
        document = failure_document(f"The autograder could not grade this submission: {error}")
    except Exception:  # noqa: BLE001 - anything at all still gives a results.json
        detail = traceback.format_exc()[-1500:]
        print(detail, file=sys.stderr)
        document = failure_document("The autograder failed while grading this submission. This "
                                    "is a problem with the autograder, not necessarily with your "
                                    f"code; please tell your instructor.\n\n{detail}")
    write_results(root / "results" / "results.json", document)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
