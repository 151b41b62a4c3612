"""`learn export gradescope`: an autograder zip in Gradescope's documented layout.

    setup.sh           installs learn from the wheel below, with torch from the CPU index
    run_autograder     grades /autograder/submission, writes /autograder/results/results.json
    wheels/*.whl       learn itself, built from this source tree
    course/            a one-exercise course: manifest entry, stub, README, reference, suite

Gradescope unpacks the zip into /autograder/source and runs setup.sh once, then
run_autograder for each submission. The grade comes from the same engine and the same
hidden suite as `learn grade` (grader/autograder.py).
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

from grader.course import Course, Exercise
from grader.errors import UserError

TEMPLATES = Path(__file__).parent / "templates" / "gradescope"
SOURCE_TREE = Path(__file__).resolve().parent.parent
_EXECUTABLE = 0o100755 << 16      # zip external_attr of an executable regular file
_FILE = 0o100644 << 16


def torch_requirement(source: Path = SOURCE_TREE) -> str:
    """learn's torch requirement (e.g. 'torch>=2.2,<2.14'), from pyproject or the metadata."""
    pyproject = source / "pyproject.toml"
    requirements: list[str] = []
    if pyproject.is_file():
        import tomllib

        requirements = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    else:
        from importlib.metadata import PackageNotFoundError, requires

        try:
            requirements = requires("learn-dl") or []
        except PackageNotFoundError:
            pass
    for requirement in requirements:
        if re.match(r"^torch\b", requirement) and ";" not in requirement:
            return requirement.replace(" ", "")
    return "torch"


def build_wheel(destination: Path, source: Path = SOURCE_TREE) -> Path:
    """Build learn's wheel from its source tree with pip; the wheel's path."""
    if not (source / "pyproject.toml").is_file():
        raise UserError("exporting needs learn's source tree to build the package (an editable "
                        "install or a checkout); or pass --wheel with a built wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
               str(destination), str(source)]
    if importlib.util.find_spec("hatchling") is not None:
        command.insert(4, "--no-build-isolation")   # build offline with the installed backend
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    wheels = sorted(destination.glob("learn_dl-*.whl"))
    if done.returncode != 0 or not wheels:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UserError(f"building learn's wheel failed: {tail[0]}")
    return wheels[-1]


def write_course(course: Course, exercise: Exercise, destination: Path) -> None:
    """A course holding only this exercise: its manifest entry (limits spelled out), stub,
    README, reference and hidden suite. Wrong versions and alternatives stay behind."""
    entry: dict = {"slug": exercise.slug, "title": exercise.title, "topic": exercise.topic,
                   "points": exercise.points, "files": list(exercise.files),
                   "limits": dict(exercise.limits.__dict__)}
    if exercise.hints:
        entry["hints"] = list(exercise.hints)
    if exercise.forbidden:
        entry["forbidden"] = [{"name": f.name, "reason": f.reason} for f in exercise.forbidden]
    if exercise.imports is not None:
        entry["imports"] = list(exercise.imports)
    manifest = {"version": 1, "title": course.title, "exercises": [entry]}
    destination.mkdir(parents=True)
    (destination / "course.yaml").write_text(
        "# One exercise of the course, exported for Gradescope by `learn export gradescope`.\n"
        + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "wrong.yaml", "alternatives")
    shutil.copytree(exercise.folder, destination / "exercises" / exercise.slug, ignore=skip)
    shutil.copytree(exercise.solution_folder, destination / "solutions" / exercise.slug,
                    ignore=skip)


def without_bundled_course(wheel: Path, destination: Path) -> Path:
    """A copy of learn's wheel without the course a regular install bundles (grader/_course):
    the autograder must carry one exercise only, not every reference and hidden suite."""
    bundled = "grader/_course/"
    copy = destination / wheel.name
    destination.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename.startswith(bundled):
                continue
            data = source.read(info)
            if info.filename.endswith(".dist-info/RECORD"):   # list only what is left
                data = "".join(line for line in data.decode().splitlines(keepends=True)
                               if not line.startswith(bundled)).encode()
            out.writestr(info, data)
    return copy


def _script(name: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def export_gradescope(course: Course, exercise: Exercise, out: Path,
                      wheel: Path | None = None, unsafe_no_sandbox: bool = False) -> list[str]:
    """Write the autograder zip for one exercise to out; the names it holds.

    The zip holds the engine and this one exercise: no other exercise's reference, suite or
    wrong versions. Its autograder refuses to grade without a sandbox unless
    unsafe_no_sandbox (for platforms whose containers forbid namespaces).
    """
    if out.suffix != ".zip":
        raise UserError(f"{out}: the autograder must be a .zip file")
    if wheel is not None and not (wheel.is_file() and wheel.suffix == ".whl"):
        raise UserError(f"{wheel}: not a wheel file")
    with tempfile.TemporaryDirectory(prefix="learn-export-") as scratch:
        work = Path(scratch)
        wheel = without_bundled_course(wheel or build_wheel(work / "built"), work / "wheels")
        write_course(course, exercise, work / "course")
        values = {"SLUG": exercise.slug, "FILE": exercise.files[0], "WHEEL": wheel.name,
                  "TORCH": torch_requirement(),
                  "UNSAFE": "--unsafe-no-sandbox" if unsafe_no_sandbox else ""}
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        names = []
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("setup.sh", "run_autograder"):
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = _EXECUTABLE
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, _script(name, values))
                names.append(name)
            archive.write(wheel, f"wheels/{wheel.name}")
            names.append(f"wheels/{wheel.name}")
            for path in sorted((work / "course").rglob("*")):
                if path.is_file():
                    name = str(path.relative_to(work).as_posix())
                    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                    info.external_attr = _FILE
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes())
                    names.append(name)
        partial.replace(out)
    return names
