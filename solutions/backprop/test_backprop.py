"""Hidden suite for the backprop exercise.

Oracles: central finite differences (``numeric_gradient``) for every gradient,
torch autograd and ``torch.nn.functional.cross_entropy`` in float64 for the
network and the loss, and the reference where a value is simply ``x @ W + b``.

Shapes are chosen so that every dimension differs (N=8, D=5, H=7, C=3 for the
net, N=6, D=5, M=4 for one layer): a missing transpose then changes a shape
instead of hiding behind a square matrix.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, numeric_gradient

N, D, M = 6, 5, 4            # one linear layer
NN, DD, HH, CC = 8, 5, 7, 3  # the two-layer net
REG = 0.7                    # large enough that every regularisation bug shows


def _layer(seed: int):
    """x (N, D), W (D, M), b (M,), dout (N, M), all float64."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, D)), rng.standard_normal((D, M)),
            rng.standard_normal(M), rng.standard_normal((N, M)))


def _net(seed: int, dtype=np.float64):
    """X (N, D), y (N,), params with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((NN, DD)).astype(dtype)
    y = rng.integers(0, CC, size=NN)
    params = {
        "W1": (0.5 * rng.standard_normal((DD, HH))).astype(dtype),
        "b1": (0.3 * rng.standard_normal(HH)).astype(dtype),
        "W2": (0.5 * rng.standard_normal((HH, CC))).astype(dtype),
        "b2": (0.3 * rng.standard_normal(CC)).astype(dtype),
    }
    return X, y, params


def _torch_net(X, y, params, reg):
    """Loss and gradients of the net by torch autograd, in float64."""
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.int64)
    scores = torch.relu(Xt @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss = torch.nn.functional.cross_entropy(scores, yt)
    loss = loss + 0.5 * reg * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    grads = torch.autograd.grad(loss, [t[k] for k in params])
    return loss.item(), {k: g.numpy() for k, g in zip(params, grads)}


def _close(got, want, *, name, bugs=None, **tolerance):
    """assert_close that also names a known mistake whose output has the wrong shape.

    assert_close only compares bug outputs of the expected shape; a missing transpose or a
    missing sum changes the shape, and that is worth naming too.
    """
    got_shape, want_shape = getattr(got, "shape", None), getattr(want, "shape", None)
    if bugs and got_shape is not None and want_shape is not None and tuple(got_shape) != tuple(want_shape):
        for description, output in bugs.items():
            if np.shape(output) == tuple(got_shape) and np.allclose(got, output, rtol=1e-5, atol=1e-8):
                raise AssertionError(f"{name}: expected shape {tuple(want_shape)}, got {tuple(got_shape)}"
                                     f"\n  likely mistake: {description}")
    assert_close(got, want, name=name, bugs=bugs, **tolerance)


# ---------------------------------------------------------------- linear layer

@pytest.mark.points(1)
def test_linear_forward_output(submission):
    """linear_forward returns x @ W + b with shape (N, M)."""
    x, W, b, _ = _layer(0)
    out, _ = submission.linear_forward(x, W, b)
    # Tolerance: one matmul in float64, summation order may differ.
    _close(out, x @ W + b, name="out", rtol=1e-10, atol=1e-12,
           bugs={"the bias b is not added": x @ W})


@pytest.mark.points(2)
def test_linear_backward_dx(submission, reference):
    """linear_backward's dx matches finite differences of sum(out * dout)."""
    x, W, b, dout = _layer(1)
    _, cache = submission.linear_forward(x, W, b)
    dx, _, _ = submission.linear_backward(dout, cache)
    want = numeric_gradient(lambda x_: np.sum(reference.linear_forward(x_, W, b)[0] * dout), x)
    # Tolerance: central differences with eps=1e-6 on a linear function are exact
    # up to rounding, about 1e-9 here.
    # (dout @ W without the transpose cannot even run here: W is (D, M) with D != M.)
    _close(dx, want, name="dx", rtol=1e-6, atol=1e-8)


@pytest.mark.points(2)
def test_linear_backward_dW(submission, reference):
    """linear_backward's dW matches finite differences and has W's shape (D, M)."""
    x, W, b, dout = _layer(2)
    _, cache = submission.linear_forward(x, W, b)
    _, dW, _ = submission.linear_backward(dout, cache)
    want = numeric_gradient(lambda W_: np.sum(reference.linear_forward(x, W_, b)[0] * dout), W)
    # Tolerance: as for dx.
    _close(dW, want, name="dW", rtol=1e-6, atol=1e-8,
           bugs={"dW is transposed: dout.T @ x has shape (M, D), use x.T @ dout": dout.T @ x,
                 "dW averaged over the batch: the rows' gradients add up, no 1/N": x.T @ dout / N})


@pytest.mark.points(2)
def test_linear_backward_db(submission, reference):
    """linear_backward's db is dout summed over the batch, shape (M,)."""
    x, W, b, dout = _layer(3)
    _, cache = submission.linear_forward(x, W, b)
    _, _, db = submission.linear_backward(dout, cache)
    want = numeric_gradient(lambda b_: np.sum(reference.linear_forward(x, W, b_)[0] * dout), b)
    # Tolerance: as for dx.
    _close(db, want, name="db", rtol=1e-6, atol=1e-8,
           bugs={"db averaged over the batch instead of summed": dout.mean(axis=0),
                 "db not summed over the batch: it must have shape (M,)": dout})


