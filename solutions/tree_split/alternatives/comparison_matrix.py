"""Impurities and the best split without sorting: one comparison matrix per feature.

For the m candidate thresholds of a feature, (column <= thresholds[:, None]) is an (m, n)
boolean matrix; multiplied by the (n, K) one-hot labels it gives the class counts of every
left child at once. Impurities are computed from count matrices, with 0 * log2(0) = 0.
"""
from __future__ import annotations

import numpy as np


def _impurity(counts, criterion):
    shares = counts / counts.sum(axis=-1, keepdims=True)
    if criterion == "gini":
        return 1.0 - np.einsum("...k,...k->...", shares, shares)
    safe = np.where(shares > 0, shares, 1.0)          # log2(1) = 0 for the empty classes
    return -np.sum(shares * np.log2(safe), axis=-1)


def gini(labels):
    return float(_impurity(np.unique(labels, return_counts=True)[1].astype(float), "gini"))


def entropy(labels):
    return float(_impurity(np.unique(labels, return_counts=True)[1].astype(float), "entropy"))


def best_split(X, y, criterion="gini"):
    X = np.asarray(X, dtype=float)
    classes, codes = np.unique(y, return_inverse=True)
    onehot = (codes[:, None] == np.arange(len(classes))).astype(float)   # (n, K)
    n = len(codes)
    total = onehot.sum(axis=0)
    parent = _impurity(total, criterion)
    best_gain, best = -np.inf, (-1, float("nan"), float("-inf"))
    for f in range(X.shape[1]):
        values = np.unique(X[:, f])
        if values.size < 2:
            continue
        thresholds = (values[:-1] + values[1:]) / 2                      # (m,)
        goes_left = (X[:, f][None, :] <= thresholds[:, None]).astype(float)   # (m, n)
        left = goes_left @ onehot                                          # (m, K)
        n_left = left.sum(axis=1)
        weighted = (n_left * _impurity(left, criterion)
                    + (n - n_left) * _impurity(total - left, criterion)) / n
        gains = parent - weighted
        k = int(np.argmax(gains))
        if gains[k] > best_gain:
            best_gain = gains[k]
            best = (f, float(thresholds[k]), float(gains[k]))
    return best
