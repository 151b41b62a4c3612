"""Learning-rate schedules: the learning rate as a function of the step number.

Steps count from 0 (the first update uses step 0). Every schedule is a closed form of the
step, so it can be evaluated at any step without replaying the ones before:

    step_decay(t)   = base_lr * gamma ** floor(t / step_size)                  (torch's StepLR)
    linear_decay(t) = base_lr + (final_lr - base_lr) * min(t, T) / T
    cosine_decay(t) = min_lr + (base_lr - min_lr) * (1 + cos(pi * min(t, T) / T)) / 2
    inverse_sqrt(t) = base_lr * sqrt(warmup_steps / max(t, warmup_steps))

T is total_steps: linear and cosine decay reach final_lr / min_lr exactly at step T and stay
there. with_warmup wraps any schedule with a linear ramp over its first warmup_steps steps:

    warm(t) = schedule(warmup_steps) * (t + 1) / warmup_steps     for t < warmup_steps
    warm(t) = schedule(t)                                          otherwise
"""
from __future__ import annotations

import math
from collections.abc import Callable


def step_decay(step: int, base_lr: float, step_size: int, gamma: float) -> float:
    """base_lr, multiplied by gamma once every step_size steps, as torch's StepLR.

    Steps 0 .. step_size-1 use base_lr, steps step_size .. 2*step_size-1 use base_lr * gamma,
    and so on: base_lr * gamma ** (step // step_size).
    """
    # TODO: count the whole periods of step_size steps completed before this step.
    raise NotImplementedError


def linear_decay(step: int, base_lr: float, total_steps: int, final_lr: float = 0.0) -> float:
    """A straight line from base_lr at step 0 to final_lr at step total_steps, then flat.

    Returns base_lr + (final_lr - base_lr) * min(step, total_steps) / total_steps.
    """
    # TODO: the fraction of the decay done so far, capped at 1, then interpolate.
    raise NotImplementedError


def cosine_decay(step: int, base_lr: float, total_steps: int, min_lr: float = 0.0) -> float:
    """Half a cosine from base_lr at step 0 down to min_lr at step total_steps, then flat.

    Returns min_lr + (base_lr - min_lr) * (1 + cos(pi * min(step, total_steps) / total_steps)) / 2.
    (torch's CosineAnnealingLR with T_max=total_steps gives the same values up to
    total_steps, then climbs back up; this schedule stays at min_lr.)
    """
    # TODO: the fraction done, capped at 1, through half a cosine period: 1 -> 0.
    raise NotImplementedError


def inverse_sqrt(step: int, base_lr: float, warmup_steps: int) -> float:
    """base_lr up to step warmup_steps, then decaying as 1 / sqrt(step).

    Returns base_lr * sqrt(warmup_steps / max(step, warmup_steps)): exactly base_lr for
    every step <= warmup_steps, and half of it at step 4 * warmup_steps.
    """
    # TODO: hold base_lr until warmup_steps, then scale by sqrt(warmup_steps / step).
    raise NotImplementedError


def with_warmup(schedule: Callable[[int], float], warmup_steps: int) -> Callable[[int], float]:
    """Wrap schedule with a linear warm-up over its first warmup_steps steps.

    Args:
        schedule: any function of the step that returns a learning rate.
        warmup_steps: how many steps the ramp lasts (>= 1).

    Returns:
        A function of the step. For step < warmup_steps it returns
        schedule(warmup_steps) * (step + 1) / warmup_steps: it starts ABOVE zero (the first
        update must move the weights) and climbs in equal steps to the rate the schedule has
        when the warm-up ends. From step warmup_steps on it returns schedule(step).
    """
    # TODO: return a new function of the step (a closure over schedule and warmup_steps).
    raise NotImplementedError
