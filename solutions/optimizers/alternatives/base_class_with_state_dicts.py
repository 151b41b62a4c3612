"""The three optimisers on one base class: state in a dict per parameter, new values
computed out of place and written back into the caller's arrays with p[...] = ...
"""
from __future__ import annotations

import numpy as np


class _Optimizer:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr
        self.state = [{} for _ in params]           # filled lazily on the first step

    def step(self, grads):
        for p, g, state in zip(self.params, grads, self.state):
            p[...] = p - self.lr * self._direction(p, np.asarray(g, dtype=np.float64), state)

    def _direction(self, p, g, state):
        raise NotImplementedError


class SGD(_Optimizer):
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum, self.nesterov, self.weight_decay = momentum, nesterov, weight_decay

    def _direction(self, p, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if not self.momentum:
            return g
        # torch's first step: the buffer is a copy of g.
        buf = g.copy() if "buf" not in state else self.momentum * state["buf"] + g
        state["buf"] = buf
        return g + self.momentum * buf if self.nesterov else buf


class AdaGrad(_Optimizer):
    def __init__(self, params, lr, eps=1e-10):
        super().__init__(params, lr)
        self.eps = eps

    def _direction(self, p, g, state):
        state["sum"] = state.get("sum", 0.0) + np.square(g)
        return g / (np.sqrt(state["sum"]) + self.eps)


class RMSProp(_Optimizer):
    def __init__(self, params, lr, alpha=0.99, eps=1e-8, momentum=0.0):
        super().__init__(params, lr)
        self.alpha, self.eps, self.momentum = alpha, eps, momentum

    def _direction(self, p, g, state):
        avg = self.alpha * state.get("avg", 0.0) + (1 - self.alpha) * np.square(g)
        state["avg"] = avg
        step = g / (np.sqrt(avg) + self.eps)
        if self.momentum > 0:
            state["buf"] = self.momentum * state.get("buf", 0.0) + step
            step = state["buf"]
        return step
