"""The margin_losses reference agrees with torch autograd in float64 (and F.soft_margin_loss)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import load_reference


ref = load_reference("margin_losses")

TORCH_LOSSES = {
    "hinge": lambda m: torch.relu(1 - m),
    "logistic": lambda m: torch.logaddexp(torch.zeros_like(m), -m),
    "exponential": lambda m: torch.exp(-m),
}


def autograd(name, y, s):
    st = torch.tensor(s, requires_grad=True)
    loss = TORCH_LOSSES[name](torch.tensor(y) * st).mean()
    loss.backward()
    return loss.item(), st.grad.numpy()


@pytest.mark.parametrize("name", sorted(TORCH_LOSSES))
@pytest.mark.parametrize("n, scale", [(7, 1.5), (1, 0.3), (50, 4.0)])
def test_matches_autograd(name, n, scale):
    rng = np.random.default_rng(n)
    y, s = rng.choice([-1.0, 1.0], n), scale * rng.standard_normal(n)
    loss, ds = getattr(ref, name)(y, s)
    want_loss, want_ds = autograd(name, y, s)
    assert isinstance(loss, float) and ds.shape == (n,) and ds.dtype == np.float64
    np.testing.assert_allclose(loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(ds, want_ds, rtol=1e-12, atol=1e-300)


def test_logistic_is_torch_soft_margin_loss():
    rng = np.random.default_rng(0)
    y, s = rng.choice([-1.0, 1.0], 9), rng.standard_normal(9)
    want = F.soft_margin_loss(torch.tensor(s), torch.tensor(y)).item()
    np.testing.assert_allclose(ref.logistic(y, s)[0], want, rtol=1e-12)


def test_hinge_slope_is_zero_at_margin_one_and_logistic_is_finite_far_out():
    _, ds = ref.hinge(np.array([1.0, -1.0]), np.array([1.0, -1.0]))
    assert (ds == 0).all()
    loss, ds = ref.logistic(np.array([1.0, -1.0]), np.array([-1000.0, 1000.0]))
    assert loss == pytest.approx(1000.0) and np.allclose(ds, [-0.5, 0.5])
