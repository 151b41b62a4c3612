"""The layer_norm reference agrees with torch.nn.functional.layer_norm and autograd."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("layer_norm")


def torch_layer_norm(x, gamma, beta, dout, eps):
    """F.layer_norm on float64 copies, and (dx, dgamma, dbeta) from autograd."""
    xt, gt, bt = (torch.tensor(np.asarray(a, np.float64), requires_grad=True)
                  for a in (x, gamma, beta))
    out = torch.nn.functional.layer_norm(xt, (xt.shape[-1],), gt, bt, eps)
    (out * torch.tensor(np.asarray(dout, np.float64))).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("shape, scale, eps",
                         [((7, 5), 1.0, 1e-5), ((4, 3, 5), 1.0, 1e-5), ((4, 3, 5), 1e-3, 1e-5),
                          ((2, 3, 4, 6), 10.0, 1e-5), ((6, 5), 0.3, 0.1), ((1, 1), 1.0, 1e-5)])
def test_matches_torch_in_float64(shape, scale, eps):
    rng = np.random.default_rng(sum(shape))
    x = scale * rng.standard_normal(shape)
    gamma, beta = 1 + rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    dout = rng.standard_normal(shape)
    out, cache = ref.layer_norm_forward(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = ref.layer_norm_backward(dout, cache)
    want = torch_layer_norm(x, gamma, beta, dout, eps)
    for name, got, expected in zip(("out", "dx", "dgamma", "dbeta"), (out, dx, dgamma, dbeta), want):
        assert got.shape == expected.shape and got.dtype == np.float64, name
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10 * max(1.0, 1 / scale),
                                   err_msg=name)


def test_float32_stays_float32_and_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5)).astype(np.float32)
    gamma = (1 + rng.standard_normal(5)).astype(np.float32)
    beta = rng.standard_normal(5).astype(np.float32)
    dout = rng.standard_normal((4, 3, 5)).astype(np.float32)
    out, cache = ref.layer_norm_forward(x, gamma, beta)
    grads = ref.layer_norm_backward(dout, cache)
    want = torch_layer_norm(x, gamma, beta, dout, 1e-5)
    for got, expected in zip((out, *grads), want):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_integer_input_is_computed_in_float64():
    out, _ = ref.layer_norm_forward(np.arange(10).reshape(2, 5), np.ones(5), np.zeros(5))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-12)
