"""Hidden suite for margin_losses.

Oracle: torch autograd in float64 on the three losses written with torch built-ins
(torch.relu for the hinge, whose derivative at 0 is 0: the convention at a margin of exactly
1; torch.logaddexp for the logistic loss; torch.exp). Inputs are chosen so bugs show: about
half of the labels are -1 (so {0, 1} formulas go wrong), N = 7 (so a missing 1/N is a factor
7), margins on both sides of 1 and exactly at 1, and scores of size 1000 for overflow.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, keep_in_worker

N = 7


def _inputs(seed: int, n: int = N, scale: float = 1.5):
    """Labels in {-1, +1} (both present) and scores spread around the margin."""
    rng = np.random.default_rng(seed)
    y = rng.choice(np.array([-1.0, 1.0]), n)
    y[:2] = [-1.0, 1.0]
    return y, scale * rng.standard_normal(n)


def _torch_loss(name: str, m: torch.Tensor) -> torch.Tensor:
    return {"hinge": lambda: torch.relu(1 - m),
            "logistic": lambda: torch.logaddexp(torch.zeros_like(m), -m),
            "exponential": lambda: torch.exp(-m)}[name]()


def _oracle(name: str, y, s):
    """(mean loss, ds) by autograd in float64."""
    st = torch.tensor(np.asarray(s, np.float64), requires_grad=True)
    loss = _torch_loss(name, torch.tensor(np.asarray(y, np.float64)) * st).mean()
    loss.backward()
    return loss.item(), st.grad.numpy()


def _mistakes(name: str, y, s):
    """Known mistakes: {description: (loss, ds)} on these inputs."""
    y, s = np.asarray(y, np.float64), np.asarray(s, np.float64)
    n = len(s)
    loss, ds = _oracle(name, y, s)
    y01 = (y + 1) / 2                                   # the labels read as {0, 1}
    with np.errstate(all="ignore"):
        found = {
            "summed over the samples instead of averaged (missing 1/N in the loss and ds)":
                (loss * n, ds * n),
            "ds not divided by N (the loss is a mean, so its gradient carries 1/N)":
                (loss, ds * n),
            "sign of ds flipped: the loss DEcreases as y * s grows": (loss, -ds),
        }
        m = y * s
        if name == "hinge":
            found["ds nonzero at a margin of exactly 1: use m < 1, not m <= 1"] = (
                loss, np.where(m <= 1, -y, 0.0) / n)
            found["margin 0 instead of 1: max(0, -m) is the perceptron loss"] = (
                float(np.maximum(0, -m).mean()), np.where(m < 0, -y, 0.0) / n)
        if name == "logistic":
            found["log(1 + exp(-m)) overflows for large negative margins: use np.logaddexp(0, -m)"] = (
                float(np.log(1 + np.exp(-m)).mean()), ds)
            found["sigmoid(m) used where the derivative needs sigmoid(-m)"] = (
                loss, -y / (1 + np.exp(-m)) / n)
            found["labels taken as {0, 1}: binary cross-entropy with y in {-1, +1} is wrong"] = (
                float((np.logaddexp(0, s) - y * s).mean()), (1 / (1 + np.exp(-s)) - y) / n)
            found["labels converted to {0, 1} as (y + 1) / 2 but the margin kept y * s"] = (
                float(np.logaddexp(0, -y01 * s).mean()), ds)
        if name == "exponential":
            found["ds lacks the factor y (chain rule through m = y * s)"] = (
                loss, -np.exp(-m) / n)
    return found


def _check(submission, name: str, y, s, *, part: str = "both", rtol: float = 1e-10):
    """The learner's (loss, ds) against autograd, naming the known mistakes."""
    got = getattr(submission, name)(y, s)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(f"{name}(y, s): expected a pair (loss, ds), got "
                             f"{type(got).__name__}")
    loss, ds = _oracle(name, y, s)
    mistakes = _mistakes(name, y, s)
    if part in ("both", "loss"):
        bugs = {d: v[0] for d, v in mistakes.items() if not np.isclose(v[0], loss, rtol=1e-6)}
        assert_close(got[0], loss, name=f"{name} loss", rtol=rtol, atol=1e-12, bugs=bugs)
    if part in ("both", "ds"):
        bugs = {d: v[1] for d, v in mistakes.items() if not np.allclose(v[1], ds, rtol=1e-6)}
        assert_close(got[1], ds, name=f"{name} ds", rtol=rtol, atol=1e-12, bugs=bugs)


