"""The course model: the manifest (course.yaml), validated on load.

Unknown keys, missing files, duplicate slugs and bad values are rejected with the file, the
line, the key path and a "did you mean" where it helps. Everything else in the engine works on
these typed objects, never on raw YAML.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import UserError
from grader.paths import MANIFEST_NAME, course_root
from grader.yamlfile import Checker, did_you_mean, line_of, load_yaml

SCHEMA_VERSION = 1
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LIMIT_RANGES = {"test_seconds": (0.1, 600.0), "run_seconds": (1.0, 7200.0),
                 "memory_mb": (64, 65536)}


@dataclass(frozen=True)
class Limits:
    """How long and how much memory learner code may use."""

    test_seconds: float = 10.0   # wall time of one test's calls into learner code
    run_seconds: float = 180.0   # wall time of the whole grade
    memory_mb: int = 1024        # address space learner code may add on top of its imports


@dataclass(frozen=True)
class Forbidden:
    """A call that would skip what the exercise teaches."""

    name: str     # dotted path: torch.nn.functional.layer_norm
    reason: str


@dataclass(frozen=True)
class GradCheck:
    """One check of `learn gradcheck`: the learner's gradients against finite differences.

    Either a layer (``forward`` returns (out, cache), ``backward(dout, cache)`` one gradient
    per float input) or a loss (``loss`` returns (loss, grads) for the inputs in ``wrt``).
    """

    function: str                          # the forward function, or the loss function
    backward: str | None                   # None for a loss
    inputs: tuple[tuple[str, Any], ...]    # (argument name, spec) in call order (grader/gradcheck_run.py)
    wrt: tuple[str, ...] = ()              # a loss's differentiated inputs


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course, with the paths of its parts."""

    slug: str
    title: str
    topic: str
    points: float
    files: tuple[str, ...]
    limits: Limits
    hints: tuple[str, ...]
    forbidden: tuple[Forbidden, ...]
    root: Path
    # Third-party packages learner code may import (the standard library is always allowed);
    # None allows any. A numpy exercise says [numpy]: torch is then not importable at all.
    imports: tuple[str, ...] | None = None
    # The forward/backward pairs and losses `learn gradcheck` checks (none: not offered).
    gradchecks: tuple[GradCheck, ...] = ()

    @property
    def folder(self) -> Path:
        return self.root / "exercises" / self.slug

    @property
    def stub(self) -> Path:
        """The stub as shipped with the course (the graded file is files[0])."""
        return self.folder / self.files[0]

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"

    @property
    def solution_folder(self) -> Path:
        return self.root / "solutions" / self.slug

    @property
    def reference(self) -> Path:
        return self.solution_folder / self.files[0]

    @property
    def suite(self) -> Path:
        return self.solution_folder / f"test_{self.slug}.py"

    @property
    def wrong_file(self) -> Path:
        """The known-wrong versions, as edits of the reference (grader/wrong_versions.py)."""
        return self.solution_folder / "wrong.yaml"

    def alternatives(self) -> list[Path]:
        return sorted((self.solution_folder / "alternatives").glob("*.py"))


@dataclass(frozen=True)
class Course:
    """The whole course: its exercises in order."""

    root: Path
    title: str
    exercises: tuple[Exercise, ...]

    @property
    def solutions_folder(self) -> Path:
        return self.root / "solutions"

    def get(self, slug: str) -> Exercise:
        """The exercise with this slug; a UserError with a suggestion otherwise."""
        for exercise in self.exercises:
            if exercise.slug == slug:
                return exercise
        known = [e.slug for e in self.exercises]
        raise UserError(f"no exercise named '{slug}'{did_you_mean(slug, known)}; "
                        f"`learn` lists them")


def load_course(root: Path | None = None) -> Course:
    """Load and validate the manifest of the course at root (default: the course in use)."""
    root = (root or course_root()).resolve()
    manifest = root / MANIFEST_NAME
    data = load_yaml(manifest)
    checker = Checker(str(manifest))
    course = _parse(data, checker, root)
    checker.raise_if_any()
    assert course is not None
    return course


def check_manifest(root: Path) -> list[str]:
    """Every problem of the manifest at root, as lines (empty when valid)."""
    manifest = root / MANIFEST_NAME
    try:
        data = load_yaml(manifest)
    except UserError as error:
        return [str(error)]
    checker = Checker(str(manifest))
    _parse(data, checker, root)
    return [str(problem) for problem in checker.problems]


def syllabus_topics(root: Path) -> list[str] | None:
    """The topic ids of the course's question bank; None when it has none (or it is broken)."""
    path = root / "question_bank" / "syllabus.yaml"
    if not path.is_file():
        return None
    try:
        data = load_yaml(path)
        return [t["id"] for s in data["sections"] for t in s["topics"]]
    except (UserError, KeyError, TypeError):
        return None  # the quiz check reports a broken syllabus; here it just can't help


