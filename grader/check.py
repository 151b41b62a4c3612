"""`learn check`: treat course content like code.

For each exercise: the manifest entry is valid; the stub is the reference with its solutions
blanked (same public names and signatures); the stub grades "not attempted" on every test;
the reference gets full marks twice with the same result; every correct alternative passes;
every known-wrong version fails at least one test, with a table of which tests catch which
version; hints exist; the README names the API. Then the question bank is checked too.

Two things are warned about without failing the check: tests worth fractional points (the
manifest's points are not the sum of the suite's weights) and an exercise with no correct
alternative (nothing shows that the suite accepts more than the reference's own style).
"""
from __future__ import annotations

import ast
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import Course, Exercise
from grader.errors import UserError
from grader.isolation import WorkerPool
from grader.results import GradeResult
from grader.runner import grade
from grader.stubs import MarkerError, make_stub
from grader.wrong_versions import build, write_versions


@dataclass
class ExerciseCheck:
    """What the check found for one exercise."""

    slug: str
    lines: list[str] = field(default_factory=list)      # the report, for the terminal
    problems: list[str] = field(default_factory=list)   # each a one-line problem
    warnings: list[str] = field(default_factory=list)   # each a one-line warning (not a failure)


def public_api(source: str) -> dict[str, str]:
    """Public top-level functions, classes and methods with their signatures, by name."""
    api: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            api[node.name] = f"({ast.unparse(node.args)})"
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            api[node.name] = "class"
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and (
                        not item.name.startswith("_") or item.name == "__init__"):
                    api[f"{node.name}.{item.name}"] = f"({ast.unparse(item.args)})"
    return api


def _signature_problems(exercise: Exercise) -> list[str]:
    try:
        reference = exercise.reference.read_text(encoding="utf-8")
        stub = exercise.stub.read_text(encoding="utf-8")
        made = make_stub(reference, str(exercise.reference))
        ref_api, stub_api = public_api(reference), public_api(stub)
    except (OSError, MarkerError, SyntaxError) as error:
        return [f"cannot compare the stub with the reference: {error}"]
    problems = []
    for name in sorted(set(ref_api) | set(stub_api)):
        if name not in stub_api:
            problems.append(f"the stub lacks {name}{ref_api[name] if ref_api[name] != 'class' else ''}")
        elif name not in ref_api:
            problems.append(f"the stub has {name}, which the reference does not")
        elif ref_api[name] != stub_api[name]:
            problems.append(f"{name}: the stub says {stub_api[name]}, the reference {ref_api[name]}")
    if not problems and stub != made:
        problems.append(f"{exercise.stub.name} differs from the stub made from the reference: "
                        f"run python -m grader.stubs {exercise.reference} > {exercise.stub}")
    return problems


def _readme_problems(exercise: Exercise) -> list[str]:
    try:
        readme = exercise.readme.read_text(encoding="utf-8")
        api = public_api(exercise.reference.read_text(encoding="utf-8"))
    except (OSError, SyntaxError) as error:
        return [f"cannot read the README or the reference: {error}"]
    missing = [name for name in api if "." not in name and name not in readme]
    return [f"README.md does not mention {', '.join(missing)}"] if missing else []


def _same(first: GradeResult, second: GradeResult) -> bool:
    key = lambda r: [(t.name, t.reason, t.score, t.message) for t in r.tests]
    return key(first) == key(second)


def _fractional_points(result: GradeResult, points: float) -> str | None:
    """A warning when some test is worth a fractional number of points (None otherwise)."""
    worth = [t.max_score for t in result.tests]
    odd = [t for t in result.tests if abs(t.max_score - round(t.max_score)) > 1e-6]
    if not odd or not worth or min(worth) <= 0:
        return None
    shown = ", ".join(f"{t.name} {t.max_score:.2f}" for t in odd[:2])
    shown += f" and {len(odd) - 2} more" if len(odd) > 2 else ""
    # Each test's share is weight * points / (sum of weights): dividing by the smallest share
    # gives the weights back up to a common factor, so their sum makes every share whole.
    ratios = [w / min(worth) for w in worth]
    if all(abs(r - round(r)) < 1e-6 for r in ratios):
        fix = f"points: {round(sum(ratios))} in course.yaml (not {points:g}) makes every test whole"
    else:
        fix = "make points in course.yaml the sum of the suite's @pytest.mark.points weights"
    return f"tests worth fractional points ({shown}): {fix}"


