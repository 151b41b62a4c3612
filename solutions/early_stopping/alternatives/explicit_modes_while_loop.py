"""Early stopping with the two modes written out and the loop as a while loop.

The stopper keeps the count of bad steps and the step index; the comparisons are spelled
out per mode instead of flipping signs.
"""
from __future__ import annotations


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0, mode="min"):
        if mode == "min":
            self._better = lambda a, b: a < b
            self._significant = lambda a, b: a < b - min_delta
        elif mode == "max":
            self._better = lambda a, b: a > b
            self._significant = lambda a, b: a > b + min_delta
        else:
            raise ValueError(f"unknown mode {mode!r}: use 'min' or 'max'")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.best = None
        self.best_step = None
        self._index = -1
        self._bad_steps = 0

    def step(self, value):
        self._index += 1
        first = self.best is None
        if first or self._significant(value, self.best):
            self._bad_steps = 0
        else:
            self._bad_steps += 1
        if first or self._better(value, self.best) or value == self.best:
            self.best = value
            self.best_step = self._index
        return self._bad_steps >= self.patience


def train_with_early_stopping(train_step, evaluate, max_epochs, stopper):
    history = []
    epoch, stop = 0, False
    while epoch < max_epochs and not stop:
        train_step(epoch)
        history.append(evaluate(epoch))
        stop = stopper.step(history[-1])
        epoch += 1
    return stopper.best_step, history
