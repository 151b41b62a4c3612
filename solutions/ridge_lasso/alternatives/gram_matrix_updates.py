"""Ridge by its normal equations and lasso by "covariance updates" on the Gram matrix.

After centring, everything coordinate descent needs is in G = Xc^T Xc / n (p x p) and
c = Xc^T yc / n (p,): the correlation of column j with the partial residual is
c_j - G[j] @ coef + G[j, j] * coef_j. Each update then costs O(p) instead of O(n).
"""
from __future__ import annotations

import numpy as np


def ridge_fit(X, y, lam):
    X, y = np.asarray(X, float), np.asarray(y, float)
    xm, ym = X.mean(axis=0), y.mean()
    Xc = X - xm
    coef = np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T @ (y - ym))
    return float(ym - xm @ coef), coef


def soft_threshold(z, t):
    z = np.asarray(z, dtype=float)
    out = np.where(z > t, z - t, np.where(z < -t, z + t, 0.0))
    return out if out.ndim else float(out)


def lasso_cd(X, y, lam, n_iter=100):
    X, y = np.asarray(X, float), np.asarray(y, float)
    n, p = X.shape
    xm, ym = X.mean(axis=0), y.mean()
    Xc = X - xm
    gram = Xc.T @ Xc / n                     # (p, p)
    corr = Xc.T @ (y - ym) / n               # (p,)
    coef = np.zeros(p)
    for _ in range(n_iter):
        for j in range(p):
            if gram[j, j] == 0:
                continue
            rho = corr[j] - gram[j] @ coef + gram[j, j] * coef[j]
            coef[j] = soft_threshold(rho, lam) / gram[j, j]
    return float(ym - xm @ coef), coef
