"""k-fold cross-validation: split the rows into k folds, hold each out once, average the errors.

Every row is in exactly one test fold. For fold i, the model is fitted on the other k - 1
folds and scored on fold i; the k scores estimate how the model does on data it has not seen.

    perm   = numpy.random.default_rng(seed).permutation(n)      shuffle once
    sizes  = n // k for every fold, plus 1 for the first n % k folds
    fold i = the next sizes[i] entries of perm
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def kfold_indices(n: int, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split the row indices 0 .. n-1 into k shuffled folds.

    Args:
        n: number of rows.
        k: number of folds, 2 <= k <= n.
        seed: seeds the shuffle, numpy.random.default_rng(seed).permutation(n).

    Returns:
        A list of k pairs (train_idx, test_idx) of 1-D integer arrays. Fold i's test_idx are
        the entries perm[start_i : start_i + size_i] of the permutation, where the first
        n % k folds have n // k + 1 rows and the others n // k, taken in order. train_idx
        holds every other index. Together the k test folds cover every index exactly once.
        The order of the indices inside one array does not matter.
    """
    # TODO: shuffle 0 .. n-1 once with numpy.random.default_rng(seed).permutation(n),
    # TODO: give the first n % k folds n // k + 1 rows and the rest n // k,
    # TODO: and pair each fold (the test rows) with all the other rows (the training rows).
    raise NotImplementedError


def cross_val_mse(fit: Callable[[np.ndarray, np.ndarray], Any],
                  predict: Callable[[Any, np.ndarray], np.ndarray],
                  X: np.ndarray, y: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, float]:
    """The k-fold cross-validated mean squared error of a model.

    Args:
        fit: fit(X_train, y_train) -> model. Call it once per fold, on the training rows only.
        predict: predict(model, X_test) -> y_hat of shape (len(X_test),).
        X: features, shape (n, ...) (rows are indexed along axis 0).
        y: responses, shape (n,).
        k, seed: the folds are kfold_indices(n, k, seed).

    Returns:
        fold_mses: float64 array of shape (k,); entry i is the mean of (y - y_hat)**2 over
            the test rows of fold i.
        mean: the plain (unweighted) mean of the k fold MSEs, a Python float.
    """
    # TODO: for each (train, test) pair of kfold_indices(len(y), k, seed): fit on the
    # TODO: training rows only, predict the test rows, and record their mean squared error.
    # TODO: Return the k MSEs and their plain mean (each fold counts once, whatever its size).
    raise NotImplementedError