def _parse(data: Any, checker: Checker, root: Path) -> Course | None:
    if not checker.mapping(data, "", 1, required=("version", "title", "exercises"),
                           optional=("defaults",)):
        return None
    if data.get("version") != SCHEMA_VERSION:
        checker.add(line_of(data, "version"), "version",
                    f"expected {SCHEMA_VERSION}, got {data.get('version')!r}")
    checker.typed(data, "title", "", str, "a string")
    defaults = Limits()
    if "defaults" in data and checker.mapping(data["defaults"], "defaults",
                                              line_of(data, "defaults"), optional=("limits",)):
        defaults = _limits(data["defaults"].get("limits"), defaults, "defaults.limits",
                           line_of(data["defaults"], "limits"), checker)
    exercises: list[Exercise] = []
    entries = data.get("exercises")
    if not isinstance(entries, list) or not entries:
        checker.add(line_of(data, "exercises"), "exercises", "expected a non-empty list")
        entries = []
    topics = syllabus_topics(root)
    first_line: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"exercises[{index}]"
        exercise = _exercise(entry, where, line_of(entries, index), defaults, topics, root, checker)
        if exercise is None:
            continue
        if exercise.slug in first_line:
            checker.add(line_of(entry, "slug"), f"{where}.slug",
                        f"duplicate slug '{exercise.slug}' (first used at line "
                        f"{first_line[exercise.slug]})")
            continue
        first_line[exercise.slug] = line_of(entry, "slug")
        exercises.append(exercise)
    return Course(root=root, title=str(data.get("title", "")), exercises=tuple(exercises))


def _exercise(entry: Any, where: str, line: int, defaults: Limits, topics: list[str] | None,
              root: Path, checker: Checker) -> Exercise | None:
    before = len(checker.problems)
    if not checker.mapping(entry, where, line,
                           required=("slug", "title", "topic", "points", "files"),
                           optional=("limits", "hints", "forbidden", "imports", "gradcheck")):
        return None
    slug = entry.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        checker.add(line_of(entry, "slug"), f"{where}.slug",
                    f"expected lower_snake_case letters, digits and _, got {slug!r}")
        return None
    where = f"{where} ({slug})"
    checker.typed(entry, "title", where, str, "a string")
    if checker.typed(entry, "topic", where, str, "a string") and topics is not None \
            and entry["topic"] not in topics:
        checker.add(line_of(entry, "topic"), f"{where}.topic",
                    f"unknown topic '{entry['topic']}'{did_you_mean(entry['topic'], topics)} "
                    f"(topics are listed in question_bank/syllabus.yaml)")
    if checker.typed(entry, "points", where, (int, float), "a number") and entry["points"] <= 0:
        checker.add(line_of(entry, "points"), f"{where}.points", "must be greater than 0")
    files = entry.get("files")
    if not (isinstance(files, list) and files and all(
            isinstance(f, str) and f.endswith(".py") and "/" not in f for f in files)):
        checker.add(line_of(entry, "files"), f"{where}.files",
                    "expected a non-empty list of .py file names (the first one is graded)")
        files = []
    limits = _limits(entry.get("limits"), defaults, f"{where}.limits",
                     line_of(entry, "limits"), checker)
    hints = entry.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        checker.add(line_of(entry, "hints"), f"{where}.hints", "expected a list of non-empty strings")
        hints = []
    forbidden = _forbidden(entry.get("forbidden", []), f"{where}.forbidden",
                           line_of(entry, "forbidden"), checker)
    imports = entry.get("imports")
    if imports is not None and not (isinstance(imports, list) and all(
            isinstance(name, str) and _MODULE.match(name) for name in imports)):
        checker.add(line_of(entry, "imports"), f"{where}.imports",
                    f"expected a list of top-level package names like [numpy], got {imports!r}")
    gradchecks = _gradchecks(entry.get("gradcheck", []), f"{where}.gradcheck",
                             line_of(entry, "gradcheck"), checker)
    if len(checker.problems) > before:
        return None
    exercise = Exercise(slug=slug, title=entry["title"], topic=entry["topic"],
                        points=float(entry["points"]), files=tuple(files), limits=limits,
                        hints=tuple(hints), forbidden=forbidden, root=root,
                        imports=None if imports is None else tuple(imports),
                        gradchecks=gradchecks)
    for label, path in (("stub", exercise.stub), ("README", exercise.readme),
                        ("reference", exercise.reference), ("hidden suite", exercise.suite)):
        if not path.is_file():
            checker.add(line_of(entry, "files"), f"{where}.files",
                        f"{label} {path.relative_to(root)} not found")
    return None if len(checker.problems) > before else exercise


def _limits(value: Any, defaults: Limits, where: str, line: int, checker: Checker) -> Limits:
    if value is None:
        return defaults
    if not checker.mapping(value, where, line, optional=tuple(_LIMIT_RANGES)):
        return defaults
    settings = {}
    for key, (low, high) in _LIMIT_RANGES.items():
        if key not in value:
            continue
        number = value[key]
        kinds = (int,) if key == "memory_mb" else (int, float)
        if isinstance(number, bool) or not isinstance(number, kinds) or not low <= number <= high:
            kind = "a whole number" if key == "memory_mb" else "a number"
            checker.add(line_of(value, key), f"{where}.{key}",
                        f"expected {kind} from {low:g} to {high:g}, got {number!r}")
            continue
        settings[key] = number
    return Limits(**{**defaults.__dict__, **settings})


