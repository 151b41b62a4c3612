"""The knn reference agrees with a brute-force k-NN written from the definition (torch distances)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("knn")


def brute_force(X_train, y_train, X_test, k, metric):
    a, b = torch.tensor(X_test), torch.tensor(X_train)
    if metric == "euclidean":
        dist = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")
    else:
        dist = 1 - torch.nn.functional.cosine_similarity(a[:, None], b[None], dim=-1)
    out = []
    for row in dist.numpy():
        order = sorted(range(len(row)), key=lambda j: (row[j], j))[:k]
        counts = Counter(int(y_train[j]) for j in order)
        out.append(min(label for label, c in counts.items() if c == max(counts.values())))
    return np.array(out)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("k", [1, 2, 5, 10])
def test_matches_brute_force_on_random_data(metric, k):
    rng = np.random.default_rng(k)
    X_train, X_test = rng.standard_normal((50, 3)), rng.standard_normal((17, 3))
    y_train = rng.choice([0, 3, 4, 9], 50)
    got = ref.knn_predict(X_train, y_train, X_test, k, metric=metric)
    assert got.shape == (17,) and got.dtype.kind == "i"
    np.testing.assert_array_equal(got, brute_force(X_train, y_train, X_test, k, metric))


@pytest.mark.parametrize("k", [1, 3, 4, 8])
def test_matches_brute_force_with_exact_ties(k):
    rng = np.random.default_rng(100 + k)
    X_train = rng.integers(-2, 3, (40, 2)).astype(float)
    X_test = rng.integers(-2, 3, (25, 2)).astype(float)
    y_train = rng.choice([1, 2, 6], 40)
    np.testing.assert_array_equal(ref.knn_predict(X_train, y_train, X_test, k),
                                  brute_force(X_train, y_train, X_test, k, "euclidean"))


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError):
        ref.knn_predict(np.ones((3, 2)), np.zeros(3, int), np.ones((1, 2)), 1, metric="l1")
