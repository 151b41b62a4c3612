"""`learn batch`: grade a class's submissions of one exercise, in parallel, resumably.

Submissions are found and staged by grader/batch_sources.py and graded in N grading
processes by grader/batch_pool.py, each with its own worker pool: the same limits and the
same isolation as `learn grade`, so a hostile submission costs at most its own row.

Every finished row is written at once to OUT/results/<student>.json (atomically) with the
sha256 of the submission and of the suite, so a rerun regrades only what changed or never
finished. OUT/gradebook.csv has one row per student and one column per test.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch_pool import grade_in_processes
from grader.batch_sources import Entry, find_submissions, stage
from grader.course import Course, Exercise
from grader.errors import UserError
from grader.safe_text import visible, visible_name


# -- rows ----------------------------------------------------------------------------------------

def suite_fingerprint(exercise: Exercise) -> str:
    """sha256 of what decides a grade besides the submission: reference, suite, settings."""
    digest = hashlib.sha256()
    for path in (exercise.reference, exercise.suite):
        digest.update(path.read_bytes() + b"\0")
    settings = [exercise.points, exercise.limits.__dict__, [f.name for f in exercise.forbidden]]
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def write_json_atomically(path: Path, document: dict) -> None:
    """Write a JSON file so that readers see the old or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2), encoding="utf-8")
    os.replace(temporary, path)


def _status(document: dict) -> str:
    tests = document.get("tests") or []
    return "passed" if tests and all(t["status"] == "passed" for t in tests) else "failed"


def _error_row(exercise: Exercise, message: str) -> dict:
    return {"exercise": exercise.slug, "score": 0, "max_score": exercise.points,
            "execution_time": 0, "output": message, "tests": []}


def _finish_row(document: dict, entry: Entry, status: str, seconds: float, suite: str) -> dict:
    document.update(student=entry.student, submission=entry.origin or str(entry.source),
                    status=status, seconds=round(seconds, 3), sha256=entry.sha256,
                    suite_sha256=suite)
    return document


def _reusable(path: Path, entry: Entry, suite: str) -> dict | None:
    """The stored row of an unchanged submission graded with the same suite, if any."""
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (isinstance(row, dict) and row.get("sha256") == entry.sha256
            and row.get("suite_sha256") == suite and row.get("status") != "error"
            and isinstance(row.get("tests"), list)):
        return row
    return None


def require_sandbox() -> None:
    """UserError unless learner code can be sandboxed here (a pool is started to find out)."""
    from grader.isolation import PoolError, WorkerPool
    try:
        with WorkerPool((), require_sandbox=True) as pool:
            pool.wait_ready()
    except PoolError as error:
        raise UserError(f"{error}: learn batch will not run other people's code without it "
                        f"(`learn doctor` shows why); --unsafe-no-sandbox grades anyway, at the "
                        f"risk that a submission changes other students' results") from None


# -- the whole batch -----------------------------------------------------------------------------

@dataclass
class BatchOutcome:
    """What a batch did: its rows (one per student, sorted) and how they came about."""

    exercise: Exercise
    rows: list[dict] = field(default_factory=list)
    graded: int = 0            # graded in this run
    reused: int = 0            # unchanged since an earlier run
    interrupted: bool = False
    seconds: float = 0.0
    jobs: int = 1
    pending: int = 0           # submissions found but not graded (an interrupted run)
    set_aside: list[str] = field(default_factory=list)   # stale result files moved away

    @property
    def errors(self) -> list[dict]:
        return [row for row in self.rows if row["status"] == "error"]


def run_batch(course: Course, exercise: Exercise, submissions: Path, out: Path, *,
              jobs: int = 2, force: bool = False, echo: Callable[[str], None] = print,
              unsafe_no_sandbox: bool = False) -> BatchOutcome:
    """Grade every submission under `submissions` (folder or .zip) into `out`.

    Refuses (UserError) when learner code cannot be sandboxed here, unless unsafe_no_sandbox.
    """
    began = time.monotonic()
    if jobs < 1:
        raise UserError("--jobs must be at least 1")
    if unsafe_no_sandbox:
        echo("warning: grading WITHOUT a sandbox (--unsafe-no-sandbox): a submission can "
             "reach the grading processes, other students' results and your files")
    else:
        require_sandbox()
    filename = exercise.files[0]
    scratch = Path(tempfile.mkdtemp(prefix="learn-batch-"))
    outcome = BatchOutcome(exercise, jobs=jobs)
    try:
        entries = find_submissions(submissions, scratch / "unzipped", filename, out)
        results = out / "results"
        results.mkdir(parents=True, exist_ok=True)
        (out / "logs").mkdir(exist_ok=True)
        suite = suite_fingerprint(exercise)
        rows: dict[str, dict] = {}
        todo: list[tuple[Entry, Path]] = []
        staging = scratch / "staged"
        staging.mkdir()
        for entry in entries:
            stored = None if force else _reusable(results / f"{entry.student}.json", entry, suite)
            if stored is not None:
                rows[entry.student] = stored
                outcome.reused += 1
            elif entry.graded is None:
                row = _finish_row(_error_row(exercise, f"nothing to grade: {entry.problem}"),
                                  entry, "missing", 0.0, suite)
                write_json_atomically(results / f"{entry.student}.json", row)
                rows[entry.student] = row
                outcome.graded += 1
            else:
                todo.append((entry, stage(entry, staging, filename)))
        if outcome.reused:
            echo(f"{outcome.reused} unchanged submission{'s' * (outcome.reused > 1)} graded "
                 f"earlier: kept (--force regrades them)")
        width = max(len(e.student) for e in entries)
        finished = [0]

        def done(entry: Entry, answer: dict) -> None:
            if "result" in answer:
                document = answer["result"]
                row = _finish_row(document, entry, _status(document), answer.get("seconds", 0),
                                  suite)
            else:
                row = _finish_row(_error_row(exercise, answer.get("error", "unknown error")),
                                  entry, "error", answer.get("seconds", 0), suite)
            write_json_atomically(results / f"{entry.student}.json", row)
            rows[entry.student] = row
            outcome.graded += 1
            finished[0] += 1
            echo(f"[{finished[0]:>{len(str(len(todo)))}}/{len(todo)}] "
                 f"{visible_name(entry.student):<{width}} {_points(row['score']):>6}/"
                 f"{_points(row['max_score']):<5} {row['status']:<7} {row['seconds']:.1f} s")

        try:
            if todo:
                grade_in_processes(todo, course.root, exercise, min(jobs, len(todo)),
                                    out / "logs", done, unsafe_no_sandbox)
        except KeyboardInterrupt:
            outcome.interrupted = True
        outcome.rows = [rows[e.student] for e in entries if e.student in rows]
        outcome.pending = len(entries) - len(outcome.rows)
        # results/ and the gradebook hold the same rows: a file that is not one of them (a
        # submission not graded yet, or a student gone from the class) is set aside.
        outcome.set_aside = set_aside_stale(results, {row["student"] for row in outcome.rows})
        write_gradebook(out / "gradebook.csv", outcome.rows)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        outcome.seconds = time.monotonic() - began
    return outcome


