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


def grade_submission(root: Path, slug: str) -> dict:
    """Grade the submission under root/submission; the results document to write."""
    from grader.batch_sources import find_graded_file
    from grader.course import load_course
    from grader.isolation import WorkerPool
    from grader.runner import grade, preload_for

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
    with WorkerPool(preload_for(exercise)) as pool:
        result = grade(course, exercise, path, pool=pool)
    # The pool is closed here: every process the submission started is gone before writing.
    return gradescope_document(result, time.monotonic() - started)


def write_results(path: Path, document: dict) -> None:
    """Write results.json atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2), encoding="utf-8")
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    """Grade and write results.json; exit 0 whenever a results.json was written."""
    if len(argv) != 1:
        print("usage: python -m grader.autograder SLUG", file=sys.stderr)
        return 2
    from grader.errors import UserError   # if even this fails, run_autograder reports it

    root = Path(os.environ.get(ROOT_ENV, "/autograder"))
    try:
        document = grade_submission(root, argv[0])
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
