"""Where `learn batch` finds the submissions: folders of files, folders of folders, zips.

A folder of files has one ``.py`` per student (the student is the file's stem); a folder of
folders has one folder per student (the graded file is the one named like the exercise's
file, else the only ``.py``); a zip holds either. Zips are extracted only after every entry
has been checked (no absolute paths, no ``..``, no links, no zip bombs).

Each submission is then copied into a folder of its own (:func:`stage`), so a student's code
can import only its own files and is imported under the exercise's module name.
"""
from __future__ import annotations

import dataclasses
import hashlib
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UserError

ZIP_MAX_BYTES = 1 << 30        # uncompressed size of a submissions zip (zip bombs)
ZIP_MAX_ENTRIES = 20_000
_SKIPPED = ("__MACOSX", "__pycache__")


@dataclass(frozen=True)
class Entry:
    """One student's submission as found: a file or a folder."""

    student: str
    source: Path
    graded: Path | None        # the file to grade (inside source for a folder)
    problem: str = ""          # why there is nothing to grade, when graded is None
    sha256: str = ""
    origin: str = ""           # where it came from, as shown in results (a path in a zip too)


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "_")) and path.name not in _SKIPPED


def find_graded_file(folder: Path, filename: str) -> tuple[Path | None, str]:
    """The file to grade in a student's folder: the shallowest one named filename, else the
    only .py file (helpers starting with _ aside). (None, why) when there is no clear choice."""
    found = [p for p in sorted(folder.rglob("*.py"))
             if all(not part.startswith(".") and part not in _SKIPPED
                    for part in p.relative_to(folder).parts)]
    named = [p for p in found if p.name == filename]
    if named:
        depth = min(len(p.parts) for p in named)
        shallowest = [p for p in named if len(p.parts) == depth]
        if len(shallowest) == 1:
            return shallowest[0], ""
        places = ", ".join(str(p.relative_to(folder)) for p in shallowest)
        return None, f"several files named {filename}: {places}"
    candidates = [p for p in found if not p.name.startswith("_")]
    if len(candidates) == 1:
        return candidates[0], ""
    if not candidates:
        return None, f"no {filename} and no other .py file"
    shown = ", ".join(str(p.relative_to(folder)) for p in candidates[:5])
    return None, f"no {filename}, and {len(candidates)} other .py files ({shown}): which one?"


def fingerprint(path: Path) -> str:
    """sha256 of a file, or of a folder's files (relative names and contents, sorted)."""
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path)
        if "__pycache__" in relative.parts or file.suffix == ".pyc":
            continue
        digest.update(str(relative).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def discover(folder: Path, filename: str, skip: Path | None = None) -> list[Entry]:
    """Every student's submission in a folder of files or of folders, sorted by student.

    skip is a folder not to take for a student (the batch's own output folder)."""
    entries: dict[str, Entry] = {}
    for child in sorted(folder.iterdir()):
        if not _visible(child) or (skip is not None and child.resolve() == skip.resolve()):
            continue
        if child.is_symlink() or (child.is_dir() and _leaving_link(child)):
            student = child.stem if child.suffix == ".py" else child.name
            why = ("is a symbolic link" if child.is_symlink() else
                   f"holds a link that leaves its folder ({_leaving_link(child)})")
            entries[student] = Entry(student, child, None, f"{child.name} {why}; not graded")
            continue
        if child.is_dir():
            graded, problem = find_graded_file(child, filename)
            entry = Entry(child.name, child, graded, problem)
        elif child.suffix == ".py" and child.is_file():
            entry = Entry(child.stem, child, child)
        else:
            continue
        if entry.student in entries:
            raise UserError(f"{folder}: two submissions for {entry.student}: "
                            f"{entries[entry.student].source.name} and {child.name}")
        entries[entry.student] = Entry(entry.student, entry.source, entry.graded, entry.problem,
                                       fingerprint(child))
    return list(entries.values())


def _leaving_link(folder: Path) -> str:
    """The first symbolic link under folder that points outside it (relative name), or ''."""
    top = folder.resolve()
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            target = path.resolve()
            if target != top and top not in target.parents:
                return str(path.relative_to(folder))
    return ""


def extract_zip(archive: Path, destination: Path) -> None:
    """Extract a submissions zip, refusing absolute paths, '..', links and zip bombs."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > ZIP_MAX_ENTRIES:
                raise UserError(f"{archive}: more than {ZIP_MAX_ENTRIES} entries")
            if sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                raise UserError(f"{archive}: more than {ZIP_MAX_BYTES >> 20} MB uncompressed")
            for member in members:
                name = member.filename.replace("\\", "/")
                parts = name.split("/")
                if name.startswith("/") or (len(parts[0]) == 2 and parts[0][1] == ":") \
                        or ".." in parts:
                    raise UserError(f"{archive}: unsafe path in the zip: {member.filename!r}")
                if (member.external_attr >> 16) & 0o170000 == 0o120000:
                    raise UserError(f"{archive}: the zip contains a link: {member.filename!r}")
            for member in members:
                target = destination.joinpath(*[p for p in member.filename.replace("\\", "/")
                                                .split("/") if p])
                if member.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    except (zipfile.BadZipFile, OSError) as error:
        raise UserError(f"{archive}: cannot read the zip: {error}") from None


def unwrap(root: Path, filename: str) -> Path:
    """A zip of one top folder holding the class: the class is inside that folder."""
    visible = [p for p in root.iterdir() if _visible(p)]
    if len(visible) == 1 and visible[0].is_dir() and not (visible[0] / filename).exists():
        return visible[0]
    return root


def stage(entry: Entry, staging: Path, filename: str) -> Path:
    """Copy a submission into its own folder; the path of the file to grade there."""
    assert entry.graded is not None
    own = staging / entry.student
    if entry.source.is_dir():
        shutil.copytree(entry.source, own, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return own / entry.graded.relative_to(entry.source)
    own.mkdir()
    shutil.copyfile(entry.source, own / filename)
    return own / filename


def find_submissions(submissions: Path, unzip_to: Path, filename: str,
                     out: Path | None = None) -> list[Entry]:
    """The students' submissions in a folder, or in a zip (extracted to unzip_to first).

    out, the batch's output folder, is never taken for a student's folder."""
    if not submissions.exists():
        raise UserError(f"{submissions}: no such file or folder")
    if submissions.is_dir():
        entries = discover(submissions, filename, skip=out)
    elif zipfile.is_zipfile(submissions):
        extract_zip(submissions, unzip_to)
        entries = [dataclasses.replace(e, origin=f"{submissions}:{e.source.relative_to(unzip_to)}")
                   for e in discover(unwrap(unzip_to, filename), filename)]
    else:
        raise UserError(f"{submissions}: expected a folder or a .zip of submissions")
    if not entries:
        raise UserError(f"{submissions}: no submissions found (expected .py files or one "
                        f"folder per student)")
    return entries
