"""Activations as one if/elif chain; derivatives written in terms of the forward output.

A different style from the reference: no lookup table, sigmoid through the identity
sigmoid(x) = (1 + tanh(x / 2)) / 2 (stable because np.tanh never overflows), boolean-mask
assignment instead of np.where, and erf through np.frompyfunc.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def _phi_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def forward(name: str, x: np.ndarray, **kw: Any) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * x))
    if name == "tanh":
        return np.tanh(x)
    if name == "relu":
        y = x.copy()
        y[y <= 0] = 0.0
        return y
    if name == "leaky_relu":
        y = x.copy()
        neg = x <= 0
        y[neg] *= kw.get("slope", 0.01)
        return y
    if name == "elu":
        y = x.copy()
        neg = x <= 0
        y[neg] = kw.get("alpha", 1.0) * np.expm1(x[neg])
        return y
    if name == "gelu":
        mode = kw.get("approximate", "none")
        if mode == "none":
            return x * _phi_cdf(x)
        if mode == "tanh":
            inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
            return 0.5 * x * (1.0 + np.tanh(inner))
        raise ValueError(f"unknown approximate {mode!r}")
    raise ValueError(f"unknown activation {name!r}")


def backward(name: str, x: np.ndarray, dout: np.ndarray, **kw: Any) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if name == "sigmoid":
        y = forward("sigmoid", x)
        local = y * (1.0 - y)
    elif name == "tanh":
        y = np.tanh(x)
        local = 1.0 - y * y
    elif name == "relu":
        local = np.zeros_like(x)
        local[x > 0] = 1.0
    elif name == "leaky_relu":
        local = np.full_like(x, kw.get("slope", 0.01))
        local[x > 0] = 1.0
    elif name == "elu":
        # For x <= 0, elu(x) + alpha = alpha * exp(x): the derivative from the output.
        alpha = kw.get("alpha", 1.0)
        local = forward("elu", x, alpha=alpha) + alpha
        local[x > 0] = 1.0
    elif name == "gelu":
        mode = kw.get("approximate", "none")
        if mode == "none":
            local = _phi_cdf(x) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        elif mode == "tanh":
            c = math.sqrt(2.0 / math.pi)
            t = np.tanh(c * (x + 0.044715 * x ** 3))
            local = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * c * (1.0 + 3 * 0.044715 * x * x)
        else:
            raise ValueError(f"unknown approximate {mode!r}")
    else:
        raise ValueError(f"unknown activation {name!r}")
    return dout * local
