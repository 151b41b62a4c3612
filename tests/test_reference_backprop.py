"""The backprop reference agrees with torch autograd and torch's cross-entropy."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


@pytest.fixture(scope="module")
def ref():
    return load_reference("backprop")


def _t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def test_linear_backward_matches_autograd(ref):
    rng = np.random.default_rng(0)
    x, W, b, dout = rng.standard_normal((6, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4), rng.standard_normal((6, 4))
    out, cache = ref.linear_forward(x, W, b)
    dx, dW, db = ref.linear_backward(dout, cache)
    xt, Wt, bt = _t(x, True), _t(W, True), _t(b, True)
    out_t = xt @ Wt + bt
    out_t.backward(_t(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12)
    for mine, theirs in [(dx, xt), (dW, Wt), (db, bt)]:
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_relu_backward_matches_autograd_including_zero(ref):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6))
    x[0, :3] = 0.0
    dout = rng.standard_normal(x.shape)
    out, cache = ref.relu_forward(x)
    xt = _t(x, True)
    torch.relu(xt).backward(_t(dout))        # torch also takes the derivative at 0 as 0
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    np.testing.assert_array_equal(ref.relu_backward(dout, cache), xt.grad.numpy())


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_softmax_cross_entropy_matches_torch(ref, scale):
    rng = np.random.default_rng(2)
    logits, y = scale * rng.standard_normal((7, 5)), rng.integers(0, 5, size=7)
    loss, dlogits = ref.softmax_cross_entropy(logits, y)
    lt = _t(logits, True)
    loss_t = torch.nn.functional.cross_entropy(lt, torch.tensor(y))
    loss_t.backward()
    assert np.isfinite(loss) and np.isfinite(dlogits).all()
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-12)
    np.testing.assert_allclose(dlogits, lt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_two_layer_net_matches_autograd(ref):
    rng = np.random.default_rng(3)
    N, D, H, C, reg = 8, 5, 7, 3, 0.7
    X, y = rng.standard_normal((N, D)), rng.integers(0, C, size=N)
    params = {"W1": rng.standard_normal((D, H)), "b1": rng.standard_normal(H),
              "W2": rng.standard_normal((H, C)), "b2": rng.standard_normal(C)}
    loss, grads = ref.two_layer_net(X, y, params, reg)
    t = {k: _t(v, True) for k, v in params.items()}
    scores = torch.relu(_t(X) @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss_t = (torch.nn.functional.cross_entropy(scores, torch.tensor(y))
              + 0.5 * reg * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum()))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-12)
    for k in params:
        assert grads[k].shape == params[k].shape
        np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=1e-10, atol=1e-13)


def test_float32_in_float32_out(ref):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    W, b = rng.standard_normal((4, 2)).astype(np.float32), np.zeros(2, np.float32)
    out, cache = ref.linear_forward(x, W, b)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in ref.linear_backward(np.ones_like(out), cache))
    assert ref.softmax_cross_entropy(x, np.array([0, 1, 2]))[1].dtype == np.float32
    assert ref.linear_forward(x.astype(np.float64), W, b)[0].dtype == np.float64
