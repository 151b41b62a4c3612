"""A correct margin_losses in another style: each loss is a pair of functions of the margin,
L(m) and L'(m), and one helper applies the chain rule ds = L'(y*s) * y / N. The logistic
loss uses log1p(exp(-|m|)) + max(-m, 0), the other classic stable form."""
from __future__ import annotations

import numpy as np


def _mean_and_grad(y, s, value, slope):
    y = np.asarray(y, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    m = y * s
    return float(np.mean(value(m))), slope(m) * y / s.size


def hinge(y, s):
    return _mean_and_grad(y, s, lambda m: np.clip(1.0 - m, 0.0, None),
                          lambda m: -(m < 1).astype(np.float64))


def logistic(y, s):
    def value(m):
        return np.log1p(np.exp(-np.abs(m))) + np.maximum(-m, 0.0)

    def slope(m):
        # -sigmoid(-m), written for each sign of m so that exp never overflows.
        e = np.exp(-np.abs(m))
        return -np.where(m >= 0, e / (1.0 + e), 1.0 / (1.0 + e))

    return _mean_and_grad(y, s, value, slope)


def exponential(y, s):
    return _mean_and_grad(y, s, lambda m: np.exp(-m), lambda m: -np.exp(-m))