def catch_table(names: list[str], results: list[GradeResult]) -> list[str]:
    """Rows: wrong versions; columns: tests (numbered); x where the test catches the version."""
    tests = [t.name for t in results[0].tests] if results else []
    width = max([len(n) for n in names] + [14])
    header = " ".join(f"{i:>2}" for i in range(1, len(tests) + 1))
    lines = [f"      {'wrong version':<{width}} {header}"]
    for name, result in zip(names, results):
        cells = " ".join(" x" if not t.passed else " ." for t in result.tests)
        lines.append(f"      {name:<{width}} {cells}")
    idle = [i for i, test in enumerate(tests, 1)
            if all(r.tests[i - 1].passed for r in results)]
    lines.append("      tests: " + "; ".join(f"{i} {t}" for i, t in enumerate(tests, 1)))
    if idle:
        lines.append(f"      tests that catch no wrong version: {', '.join(map(str, idle))}")
    return lines


def check_exercise(course: Course, exercise: Exercise, pool: WorkerPool,
                   progress: Callable[[str], None] = lambda _: None) -> ExerciseCheck:
    """Run every check of one exercise."""
    report = ExerciseCheck(exercise.slug)

    def verdict(ok: bool, text: str, problems: list[str] = ()) -> None:
        report.lines.append(f"  {'✓' if ok else '✗'} {text}")
        report.lines.extend(f"      {p}" for p in problems)
        report.problems.extend(f"{exercise.slug}: {p}" for p in problems)

    def warn(text: str) -> None:
        report.lines.append(f"  ! {text}")
        report.warnings.append(f"{exercise.slug}: {text}")

    def run(path: Path) -> GradeResult:
        progress(f"{exercise.slug}: grading {path.name}")
        return grade(course, exercise, path, pool=pool)

    problems = _readme_problems(exercise)
    if not exercise.hints:
        problems.append("the manifest gives no hints")
    verdict(not problems, f"manifest entry, README, {len(exercise.hints)} hints", problems)
    problems = _signature_problems(exercise)
    verdict(not problems, "stub has the reference's API and is up to date", problems)

    stub = run(exercise.stub)
    attempted = [t.name for t in stub.tests if t.reason != "not_attempted"]
    verdict(not attempted, f"stub: {len(stub.tests) - len(attempted)}/{len(stub.tests)} tests "
            f"not attempted", [f"the stub's {name} is not 'not attempted'" for name in attempted])

    first, second = run(exercise.reference), run(exercise.reference)
    problems = [f"the reference fails {t.name}: {t.message.splitlines()[0] if t.message else t.reason}"
                for t in first.tests if not t.passed]
    if not problems and not _same(first, second):
        problems.append("the reference graded differently on a second run (not deterministic)")
    verdict(not problems, f"reference: {first.score:g}/{first.max_score:g} points, "
            f"the same twice ({first.execution_time:.1f} s)", problems)
    fractional = _fractional_points(first, exercise.points)
    if fractional:
        warn(fractional)

    alternatives = exercise.alternatives()
    results = [run(path) for path in alternatives]
    problems = [f"the correct alternative {p.name} fails {', '.join(t.name for t in r.tests if not t.passed)}"
                for p, r in zip(alternatives, results) if not r.passed]
    if alternatives:
        verdict(not problems, f"alternatives: {len(alternatives) - len(problems)}/"
                f"{len(alternatives)} pass", problems)
    else:
        warn(f"no correct alternative in {exercise.solution_folder.name}/alternatives/: add one "
             f"written in another style, to show the suite accepts more than the reference")

    with tempfile.TemporaryDirectory(prefix="learn-wrong-") as folder:
        try:
            built, stale = build(exercise.reference, exercise.wrong_file)
            problems = [str(error) for error in stale]
        except UserError as error:                     # wrong.yaml itself is malformed
            built, stale, problems = [], [], [str(error)]
        versions = write_versions(built, Path(folder))
        results = [run(path) for _, path in versions]
    missed = [f"no test catches the wrong version {version.name}"
              for (version, _), result in zip(versions, results) if result.passed]
    total = len(versions) + len(stale)
    if not total and not problems:
        problems.append(f"no known-wrong versions in {exercise.wrong_file}")
    verdict(not problems and not missed,
            f"wrong versions: {len(versions) - len(missed)}/{total} caught", problems + missed)
    if versions:
        report.lines.extend(catch_table([version.name for version, _ in versions], results))
    return report
