"""Hidden suite for the lr_schedules exercise.

Oracles: torch's StepLR, LinearLR and CosineAnnealingLR in float64, stepped one step at a time
(for cosine only up to total_steps: torch then climbs back up, this schedule stays at min_lr),
and the closed forms of the spec for the rest. Every test compares a whole trajectory: the
learning rate at each step 0, 1, 2, ..., so an off-by-one shows at the step where it happens.

Inputs are chosen so the usual bugs show: total_steps = 7 and step_size = 3 (small, odd, not
dividing each other), min_lr and final_lr non-zero, and a warm-up wrapped around a schedule
that changes at every step (0.1 - 0.001 * step), so schedule(step) and
schedule(warmup_steps) differ during the ramp.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from grader.suite import assert_close, assert_fast_enough, worker_function

BASE = 0.1
TRAJECTORY = "learning rate at each step (index = step)"
# Learning rates are O(0.1) and computed in float64: 1e-9 relative is rounding only, and
# the smallest bug here (a step late) changes some value by 10% or more.
RTOL, ATOL = 1e-9, 1e-12


# -- oracles --------------------------------------------------------------------------------

class _Holder(torch.optim.Optimizer):
    """The part of an optimiser a scheduler touches: one parameter group's lr.

    Optimizer.__init__ would import torch._dynamo (~2 s); a scheduler needs none of it.
    """

    def __init__(self, lr: float):
        self.param_groups = [{"lr": lr}]
        self.defaults = {}
        self.state = {}

    def step(self, closure=None):
        return None


def _torch_trajectory(make, steps, base=BASE):
    """The lr torch's scheduler make(optimiser) gives at steps 0 .. steps-1."""
    holder = _Holder(base)
    scheduler = make(holder)
    lrs = []
    for _ in range(steps):
        lrs.append(holder.param_groups[0]["lr"])
        holder.step()
        scheduler.step()
    return np.array(lrs)


def _learner(fn, steps, *args, **kwargs):
    """The learner's fn(step, *args, **kwargs) at each of the steps."""
    return np.array([float(fn(t, *args, **kwargs)) for t in steps])


def _poly(submission, coefficients):
    """A trusted schedule, numpy.polynomial.Polynomial(coefficients), living in the worker."""
    return worker_function(submission, "numpy.polynomial.Polynomial")(list(coefficients))


# -- step decay -----------------------------------------------------------------------------

