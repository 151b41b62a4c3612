"""The positional_encoding reference agrees with the formula evaluated in torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("positional_encoding")


def torch_table(max_len: int, d_model: int, base: float) -> np.ndarray:
    """The usual torch construction (exp/log frequencies), extended to odd d_model."""
    position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)  # (L, 1)
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float64)
                    * (-torch.log(torch.tensor(base, dtype=torch.float64)) / d_model))
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(position * div)
    pe[:, 1::2] = torch.cos(position * div[: d_model // 2])
    return pe.numpy()


@pytest.mark.parametrize("max_len, d_model, base",
                         [(13, 8, 1e4), (9, 7, 1e4), (50, 6, 1e4), (3, 10, 1e4), (12, 10, 100.0),
                          (1001, 16, 1e4)])
def test_matches_torch_construction(max_len, d_model, base):
    ours = ref.sinusoidal_positional_encoding(max_len, d_model, base)
    assert ours.shape == (max_len, d_model) and ours.dtype == np.float64
    np.testing.assert_allclose(ours, torch_table(max_len, d_model, base), rtol=1e-9, atol=1e-10)


def test_row_zero_and_first_pair():
    pe = ref.sinusoidal_positional_encoding(20, 7)
    np.testing.assert_array_equal(pe[0], [0, 1, 0, 1, 0, 1, 0])
    p = np.arange(20.0)
    np.testing.assert_allclose(pe[:, 0], np.sin(p), atol=1e-15)
    np.testing.assert_allclose(pe[:, 1], np.cos(p), atol=1e-15)
