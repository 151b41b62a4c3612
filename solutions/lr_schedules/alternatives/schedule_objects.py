"""Learning-rate schedules written through one shared helper and a warm-up class.

A different style from the reference: linear and cosine decay share an "annealing" helper
parameterised by the shape of the curve, step decay uses math.pow and divmod, and the
warm-up is a callable object instead of a closure.
"""
from __future__ import annotations

import math


def _anneal(step, start, end, total_steps, shape):
    """Move from start to end over total_steps along shape(fraction) in [0, 1]."""
    fraction = 1.0 if step >= total_steps else step / total_steps
    return end + (start - end) * (1.0 - shape(fraction))


def step_decay(step, base_lr, step_size, gamma):
    periods, _ = divmod(step, step_size)
    return base_lr * math.pow(gamma, periods)


def linear_decay(step, base_lr, total_steps, final_lr=0.0):
    return _anneal(step, base_lr, final_lr, total_steps, lambda f: f)


def cosine_decay(step, base_lr, total_steps, min_lr=0.0):
    return _anneal(step, base_lr, min_lr, total_steps, lambda f: (1.0 - math.cos(math.pi * f)) / 2)


def inverse_sqrt(step, base_lr, warmup_steps):
    if step <= warmup_steps:
        return float(base_lr)
    return base_lr / math.sqrt(step / warmup_steps)


class _Warmup:
    def __init__(self, schedule, warmup_steps):
        self.schedule = schedule
        self.warmup_steps = warmup_steps
        self.peak = None                     # schedule(warmup_steps), computed once

    def __call__(self, step):
        if step >= self.warmup_steps:
            return self.schedule(step)
        if self.peak is None:
            self.peak = self.schedule(self.warmup_steps)
        return self.peak * (step + 1) / self.warmup_steps


def with_warmup(schedule, warmup_steps):
    return _Warmup(schedule, warmup_steps)