# -- hinge ----------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_hinge_loss_matches_torch(submission):
    """Mean hinge loss of 7 samples with margins on both sides of 1 matches torch.relu(1 - y*s).mean()."""
    y, s = _inputs(0)
    # A float64 mean of 7 terms: 1e-10 relative.
    _check(submission, "hinge", y, s, part="loss")


@pytest.mark.points(2)
def test_hinge_gradient_matches_autograd(submission):
    """ds of the mean hinge loss matches autograd: -y/N inside the margin, 0 outside."""
    y, s = _inputs(1)
    _check(submission, "hinge", y, s, part="ds")


@pytest.mark.points(2)
def test_hinge_gradient_at_margin_exactly_one(submission):
    """At a margin of exactly 1 the loss is 0 and ds is 0 (only m < 1 pushes)."""
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    s = np.array([1.0, -1.0, 0.5, 0.25, 3.0, -1.0])   # margins 1, 1, 0.5, -0.25, 3, 1
    _check(submission, "hinge", y, s)


# -- logistic -------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_logistic_loss_matches_torch(submission):
    """Mean logistic loss of 7 samples matches torch.logaddexp(0, -y*s).mean()."""
    y, s = _inputs(2)
    _check(submission, "logistic", y, s, part="loss")


@pytest.mark.points(2)
def test_logistic_gradient_matches_autograd(submission):
    """ds of the mean logistic loss matches autograd: -y * sigmoid(-y*s) / N."""
    y, s = _inputs(3)
    _check(submission, "logistic", y, s, part="ds")


@pytest.mark.points(2)
def test_logistic_is_stable_for_large_scores(submission):
    """Scores of size 800-1000 (margins -1000 to 1000): the loss is ~300, not inf; ds is finite."""
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    s = np.array([-1000.0, 800.0, 1000.0, -900.0, 0.5, 0.0])   # margins -1000, -800, 1000, 900
    # Losses of size ~300 in float64: 1e-12 relative is still ~1e4 ulps.
    _check(submission, "logistic", y, s, rtol=1e-12)


# -- exponential ----------------------------------------------------------------------------

@pytest.mark.points(2)
def test_exponential_loss_and_gradient_match_autograd(submission):
    """Mean exponential loss exp(-y*s) and its ds match autograd."""
    y, s = _inputs(4)
    _check(submission, "exponential", y, s)


# -- types and speed --------------------------------------------------------------------------

@pytest.mark.points(1)
def test_integer_labels_and_return_types(submission):
    """Integer labels (int64 -1/+1) work; each loss is a float, each ds a (N,) float64 array."""
    y, s = _inputs(5)
    y_int = y.astype(np.int64)
    for name in ("hinge", "logistic", "exponential"):
        loss, ds = getattr(submission, name)(y_int, s)
        if not isinstance(loss, (float, np.floating)):
            raise AssertionError(f"{name}: the loss should be a float, got {type(loss).__name__}")
        want_loss, want_ds = _oracle(name, y, s)
        # float64 results: 1e-10 relative.
        assert_close(ds, want_ds, name=f"{name} ds with int64 labels", rtol=1e-10, atol=1e-12)
        assert_close(loss, want_loss, name=f"{name} loss with int64 labels", rtol=1e-10,
                     atol=1e-12)


@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """The three losses on N=300000 run as fast as the reference allows (no loop over samples), and are right."""
    y, s = _inputs(6, n=300_000)
    # The inputs stay in the learner's process, so only the (N,) result travels per call.
    y_there, s_there = keep_in_worker(submission, y), keep_in_worker(submission, s)
    # Bringing the (N,) result back is taken off the learner's time, but that estimate is
    # noisy on a busy machine (milliseconds), against a few ms of reference work for the
    # hinge and exponential losses and ~15 ms for the logistic one (two logaddexp). A loop
    # over the samples with numpy calls inside is 50x (logistic) to 100x or more.
    limits = {"hinge": 40, "logistic": 20, "exponential": 40}
    for name, limit in limits.items():
        learner_fn, reference_fn = getattr(submission, name), getattr(reference, name)
        got, want = assert_fast_enough(learner_fn, lambda *_: reference_fn(y, s), y_there,
                                       s_there, max_ratio=limit)
        # The timed results must be right: float64, 1e-9 relative (a mean of 3e5 terms).
        assert_close(got[0], want[0], name=f"{name} loss of the timed call", rtol=1e-9, atol=1e-12)
        assert_close(got[1], want[1], name=f"{name} ds of the timed call", rtol=1e-9, atol=1e-15)
