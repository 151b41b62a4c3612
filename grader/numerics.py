"""One thread for numerical libraries, in every process that grades or runs learner code.

Why: (1) a process may only be forked safely while it has a single thread, and numpy's BLAS
starts a thread pool as soon as it is imported unless told otherwise; (2) a learner's code
and the reference are timed against each other, so both must run with the same threads;
(3) reductions give the same bits every run. This module imports nothing heavy, so it can
run before numpy or torch are loaded, which is the only time the setting takes effect.
"""
from __future__ import annotations

import os

SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def use_single_thread() -> None:
    """Make numpy and torch, when later imported by this process, use one thread."""
    os.environ.update(SINGLE_THREAD_ENV)
