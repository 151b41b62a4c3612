"""Hidden suite for the logistic_regression exercise.

Oracles, all in float64: the closed forms written out element by element with Python's math
module (sigmoid in its two overflow-free halves; the mean loss as softplus(z) - y * z with
softplus(z) = max(z, 0) + log1p(exp(-|z|)); its gradient X^T (sigmoid(z) - y) / N), and
gradient descent stepped with them. The reference is checked against torch (sigmoid,
binary_cross_entropy_with_logits, autograd, SGD) in tests/test_reference_logistic_regression.py;
torch is not imported here, where it would add seconds to every grade of this numpy exercise.
Inputs are chosen so the usual bugs show: N = 13 rows and p = 4 features (a missing 1/N is
13x), labels in {0, 1} with both classes present (a {-1, +1} formula is wrong on every 0),
logits of +-1000 (a naive exp overflows) and confidently wrong rows with |z| up to ~300 (log
of a probability gives log(0) = -inf; a clipped log gives ~28 instead of ~300). Overflow is
detected by switching numpy's overflow handling to "raise" in the learner's process for the
length of one call.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from grader.suite import LearnerError, assert_close, assert_fast_enough, worker_function

N, P = 13, 4


# -- oracles and models of known mistakes ---------------------------------------------------

def _sigmoid(z):
    """The logistic function element by element, from whichever half cannot overflow."""
    def one(v):
        if v >= 0:
            return 1.0 / (1.0 + math.exp(-v))
        e = math.exp(v)
        return e / (1.0 + e)
    z = np.asarray(z, dtype=np.float64)
    return np.array([one(float(v)) for v in z.ravel()]).reshape(z.shape)


def _loss_and_grad(w, b, X, y):
    """(loss, dw, db) of the mean binary cross-entropy with logits z = X @ w + b."""
    z = X @ w + b                                                        # (N,)
    softplus = [max(v, 0.0) + math.log1p(math.exp(-abs(v))) for v in z.tolist()]
    loss = math.fsum(sp - t * v for sp, t, v in zip(softplus, y.tolist(), z.tolist())) / len(y)
    residual = _sigmoid(z) - y                                           # (N,)
    return loss, X.T @ residual / len(y), float(residual.mean())


def _gd(X, y, lr, steps):
    """Full-batch gradient descent from zeros with the closed-form gradient."""
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, dw, db = _loss_and_grad(w, b, X, y)
        w, b = w - lr * dw, b - lr * db
    return w, b


def _data(seed, n=N, p=P, scale=1.0):
    """Separable-ish data: labels 0/1 drawn from a true logistic model, both classes present."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * scale + 0.3
    w_true = rng.uniform(-2.0, 2.0, p)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ w_true - 0.2)))).astype(np.float64)
    y[:2] = [0.0, 1.0]                                 # both classes, whatever the draw
    w = rng.standard_normal(p) * 0.7
    return X, y, w, float(rng.standard_normal())


def _loss_bugs(w, b, X, y):
    """Known loss mistakes mapped to the value each would give."""
    z = X @ w + b
    right = np.logaddexp(0.0, z) - y * z
    p = np.clip(1 / (1 + np.exp(-np.clip(z, -700, 700))), 1e-12, 1 - 1e-12)
    return {
        "summed, not averaged: divide by N": float(right.sum()),
        "labels taken as -1/+1: here they are 0/1, use log(1 + exp(z)) - y * z":
            float(np.mean(np.logaddexp(0.0, -y * z))),
        "probabilities clipped to [1e-12, 1 - 1e-12] before the log: compute from z instead":
            float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "sign flipped: the loss is minus the log-likelihood": float(-right.mean()),
    }


def _grad_bugs(w, b, X, y):
    """Known gradient mistakes mapped to the (dw, db) each would give."""
    z = X @ w + b
    r = 1 / (1 + np.exp(-z)) - y
    n = len(y)
    return {
        "dw": {"1/N missing: divide X.T @ (p - y) by N": X.T @ r,
               "sign flipped: the gradient is X.T @ (p - y) / N, not (y - p)": -X.T @ r / n,
               "labels taken as -1/+1: here they are 0/1":
                   X.T @ (-y / (1 + np.exp(y * z))) / n},
        "db": {"1/N missing: db is the mean of p - y": float(r.sum()),
               "sign flipped: db is mean(p - y)": float(-r.mean())},
    }


