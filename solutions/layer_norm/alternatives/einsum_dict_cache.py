"""Correct layer norm in another style: rows flattened to (M, D), einsum for every sum,
the cache a dict.

Alternative implementation: the hidden suite must accept it.
"""
from __future__ import annotations

import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    """Layer norm over the last axis; see the exercise for the full spec."""
    x = np.asarray(x)
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    shape = x.shape
    D = shape[-1]
    rows = x.astype(dtype, copy=False).reshape(-1, D)           # (M, D), M = prod(leading)
    gamma = np.asarray(gamma, dtype=dtype)
    beta = np.asarray(beta, dtype=dtype)

    mu = np.einsum("md->m", rows) / D                            # (M,)
    centred = rows - mu[:, None]                                 # (M, D)
    var = np.einsum("md,md->m", centred, centred) / D            # (M,) biased
    inv_std = 1.0 / np.sqrt(var + eps)                           # (M,)
    xhat = np.einsum("md,m->md", centred, inv_std)               # (M, D)
    out = np.einsum("md,d->md", xhat, gamma) + beta              # (M, D)
    cache = {"xhat": xhat, "inv_std": inv_std, "gamma": gamma, "shape": shape}
    return out.reshape(shape), cache


def layer_norm_backward(dout, cache):
    """Gradients with respect to x, gamma and beta; see the exercise for the full spec."""
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    M, D = xhat.shape
    g = np.asarray(dout, dtype=xhat.dtype).reshape(M, D)         # (M, D)

    dbeta = np.einsum("md->d", g)                                # (D,)
    dgamma = np.einsum("md,md->d", g, xhat)                      # (D,)
    gx = np.einsum("md,d->md", g, gamma)                         # (M, D) dL/dxhat
    s1 = np.einsum("md->m", gx)                                  # (M,)
    s2 = np.einsum("md,md->m", gx, xhat)                         # (M,)
    dx = (inv_std / D)[:, None] * (D * gx - s1[:, None] - xhat * s2[:, None])
    return dx.reshape(cache["shape"]), dgamma, dbeta
