"""The rnn_bptt reference agrees with torch.nn.RNN and its autograd in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference

ref = load_reference("rnn_bptt")


def torch_rnn(x, h0, Wx, Wh, b, dh_all):
    """torch.nn.RNN (tanh, batch first) with these weights: h_all and the five gradients."""
    rnn = torch.nn.RNN(Wx.shape[0], Wh.shape[0], batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(Wx.T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(Wh.T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    out, _ = rnn(xt, h0t)
    (out * torch.from_numpy(dh_all)).sum().backward()
    return (out.detach().numpy(), xt.grad.numpy(), h0t.grad[0].numpy(),
            rnn.weight_ih_l0.grad.numpy().T, rnn.weight_hh_l0.grad.numpy().T,
            rnn.bias_ih_l0.grad.numpy())


@pytest.mark.parametrize("n, t, d, h", [(3, 5, 4, 6), (1, 1, 2, 3), (2, 9, 5, 4), (4, 3, 7, 7)])
def test_matches_torch_rnn(n, t, d, h):
    rng = np.random.default_rng(n * 100 + t)
    x = rng.standard_normal((n, t, d))
    h0 = rng.standard_normal((n, h))
    Wx = rng.standard_normal((d, h)) / np.sqrt(d)
    Wh = rng.standard_normal((h, h)) / np.sqrt(h)
    b = rng.standard_normal(h)
    dh_all = rng.standard_normal((n, t, h))
    h_all, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    got = (h_all, *ref.rnn_backward(dh_all, cache))
    want = torch_rnn(x, h0, Wx, Wh, b, dh_all)
    for name, g, w in zip(("h_all", "dx", "dh0", "dWx", "dWh", "db"), got, want):
        assert g.shape == w.shape and g.dtype == np.float64, name
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=name)
