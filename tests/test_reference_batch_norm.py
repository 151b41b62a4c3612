"""The batch_norm reference agrees with torch.nn.functional.batch_norm and autograd."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("batch_norm")


def torch_batch_norm(x, gamma, beta, running_mean, running_var, train, momentum, eps, dout):
    """F.batch_norm on float64 copies: out, the updated running stats, and the gradients."""
    xt, gt, bt = (torch.tensor(np.asarray(a, np.float64), requires_grad=True)
                  for a in (x, gamma, beta))
    rm, rv = torch.tensor(running_mean), torch.tensor(running_var)   # updated in place
    out = torch.nn.functional.batch_norm(xt, rm, rv, gt, bt, training=train,
                                         momentum=momentum, eps=eps)
    (out * torch.tensor(dout)).sum().backward()
    return (out.detach().numpy(), rm.numpy(), rv.numpy(), xt.grad.numpy(), gt.grad.numpy(),
            bt.grad.numpy())


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("shape, scale, momentum, eps",
                         [((6, 5), 1.0, 0.1, 1e-5), ((2, 3, 4, 5), 1.0, 0.3, 1e-5),
                          ((2, 3, 4, 5), 1e-3, 0.1, 1e-5), ((5, 4, 7), 10.0, 0.05, 0.1),
                          ((2, 1), 1.0, 0.9, 1e-5)])
def test_matches_torch_in_float64(shape, scale, momentum, eps, train):
    rng = np.random.default_rng(sum(shape) + train)
    C = shape[1]
    x = scale * rng.standard_normal(shape) + rng.standard_normal((1, C) + (1,) * (len(shape) - 2))
    gamma, beta = 1 + rng.standard_normal(C), rng.standard_normal(C)
    running_mean, running_var = rng.standard_normal(C), 0.5 + rng.random(C)
    before = running_mean.copy(), running_var.copy()
    dout = rng.standard_normal(shape)
    out, cache, new_mean, new_var = ref.batchnorm_forward(
        x, gamma, beta, running_mean, running_var, train, momentum=momentum, eps=eps)
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)
    want = torch_batch_norm(x, gamma, beta, running_mean, running_var, train, momentum, eps, dout)
    names = ("out", "running_mean", "running_var", "dx", "dgamma", "dbeta")
    for name, got, expected in zip(names, (out, new_mean, new_var, dx, dgamma, dbeta), want):
        assert got.shape == expected.shape and got.dtype == np.float64, name
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10 * max(1.0, 1 / scale),
                                   err_msg=name)
    # The arguments are left alone; the new statistics are fresh arrays.
    np.testing.assert_array_equal(running_mean, before[0])
    np.testing.assert_array_equal(running_var, before[1])
    assert new_mean is not running_mean and new_var is not running_var
