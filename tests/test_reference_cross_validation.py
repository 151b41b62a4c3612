"""The cross_validation reference agrees with the spec's folds and a direct computation."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import load_reference
from grader import callbacks


ref = load_reference("cross_validation")


@pytest.mark.parametrize("n, k, seed", [(23, 5, 0), (20, 4, 1), (7, 7, 2), (10, 3, 3), (5, 2, 4)])
def test_folds_are_the_spec_blocks_of_the_permutation(n, k, seed):
    folds = ref.kfold_indices(n, k, seed)
    want = np.array_split(np.random.default_rng(seed).permutation(n), k)
    assert len(folds) == k
    for (train, test), expected in zip(folds, want):
        assert test.dtype.kind == "i" and train.dtype.kind == "i"
        np.testing.assert_array_equal(test, expected)
        np.testing.assert_array_equal(np.sort(train), np.setdiff1d(np.arange(n), expected))
    sizes = [len(test) for _, test in folds]
    assert sizes == sorted(sizes, reverse=True) and max(sizes) - min(sizes) <= 1


def test_cross_val_mse_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((23, 3)), rng.standard_normal(23)
    for fit, predict in ((callbacks.fit_mean, callbacks.predict_mean),
                         (callbacks.fit_nearest, callbacks.predict_nearest)):
        fold_mses, mean = ref.cross_val_mse(fit, predict, X, y, 5, 9)
        want = []
        for test in np.array_split(np.random.default_rng(9).permutation(23), 5):
            train = np.setdiff1d(np.arange(23), test)
            want.append(np.mean((y[test] - predict(fit(X[train], y[train]), X[test])) ** 2))
        np.testing.assert_allclose(fold_mses, want, rtol=1e-12)
        assert isinstance(mean, float) and mean == pytest.approx(np.mean(want), rel=1e-12)


def test_nearest_neighbour_callback_is_exact_on_its_training_rows():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((9, 2)), rng.standard_normal(9)
    np.testing.assert_array_equal(callbacks.predict_nearest(callbacks.fit_nearest(X, y), X), y)
