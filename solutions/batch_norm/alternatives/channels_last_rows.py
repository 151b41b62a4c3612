"""Batch norm by moving the channel axis last and working on (m, C) rows.

Any (N, C, ...) input becomes an (m, C) matrix with m = N*H*W: one column per channel, so
every statistic is a column reduction. The cache is a dict, and dx uses the sum form of the
gradient, (m * g - sum(g) - xhat * sum(g * xhat)) / (m * std).
"""
from __future__ import annotations

import numpy as np


def _to_rows(a: np.ndarray) -> np.ndarray:
    """(N, C, ...) -> (m, C): channels last, everything else flattened into rows."""
    return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])


def _from_rows(rows: np.ndarray, shape: tuple) -> np.ndarray:
    """(m, C) -> (N, C, ...), undoing _to_rows."""
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(rows.reshape(moved), -1, 1)


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    rows = _to_rows(x)                                  # (m, C)
    m = rows.shape[0]
    if train:
        mu = rows.sum(axis=0) / m                       # (C,)
        centred = rows - mu
        sq = (centred ** 2).sum(axis=0)                 # (C,) sum of squares
        var = sq / m
        new_mean = momentum * mu + (1 - momentum) * np.asarray(running_mean, np.float64)
        new_var = momentum * sq / (m - 1) + (1 - momentum) * np.asarray(running_var, np.float64)
    else:
        mu = np.array(running_mean, dtype=np.float64)
        var = np.array(running_var, dtype=np.float64)
        centred = rows - mu
        new_mean, new_var = mu.copy(), var.copy()
    std = np.sqrt(var + eps)                            # (C,)
    xhat = centred / std                                # (m, C)
    out_rows = xhat * np.asarray(gamma, np.float64) + np.asarray(beta, np.float64)
    cache = {"xhat": xhat, "std": std, "gamma": np.asarray(gamma, np.float64),
             "shape": x.shape, "train": bool(train)}
    return _from_rows(out_rows, x.shape), cache, new_mean, new_var


def batchnorm_backward(dout, cache):
    dout_rows = _to_rows(np.asarray(dout, dtype=np.float64))   # (m, C)
    xhat, std = cache["xhat"], cache["std"]
    m = xhat.shape[0]
    dbeta = dout_rows.sum(axis=0)
    dgamma = np.einsum("mc,mc->c", dout_rows, xhat)
    g = dout_rows * cache["gamma"]
    if cache["train"]:
        dx_rows = (m * g - g.sum(axis=0) - xhat * np.einsum("mc,mc->c", g, xhat)) / (m * std)
    else:
        dx_rows = g / std
    return _from_rows(dx_rows, cache["shape"]), dgamma, dbeta
