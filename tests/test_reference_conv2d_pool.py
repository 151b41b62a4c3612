"""The conv2d_pool reference agrees with F.conv2d, F.max_pool2d and autograd in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("conv2d_pool")
F = torch.nn.functional


@pytest.mark.parametrize("x_shape, w_shape, stride, padding",
                         [((2, 3, 7, 6), (4, 3, 3, 2), 1, 0), ((2, 3, 7, 8), (4, 3, 3, 2), 2, 1),
                          ((1, 2, 8, 9), (3, 2, 3, 3), 3, 2), ((3, 1, 5, 5), (2, 1, 1, 1), 1, 0),
                          ((2, 2, 4, 6), (5, 2, 4, 6), 1, 0)])
def test_conv_matches_torch(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(sum(x_shape) + stride)
    x, w, b = (rng.standard_normal(s) for s in (x_shape, w_shape, w_shape[:1]))
    out, cache = ref.conv2d_forward(x, w, b, stride, padding)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    want = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    dout = rng.standard_normal(want.shape)
    (want * torch.tensor(dout)).sum().backward()
    np.testing.assert_allclose(out, want.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, expected in zip(ref.conv2d_backward(dout, cache), (xt.grad, wt.grad, bt.grad)):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape, size, stride, ties",
                         [((2, 3, 9, 7), 2, 2, False), ((2, 3, 8, 6), 2, 2, True),
                          ((2, 2, 6, 7), 3, 1, True), ((1, 2, 8, 7), 3, 2, True)])
def test_maxpool_matches_torch_including_ties_and_overlaps(shape, size, stride, ties):
    rng = np.random.default_rng(sum(shape) + size)
    x = rng.integers(0, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    out, cache = ref.maxpool2d_forward(x, size, stride)
    xt = torch.tensor(x, requires_grad=True)
    want = F.max_pool2d(xt, size, stride)
    dout = rng.standard_normal(want.shape)
    (want * torch.tensor(dout)).sum().backward()
    np.testing.assert_array_equal(out, want.detach().numpy())
    np.testing.assert_allclose(ref.maxpool2d_backward(dout, cache), xt.grad.numpy(),
                               rtol=1e-12, atol=1e-12)