# ---------------------------------------------------------------------- ReLU

def _x_with_zeros(seed: int) -> np.ndarray:
    """(6, 5) normal values with a few entries exactly 0."""
    x = np.random.default_rng(seed).standard_normal((6, 5))
    x[::2, 1] = 0.0
    x[1, 3] = 0.0
    return x


@pytest.mark.points(1)
def test_relu_forward_output(submission):
    """relu_forward returns max(0, x), including at x == 0."""
    x = _x_with_zeros(4)
    out, _ = submission.relu_forward(x)
    # Tolerance: exact, ReLU does no arithmetic.
    _close(out, np.maximum(x, 0.0), name="out", rtol=0, atol=0,
           bugs={"returned x unchanged": x, "returned the 0/1 mask, not the values": (x > 0) * 1.0,
                 "np.max(x, 0) takes the max over axis 0; np.maximum(x, 0) is elementwise": x.max(0)})


@pytest.mark.points(2)
def test_relu_backward_is_zero_where_x_is_zero(submission):
    """relu_backward gives gradient 0 where the forward input was exactly 0."""
    x = _x_with_zeros(5)
    dout = np.random.default_rng(6).standard_normal(x.shape)
    _, cache = submission.relu_forward(x)
    dx = submission.relu_backward(dout, cache)
    # Tolerance: exact, dx is dout or 0 entry by entry.
    _close(dx, dout * (x > 0), name="dx", rtol=0, atol=0,
           bugs={"derivative taken as 1 at x == 0 (x >= 0 instead of x > 0)": dout * (x >= 0)})


@pytest.mark.points(2)
def test_relu_backward_gates_on_forward_input(submission, reference):
    """relu_backward passes dout where x > 0 and blocks it where x < 0 (finite differences)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 5))
    x[np.abs(x) < 1e-3] = 0.5           # keep away from the kink, where differences fail
    dout = rng.standard_normal(x.shape)  # both signs, so gating on dout shows
    _, cache = submission.relu_forward(x)
    dx = submission.relu_backward(dout, cache)
    want = numeric_gradient(lambda x_: np.sum(reference.relu_forward(x_)[0] * dout), x)
    # Tolerance: piecewise linear away from 0, so differences are exact up to rounding.
    _close(dx, want, name="dx", rtol=1e-6, atol=1e-8,
           bugs={"gated on the sign of dout instead of the forward input x": dout * (dout > 0),
                 "multiplied by sign(x): the derivative for x < 0 is 0, not -1": dout * np.sign(x),
                 "returned dout unchanged (no gating)": dout})


# ------------------------------------------------------- softmax cross-entropy

def _logits(seed: int, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((NN, CC + 2)), rng.integers(0, CC + 2, size=NN)


@pytest.mark.points(2)
def test_softmax_cross_entropy_loss(submission):
    """softmax_cross_entropy's loss is the mean cross-entropy (matches torch)."""
    logits, y = _logits(8)
    loss, _ = submission.softmax_cross_entropy(logits, y)
    want = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    # Tolerance: float64 log-sum-exp, a few ulps apart at most.
    _close(loss, want, name="loss", rtol=1e-10, atol=1e-12, check_dtype=False,
           bugs={"loss summed over the batch instead of averaged": want * NN})


@pytest.mark.points(2)
def test_softmax_cross_entropy_gradient(submission, reference):
    """softmax_cross_entropy's dlogits matches finite differences of the loss."""
    logits, y = _logits(9)
    _, dlogits = submission.softmax_cross_entropy(logits, y)
    want = numeric_gradient(lambda z: reference.softmax_cross_entropy(z, y)[0], logits)
    # Tolerance: central differences on a smooth function, error about 1e-10.
    _close(dlogits, want, name="dlogits", rtol=1e-5, atol=1e-8,
           bugs={"gradient not divided by N (the loss is a mean over the batch)": want * NN})


@pytest.mark.points(2)
def test_softmax_cross_entropy_huge_logits(submission, reference):
    """softmax_cross_entropy stays finite and correct for logits around 1e4."""
    logits, y = _logits(10, scale=1e4)
    loss, dlogits = submission.softmax_cross_entropy(logits, y)
    if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(dlogits))):
        raise AssertionError(
            f"loss or dlogits is not finite for logits of size 1e4 (loss = {loss!r})\n"
            "  likely mistake: softmax without subtracting each row's max first (exp overflows)")
    want_loss = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    _, want_grad = reference.softmax_cross_entropy(logits, y)
    # Tolerance: the loss is ~1e4, so relative 1e-10 is a few ulps of float64.
    _close(loss, want_loss, name="loss", rtol=1e-10, atol=1e-8, check_dtype=False)
    _close(dlogits, want_grad, name="dlogits", rtol=1e-7, atol=1e-12)


# ------------------------------------------------------------- two-layer net

