"""The gru_cell reference equals torch.nn.GRUCell with the same weights."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference

ref = load_reference("gru_cell")


def torch_gru_cell(x, h, Wx, Wh, bx, bh):
    cell = torch.nn.GRUCell(Wx.shape[0], Wh.shape[0], dtype=torch.from_numpy(x).dtype)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(Wx.T))
        cell.weight_hh.copy_(torch.from_numpy(Wh.T))
        cell.bias_ih.copy_(torch.from_numpy(bx))
        cell.bias_hh.copy_(torch.from_numpy(bh))
        return cell(torch.from_numpy(x), torch.from_numpy(h)).numpy()


@pytest.mark.parametrize("n, d, h, scale", [(3, 5, 4, 1.0), (1, 1, 1, 1.0), (7, 2, 9, 3.0),
                                            (4, 6, 5, 500.0)])
def test_matches_torch_in_float64(n, d, h, scale):
    rng = np.random.default_rng(n + d + h)
    args = (scale * rng.standard_normal((n, d)), rng.standard_normal((n, h)),
            rng.standard_normal((d, 3 * h)), rng.standard_normal((h, 3 * h)),
            rng.standard_normal(3 * h), rng.standard_normal(3 * h))
    got = ref.gru_step(*args)
    assert got.shape == (n, h) and got.dtype == np.float64
    np.testing.assert_allclose(got, torch_gru_cell(*args), rtol=1e-10, atol=1e-12)


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    args = tuple(rng.standard_normal(s).astype(np.float32)
                 for s in [(3, 5), (3, 4), (5, 12), (4, 12), (12,), (12,)])
    got = ref.gru_step(*args)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, torch_gru_cell(*args), rtol=1e-5, atol=1e-6)
