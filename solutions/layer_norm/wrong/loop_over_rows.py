"""Correct numbers, but the forward loops over the rows in Python: far too slow on a real batch.

Known-wrong version of the layer_norm reference: the hidden suite must reject it.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def layer_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                       eps: float = 1e-5) -> tuple[np.ndarray, Any]:
    """Normalise x over its last axis, then scale by gamma and shift by beta.

    Args:
        x: input of shape (..., D): any number of leading axes, e.g. (N, D) or (N, T, D).
        gamma: scale, shape (D,).
        beta: shift, shape (D,).
        eps: added to the variance INSIDE the square root, for numerical safety.

    Returns:
        out: same shape as x. out = gamma * (x - mean) / sqrt(var + eps) + beta, where mean
            and var are taken over the last axis only and var is the biased variance
            (divide by D).
        cache: anything you need for the backward pass. It is handed back to
            layer_norm_backward unchanged; nothing else looks inside it.

    dtype: float32 input gives float32 output; any other input is computed in float64.
    """
    dtype = np.float32 if np.asarray(x).dtype == np.float32 else np.float64
    x = np.asarray(x, dtype=dtype)                     # (..., D)
    gamma = np.asarray(gamma, dtype=dtype)             # (D,)
    beta = np.asarray(beta, dtype=dtype)               # (D,)

    D = x.shape[-1]
    rows = x.reshape(-1, D)                            # (M, D)
    xhat = np.empty_like(rows)
    rstd = np.empty((rows.shape[0], 1), dtype=dtype)
    out = np.empty_like(rows)
    for i, row in enumerate(rows):                     # one row at a time
        mean = row.mean()
        var = row.var()
        rstd[i] = 1.0 / np.sqrt(var + eps)
        xhat[i] = (row - mean) * rstd[i]
        out[i] = gamma * xhat[i] + beta
    xhat = xhat.reshape(x.shape)
    rstd = rstd.reshape(x.shape[:-1] + (1,))
    out = out.reshape(x.shape)

    # The backward pass needs the normalised input, the reciprocal std and gamma.
    cache = (xhat, rstd, gamma)
    return out, cache


def layer_norm_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the loss with respect to x, gamma and beta.

    Args:
        dout: upstream gradient dL/dout, same shape as x: (..., D).
        cache: exactly what layer_norm_forward returned as its cache.

    Returns:
        dx: dL/dx, shape (..., D), the same dtype as the forward's output.
        dgamma: dL/dgamma, shape (D,): summed over EVERY leading axis.
        dbeta: dL/dbeta, shape (D,): summed over EVERY leading axis.

    Remember that every x[..., j] in a row moves that row's mean and variance, so dx has
    three parts: the direct path through xhat, the path through the mean, and the path
    through the variance.
    """
    xhat, rstd, gamma = cache                          # (..., D), (..., 1), (D,)
    dout = np.asarray(dout, dtype=xhat.dtype)          # (..., D)
    D = xhat.shape[-1]

    # Flatten every leading axis into one, so (N, T, D) and (N, D) are summed alike.
    dbeta = dout.reshape(-1, D).sum(axis=0)            # (D,)
    dgamma = (dout * xhat).reshape(-1, D).sum(axis=0)  # (D,)

    dxhat = dout * gamma                               # (..., D) gradient w.r.t. xhat
    # Direct path, minus the path through the mean, minus the path through the variance.
    mean_term = dxhat.mean(axis=-1, keepdims=True)                 # (..., 1)
    var_term = xhat * (dxhat * xhat).mean(axis=-1, keepdims=True)  # (..., D)
    dx = rstd * (dxhat - mean_term - var_term)         # (..., D)
    return dx, dgamma, dbeta
