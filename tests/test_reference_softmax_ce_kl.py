"""The softmax_ce_kl reference agrees with torch's softmax, log_softmax, cross_entropy and kl_div."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import load_reference


ref = load_reference("softmax_ce_kl")


@pytest.mark.parametrize("shape, axis, scale", [((6, 4), -1, 1.0), ((3, 5, 4), 1, 3.0),
                                                ((3, 5, 4), 0, 1.0), ((7,), 0, 500.0),
                                                ((2, 9), -1, 1000.0)])
def test_softmax_and_log_softmax_match_torch(shape, axis, scale):
    z = scale * np.random.default_rng(len(shape) + axis).standard_normal(shape)
    zt = torch.tensor(z)
    np.testing.assert_allclose(ref.softmax(z, axis=axis), torch.softmax(zt, dim=axis).numpy(),
                               rtol=1e-10, atol=1e-300)
    want = F.log_softmax(zt, dim=axis).numpy()
    got = ref.log_softmax(z, axis=axis)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, c, scale", [(6, 4, 1.0), (1, 3, 1.0), (50, 10, 800.0)])
def test_cross_entropy_matches_torch(n, c, scale):
    rng = np.random.default_rng(n * c)
    logits, labels = scale * rng.standard_normal((n, c)), rng.integers(0, c, n)
    got = ref.cross_entropy(logits, labels)
    assert isinstance(got, float)
    want = F.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item()
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("zeros", [0, 1, 3])
def test_kl_divergence_matches_torch(zeros):
    rng = np.random.default_rng(zeros)
    p, q = rng.random(8), rng.random(8) + 0.01
    p[:zeros] = 0.0
    p, q = p / p.sum(), q / q.sum()
    got = ref.kl_divergence(p, q)
    assert isinstance(got, float) and got >= 0
    want = F.kl_div(torch.tensor(np.log(q)), torch.tensor(p), reduction="sum").item()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_kl_divergence_is_inf_where_q_misses_the_support_of_p():
    assert ref.kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == np.inf
    assert ref.kl_divergence(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == pytest.approx(np.log(2))
