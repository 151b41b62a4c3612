"""`learn new`: create an exercise from templates and register it in the manifest.

Everything it writes passes `learn check` as it stands: the reference holds a real (placeholder)
function, the stub is made from it, the suite tests it and catches the placeholder wrong
version. The author then replaces each placeholder; :func:`next_steps` lists them.

Nothing is overwritten: an existing slug or file stops the command before anything is
written, and a manifest that no longer validates after the append is rolled back together
with the files.
"""
from __future__ import annotations

import importlib.util
import json
import keyword
import os
import re
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import yaml

from grader.course import check_manifest
from grader.errors import UserError
from grader.paths import COURSE_ENV, MANIFEST_NAME, is_bundled
from grader.stubs import make_stub
from grader.yamlfile import did_you_mean, load_yaml

TEMPLATES = Path(__file__).parent / "templates" / "exercise"
COURSE_PARTS = (MANIFEST_NAME, "exercises", "solutions", "question_bank")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class Scaffold:
    """What `learn new` wrote: the files (relative to the course root) and the manifest line."""

    slug: str
    files: list[Path] = field(default_factory=list)
    manifest_line: int = 0     # 1-based line of the new entry in course.yaml


def validate_slug(slug: str) -> None:
    """A UserError unless slug can name the exercise's folders, file and module."""
    if not _SLUG.match(slug):
        raise UserError(f"'{slug}' is not a valid exercise name: use lower_snake_case letters, "
                        f"digits and _ (e.g. stable_softmax)")
    if keyword.iskeyword(slug):
        raise UserError(f"'{slug}' is a Python keyword and cannot name a module")
    # The learner's file is imported under this name: it must not hide a real module.
    if slug in sys.stdlib_module_names or slug in {"grader", "test"} or \
            importlib.util.find_spec(slug) is not None:
        raise UserError(f"'{slug}' is the name of an importable module; the learner's "
                        f"{slug}.py would hide it. Choose another name")


def check_topic(root: Path, topic: str) -> None:
    """A UserError when the course has a syllabus and topic is not one of its ids."""
    path = root / "question_bank" / "syllabus.yaml"
    if not path.is_file():
        return
    data = load_yaml(path)
    try:
        topics = [t["id"] for s in data["sections"] for t in s["topics"]]
    except (KeyError, TypeError):
        raise UserError(f"{path}: cannot read the topic ids (learn quiz check says why)") from None
    if topic not in topics:
        raise UserError(f"unknown topic '{topic}'{did_you_mean(topic, topics)}; topics are "
                        f"the ids in question_bank/syllabus.yaml")


def _render(name: str, values: dict[str, str]) -> str:
    return Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)


