"""Correct Adam in another style: a per-parameter dict of state (like torch's
optimizer.state), each parameter with its own step count, and the update written as
step_size = lr / bias1, denom = sqrt(v) / sqrt(bias2) + eps.

Alternative implementation: the hidden suite must accept it.
"""
from __future__ import annotations

import math

import numpy as np


class Adam:
    """Adam / AdamW over a list of numpy arrays; see the exercise for the full spec."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0, decoupled=False):
        self.params = params
        self.hp = {"lr": lr, "betas": tuple(betas), "eps": eps,
                   "weight_decay": weight_decay, "decoupled": decoupled}
        self.state = {}                          # index -> {"step", "exp_avg", "exp_avg_sq"}

    def step(self, grads):
        """One Adam step, every parameter updated in place."""
        lr, (b1, b2), eps = self.hp["lr"], self.hp["betas"], self.hp["eps"]
        wd, decoupled = self.hp["weight_decay"], self.hp["decoupled"]
        for i, (p, g) in enumerate(zip(self.params, grads)):
            st = self.state.setdefault(i, {"step": 0,
                                           "exp_avg": np.zeros_like(p),
                                           "exp_avg_sq": np.zeros_like(p)})
            st["step"] += 1
            if decoupled:
                np.multiply(p, 1.0 - lr * wd, out=p)
            elif wd:
                g = g + wd * p
            st["exp_avg"] = b1 * st["exp_avg"] + (1.0 - b1) * g
            st["exp_avg_sq"] = b2 * st["exp_avg_sq"] + (1.0 - b2) * np.square(g)
            bias1 = 1.0 - b1 ** st["step"]
            bias2 = 1.0 - b2 ** st["step"]
            denom = np.sqrt(st["exp_avg_sq"]) / math.sqrt(bias2) + eps
            p[...] = p - (lr / bias1) * st["exp_avg"] / denom
