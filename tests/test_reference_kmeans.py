"""The kmeans reference: k-means++ follows its law, assign/update agree with torch, kmeans
reaches Lloyd's fixed point and finds well-separated blobs."""
from __future__ import annotations

import itertools

import numpy as np
import torch

from conftest import load_reference


ref = load_reference("kmeans")


def test_kmeans_pp_second_pick_follows_squared_distances():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0], [4.0, 3.0]])
    rng = np.random.default_rng(0)
    counts = {}
    for _ in range(4000):
        seq = tuple(int(np.flatnonzero((X == c).all(1))[0]) for c in ref.kmeans_pp_init(X, 2, rng))
        counts[seq] = counts.get(seq, 0) + 1
    d2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    for i, j in itertools.permutations(range(4), 2):
        p = 0.25 * d2[i, j] / d2[i].sum()
        # 5 binomial standard errors: a correct sampler fails about once in 3 million.
        assert abs(counts.get((i, j), 0) / 4000 - p) < 5 * np.sqrt(p * (1 - p) / 4000)


def test_same_seed_same_centers_and_rows_are_distinct():
    X = np.random.default_rng(1).standard_normal((20, 3))
    a = ref.kmeans_pp_init(X, 20, np.random.default_rng(5))
    b = ref.kmeans_pp_init(X, 20, np.random.default_rng(5))
    assert np.array_equal(a, b)
    assert len({tuple(row) for row in a}) == 20


def test_assign_and_update_match_torch():
    rng = np.random.default_rng(2)
    X, C = rng.standard_normal((50, 4)), rng.standard_normal((6, 4))
    labels = ref.assign(X, C)
    np.testing.assert_array_equal(labels, torch.cdist(torch.tensor(X), torch.tensor(C)).argmin(1))
    labels[labels == 5] = 0                                # cluster 5 is now empty
    got = ref.update(X, labels, 6, C)
    for j in range(5):
        if (labels == j).any():
            np.testing.assert_allclose(got[j], X[labels == j].mean(0), rtol=1e-12)
    np.testing.assert_array_equal(got[5], C[5])


def test_kmeans_finds_blobs_and_ends_at_a_fixed_point():
    rng = np.random.default_rng(3)
    means = np.array([[0.0, 0.0], [30.0, 0.0], [0.0, 30.0], [30.0, 30.0]])
    X = np.vstack([m + rng.standard_normal((10, 2)) for m in means])
    centers, labels, inertia = ref.kmeans(X, 4, np.random.default_rng(4))
    blob_means = X.reshape(4, 10, 2).mean(1)
    order = torch.cdist(torch.tensor(blob_means), torch.tensor(centers)).argmin(1).numpy()
    np.testing.assert_allclose(centers[order], blob_means, atol=1e-12)
    np.testing.assert_array_equal(labels, ref.assign(X, centers))
    np.testing.assert_allclose(ref.update(X, labels, 4, centers), centers, atol=1e-12)
    assert isinstance(inertia, float)
    np.testing.assert_allclose(inertia, ((X - centers[labels]) ** 2).sum(), rtol=1e-12)
