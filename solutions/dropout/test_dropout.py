"""Hidden suite for the dropout exercise.

Dropout is random, so its draws are judged by their law, never by matching the reference's
random numbers: the keep rate over 60 000 elements (a 5-standard-error band of +-0.01 around
1 - p), the spread of per-row and per-column keep rates (independent elements), the mean of
the output (inverted dropout keeps E[out] = x). What is not random is checked exactly: a
kept element is x / (1 - p) and a dropped one is 0, backward drops the same elements as the
forward pass did, evaluation is the identity, and p = 1 gives zeros, not NaN.

p = 0.3 throughout the training tests: then p, 1 - p and 0.5 are far apart, so "p used as the
keep probability" and "scaled by 1 / p" show at once.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from grader.suite import assert_close, assert_fast_enough, assert_rate, worker_function

P = 0.3
SHAPE = (200, 300)         # 60 000 elements; rows and columns of different lengths


def _x(seed, shape=SHAPE):
    """x with no zeros (|x| >= 0.5), so out == 0 means dropped; and dout, also without zeros."""
    rng = np.random.default_rng(seed)
    sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    x = sign * (0.5 + rng.random(shape))
    dout = np.where(rng.random(shape) < 0.5, -1.0, 1.0) * (0.5 + rng.random(shape))
    return x, dout


def _rng(submission, seed):
    """np.random.default_rng(seed), made in the learner's process (a Generator cannot cross)."""
    return worker_function(submission, "numpy.random.default_rng")(seed)


def _train(submission, x, p=P, seed=0):
    """The learner's training forward pass with a fresh Generator(seed)."""
    return submission.dropout_forward(x, p, True, _rng(submission, seed))


def _kept(out):
    """Which elements survived, read off the output (x has no zeros)."""
    return np.asarray(out) != 0


# -- evaluation mode ------------------------------------------------------------------------

@pytest.mark.points(2)
def test_evaluation_mode_is_the_identity(submission, reference):
    """train=False returns x unchanged: no dropping and no scaling at evaluation time."""
    x, _ = _x(1, (7, 5))
    out, _ = submission.dropout_forward(x, 0.5, False, _rng(submission, 1))
    # Exact up to rounding: nothing is computed.
    assert_close(out, x, name="out (train=False, p=0.5)", rtol=1e-12, atol=0,
                 bugs={"scaled by 1 - p at evaluation time: with inverted dropout the scaling "
                       "happens in training, and evaluation is the identity": x * 0.5,
                       "scaled by 1 / (1 - p) at evaluation time": x / 0.5})


@pytest.mark.points(1)
def test_evaluation_backward_passes_dout_unchanged(submission, reference):
    """After a train=False forward, backward with that mask returns dout unchanged."""
    x, dout = _x(2, (7, 5))
    _, mask = submission.dropout_forward(x, 0.5, False, _rng(submission, 2))
    dx = submission.dropout_backward(dout, mask, 0.5)
    assert_close(dx, dout, name="dx after a train=False forward", rtol=1e-12, atol=0,
                 bugs={"scaled by 1 / (1 - p) after an evaluation forward: nothing was dropped, "
                       "so nothing is scaled": dout / 0.5, "scaled by 1 - p": dout * 0.5})


@pytest.mark.points(1)
def test_p_zero_in_training_is_the_identity(submission, reference):
    """p=0 with train=True keeps every element unscaled, forward and backward."""
    x, dout = _x(3, (7, 5))
    out, mask = _train(submission, x, p=0.0, seed=3)
    assert_close(out, x, name="out (p=0)", rtol=1e-12, atol=0)
    assert_close(submission.dropout_backward(dout, mask, 0.0), dout, name="dx (p=0)",
                 rtol=1e-12, atol=0)


# -- the training forward pass ----------------------------------------------------------------

@pytest.mark.points(3)
def test_keep_rate_is_one_minus_p(submission, reference):
    """With p=0.3, about 70% of 60 000 elements survive (p is the DROP probability)."""
    x, _ = _x(4)
    out, _ = _train(submission, x, seed=4)
    # 5 standard errors of a rate over 60 000 flips: +-0.0094.
    assert_rate(_kept(out), rate=1 - P, name="fraction of elements kept (p=0.3)",
                bugs={"p used as the keep probability: p is the probability of dropping":
                      P, "nothing dropped in training": 1.0})