@pytest.mark.points(3)
def test_two_layer_net_loss_with_reg(submission):
    """two_layer_net's loss is mean cross-entropy + 0.5 * reg * (sum W1^2 + sum W2^2)."""
    X, y, params = _net(11)
    loss, _ = submission.two_layer_net(X, y, params, REG)
    want, _ = _torch_net(X, y, params, REG)
    w2 = np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)
    b2 = np.sum(params["b1"] ** 2) + np.sum(params["b2"] ** 2)
    data = want - 0.5 * REG * w2
    # Tolerance: float64 throughout, summation order only.
    _close(loss, want, name="loss", rtol=1e-9, atol=1e-12, check_dtype=False,
           bugs={"regularisation loss without the 0.5: reg * sum(W**2)": want + 0.5 * REG * w2,
                 "the biases are regularised too": want + 0.5 * REG * b2,
                 "regularisation term missing from the loss": data,
                 "cross-entropy summed over the batch instead of averaged": data * NN + 0.5 * REG * w2})


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
@pytest.mark.points(1)
def test_two_layer_net_gradients_with_reg(submission, key):
    """two_layer_net's gradient for one parameter matches torch autograd (reg > 0)."""
    X, y, params = _net(12)
    _, grads = submission.two_layer_net(X, y, params, REG)
    _, want = _torch_net(X, y, params, REG)
    assert isinstance(grads, dict) and key in grads, f"grads must be a dict with key {key!r}"
    p = params[key]
    if key.startswith("W"):
        bugs = {"regularisation gradient missing (add reg * W)": want[key] - REG * p,
                "regularisation gradient doubled: d/dW of 0.5*reg*W**2 is reg*W": want[key] + REG * p}
    else:
        bugs = {"the biases are regularised: they must not be": want[key] + REG * p}
    # Tolerance: float64 throughout, summation order only.
    _close(grads[key], want[key], name=f"grads[{key!r}]", rtol=1e-8, atol=1e-11, bugs=bugs)


@pytest.mark.points(3)
def test_two_layer_net_without_reg(submission, reference):
    """two_layer_net with the default reg=0 matches finite differences for every parameter."""
    X, y, params = _net(13)
    loss, grads = submission.two_layer_net(X, y, params)
    want_loss, _ = reference.two_layer_net(X, y, params)
    _close(loss, want_loss, name="loss", rtol=1e-9, atol=1e-12, check_dtype=False)
    for key in ("W1", "b1", "W2", "b2"):
        def f(p, key=key):
            return reference.two_layer_net(X, y, {**params, key: p})[0]
        want = numeric_gradient(f, params[key])
        # Tolerance: central differences through ReLU kinks that are far from 0.
        _close(grads[key], want, name=f"grads[{key!r}]", rtol=1e-5, atol=1e-8)


@pytest.mark.points(1)
def test_float32_inputs_stay_float32(submission, reference):
    """With float32 inputs, every output stays float32 (and the gradients match to 1e-4)."""
    X, y, params = _net(14, dtype=np.float32)
    out, cache = submission.linear_forward(X, params["W1"], params["b1"])
    dout = np.ones_like(out)
    dx, dW, db = submission.linear_backward(dout, cache)
    r, rc = submission.relu_forward(out)
    dr = submission.relu_backward(dout, rc)
    _, dlogits = submission.softmax_cross_entropy(out, y)
    _, grads = submission.two_layer_net(X, y, params, REG)
    _, want = reference.two_layer_net(X, y, params, REG)
    for name, arr in [("out", out), ("dx", dx), ("dW", dW), ("db", db), ("relu out", r),
                      ("relu dx", dr), ("dlogits", dlogits)]:
        assert np.asarray(arr).dtype == np.float32, f"{name} is {np.asarray(arr).dtype}, expected float32"
    for key in want:
        # Tolerance: float32 has about 7 significant digits.
        _close(grads[key], want[key], name=f"grads[{key!r}]", rtol=1e-4, atol=1e-5)


@pytest.mark.points(1)
def test_two_layer_net_fast_enough(submission, reference):
    """two_layer_net is vectorised: at most 20x slower than the reference (N=5000)."""
    rng = np.random.default_rng(15)
    # Many rows, few features: a Python loop over the rows costs far more than the
    # vectorised arithmetic, so the ratio shows it.
    n, d, h, c = 5000, 6, 8, 4
    X = rng.standard_normal((n, d))
    y = rng.integers(0, c, size=n)
    params = {"W1": 0.1 * rng.standard_normal((d, h)), "b1": np.zeros(h),
              "W2": 0.1 * rng.standard_normal((h, c)), "b2": np.zeros(c)}
    submission.two_layer_net(X, y, params, 0.1)       # warm up both before timing
    reference.two_layer_net(X, y, params, 0.1)
    got, want = assert_fast_enough(submission.two_layer_net, reference.two_layer_net, X, y,
                                   params, 0.1, max_ratio=20, repeat=5)
    # The point counts only when the timed call was right (loss and gradients).
    assert_close(got, want, name="two_layer_net's (loss, grads) in the timed call",
                 rtol=1e-7, atol=1e-10)
