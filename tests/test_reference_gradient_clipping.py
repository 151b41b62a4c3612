"""The gradient_clipping reference agrees with torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference

ref = load_reference("gradient_clipping")


def _as_params(grads):
    """Parameters whose .grad are float64 copies of grads, for torch's clipping functions."""
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("scale, max_norm", [(1.0, 2.0), (1.0, 100.0), (1e-6, 2e-6),
                                             (1e-3, 1e-3), (0.0, 1.0)])
def test_global_norm_matches_torch(scale, max_norm):
    rng = np.random.default_rng(int(max_norm * 10))
    grads = [scale * rng.standard_normal(shape) for shape in [(3, 4), (4,), (2, 3, 5)]]
    before = [g.copy() for g in grads]
    clipped, total = ref.clip_by_global_norm(grads, max_norm)
    params = _as_params(grads)
    want_total = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
    assert isinstance(total, float)
    np.testing.assert_allclose(total, want_total, rtol=1e-12, atol=0)
    for got, p, g, g0 in zip(clipped, params, grads, before):
        assert got.shape == g.shape and got.dtype == g.dtype and got is not g
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-12, atol=0)
        np.testing.assert_array_equal(g, g0)           # the inputs are left as they were


def test_global_norm_keeps_float32():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(shape).astype(np.float32) for shape in [(5, 3), (3,)]]
    clipped, _ = ref.clip_by_global_norm(grads, 0.5)
    params = _as_params(grads)
    torch.nn.utils.clip_grad_norm_(params, 0.5)
    for got, p in zip(clipped, params):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_by_value_matches_torch():
    rng = np.random.default_rng(1)
    grads = [3 * rng.standard_normal(shape) for shape in [(4, 6), (6,)]]
    before = [g.copy() for g in grads]
    clipped = ref.clip_by_value(grads, 0.7)
    params = _as_params(grads)
    torch.nn.utils.clip_grad_value_(params, 0.7)
    for got, p, g, g0 in zip(clipped, params, grads, before):
        np.testing.assert_array_equal(got, p.grad.numpy())
        np.testing.assert_array_equal(g, g0)