def _entry_text(manifest_text: str, values: dict[str, str]) -> tuple[str, int]:
    """The new manifest entry, indented like the existing ones, and the line to insert it at.

    The line (0-based) is where the exercises list ends, so keys after it stay where they are.
    """
    try:
        document = yaml.compose(manifest_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise UserError(f"{MANIFEST_NAME}: invalid YAML: {error}") from None
    exercises = None
    if isinstance(document, yaml.MappingNode):
        for key, value in document.value:
            if key.value == "exercises":
                exercises = value
    if not isinstance(exercises, yaml.SequenceNode) or exercises.flow_style or not exercises.value:
        raise UserError(f"{MANIFEST_NAME}: 'exercises' is not a block list with at least one "
                        f"entry; add the entry by hand (docs/writing-exercises.md)")
    lines = manifest_text.splitlines()
    first = exercises.value[0].start_mark           # the first key of the first entry
    dash = lines[first.line].rfind("-", 0, first.column)
    if dash < 0:
        raise UserError(f"{MANIFEST_NAME}:{first.line + 1}: cannot tell how entries are indented")
    inner = " " * first.column                       # where an entry's keys start
    entry = []
    for number, line in enumerate(_render("entry.yaml.tmpl", values).splitlines()):
        entry.append(" " * dash + line if number == 0 else inner + line[2:])
    end = exercises.end_mark
    at = end.line if end.column == 0 else end.line + 1
    # The list ends where the next key starts: step back over blank lines and over comments
    # less indented than the entries, which belong to that next key.
    while at > 0 and at - 1 < len(lines):
        previous = lines[at - 1]
        if previous.strip() and not (previous.lstrip().startswith("#")
                                     and len(previous) - len(previous.lstrip()) < dash):
            break
        at -= 1
    return "\n".join(entry) + "\n", at


def create_exercise(root: Path, slug: str, title: str, topic: str, points: int = 3) -> Scaffold:
    """Write a new exercise's files under root and append its entry to the manifest.

    points is the exercise's total, a whole number of at least 2: the scaffolded suite's two
    tests weigh points - 1 and 1, so every test is worth whole points.
    """
    validate_slug(slug)
    if not title.strip():
        raise UserError("--title must not be empty")
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise UserError(f"--points must be a whole number of at least 2, got {points!r}")
    if is_bundled(root):
        raise UserError(f"the installed course cannot be edited: make an editable copy with "
                        f"`learn course copy DIR`, then set {COURSE_ENV}=DIR and run learn new again")
    manifest = root / MANIFEST_NAME
    before = check_manifest(root)
    if before:
        raise UserError(f"{MANIFEST_NAME} has problems already; fix them first: {before[0]}")
    check_topic(root, topic)
    text = manifest.read_text(encoding="utf-8")
    data = load_yaml(manifest)
    if slug in [e.get("slug") for e in data.get("exercises", []) if isinstance(e, dict)]:
        raise UserError(f"the course already has an exercise named '{slug}'")
    values = {"slug": slug, "title": title.strip(), "title_yaml": json.dumps(title.strip()),
              "topic_yaml": json.dumps(topic), "points": str(points),
              "first_points": str(points - 1)}
    reference = _render("reference.py.tmpl", values)
    planned = {
        Path("exercises", slug, f"{slug}.py"): make_stub(reference, f"{slug}.py"),
        Path("exercises", slug, "README.md"): _render("README.md.tmpl", values),
        Path("solutions", slug, f"{slug}.py"): reference,
        Path("solutions", slug, f"test_{slug}.py"): _render("suite.py.tmpl", values),
        Path("solutions", slug, "wrong.yaml"): _render("wrong.yaml.tmpl", values),
    }
    for folder in (Path("exercises", slug), Path("solutions", slug)):
        if (root / folder).exists():
            raise UserError(f"{folder} exists already: choose another name or remove it")
    entry, at = _entry_text(text, values)

    made_dirs: list[Path] = []
    written: list[Path] = []
    try:
        for relative, content in planned.items():
            for parent in reversed((root / relative).parents):
                if not parent.exists():
                    parent.mkdir()
                    made_dirs.append(parent)
            with open(root / relative, "x", encoding="utf-8") as handle:  # never overwrite
                handle.write(content)
            written.append(root / relative)
        lines = text.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        blank = "\n" if at > 0 and lines[at - 1].strip() else ""
        manifest.write_text("".join(lines[:at]) + blank + entry + "".join(lines[at:]),
                            encoding="utf-8")
        problems = check_manifest(root)
        if problems:
            raise UserError(f"the new entry does not validate, nothing was kept: {problems[0]}")
    except BaseException:
        manifest.write_text(text, encoding="utf-8")
        for path in written:
            path.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    line = at + 1 + bool(blank)
    return Scaffold(slug=slug, files=list(planned), manifest_line=line)


def next_steps(made: Scaffold) -> list[str]:
    """What the author still has to write, one item per placeholder, in a sensible order."""
    s = made.slug
    return [
        f"solutions/{s}/{s}.py: the spec in the docstrings and the answer between BEGIN/END "
        f"SOLUTION (the function {s}(x) returning a copy is a placeholder; rename, add or "
        f"remove functions as you need)",
        f"exercises/{s}/{s}.py: remake the stub whenever the reference changes:\n"
        f"       python -m grader.stubs solutions/{s}/{s}.py > exercises/{s}/{s}.py",
        f"exercises/{s}/README.md: the task, shapes and dtypes; name every public function",
        f"solutions/{s}/test_{s}.py: tests of the real spec, with inputs that expose bugs "
        f"(the two tests there only test the placeholder)",
        f"solutions/{s}/wrong.yaml: one entry per realistic bug, each a find/replace edit of "
        f"the reference (off_by_one is a placeholder)",
        f"{MANIFEST_NAME} line {made.manifest_line}: the hints (the one there says TODO), "
        f"points (the sum of the suite's @pytest.mark.points weights, so every test is worth "
        f"whole points), and any forbidden shortcuts or limits",
    ]


def copy_course(source: Path, target: Path) -> list[str]:
    """Copy the course at source into target (a new or empty folder); the parts copied.

    The copy is writable by its owner even when the source is not (an installed package).
    """
    source, target = source.resolve(), target.expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UserError(f"{target} exists and is not an empty folder: choose a new one")
    if target.is_relative_to(source):
        raise UserError(f"{target} is inside the course being copied ({source}): choose a "
                        f"folder outside it")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for part in COURSE_PARTS:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, target / part, copy_function=shutil.copyfile,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.is_file():
            shutil.copyfile(path, target / part)
        else:
            continue
        copied.append(part)
    for folder, _, files in os.walk(target):   # copytree keeps the source folders' modes
        for path in [folder, *(os.path.join(folder, name) for name in files)]:
            os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)
    return copied
