"""Linear regression through a thin QR decomposition of the design matrix.

X1 = [1, X] = Q R with Q (n, p+1) orthonormal and R (p+1, p+1) upper triangular, so the
least-squares solution solves R b = Q^T y: no X^T X is ever formed.
"""
from __future__ import annotations

import numpy as np


def fit_least_squares(X, y):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    design = np.hstack([np.ones((X.shape[0], 1)), X])   # (n, p + 1)
    q, r = np.linalg.qr(design)                         # (n, p + 1), (p + 1, p + 1)
    beta = np.linalg.solve(r, q.T @ y)                  # (p + 1,)
    return float(beta[0]), beta[1:].copy()


def rss(y, y_hat):
    return float(np.sum(np.square(np.subtract(y, y_hat, dtype=np.float64))))


def rse(y, y_hat, p):
    dof = np.size(y) - p - 1
    return float(np.sqrt(rss(y, y_hat) / dof))


def r_squared(y, y_hat):
    y = np.asarray(y, dtype=np.float64)
    tss = float(np.sum((y - np.mean(y)) ** 2))
    return float(1.0 - rss(y, y_hat) / tss)
