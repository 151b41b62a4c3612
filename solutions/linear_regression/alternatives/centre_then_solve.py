"""Linear regression by centring: fit the slopes on centred data, then recover the intercept.

With the column means subtracted, the intercept drops out of the least-squares problem;
afterwards intercept = mean(y) - mean(X) @ coef puts the fitted plane through the means.
"""
from __future__ import annotations

import numpy as np


def fit_least_squares(X, y):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x_mean, y_mean = X.mean(axis=0), y.mean()           # (p,), scalar
    coef = np.linalg.lstsq(X - x_mean, y - y_mean, rcond=None)[0]   # (p,)
    return float(y_mean - x_mean @ coef), coef


def rss(y, y_hat):
    residuals = np.asarray(y, float) - np.asarray(y_hat, float)
    return float(np.einsum("i,i->", residuals, residuals))


def rse(y, y_hat, p):
    return (rss(y, y_hat) / (len(y) - (p + 1))) ** 0.5


def r_squared(y, y_hat):
    y = np.asarray(y, dtype=np.float64)
    return 1.0 - rss(y, y_hat) / float(np.var(y) * len(y))