def _no_overflow(submission, call, what):
    """Run call() with numpy overflow raising in the learner's process; fail clearly on one."""
    seterr = worker_function(submission, "numpy.seterr")
    old = seterr(over="raise")
    try:
        return call()
    except FloatingPointError as error:
        assert isinstance(error, LearnerError)
        raise AssertionError(
            f"{what} overflowed ({error}): np.exp of a large positive number is inf. "
            f"Build the result from exp(-|z|), which is at most 1 (np.where computes both "
            f"branches, so an overflowing branch counts even when it is not chosen).") from None
    finally:
        seterr(**old)


# -- sigmoid --------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_sigmoid_values_and_shape(submission, reference):
    """sigmoid on a (3, 5) array of moderate values is 1 / (1 + exp(-z)), shape kept."""
    z = np.random.default_rng(0).uniform(-8.0, 8.0, (3, 5))
    # float64 in (0, 1): 1e-12 relative is far above rounding, far below any bug.
    assert_close(submission.sigmoid(z), _sigmoid(z), name="sigmoid(z)",
                 rtol=1e-12, atol=1e-15,
                 bugs={"exp(z) instead of exp(-z): that is sigmoid(-z)": 1 / (1 + np.exp(z))})


@pytest.mark.points(2)
def test_sigmoid_is_finite_at_plus_and_minus_1000(submission, reference):
    """sigmoid([-1000, -40, 0, 40, 1000]) is [0, 4.2e-18, 0.5, 1, 1], without NaN or overflow."""
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    got = _no_overflow(submission, lambda: submission.sigmoid(z), "sigmoid at z = +-1000")
    # Absolute accuracy is what is asked: 1e-15 accepts (1 + tanh(z/2)) / 2, which rounds
    # sigmoid(-40) ~ 4.25e-18 to 0, and still fails NaN, inf and any wrong value.
    assert_close(got, _sigmoid(z), name="sigmoid(z)", rtol=1e-12, atol=1e-15,
                 bugs={"exp(z) / (1 + exp(z)) is inf / inf = NaN at large z":
                       np.array([0.0, np.exp(-40.0) / (1 + np.exp(-40.0)), 0.5, 1.0, np.nan])})


# -- bce_loss --------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_bce_loss_is_the_mean_cross_entropy(submission, reference):
    """bce_loss on (13, 4) data with 0/1 labels is the mean of -[y log p + (1 - y) log(1 - p)]."""
    X, y, w, b = _data(1)
    want, _, _ = _loss_and_grad(w, b, X, y)
    # A mean of 13 O(1) terms in float64: 1e-10 relative covers rounding only.
    assert_close(submission.bce_loss(w, b, X, y), want, name="bce_loss", rtol=1e-10,
                 atol=1e-12, bugs=_loss_bugs(w, b, X, y))


@pytest.mark.points(2)
def test_bce_loss_is_finite_when_confidently_wrong(submission, reference):
    """Logits up to ~300 in size, several on the wrong side: the mean loss is ~37, finite, not inf."""
    X, y, w, b = _data(2, scale=1.0)
    w = w * 150.0                                     # |z| in the hundreds
    want, _, _ = _loss_and_grad(w, b, X, y)
    got = _no_overflow(submission, lambda: submission.bce_loss(w, b, X, y),
                       "bce_loss with logits of size ~300")
    from_z = "compute the loss from z, as np.logaddexp(0, z) - y * z"
    # Only NaN as a marker: an infinite expected value would match every finite answer.
    bugs = {**_loss_bugs(w, b, X, y),
            f"log of a probability that rounded to 0 or 1 gives 0 * log(0) = NaN; {from_z}": np.nan}
    # Large terms, float64: 1e-10 relative still.
    assert_close(got, want, name="bce_loss", rtol=1e-10, atol=1e-12, bugs=bugs)


