"""Save-to-verdict latency of `learn watch`, measured in a real pseudo-terminal.

For each exercise: start `learn watch <slug>` on a scratch copy of the course, then save the
exercise file again and again, alternating a known-wrong version and the reference, and time
from the file write to the verdict line (the test summary) appearing on the screen.

Run: python benchmarks/watch_latency.py [--saves N] [slug ...]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import pexpect

from _timing import course_with_references, median, scratch_environment

VERDICT = r"(tests passed|All \d+ tests passed)"


def measure(slug: str, saves: int) -> list[float]:
    env = scratch_environment()
    course = course_with_references(env)
    from grader.course import load_course
    from grader.workspace import learner_file
    from grader.wrong_versions import build

    loaded = load_course(course)
    exercise = loaded.get(slug)
    mine = learner_file(loaded, exercise)
    right = exercise.reference.read_text()
    built, _ = build(exercise.reference, exercise.wrong_file)
    wrong = built[0][1]                       # the first known-wrong version, as a whole file
    child = pexpect.spawn(sys.executable, ["-m", "grader", "watch", slug], env=env,
                          encoding="utf-8", timeout=60, dimensions=(60, 160))
    child.expect(VERDICT)
    child.expect("q quit")
    latencies = []
    for index in range(saves):
        time.sleep(0.3)  # let the screen settle: each save is one separate edit
        mine.write_text(wrong if index % 2 == 0 else right)
        started = time.perf_counter()
        child.expect(VERDICT)
        latencies.append(time.perf_counter() - started)
        child.expect("q quit")
    child.send("q")
    child.expect(pexpect.EOF)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("slugs", nargs="*", default=["layer_norm", "positional_encoding"])
    options = parser.parse_args()
    for slug in options.slugs:
        latencies = sorted(measure(slug, options.saves))
        p90 = latencies[int(0.9 * (len(latencies) - 1))]
        print(f"{slug}: save-to-verdict median {median(latencies) * 1000:.0f} ms, "
              f"p90 {p90 * 1000:.0f} ms, min {latencies[0] * 1000:.0f} ms over {len(latencies)} "
              f"saves (goal: median under 150 ms)")


if __name__ == "__main__":
    main()
