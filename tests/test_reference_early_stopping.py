"""The early_stopping reference follows its specification.

There is no torch built-in for early stopping, so the oracle is the specification restated
over the whole history at once: best is the last position of the best value so far, and
the counter is the number of steps since the last value that beat every earlier one by
more than min_delta.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import load_reference


ref = load_reference("early_stopping")


def from_history(values, patience, min_delta, mode):
    """Per step (stop, best, best_step), computed from the history up to that step."""
    sign = 1.0 if mode == "min" else -1.0
    v = [sign * x for x in values]
    rows, last_significant = [], 0
    for t in range(len(v)):
        if t == 0 or v[t] < min(v[:t]) - min_delta:
            last_significant = t
        best_step = max(i for i in range(t + 1) if v[i] == min(v[:t + 1]))
        rows.append((t - last_significant >= patience, values[best_step], best_step))
    return rows


def test_the_readme_example():
    stopper = ref.EarlyStopping(patience=2, min_delta=0.1)
    got = [(stopper.step(v), stopper.best, stopper.best_step) for v in (1.0, 0.8, 0.75, 0.75)]
    assert got == [(False, 1.0, 0), (False, 0.8, 1), (False, 0.75, 2), (True, 0.75, 3)]


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("patience, min_delta", [(1, 0.0), (3, 0.0), (2, 0.25), (4, 0.5)])
def test_matches_the_history_restatement(patience, min_delta, mode):
    rng = np.random.default_rng(patience + int(4 * min_delta))
    # Random walks on a grid of quarters: ties and improvements of exactly min_delta happen.
    for _ in range(30):
        values = list(np.cumsum(rng.integers(-2, 3, size=15) * 0.25).astype(float))
        stopper = ref.EarlyStopping(patience, min_delta=min_delta, mode=mode)
        got = [(stopper.step(v), stopper.best, stopper.best_step) for v in values]
        assert got == from_history(values, patience, min_delta, mode), values


def test_unknown_mode_raises():
    with pytest.raises(ValueError):
        ref.EarlyStopping(3, mode="maximize")


def test_loop_trains_until_the_stop_and_returns_the_best_epoch():
    values = [1.0, 0.5, 0.75, 0.625, 0.25, 0.5, 0.5, 0.5, 0.0]
    trained = []
    best_step, history = ref.train_with_early_stopping(
        trained.append, lambda epoch: values[epoch], len(values), ref.EarlyStopping(patience=3))
    assert trained == [0, 1, 2, 3, 4, 5, 6, 7] and history == values[:8] and best_step == 4
    trained.clear()
    best_step, history = ref.train_with_early_stopping(
        trained.append, lambda epoch: values[epoch], 3, ref.EarlyStopping(patience=3))
    assert trained == [0, 1, 2] and history == values[:3] and best_step == 1