def _forbidden(value: Any, where: str, line: int, checker: Checker) -> tuple[Forbidden, ...]:
    if not isinstance(value, list):
        checker.add(line, where, "expected a list of {name, reason}")
        return ()
    found = []
    for index, item in enumerate(value):
        spot = f"{where}[{index}]"
        if not checker.mapping(item, spot, line_of(value, index), required=("name", "reason")):
            continue
        name = item.get("name")
        if not isinstance(name, str) or not _DOTTED.match(name):
            checker.add(line_of(item, "name"), f"{spot}.name",
                        f"expected a dotted name like torch.nn.functional.layer_norm, got {name!r}")
            continue
        if checker.typed(item, "reason", spot, str, "a string"):
            found.append(Forbidden(name=name, reason=item["reason"]))
    return tuple(found)


_GRADCHECK_MAX_ENTRIES = 400   # differentiated entries per check: each costs two forward calls


def _shape(value: Any) -> tuple[int, ...] | None:
    """A shape written as a list of 1 to 4 positive whole numbers, else None."""
    if isinstance(value, list) and 1 <= len(value) <= 4 and all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 64 for n in value):
        return tuple(value)
    return None


def _gradcheck_input(value: Any) -> tuple[str, int] | None:
    """What an input spec is and how many float entries it has; None when malformed.

    [N, D]: a random float64 array; {labels: C, shape: [N]}: random labels in [0, C);
    a number: passed as is; {name: [shape], ...}: a dict of random float64 arrays.
    """
    if (shape := _shape(value)) is not None:
        return "array", math.prod(shape)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number", 0
    if isinstance(value, dict) and set(value) == {"labels", "shape"}:
        labels = value["labels"]
        ok = isinstance(labels, int) and not isinstance(labels, bool) and labels >= 2
        return ("labels", 0) if ok and _shape(value["shape"]) is not None else None
    if isinstance(value, dict) and value and all(
            isinstance(k, str) and _shape(v) is not None for k, v in value.items()):
        return "dict", sum(math.prod(v) for v in value.values())
    return None


def _gradchecks(value: Any, where: str, line: int, checker: Checker) -> tuple[GradCheck, ...]:
    if not isinstance(value, list):
        checker.add(line, where, "expected a list of checks ({forward, backward, inputs} or "
                                 "{loss, wrt, inputs})")
        return ()
    found = []
    for index, item in enumerate(value):
        spot = f"{where}[{index}]"
        is_loss = isinstance(item, dict) and "loss" in item
        required = ("loss", "wrt", "inputs") if is_loss else ("forward", "backward", "inputs")
        if not checker.mapping(item, spot, line_of(value, index), required=required):
            continue
        names = [item[key] for key in required if key != "inputs" and key != "wrt"]
        bad_names = [n for n in names if not (isinstance(n, str) and _MODULE.match(n))]
        if bad_names:
            checker.add(line_of(item, required[0]), spot,
                        f"expected function names, got {bad_names[0]!r}")
            continue
        inputs = item["inputs"]
        if not isinstance(inputs, dict) or not inputs:
            checker.add(line_of(item, "inputs"), f"{spot}.inputs",
                        "expected a mapping of argument name to [shape], {labels: C, shape: "
                        "[N]}, a number, or {name: [shape], ...}")
            continue
        kinds = {}
        for name, spec in inputs.items():
            kind = _gradcheck_input(spec)
            if kind is None:
                checker.add(line_of(inputs, name), f"{spot}.inputs.{name}",
                            f"expected [shape] (1 to 4 sizes from 1 to 64), {{labels: C, shape: "
                            f"[N]}}, a number, or {{name: [shape], ...}}, got {spec!r}")
            else:
                kinds[name] = kind
        if len(kinds) < len(inputs):
            continue
        wrt = item.get("wrt", [n for n, (kind, _) in kinds.items() if kind == "array"])
        if not (isinstance(wrt, list) and wrt and all(
                kinds.get(n, ("", 0))[0] in ("array", "dict") for n in wrt)):
            checker.add(line_of(item, "wrt" if is_loss else "inputs"), f"{spot}.wrt",
                        f"expected a list of the float inputs to differentiate "
                        f"({', '.join(n for n, (k, _) in kinds.items() if k in ('array', 'dict'))}), "
                        f"got {wrt!r}")
            continue
        entries = sum(kinds[n][1] for n in wrt)
        if entries > _GRADCHECK_MAX_ENTRIES:
            checker.add(line_of(item, "inputs"), f"{spot}.inputs",
                        f"{entries} entries to differentiate; keep it to "
                        f"{_GRADCHECK_MAX_ENTRIES} (each costs two forward calls)")
            continue
        found.append(GradCheck(function=names[0], backward=None if is_loss else names[1],
                               inputs=tuple(inputs.items()), wrt=tuple(wrt)))
    return tuple(found)