@pytest.mark.points(2)
def test_survivors_are_scaled_by_one_over_keep_probability(submission, reference):
    """Every kept element is exactly x / (1 - p) and every dropped one exactly 0."""
    x, _ = _x(5, (40, 30))
    out = np.asarray(_train(submission, x, seed=5)[0], dtype=np.float64)
    kept = _kept(out)
    if not kept.any():
        raise AssertionError("out is all zeros with p=0.3: nothing was kept")
    # Where the learner kept x, the value must be x / 0.7: 1e-12 relative is rounding only.
    assert_close(out[kept], x[kept] / (1 - P), name="the kept elements of out", rtol=1e-12,
                 atol=0, bugs={"survivors not scaled: inverted dropout divides them by 1 - p":
                               x[kept], "survivors multiplied by 1 - p instead of divided":
                               x[kept] * (1 - P), "survivors divided by p instead of by 1 - p":
                               x[kept] / P})


@pytest.mark.points(1)
def test_mean_output_equals_mean_input(submission, reference):
    """Inverted dropout keeps the expectation: the mean of out over 60 000 ones is about 1."""
    ones = np.ones(SHAPE)
    out = np.asarray(_train(submission, ones, seed=6)[0], dtype=np.float64)
    # Each out is 1/(1-p) w.p. 1-p and 0 otherwise: std sqrt(p/(1-p)) ~ 0.65; 5 standard
    # errors of the mean over 60 000 values is +-0.013.
    band = 5 * math.sqrt(P / (1 - P) / ones.size)
    mean = float(out.mean())
    if abs(mean - 1.0) > band:
        hint = ""
        if abs(mean - (1 - P)) <= band:
            hint = "\n  likely mistake: the survivors are not scaled by 1 / (1 - p)"
        elif abs(mean - (1 - P) ** 2) <= band:
            hint = "\n  likely mistake: the survivors are multiplied by 1 - p instead of divided"
        raise AssertionError(f"mean of out over {ones.size} ones: {mean:.4f}, expected 1 "
                             f"(±{band:.4f}){hint}")


@pytest.mark.points(2)
def test_each_element_is_dropped_independently(submission, reference):
    """Keep rates of the 200 rows and of the 300 columns vary as independent coin flips do."""
    x, _ = _x(7)
    kept = _kept(_train(submission, x, seed=7)[0])
    for axis, along in ((1, "row"), (0, "column")):
        rates = kept.mean(axis=axis)                      # one rate per row (or column)
        flips = kept.shape[axis]
        expected = P * (1 - P) / flips                    # binomial variance of one rate
        ratio = float(rates.var(ddof=1)) / expected
        # With 200 or 300 rates the sample variance is within +-50% of its expectation
        # far beyond 5 standard errors (relative std error sqrt(2/199) = 0.10).
        if not 0.5 <= ratio <= 1.5:
            why = f"the {along}s' keep rates are too alike: is one mask shared by every {along}?"
            if ratio > 1.5:
                why = (f"whole {along}s are kept or dropped together: draw one random number "
                       f"per element, with the shape of x")
            raise AssertionError(f"the keep rates of the {kept.shape[1 - axis]} {along}s "
                                 f"vary {ratio:.2f} times as much as independent coin flips "
                                 f"would\n  likely mistake: {why}")


@pytest.mark.points(1)
def test_mask_marks_the_kept_elements(submission, reference):
    """In training, mask is shaped like x and True exactly where out kept x."""
    x, _ = _x(8, (6, 9))
    out, mask = _train(submission, x, seed=8)
    if mask is None or np.shape(mask) != x.shape:
        raise AssertionError(f"mask: expected an array of shape {x.shape} in training, got "
                             f"{None if mask is None else np.shape(mask)}")
    assert_close(np.asarray(mask).astype(bool), _kept(out), name="mask (as booleans)",
                 rtol=0, atol=0, check_dtype=False)


