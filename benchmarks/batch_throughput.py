"""`learn batch --jobs 2` against `learn grade --file` run once per submission, in sequence.

Builds a class of 40 submissions of one exercise (copies of its reference and of its known-wrong
versions, in turn), grades them both ways in the same run, and prints the throughput ratio,
whether both ways gave the same scores, and whether any process was left behind (pgrep).

The exercise is copied into a scratch one-exercise course, so the figures do not depend on
the state of the rest of the course.

Run: python benchmarks/batch_throughput.py [--exercise layer_norm] [--count 40] [--jobs 2]
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from _timing import REPO, learn, scratch_environment
from grader.wrong_versions import materialise

FIXTURE_COURSE = REPO / "tests" / "fixtures" / "course"


def one_exercise_course(source: Path, slug: str, target: Path) -> Path | None:
    """Copy one exercise of the course at source into a course of its own at target."""
    manifest = yaml.safe_load((source / "course.yaml").read_text(encoding="utf-8"))
    entries = [e for e in manifest.get("exercises", []) if e.get("slug") == slug]
    if not entries or not (source / "solutions" / slug / "wrong.yaml").is_file():
        return None
    manifest["exercises"] = entries
    target.mkdir(parents=True)
    (target / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    for part in ("exercises", "solutions"):
        shutil.copytree(source / part / slug, target / part / slug,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return target


def zygotes_of_init() -> set[int]:
    """Grading zygotes whose parent is gone (re-parented to init): what a batch must not leave."""
    done = subprocess.run(["pgrep", "-P", "1", "-f", "grader.zygote"], capture_output=True,
                          text=True)
    return {int(pid) for pid in done.stdout.split()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="layer_norm")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="learn-bench-batch-"))
    slug = options.exercise
    course = one_exercise_course(REPO, slug, scratch / "course")
    if course is None:
        print(f"{slug} has no reference and wrong versions yet: using the fixture course")
        slug = "scale"
        course = one_exercise_course(FIXTURE_COURSE, slug, scratch / "course")
    env = scratch_environment()
    env["LEARN_COURSE"] = str(course)
    solutions = course / "solutions" / slug
    wrong = materialise(solutions / f"{slug}.py", solutions / "wrong.yaml", scratch / "wrong")
    versions = [solutions / f"{slug}.py", *(path for _, path in wrong)]
    klass = scratch / "class"
    klass.mkdir()
    for number in range(options.count):
        shutil.copyfile(versions[number % len(versions)], klass / f"student{number + 1:02d}.py")
    submissions = sorted(klass.glob("*.py"))
    print(f"exercise {slug}: {len(submissions)} submissions, copies of the reference and of "
          f"{len(versions) - 1} wrong versions")

    sequential_scores = {}
    started = time.perf_counter()
    for path in submissions:
        done = subprocess.run(learn("grade", slug, "--file", str(path), "--json"), env=env,
                              capture_output=True, text=True)
        sequential_scores[path.stem] = json.loads(done.stdout)["score"]
    sequential = time.perf_counter() - started

    before = zygotes_of_init()
    out = scratch / "grades"
    started = time.perf_counter()
    done = subprocess.run(learn("batch", str(klass), "--exercise", slug, "--jobs",
                                str(options.jobs), "--out", str(out)),
                          env=env, capture_output=True, text=True)
    batch = time.perf_counter() - started
    time.sleep(0.5)
    workers = subprocess.run(["pgrep", "-f", f"grader.batch_worker {course}"],
                             capture_output=True, text=True).stdout.split()
    orphans = zygotes_of_init() - before
    strays = subprocess.run(["pgrep", "-f", str(scratch)], capture_output=True, text=True)
    left = len(workers) + len(orphans) + len(strays.stdout.split())

    with open(out / "gradebook.csv", newline="") as handle:
        batch_scores = {row["student"]: float(row["score"]) for row in csv.DictReader(handle)}
    same = sum(abs(batch_scores.get(name, -1) - score) < 0.01
               for name, score in sequential_scores.items())
    n = len(submissions)
    print(f"learn grade --file, once per submission: {sequential:7.1f} s "
          f"({sequential / n:.2f} s per submission)")
    print(f"learn batch --jobs {options.jobs}:{'':<20}{batch:7.1f} s "
          f"({batch / n:.2f} s per submission, exit status {done.returncode})")
    print(f"throughput ratio: {sequential / batch:.1f}x (goal: at least 5x)")
    print(f"same score both ways: {same}/{n}")
    print(f"processes left after the batch (pgrep): {left or 'none'}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
