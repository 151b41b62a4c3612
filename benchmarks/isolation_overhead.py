"""Isolation overhead and start-up time.

1. `learn grade layer_norm --file <reference>` (isolated worker, limits, results document)
   against plain pytest running the same hidden suite in one process against the reference,
   each a fresh process, interleaved, median of N runs.
2. `learn --help` and `learn` (the course table): median wall time of N runs.

Run: python benchmarks/isolation_overhead.py [--runs N]
"""
from __future__ import annotations

import argparse
import sys

from _timing import REPO, learn, median, scratch_environment, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--exercise", default="layer_norm")
    runs = parser.parse_args().runs
    slug = parser.parse_args().exercise
    env = scratch_environment()
    suite = REPO / "solutions" / slug / f"test_{slug}.py"
    reference = REPO / "solutions" / slug / f"{slug}.py"
    plain = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "grader.plugin",
             str(suite), "--learn-isolation=inprocess", f"--learn-submission={reference}"]
    graded = learn("grade", slug, "--file", str(reference))
    timed(plain, env), timed(graded, env)  # warm the disk cache for both
    plain_times, learn_times = [], []
    for _ in range(runs):
        plain_times.append(timed(plain, env))
        learn_times.append(timed(graded, env))
    ratio = median(learn_times) / median(plain_times)
    print(f"{slug}: plain pytest in one process  median {median(plain_times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in plain_times)})")
    print(f"{slug}: learn grade --file (isolated) median {median(learn_times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in learn_times)})")
    print(f"{slug}: isolation overhead ratio {ratio:.2f}x (goal: at most 1.2x)")

    for args, label in ((["--help"], "learn --help"), ([], "learn (course table)")):
        times = [timed(learn(*args), env) for _ in range(max(runs, 10))]
        print(f"{label}: median {median(times) * 1000:.0f} ms over {len(times)} runs "
              f"(goal for --help: under 300 ms)")


if __name__ == "__main__":
    main()