@pytest.mark.points(2)
def test_uses_the_given_rng(submission, reference):
    """The same seed gives the same mask, and two calls on one Generator give different ones."""
    x, _ = _x(9, (20, 30))
    first = _kept(_train(submission, x, seed=11)[0])
    again = _kept(_train(submission, x, seed=11)[0])
    if not np.array_equal(first, again):
        raise AssertionError("two calls with np.random.default_rng(11) dropped different "
                             "elements\n  likely mistake: the mask is drawn from np.random's "
                             "global state (or a Generator of your own); draw it from rng")
    rng = _rng(submission, 12)
    one = _kept(submission.dropout_forward(x, P, True, rng)[0])
    two = _kept(submission.dropout_forward(x, P, True, rng)[0])
    if np.array_equal(one, two):
        raise AssertionError("two calls on the same Generator dropped the same elements\n"
                             "  likely mistake: a Generator created with a fixed seed inside "
                             "dropout_forward; draw from the rng argument")


# -- backward -------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_backward_reuses_the_forward_mask(submission, reference):
    """dx is dout / (1 - p) where the forward pass kept x and 0 where it dropped it."""
    x, dout = _x(10, (40, 30))
    out, mask = _train(submission, x, seed=10)
    kept = _kept(out)
    dx = submission.dropout_backward(dout, mask, P)
    want = np.where(kept, dout / (1 - P), 0.0)
    leaked = int(np.count_nonzero(np.asarray(dx)[~kept])) if np.shape(dx) == x.shape else 0
    if leaked and np.count_nonzero(np.asarray(dx)[kept] == 0):
        raise AssertionError(
            f"dx (p=0.3): {leaked} elements the forward pass dropped get a gradient, and some it "
            f"kept get none\n  likely mistake: backward drops a different set of elements; "
            f"reuse the forward pass's mask instead of drawing a new one")
    # Exact but for rounding: 1e-12 relative.
    with np.errstate(divide="ignore"):
        bugs = {"dx not scaled by 1 / (1 - p): the forward's scale applies to the gradient "
                "too": np.where(kept, dout, 0.0),
                "dx scaled twice: is the mask already scaled by 1 / (1 - p)?":
                np.where(kept, dout / (1 - P) ** 2, 0.0),
                "dout returned unchanged: the dropped elements get no gradient": dout}
    assert_close(dx, want, name="dx (p=0.3)", rtol=1e-12, atol=0, bugs=bugs)


@pytest.mark.points(2)
def test_p_one_drops_everything_without_nan(submission, reference):
    """p=1 gives all-zero out and dx, with no NaN or division by zero."""
    x, dout = _x(13, (7, 5))
    out, mask = _train(submission, x, p=1.0, seed=13)
    assert_close(out, np.zeros_like(x), name="out (p=1)", rtol=0, atol=0)
    assert_close(submission.dropout_backward(dout, mask, 1.0), np.zeros_like(dout),
                 name="dx (p=1)", rtol=0, atol=0)


@pytest.mark.points(1)
def test_p_outside_zero_one_raises_value_error(submission, reference):
    """p = -0.1 and p = 1.5 raise ValueError."""
    x, _ = _x(14, (3, 4))
    for p in (-0.1, 1.5):
        # Another exception type fails the test with the learner's traceback.
        with pytest.raises(ValueError):
            submission.dropout_forward(x, p, True, _rng(submission, 14))


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """Forward on 250 000 elements is vectorised, and its output is a valid dropout of x."""
    x, _ = _x(15, (500, 500))
    # The two sides draw from their own Generators, so their masks differ: the learner's
    # output is checked for being a dropout of x, not against the reference's.
    def reference_forward(x, p, train, _learner_rng):
        return reference.dropout_forward(x, p, train, np.random.default_rng(15))

    got, _ = assert_fast_enough(submission.dropout_forward, reference_forward, x, P, True,
                                _rng(submission, 15), max_ratio=20)
    out = np.asarray(got[0], dtype=np.float64)
    kept = _kept(out)
    assert_close(out, np.where(kept, x / (1 - P), 0.0), name="out of the timed call",
                 rtol=1e-12, atol=0)
    assert_rate(kept, rate=1 - P, name="fraction kept in the timed call")
