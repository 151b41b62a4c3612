"""Logistic regression written with tanh and a log-sigmoid.

sigmoid(z) = (1 + tanh(z / 2)) / 2 never overflows, since tanh saturates at +-1. The loss uses
log(sigmoid(z)) = -log(1 + exp(-z)) and log(1 - sigmoid(z)) = -log(1 + exp(z)), each through
np.logaddexp, so no probability is ever taken the log of.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def bce_loss(w, b, X, y):
    z = np.dot(X, w) + b
    log_p = -np.logaddexp(0.0, -z)                 # log sigmoid(z)
    log_not_p = -np.logaddexp(0.0, z)              # log (1 - sigmoid(z))
    return float(-np.mean(y * log_p + (1 - y) * log_not_p))


def bce_grad(w, b, X, y):
    error = sigmoid(np.dot(X, w) + b) - y          # (N,)
    n = len(y)
    return np.einsum("ij,i->j", X, error) / n, float(np.sum(error) / n)


def fit_gd(X, y, lr, steps):
    params = np.zeros(X.shape[1] + 1)              # w, then b
    for _ in range(steps):
        dw, db = bce_grad(params[:-1], params[-1], X, y)
        params -= lr * np.append(dw, db)
    return params[:-1].copy(), float(params[-1])
