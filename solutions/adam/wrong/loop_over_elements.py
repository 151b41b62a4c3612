"""Correct numbers, but step loops over every element in Python: far too slow for real layers.

Known-wrong version of the adam reference: the hidden suite must reject it.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


class Adam:
    """The Adam optimiser (or AdamW with decoupled=True) over a list of numpy arrays.

    Args:
        params: the parameter arrays to optimise. Kept as `self.params` (the very list
            passed in), and every array in it is updated IN PLACE by `step`.
        lr: learning rate.
        betas: (beta1, beta2), the decay rates of the first and second moment averages.
        eps: added to sqrt(v_hat) in the denominator (outside the square root).
        weight_decay: decay strength; 0 turns it off.
        decoupled: False adds weight_decay * p to the gradient (L2, like torch.optim.Adam);
            True shrinks p by lr * weight_decay * p before the update (like torch.optim.AdamW).

    The trajectory must match torch.optim.Adam / torch.optim.AdamW (amsgrad=False) step for
    step.
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled: bool = False) -> None:
        self.params = params                   # the caller's list: same array objects
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.decoupled = decoupled
        self.m = [np.zeros_like(p) for p in params]   # one (shape of p) array per parameter
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0                                     # steps taken so far

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Take one Adam step: update every array of self.params in place.

        Args:
            grads: one gradient per parameter, in the order of self.params, each with the
                shape of its parameter.

        Returns None. Modify each parameter in place (p -= ..., p[...] = ...), never replace
        it with a new array: the caller holds the same arrays and expects them to move.
        """
        self.t += 1
        t = self.t
        bias1 = 1.0 - self.beta1 ** t              # bias corrections for this step
        bias2 = 1.0 - self.beta2 ** t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            g = np.asarray(g, dtype=p.dtype)       # same shape as p
            if self.weight_decay != 0.0:
                if self.decoupled:
                    p -= self.lr * self.weight_decay * p   # AdamW: shrink p, g untouched
                else:
                    g = g + self.weight_decay * p          # L2: new array, caller's g untouched
            for i in np.ndindex(p.shape):              # one number at a time
                m[i] = self.beta1 * m[i] + (1.0 - self.beta1) * g[i]
                v[i] = self.beta2 * v[i] + (1.0 - self.beta2) * g[i] * g[i]
                m_hat = m[i] / bias1
                v_hat = v[i] / bias2
                p[i] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
