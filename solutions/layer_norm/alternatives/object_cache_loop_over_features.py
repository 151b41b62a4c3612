"""Correct layer norm in another style: statistics accumulated with a loop over the small
feature axis, the cache an object of a small class.

Alternative implementation: the hidden suite must accept it.
"""
from __future__ import annotations

import numpy as np


class _Saved:
    """What the backward pass needs, kept as attributes."""

    def __init__(self, x, mean, std, gamma):
        self.x, self.mean, self.std, self.gamma = x, mean, std, gamma


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    """Layer norm over the last axis; see the exercise for the full spec."""
    x = np.asarray(x)
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    x = x.astype(dtype)
    gamma = np.asarray(gamma, dtype=dtype)
    beta = np.asarray(beta, dtype=dtype)
    D = x.shape[-1]

    total = np.zeros(x.shape[:-1], dtype=dtype)                  # (...,)
    for j in range(D):
        total += x[..., j]
    mean = total / D
    sq = np.zeros_like(total)
    for j in range(D):
        sq += (x[..., j] - mean) ** 2
    std = np.sqrt(sq / D + eps)                                  # (...,)

    out = np.empty_like(x)
    for j in range(D):
        out[..., j] = gamma[j] * (x[..., j] - mean) / std + beta[j]
    return out, _Saved(x, mean, std, gamma)


def layer_norm_backward(dout, cache):
    """Gradients with respect to x, gamma and beta; see the exercise for the full spec."""
    x, mean, std, gamma = cache.x, cache.mean, cache.std, cache.gamma
    dout = np.asarray(dout, dtype=x.dtype)
    D = x.shape[-1]
    lead = tuple(range(x.ndim - 1))                              # every leading axis

    xhat = (x - mean[..., None]) / std[..., None]                # (..., D)
    dbeta = dout.sum(axis=lead)                                  # (D,)
    dgamma = (dout * xhat).sum(axis=lead)                        # (D,)

    dxhat = dout * gamma                                         # (..., D)
    # Chain rule piece by piece: through xhat directly, through var, through mean.
    dvar = (dxhat * (x - mean[..., None])).sum(axis=-1) * -0.5 / std ** 3   # (...,)
    dmean = -dxhat.sum(axis=-1) / std                                        # (...,)
    # (the var path's mean part, sum of -2(x - mean)/D, is zero and left out)
    dx = dxhat / std[..., None] + (dvar[..., None] * 2.0 * (x - mean[..., None])
                                   + dmean[..., None]) / D
    return dx, dgamma, dbeta
