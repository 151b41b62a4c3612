"""The activations reference agrees with torch's activations and autograd in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("activations")
F = torch.nn.functional

CASES = [("sigmoid", {}, torch.sigmoid), ("tanh", {}, torch.tanh), ("relu", {}, F.relu),
         ("leaky_relu", {}, lambda t: F.leaky_relu(t, 0.01)),
         ("leaky_relu", {"slope": 0.3}, lambda t: F.leaky_relu(t, 0.3)),
         ("elu", {}, F.elu), ("elu", {"alpha": 0.4}, lambda t: F.elu(t, 0.4)),
         ("gelu", {}, F.gelu), ("gelu", {"approximate": "none"}, F.gelu),
         ("gelu", {"approximate": "tanh"}, lambda t: F.gelu(t, approximate="tanh"))]


@pytest.mark.parametrize("name, kw, torch_fn", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_matches_torch_in_float64(name, kw, torch_fn):
    rng = np.random.default_rng(len(name))
    x = 3.0 * rng.standard_normal((4, 3, 5))
    x.ravel()[::4] = 0.0                          # the x = 0 convention is torch's too
    dout = rng.standard_normal(x.shape)
    xt = torch.tensor(x, requires_grad=True)
    y = torch_fn(xt)
    (y * torch.tensor(dout)).sum().backward()
    got_y, got_dx = ref.forward(name, x, **kw), ref.backward(name, x, dout, **kw)
    assert got_y.dtype == got_dx.dtype == np.float64
    np.testing.assert_allclose(got_y, y.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got_dx, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "gelu"])
def test_finite_and_right_at_extreme_inputs(name):
    x = np.array([-1000.0, -750.0, -40.0, 40.0, 750.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):   # no overflow, even as a warning
        y, dx = ref.forward(name, x), ref.backward(name, x, np.ones_like(x))
    xt = torch.tensor(x, requires_grad=True)
    fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu, "gelu": F.gelu}[name]
    fn(xt).sum().backward()
    np.testing.assert_allclose(y, fn(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_unknown_names_raise_value_error():
    with pytest.raises(ValueError):
        ref.forward("swish", np.zeros(3))
    with pytest.raises(ValueError):
        ref.backward("gelu", np.zeros(3), np.ones(3), approximate="fast")
