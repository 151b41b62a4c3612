"""`learn grade --all` on the reference solutions against each suite run on its own.

Compares, in one run: the wall time of `learn grade --all` (one grading process, one pool of
workers, heavy imports once) with the sum of the wall times of plain pytest running each
hidden suite against its reference in a fresh process (each suite's own cost), and with the
sum of the time spent inside the tests themselves.

Run: python benchmarks/grade_all.py [--runs N]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _timing import course_with_references, learn, median, scratch_environment, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    env = scratch_environment()
    course = course_with_references(env)
    from grader.course import load_course

    exercises = load_course(course).exercises
    all_times, suite_sums, test_sums = [], [], []
    for _ in range(runs):
        all_times.append(timed(learn("grade", "--all"), env))
        total = 0.0
        for exercise in exercises:
            total += timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "-p", "grader.plugin", str(exercise.suite), "--learn-isolation=inprocess",
                            f"--learn-submission={exercise.reference}"], env)
        suite_sums.append(total)
    done = subprocess.run(learn("grade", "--all", "--json"), env=env, capture_output=True, text=True)
    documents = json.loads(done.stdout)
    passed = all(d["score"] == d["max_score"] for d in documents)
    print(f"exercises: {len(exercises)}, every reference at full marks: {passed}")
    print(f"learn grade --all:                       median {median(all_times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in all_times)})")
    print(f"sum of the {len(exercises)} suites run on their own:   median {median(suite_sums):.2f} s")
    print(f"ratio: {median(all_times) / median(suite_sums):.2f}x (goal: at most 1.5x)")
    inside = sum(d["execution_time"] for d in documents)
    print(f"time inside the {len(exercises)} suites' pytest sessions (tests, workers): {inside:.2f} s; "
          f"learn grade --all is {median(all_times) / inside:.2f}x that, the rest being one "
          f"start-up (Python, pytest, torch)")


if __name__ == "__main__":
    main()
