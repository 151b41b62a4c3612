"""The gated_units reference agrees with torch's glu, silu and gelu and with autograd."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("gated_units")
F = torch.nn.functional


@pytest.mark.parametrize("shape", [(8,), (7, 6), (3, 4, 10), (2, 3, 4, 6)])
def test_forward_and_backward_match_torch(shape):
    rng = np.random.default_rng(len(shape))
    x = 2.0 * rng.standard_normal(shape)
    dout = rng.standard_normal(shape[:-1] + (shape[-1] // 2,))
    xt = torch.tensor(x, requires_grad=True)
    a, b = xt.chunk(2, dim=-1)
    out = F.glu(xt, dim=-1)
    (out * torch.tensor(dout)).sum().backward()
    for got, want in ((ref.glu(x), out), (ref.swiglu(x), a * F.silu(b)),
                      (ref.geglu(x), a * F.gelu(b))):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ref.glu_backward(x, dout), xt.grad.numpy(), rtol=1e-12,
                               atol=1e-14)


def test_saturated_gates_are_finite_and_odd_sizes_are_rejected():
    x = np.array([[1.5, -2.0, 1000.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(ref.glu(x), [[1.5, 0.0]], atol=1e-300)
        np.testing.assert_allclose(ref.swiglu(x), [[1500.0, 0.0]], atol=1e-300)
        np.testing.assert_allclose(ref.glu_backward(x, np.ones((1, 2))),
                                   [[1.0, 0.0, 0.0, 0.0]], atol=1e-300)
    for fn in (ref.glu, ref.swiglu, ref.geglu):
        with pytest.raises(ValueError):
            fn(np.zeros((3, 7)))
