"""A correct kmeans in another style: k-means++ draws by inverting the cumulative sum of
the weights with rng.random() (instead of rng.choice), distances by the Gram expansion, the
update by a loop over the k clusters with boolean masks, and convergence judged on labels."""
from __future__ import annotations

import numpy as np


def _sq_dist(X, C):
    return np.maximum((X * X).sum(1)[:, None] + (C * C).sum(1)[None, :] - 2.0 * X @ C.T, 0.0)


def kmeans_pp_init(X, k, rng):
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    idx = [int(rng.random() * n)]
    d2 = _sq_dist(X, X[idx])[:, 0]
    while len(idx) < k:
        cumulative = np.cumsum(d2)
        pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        idx.append(min(pick, n - 1))
        d2 = np.minimum(d2, _sq_dist(X, X[idx[-1:]])[:, 0])
    return X[idx]


def assign(X, centers):
    return np.argmin(_sq_dist(np.asarray(X, float), np.asarray(centers, float)), axis=1)


def update(X, labels, k, old_centers):
    X = np.asarray(X, dtype=np.float64)
    out = np.array(old_centers, dtype=np.float64, copy=True)
    for j in range(k):
        members = X[labels == j]
        if len(members):
            out[j] = members.mean(axis=0)
    return out


def kmeans(X, k, rng, n_iter=100):
    X = np.asarray(X, dtype=np.float64)
    centers = kmeans_pp_init(X, k, rng)
    labels = assign(X, centers)
    for _ in range(n_iter):
        centers = update(X, labels, k, centers)
        new_labels = assign(X, centers)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    inertia = float(np.sum((X - centers[labels]) ** 2))
    return centers, labels, inertia