@pytest.mark.points(2)
def test_step_decay_matches_torch_step_lr(submission, reference):
    """step_decay(t, 0.1, step_size=3, gamma=0.5) for t = 0..19 is torch's StepLR."""
    steps = range(20)
    want = _torch_trajectory(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 20)
    got = _learner(submission.step_decay, steps, BASE, 3, 0.5)
    t = np.arange(20)
    assert_close(got, want, name=TRAJECTORY, rtol=RTOL, atol=ATOL, bugs={
        "decays one step early: (step + 1) // step_size": BASE * 0.5 ** ((t + 1) // 3),
        "decays at step 0 already: one more factor of gamma than StepLR":
            BASE * 0.5 ** (t // 3 + 1),
        "a smooth exponential, gamma ** (step / step_size), instead of whole steps":
            BASE * 0.5 ** (t / 3),
        "gamma ** step: step_size ignored": BASE * 0.5 ** t,
        "multiplied by gamma * (step // step_size) instead of raised to the power":
            BASE * 0.5 * (t // 3)})


@pytest.mark.points(1)
def test_step_decay_with_step_size_one(submission, reference):
    """step_size=1 decays at every step: 0.1 * 0.9 ** t for t = 0..9."""
    want = _torch_trajectory(lambda o: lr_scheduler.StepLR(o, step_size=1, gamma=0.9), 10)
    got = _learner(submission.step_decay, range(10), BASE, 1, 0.9)
    assert_close(got, want, name=TRAJECTORY, rtol=RTOL, atol=ATOL)


# -- linear decay ---------------------------------------------------------------------------

@pytest.mark.points(2)
def test_linear_decay_matches_torch_linear_lr(submission, reference):
    """linear_decay(t, 0.1, total_steps=7, final_lr=0.02) for t = 0..7 is torch's LinearLR."""
    want = _torch_trajectory(
        lambda o: lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=7), 8)
    got = _learner(submission.linear_decay, range(8), BASE, 7, 0.02)
    t = np.arange(8)
    assert_close(got, want, name=TRAJECTORY, rtol=RTOL, atol=ATOL, bugs={
        "divides by total_steps - 1: reaches final_lr one step early":
            BASE + (0.02 - BASE) * np.minimum(t, 6) / 6,
        "final_lr ignored: decays towards 0": BASE * (1 - t / 7),
        "base_lr * (1 - t/T) + final_lr: final_lr added on top instead of interpolated":
            BASE * (1 - t / 7) + 0.02,
        "the line runs from final_lr up to base_lr": 0.02 + (BASE - 0.02) * t / 7})


@pytest.mark.points(1)
def test_linear_decay_stays_at_final_lr_after_total_steps(submission, reference):
    """From step 7 to step 25, linear_decay(t, 0.1, 7, final_lr=0.02) stays at 0.02."""
    steps = range(7, 26)
    got = _learner(submission.linear_decay, steps, BASE, 7, 0.02)
    t = np.arange(7, 26)
    assert_close(got, np.full(len(t), 0.02), name="learning rate at steps 7..25 (index 0 = step 7)",
                 rtol=RTOL, atol=ATOL, bugs={
                     "the line continues past total_steps: cap the step at total_steps":
                         BASE + (0.02 - BASE) * t / 7})


# -- cosine decay ---------------------------------------------------------------------------

@pytest.mark.points(2)
def test_cosine_decay_matches_torch_cosine_annealing(submission, reference):
    """cosine_decay(t, 0.1, total_steps=7, min_lr=0.01) for t = 0..7 is CosineAnnealingLR."""
    want = _torch_trajectory(
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01), 8)
    got = _learner(submission.cosine_decay, range(8), BASE, 7, 0.01)
    t = np.arange(8)
    assert_close(got, want, name=TRAJECTORY, rtol=RTOL, atol=ATOL, bugs={
        "divides by total_steps + 1: min_lr is not reached at total_steps":
            0.01 + (BASE - 0.01) * 0.5 * (1 + np.cos(np.pi * t / 8)),
        "divides by total_steps - 1: min_lr is reached a step early":
            0.01 + (BASE - 0.01) * 0.5 * (1 + np.cos(np.pi * np.minimum(t, 6) / 6)),
        "a whole cosine period (2 * pi * t / T) instead of half of one":
            0.01 + (BASE - 0.01) * 0.5 * (1 + np.cos(2 * np.pi * t / 7)),
        "min_lr added on top: min_lr + base_lr * (1 + cos) / 2 instead of (base_lr - min_lr)":
            0.01 + BASE * 0.5 * (1 + np.cos(np.pi * t / 7)),
        "min_lr ignored: decays to 0": BASE * 0.5 * (1 + np.cos(np.pi * t / 7))})


@pytest.mark.points(2)
def test_cosine_decay_reaches_and_stays_at_min_lr(submission, reference):
    """cosine_decay(t, 0.1, 7, min_lr=0.01) is 0.01 at step 7 and every step up to 30."""
    t = np.arange(7, 31)
    got = _learner(submission.cosine_decay, range(7, 31), BASE, 7, 0.01)
    assert_close(got, np.full(len(t), 0.01), name="learning rate at steps 7..30 (index 0 = step 7)",
                 rtol=RTOL, atol=ATOL, bugs={
                     "the cosine continues past total_steps and climbs back up (that is "
                     "CosineAnnealingLR without a cap): use min(step, total_steps)":
                         0.01 + (BASE - 0.01) * 0.5 * (1 + np.cos(np.pi * t / 7)),
                     "divides by total_steps + 1: min_lr is not reached at total_steps":
                         0.01 + (BASE - 0.01) * 0.5 * (1 + np.cos(np.pi * np.minimum(t, 8) / 8))})


# -- inverse square root --------------------------------------------------------------------

@pytest.mark.points(2)
def test_inverse_sqrt_holds_then_decays(submission, reference):
    """inverse_sqrt(t, 0.1, warmup_steps=4) for t = 0..40 is 0.1 * sqrt(4 / max(t, 4))."""
    t = np.arange(41)
    want = BASE * np.sqrt(4 / np.maximum(t, 4))
    got = _learner(submission.inverse_sqrt, range(41), BASE, 4)
    with np.errstate(divide="ignore"):
        bugs = {"sqrt left out: warmup_steps / max(step, warmup_steps) decays as 1/t":
                BASE * 4 / np.maximum(t, 4),
                "(step + 1) in place of step: the decay starts one step early":
                BASE * np.sqrt(4 / np.maximum(t + 1, 4)),
                "warmup_steps / step inverted: sqrt(max(step, warmup_steps) / warmup_steps)":
                BASE * np.sqrt(np.maximum(t, 4) / 4)}
    assert_close(got, want, name=TRAJECTORY, rtol=RTOL, atol=ATOL, bugs=bugs)


# -- warm-up --------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_warmup_ramps_from_the_first_step(submission, reference):
    """with_warmup(s, 5) at t = 0..4 is s(5) * (t + 1) / 5, with s(t) = 0.1 - 0.001 t."""
    warm = submission.with_warmup(_poly(submission, [BASE, -0.001]), 5)
    t = np.arange(5)
    s = lambda step: BASE - 0.001 * step                       # noqa: E731 - the same schedule
    got = np.array([float(warm(int(step))) for step in t])
    assert_close(got, s(5) * (t + 1) / 5, name="learning rate at steps 0..4 of the warm-up",
                 rtol=RTOL, atol=ATOL, bugs={
                     "the ramp starts at 0: use (step + 1) / warmup_steps, so the first update "
                     "moves the weights": s(5) * t / 5,
                     "schedule(step) instead of schedule(warmup_steps) during the ramp":
                         s(t) * (t + 1) / 5,
                     "the ramp ends at schedule(warmup_steps) one step late: divides by "
                     "warmup_steps + 1": s(5) * (t + 1) / 6,
                     "schedule(0) instead of schedule(warmup_steps) during the ramp":
                         s(0) * (t + 1) / 5})


@pytest.mark.points(2)
def test_warmup_hands_over_to_the_schedule(submission, reference):
    """with_warmup(s, 5) at t = 5..30 is s(t) itself, with s(t) = 0.1 - 0.001 t."""
    warm = submission.with_warmup(_poly(submission, [BASE, -0.001]), 5)
    t = np.arange(5, 31)
    got = np.array([float(warm(int(step))) for step in t])
    assert_close(got, BASE - 0.001 * t, name="learning rate at steps 5..30 (index 0 = step 5)",
                 rtol=RTOL, atol=ATOL, bugs={
                     "the schedule is shifted by the warm-up: schedule(step - warmup_steps)":
                         BASE - 0.001 * (t - 5)})


@pytest.mark.points(1)
def test_warmup_of_one_step(submission, reference):
    """with_warmup(s, 1): step 0 is s(1), then s(t); s(t) = 0.05 + 0.002 t."""
    warm = submission.with_warmup(_poly(submission, [0.05, 0.002]), 1)
    t = np.arange(8)
    got = np.array([float(warm(int(step))) for step in t])
    assert_close(got, 0.05 + 0.002 * np.maximum(t, 1), name=TRAJECTORY, rtol=RTOL, atol=ATOL)


# -- defaults and speed ---------------------------------------------------------------------

@pytest.mark.points(1)
def test_default_final_and_min_lr_are_zero(submission, reference):
    """Without final_lr / min_lr, linear and cosine decay end at 0 at total_steps = 9."""
    t = np.arange(12)
    assert_close(_learner(submission.linear_decay, range(12), BASE, 9),
                 BASE * (1 - np.minimum(t, 9) / 9), name="linear_decay, " + TRAJECTORY,
                 rtol=RTOL, atol=ATOL)
    assert_close(_learner(submission.cosine_decay, range(12), BASE, 9),
                 BASE * 0.5 * (1 + np.cos(np.pi * np.minimum(t, 9) / 9)),
                 name="cosine_decay, " + TRAJECTORY, rtol=RTOL, atol=ATOL)


@pytest.mark.points(1)
def test_closed_forms_fast_enough_and_right(submission, reference):
    """Step 20 000 000 costs no more than step 0: closed forms, no loop over earlier steps."""
    # The yardstick is the reference evaluated at 1000 steps (~1 ms), so scheduling noise
    # of a few ms stays far inside 20x; replaying 10^7 earlier steps in a loop takes ~1 s.
    def reference_1000_times(fn):
        def run(step, *args):
            for t in range(step - 1000, step):
                fn(t, *args)
            return fn(step, *args)
        return run

    got, want = assert_fast_enough(submission.step_decay, reference_1000_times(reference.step_decay),
                                   20_000_000, BASE, 2, 0.9999999, max_ratio=20)
    assert_close(float(got), want, name="step_decay at step 20 000 000", rtol=RTOL, atol=ATOL)
    got, want = assert_fast_enough(submission.cosine_decay,
                                   reference_1000_times(reference.cosine_decay), 15_000_000,
                                   BASE, 20_000_000, 0.001, max_ratio=20)
    assert_close(float(got), want, name="cosine_decay at step 15 000 000", rtol=RTOL, atol=ATOL)
