"""A correct pca_whitening in another style: the SVD of the centred data instead of the
eigen-decomposition of the covariance (its right singular vectors are the principal
directions and S**2 / (n - 1) their variances), with an explicit sign convention."""
from __future__ import annotations

import numpy as np


def pca(X, k):
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    _, s, vt = np.linalg.svd(X - mean, full_matrices=False)     # s already descending
    components = vt[:k].copy()
    # Make the largest-magnitude entry of each component positive (any sign is allowed).
    biggest = np.abs(components).argmax(axis=1)
    components *= np.sign(components[np.arange(k), biggest])[:, None]
    return components, s[:k] ** 2 / (X.shape[0] - 1), mean


def pca_transform(X, components, mean):
    return np.einsum("md,kd->mk", np.asarray(X, dtype=np.float64) - mean, components)


def whiten(X, components, explained_variance, mean, eps=1e-8):
    return pca_transform(X, components, mean) * (1.0 / np.sqrt(np.add(explained_variance, eps)))
