"""The pca_whitening reference agrees with torch.linalg.svd and torch.cov in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("pca_whitening")


def data(seed, n, d):
    rng = np.random.default_rng(seed)
    scales = np.linspace(4.0, 0.5, d)                       # distinct variances
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return rng.standard_normal((n, d)) * scales @ rotation.T + 10 * rng.standard_normal(d)


@pytest.mark.parametrize("n, d, k", [(9, 5, 3), (40, 6, 6), (200, 3, 1), (7, 4, 2)])
def test_pca_matches_torch_svd(n, d, k):
    X = data(n + d, n, d)
    components, variance, mean = ref.pca(X, k)
    x = torch.tensor(X)
    _, s, vh = torch.linalg.svd(x - x.mean(0), full_matrices=False)
    np.testing.assert_allclose(mean, x.mean(0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(variance, (s[:k] ** 2 / (n - 1)).numpy(), rtol=1e-9)
    assert components.shape == (k, d)
    want = vh[:k].numpy()
    signs = np.sign(np.sum(components * want, axis=1))[:, None]
    np.testing.assert_allclose(components * signs, want, atol=1e-8)


def test_whitened_training_data_has_identity_covariance():
    X = data(0, 50, 5)
    components, variance, mean = ref.pca(X, 4)
    white = ref.whiten(X, components, variance, mean)
    np.testing.assert_allclose(torch.cov(torch.tensor(white).T).numpy(), np.eye(4), atol=1e-7)
    projected = ref.pca_transform(X, components, mean)
    np.testing.assert_allclose(torch.cov(torch.tensor(projected).T).numpy(), np.diag(variance),
                               rtol=1e-9, atol=1e-9)


def test_whiten_puts_eps_inside_the_square_root():
    X = data(1, 10, 3)
    components, variance, mean = ref.pca(X, 2)
    got = ref.whiten(X, components, variance, mean, eps=0.5)
    np.testing.assert_allclose(got, (X - mean) @ components.T / np.sqrt(variance + 0.5),
                               rtol=1e-12)
