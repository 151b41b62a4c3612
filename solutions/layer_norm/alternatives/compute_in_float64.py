"""Correct layer norm in another style: everything computed in float64 and the results cast
back to float32 when the input was float32.

Alternative implementation: the hidden suite must accept it.
"""
from __future__ import annotations

import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    """Layer norm over the last axis; see the exercise for the full spec."""
    x = np.asarray(x)
    out_dtype = np.float32 if x.dtype == np.float32 else np.float64
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=-1, keepdims=True)
    std = np.sqrt(((x64 - mean) ** 2).mean(axis=-1, keepdims=True) + eps)
    xhat = (x64 - mean) / std
    out = np.asarray(gamma, np.float64) * xhat + np.asarray(beta, np.float64)
    return out.astype(out_dtype), (xhat, std, np.asarray(gamma, np.float64), out_dtype)


def layer_norm_backward(dout, cache):
    """Gradients with respect to x, gamma and beta; see the exercise for the full spec."""
    xhat, std, gamma, out_dtype = cache
    dout = np.asarray(dout, dtype=np.float64)
    D = xhat.shape[-1]
    flat_dout, flat_xhat = dout.reshape(-1, D), xhat.reshape(-1, D)
    dgamma = (flat_dout * flat_xhat).sum(axis=0)
    dbeta = flat_dout.sum(axis=0)
    dxhat = dout * gamma
    dx = (dxhat - dxhat.mean(-1, keepdims=True)
          - xhat * (dxhat * xhat).mean(-1, keepdims=True)) / std
    return dx.astype(out_dtype), dgamma.astype(out_dtype), dbeta.astype(out_dtype)
