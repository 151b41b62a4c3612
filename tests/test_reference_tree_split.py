"""The tree_split reference agrees with closed forms and an exhaustive search over splits."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import load_reference


ref = load_reference("tree_split")


def impurity(labels, criterion):
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    return 1 - float(p @ p) if criterion == "gini" else -sum(q * math.log2(q) for q in p)


def exhaustive(X, y, criterion):
    best = (-1, math.nan, -math.inf)
    for f in range(X.shape[1]):
        values = np.unique(X[:, f])
        for t in (values[:-1] + values[1:]) / 2:
            left = X[:, f] <= t
            gain = impurity(y, criterion) - (left.mean() * impurity(y[left], criterion)
                                             + (~left).mean() * impurity(y[~left], criterion))
            if gain > best[2] + 1e-12:
                best = (f, float(t), float(gain))
    return best


def test_impurities_closed_forms():
    assert ref.gini(np.array([0, 0, 1, 2, 2, 2])) == pytest.approx(11 / 18, rel=1e-14)
    assert ref.entropy(np.array([3, 9])) == pytest.approx(1.0, rel=1e-14)
    assert ref.entropy(np.array([1, 2, 3, 4])) == pytest.approx(2.0, rel=1e-14)
    for f in (ref.gini, ref.entropy):
        value = f(np.array([4, 4, 4]))
        assert isinstance(value, float) and value == 0.0 and math.copysign(1, value) == 1


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("seed", range(6))
def test_best_split_matches_an_exhaustive_search(criterion, seed):
    rng = np.random.default_rng(seed)
    n, p = rng.integers(5, 40), rng.integers(1, 5)
    X = rng.integers(0, rng.integers(2, 9), size=(n, p)) * 0.25 + rng.normal(size=p)
    y = rng.integers(0, 3, size=n) * 5 - 2                  # labels -2, 3, 8
    if len(np.unique(X[:, 0])) < 2:
        X[0, 0] += 1.0
    feature, threshold, gain = ref.best_split(X, y, criterion)
    want = exhaustive(X, y, criterion)
    assert isinstance(feature, int) and isinstance(threshold, float)
    assert (feature, threshold) == want[:2]
    assert gain == pytest.approx(want[2], rel=1e-10, abs=1e-12)


def test_constant_columns_are_skipped_and_ties_keep_the_first():
    X = np.array([[7.0, 1.0, 1.0], [7.0, 2.0, 2.0], [7.0, 3.0, 3.0], [7.0, 4.0, 4.0]])
    assert ref.best_split(X, np.array([0, 1, 1, 0])) == (1, 1.5, pytest.approx(1 / 6))
