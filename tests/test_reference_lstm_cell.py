"""The lstm_cell reference agrees with torch.nn.LSTMCell and its autograd in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference

ref = load_reference("lstm_cell")


def torch_lstm_cell(x, h, c, Wx, Wh, b, dh_next, dc_next):
    """LSTMCell with these weights: h_next, c_next and the six gradients by autograd."""
    cell = torch.nn.LSTMCell(Wx.shape[0], Wh.shape[0], dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(Wx.T))
        cell.weight_hh.copy_(torch.from_numpy(Wh.T))
        cell.bias_ih.copy_(torch.from_numpy(b))
        cell.bias_hh.zero_()
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    h1, c1 = cell(xt, (ht, ct))
    (h1 * torch.from_numpy(dh_next) + c1 * torch.from_numpy(dc_next)).sum().backward()
    return (h1.detach().numpy(), c1.detach().numpy(), xt.grad.numpy(), ht.grad.numpy(),
            ct.grad.numpy(), cell.weight_ih.grad.numpy().T, cell.weight_hh.grad.numpy().T,
            cell.bias_ih.grad.numpy())


@pytest.mark.parametrize("n, d, h, scale", [(3, 5, 4, 1.0), (1, 1, 1, 1.0), (6, 2, 7, 3.0),
                                            (2, 4, 3, 100.0)])
def test_matches_torch_in_float64(n, d, h, scale):
    rng = np.random.default_rng(n * 10 + d)
    x = scale * rng.standard_normal((n, d))
    hc = [rng.standard_normal((n, h)) for _ in range(2)]
    Wx, Wh = rng.standard_normal((d, 4 * h)), rng.standard_normal((h, 4 * h))
    b = rng.standard_normal(4 * h)
    dh_next, dc_next = rng.standard_normal((n, h)), rng.standard_normal((n, h))
    h1, c1, cache = ref.lstm_step(x, hc[0], hc[1], Wx, Wh, b)
    got = (h1, c1, *ref.lstm_step_backward(dh_next, dc_next, cache))
    want = torch_lstm_cell(x, hc[0], hc[1], Wx, Wh, b, dh_next, dc_next)
    names = ("h_next", "c_next", "dx", "dh", "dc", "dWx", "dWh", "db")
    for name, g, w in zip(names, got, want):
        assert g.shape == w.shape, name
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=name)