@pytest.mark.points(1)
def test_bce_loss_of_the_zero_model_is_log_2(submission, reference):
    """With w = 0 and b = 0 every p is 1/2, so the mean loss is log(2) whatever the labels."""
    X, y, _, _ = _data(3)
    # Closed form: log 2, exact up to rounding.
    assert_close(submission.bce_loss(np.zeros(P), 0.0, X, y), float(np.log(2.0)),
                 name="bce_loss(0, 0)", rtol=1e-12, atol=1e-12,
                 bugs={"summed, not averaged: divide by N": float(N * np.log(2.0))})


# -- bce_grad --------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_bce_grad_dw(submission, reference):
    """dw on (13, 4) data is X^T (sigmoid(z) - y) / N, the gradient of the mean loss."""
    X, y, w, b = _data(4)
    _, want_dw, _ = _loss_and_grad(w, b, X, y)
    got = submission.bce_grad(w, b, X, y)
    # float64 gradients of size ~0.1: 1e-10 relative covers rounding only.
    assert_close(got[0], want_dw, name="dw", rtol=1e-10, atol=1e-12,
                 bugs=_grad_bugs(w, b, X, y)["dw"])


@pytest.mark.points(2)
def test_bce_grad_db(submission, reference):
    """db on (13, 4) data is the mean of sigmoid(z) - y."""
    X, y, w, b = _data(5)
    _, _, want_db = _loss_and_grad(w, b, X, y)
    got = submission.bce_grad(w, b, X, y)
    assert_close(got[1], want_db, name="db", rtol=1e-10, atol=1e-12,
                 bugs=_grad_bugs(w, b, X, y)["db"])


# -- fit_gd ----------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_fit_gd_takes_40_descent_steps(submission, reference):
    """fit_gd(X, y, lr=0.5, steps=40) on (13, 4) data equals 40 full-batch descent steps from zeros."""
    X, y, _, _ = _data(6)
    want_w, want_b = _gd(X, y, 0.5, 40)
    got = submission.fit_gd(X, y, 0.5, 40)
    # 40 steps of O(1) float64 arithmetic: rounding grows to ~1e-14; 1e-9 is ample.
    assert_close(got[0], want_w, name="w", rtol=1e-9, atol=1e-10,
                 bugs={"gradient ascent: subtract lr * grad": _gd(X, y, -0.5, 40)[0],
                       "one step too many: loop exactly `steps` times": _gd(X, y, 0.5, 41)[0]})
    assert_close(got[1], want_b, name="b", rtol=1e-9, atol=1e-10)


@pytest.mark.points(1)
def test_fit_gd_with_zero_steps_returns_zeros(submission, reference):
    """fit_gd(X, y, lr=0.3, steps=0) is the starting point: w = zeros(4), b = 0.0."""
    X, y, _, _ = _data(7)
    got = submission.fit_gd(X, y, 0.3, 0)
    # Exact.
    assert_close(got[0], np.zeros(P), name="w", atol=0.0, rtol=0.0)
    assert_close(got[1], 0.0, name="b", atol=0.0, rtol=0.0)


@pytest.mark.points(1)
def test_fit_gd_one_step_from_zero(submission, reference):
    """One step with lr = 0.3: w = -0.3 * X.T @ (1/2 - y) / N and b = -0.3 * mean(1/2 - y)."""
    X, y, _, _ = _data(8)
    got = submission.fit_gd(X, y, 0.3, 1)
    # Closed form at w = 0 (every p is 1/2), exact up to rounding.
    assert_close(got[0], -0.3 * X.T @ (0.5 - y) / N, name="w", rtol=1e-12, atol=1e-14)
    assert_close(got[1], float(-0.3 * np.mean(0.5 - y)), name="b", rtol=1e-12, atol=1e-14,
                 bugs={"b is never updated": 0.0})


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """bce_grad on (100000, 8) runs within 20x of the reference (and returns the right gradient)."""
    X, y, w, b = _data(9, n=100_000, p=8)
    # A Python loop over 100,000 rows takes ~100x the vectorised matrix product.
    got, want = assert_fast_enough(submission.bce_grad, reference.bce_grad, w, b, X, y,
                                   max_ratio=20)
    # Means over 1e5 rows in another order agree to ~1e-13.
    assert_close(got[0], want[0], name="dw of the timed call", rtol=1e-9, atol=1e-12)
    assert_close(got[1], want[1], name="db of the timed call", rtol=1e-9, atol=1e-12)
