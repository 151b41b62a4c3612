"""What a submission whose forward never returns costs: `learn grade layer_norm` on it.

The first test that calls the forward waits out the per-test limit (5 s); every later call of
the same function gets a short budget. Printed beside the grade of the reference, same run.

Run: python benchmarks/endless_loop.py [--runs N]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _timing import REPO, learn, median, scratch_environment, timed

LOOPING = '''import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    while True:
        pass


def layer_norm_backward(dout, cache):
    raise NotImplementedError
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    env = scratch_environment()
    looping = Path(tempfile.mkdtemp(prefix="learn-bench-")) / "layer_norm.py"
    looping.write_text(LOOPING)
    reference = REPO / "solutions" / "layer_norm" / "layer_norm.py"
    loop_times, reference_times = [], []
    for _ in range(runs):
        loop_times.append(timed(learn("grade", "layer_norm", "--file", str(looping)), env))
        reference_times.append(timed(learn("grade", "layer_norm", "--file", str(reference)), env))
    print(f"layer_norm, forward loops forever: median {median(loop_times):.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in loop_times)}; goal: at most 15 s)")
    print(f"layer_norm, reference:             median {median(reference_times):.1f} s")


if __name__ == "__main__":
    main()
