"""k-fold cross-validation with np.array_split and boolean masks.

np.array_split(perm, k) already gives the first n % k parts one row more; a boolean mask per
fold marks the held-out rows, and its negation the training rows.
"""
from __future__ import annotations

import numpy as np


def kfold_indices(n, k, seed):
    perm = np.random.default_rng(seed).permutation(n)
    folds = []
    for test in np.array_split(perm, k):
        held_out = np.zeros(n, dtype=bool)
        held_out[test] = True
        folds.append((np.flatnonzero(~held_out), test))   # train sorted, test in perm order
    return folds


def cross_val_mse(fit, predict, X, y, k, seed):
    X, y = np.asarray(X), np.asarray(y, dtype=float)
    scores = []
    for train, test in kfold_indices(len(y), k, seed):
        residual = y[test] - np.asarray(predict(fit(X[train], y[train]), X[test]), dtype=float)
        scores.append(float(residual @ residual) / len(test))
    fold_mses = np.array(scores)
    return fold_mses, float(sum(scores) / k)