def set_aside_stale(results: Path, current: set[str]) -> list[str]:
    """Move results/<student>.json files that are not current rows to results/stale/;
    the students moved, sorted. Nothing is deleted."""
    moved = []
    for path in sorted(results.glob("*.json")):
        if path.stem not in current:
            stale = results / "stale"
            stale.mkdir(exist_ok=True)
            os.replace(path, stale / path.name)
            moved.append(path.stem)
    return moved


def _points(value: float) -> str:
    return f"{round(float(value), 2):g}"


def suite_columns(rows: list[dict]) -> list[str]:
    """Every test name in the rows, in suite order (first seen first)."""
    names: dict[str, None] = {}
    for row in rows:
        for test in row.get("tests", []):
            names.setdefault(test["name"], None)
    return list(names)


def spreadsheet_safe(cell: str) -> str:
    """A text cell no spreadsheet will run as a formula: one starting with = + - @, a tab or a
    carriage return gets a leading apostrophe (the usual neutralisation)."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def write_gradebook(path: Path, rows: list[dict]) -> None:
    """One row per student: student, score, max_score, status, seconds, one column per test."""
    tests = suite_columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", "status", "seconds", *tests])
    for row in rows:
        scores = {t["name"]: _points(t["score"]) for t in row.get("tests", [])}
        writer.writerow([spreadsheet_safe(visible_name(row["student"])), _points(row["score"]),
                         _points(row["max_score"]), row["status"],
                         f"{row.get('seconds', 0):.2f}",
                         *(scores.get(name, "") for name in tests)])
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(temporary, path)


def summary(outcome: BatchOutcome, out: Path) -> list[str]:
    """The summary table: counts, mean, median, min/max, a histogram, the most-failed tests."""
    rows = outcome.rows
    graded = [row for row in rows if row["status"] != "error"]
    total = outcome.exercise.points
    statuses = Counter(row["status"] for row in rows)
    lines = [f"{outcome.exercise.slug}: {len(rows)} submissions ({outcome.graded} graded now, "
             f"{outcome.reused} kept from an earlier run) in {outcome.seconds:.1f} s with "
             f"{outcome.jobs} job{'s' * (outcome.jobs > 1)}", ""]
    lines.append("  " + "   ".join(f"{name} {statuses[name]}" for name in
                                    ("passed", "failed", "missing", "error") if statuses[name]))
    if graded:
        scores = [float(row["score"]) for row in graded]
        lines += [f"  mean      {_points(statistics.fmean(scores))} / {_points(total)}",
                  f"  median    {_points(statistics.median(scores))}",
                  f"  min/max   {_points(min(scores))} / {_points(max(scores))}", "",
                  "  scores (share of the points)"]
        bins = [0] * 10
        for score in scores:
            bins[min(int(10 * score / total), 9) if total else 0] += 1
        widest = max(bins)
        for number, count in enumerate(bins):
            bar = "█" * round(30 * count / widest) if count else ""
            label = f"{10 * number}-{10 * number + 10}%"
            lines.append(f"    {label:>8} {bar} {count}" if count else f"    {label:>8}")
    failing = Counter(test["name"] for row in graded for test in row.get("tests", [])
                      if test["status"] != "passed")
    attempted = [row for row in graded if row.get("tests")]
    if failing:
        lines += ["", "  most-failed tests"]
        width = max(len(name) for name, _ in failing.most_common(5))
        for name, count in failing.most_common(5):
            lines.append(f"    {name:<{width}}  {count} of {len(attempted)} "
                         f"({100 * count / len(attempted):.0f}%)")
    if outcome.errors:
        lines += ["", f"  {len(outcome.errors)} could not be graded (status error; logs in "
                      f"{out / 'logs'}); a rerun tries them again:"]
        lines += [f"    {visible_name(row['student'])}: {visible(row['output'])}"
                  for row in outcome.errors[:5]]
    lines += ["", f"Wrote {out / 'gradebook.csv'} and {len(rows)} results in {out / 'results'}"]
    if outcome.set_aside:
        shown = ", ".join(visible_name(name) for name in outcome.set_aside[:5])
        more = f" and {len(outcome.set_aside) - 5} more" if len(outcome.set_aside) > 5 else ""
        lines.append(f"Moved {len(outcome.set_aside)} older results that are not rows of this "
                     f"gradebook to {out / 'results' / 'stale'}: {shown}{more}")
    return lines
