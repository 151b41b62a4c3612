"""Correct Adam in another style: the state lives in a closure made by the constructor,
and each parameter is moved with np.subtract(..., out=p).

Alternative implementation: the hidden suite must accept it.
"""
from __future__ import annotations

import numpy as np


def _make_update(lr, beta1, beta2, eps, weight_decay, decoupled, params):
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    t = 0

    def update(grads):
        nonlocal t
        t += 1
        c1, c2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
        for p, g, (m, v) in zip(params, grads, moments):
            if weight_decay and decoupled:
                np.subtract(p, lr * weight_decay * p, out=p)
            elif weight_decay:
                g = g + weight_decay * p
            m[...] = beta1 * m + (1.0 - beta1) * g
            v[...] = beta2 * v + (1.0 - beta2) * g ** 2
            np.subtract(p, lr * (m / c1) / (np.sqrt(v / c2) + eps), out=p)

    return update


class Adam:
    """Adam / AdamW over a list of numpy arrays; see the exercise for the full spec."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0, decoupled=False):
        self.params = params
        self._update = _make_update(lr, betas[0], betas[1], eps, weight_decay,
                                    decoupled, params)

    def step(self, grads):
        """One Adam step, every parameter updated in place."""
        self._update(grads)
