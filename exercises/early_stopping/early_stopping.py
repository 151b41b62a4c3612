"""Early stopping: stop training when the validation metric has stopped improving.

An EarlyStopping object is shown the validation metric once per epoch with `step(value)`.
Steps are counted from 0 (the first call is step 0), so a step is an epoch index.

Two things are tracked, and they are deliberately separate:

* `best` and `best_step`: the best value seen so far and the step it was seen at. A value
  at least as good as `best` replaces it (on a tie, `best_step` moves to the later step:
  the model trained longer is as good).

* the patience counter: the number of steps since the last SIGNIFICANT improvement. A value
  is a significant improvement when it beats the best value before it by MORE than
  min_delta (an absolute amount, in the metric's units):

      mode 'min' (a loss):        value < best - min_delta
      mode 'max' (an accuracy):   value > best + min_delta

  A significant improvement sets the counter to 0; any other step adds 1. `step` returns
  True (stop) once the counter reaches `patience`. The first value is always significant.

Example, patience=2, min_delta=0.1, mode='min':

    step   value  best  best_step  counter  returns
    0      1.00   1.00  0          0        False     the first value
    1      0.80   0.80  1          0        False     0.80 < 1.00 - 0.1
    2      0.75   0.75  2          1        False     better, but not by more than 0.1
    3      0.75   0.75  3          2        True      a tie: best_step moves, no improvement
"""
from __future__ import annotations

import math
from typing import Callable


class EarlyStopping:
    """Decides, one validation value at a time, when training should stop.

    Args:
        patience: how many steps in a row without a significant improvement end training.
        min_delta: how much (absolute) a value must beat the best by to count as an
            improvement; an improvement of exactly min_delta does not count.
        mode: 'min' when lower is better (a loss), 'max' when higher is better (an accuracy).
            Anything else raises ValueError.

    Attributes:
        best: the best value seen so far (None before the first step).
        best_step: the step at which `best` was seen, counting from 0 (None before the first
            step); on a tie the later step.
    """

    def __init__(self, patience: int, min_delta: float = 0.0, mode: str = "min") -> None:
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.best: float | None = None
        self.best_step: int | None = None
        # TODO: reject a mode other than 'min' and 'max' with ValueError, and keep whatever
        # TODO: else step() needs: the number of steps so far and the number of steps since
        # TODO: the last significant improvement.
        raise NotImplementedError

    def step(self, value: float) -> bool:
        """Record this step's validation value; True when training should stop now."""
        # TODO: compare value with the best so far (mind the mode): a significant improvement
        # TODO: (by MORE than min_delta) resets the counter, anything else adds 1. Update best
        # TODO: and best_step when value is at least as good as best. Return counter >= patience.
        raise NotImplementedError


def train_with_early_stopping(train_step: Callable[[int], object],
                              evaluate: Callable[[int], float], max_epochs: int,
                              stopper: EarlyStopping) -> tuple[int | None, list[float]]:
    """Train for at most max_epochs epochs, stopping when `stopper` says so.

    For each epoch = 0, 1, 2, ...: call train_step(epoch), then value = evaluate(epoch),
    append value to the history, then ask stopper.step(value); stop right after the epoch
    for which it returns True, or after max_epochs epochs.

    Returns:
        best_step: stopper.best_step at the end (the epoch whose weights one would restore).
        history: the list of every value evaluate returned, in order.
    """
    # TODO: loop over the epochs: train, evaluate, record, then ask the stopper.
    raise NotImplementedError
