"""The group_norm reference agrees with torch.nn.functional.group_norm in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("group_norm")


@pytest.mark.parametrize("shape, groups, scale, eps",
                         [((2, 6, 4, 5), 3, 1.0, 1e-5), ((4, 6), 2, 1.0, 1e-5),
                          ((3, 5, 4, 2), 5, 1.0, 1e-5), ((3, 4, 2, 5), 1, 10.0, 1e-5),
                          ((2, 6, 2, 3), 3, 1e-3, 1e-5), ((2, 8, 7), 4, 1.0, 0.1),
                          ((1, 4, 3), 2, 1.0, 1e-5)])
def test_matches_torch_in_float64(shape, groups, scale, eps):
    rng = np.random.default_rng(sum(shape) + groups)
    offset = rng.standard_normal(shape[:2] + (1,) * (len(shape) - 2))   # per sample, channel
    x = scale * rng.standard_normal(shape) + offset
    gamma, beta = 1 + rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    got = ref.group_norm(x, groups, gamma, beta, eps=eps)
    want = torch.nn.functional.group_norm(torch.tensor(x), groups, torch.tensor(gamma),
                                          torch.tensor(beta), eps).numpy()
    assert got.shape == want.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10 * max(1.0, 1 / scale))


def test_indivisible_groups_raise_like_torch():
    x = np.ones((2, 6, 2, 1))
    with pytest.raises(ValueError):
        ref.group_norm(x, 4, np.ones(6), np.zeros(6))
    with pytest.raises((ValueError, RuntimeError)):
        torch.nn.functional.group_norm(torch.tensor(x), 4)
