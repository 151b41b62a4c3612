"""SGD (with momentum, Nesterov and weight decay), AdaGrad and RMSProp in numpy.

Each optimiser holds the caller's list of parameter arrays and moves them IN PLACE on every
`step(grads)`, exactly as torch.optim.SGD, torch.optim.Adagrad and torch.optim.RMSprop do
(their other options left at their defaults). For one parameter p with gradient g:

SGD(lr, momentum=mu, nesterov, weight_decay=wd):

    g   = g + wd * p                    weight decay first: it enters the momentum buffer too
    buf = mu * buf + g                  buf starts at zero (so the first buf is g itself)
    d   = g + mu * buf   if nesterov    (look ahead along the NEW buffer)
          buf            otherwise      (mu = 0: d = g, plain SGD)
    p   = p - lr * d

AdaGrad(lr, eps):

    G = G + g * g                       the SUM of every squared gradient so far
    p = p - lr * g / (sqrt(G) + eps)    eps OUTSIDE the square root

RMSProp(lr, alpha, eps, momentum=mu):

    s = alpha * s + (1 - alpha) * g * g       a decaying average of g squared
    u = g / (sqrt(s) + eps)                   eps OUTSIDE the square root
    buf = mu * buf + u,  p = p - lr * buf     with momentum (mu > 0)
    p = p - lr * u                            without
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay.

    Args:
        params: the parameter arrays. Kept as `self.params` (the very list passed in); every
            array in it is updated IN PLACE by `step`.
        lr: learning rate.
        momentum: momentum factor mu; 0 gives plain SGD.
        nesterov: use Nesterov momentum: step along g + mu * buf (buf already updated).
        weight_decay: L2 factor: wd * p is added to the gradient before anything else.

    The trajectory matches torch.optim.SGD (dampening=0) step for step.
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        self.params = params                   # the caller's list: same array objects
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        # BEGIN SOLUTION
        # TODO: create one momentum buffer per parameter (zeros, its shape and dtype).
        self.bufs = [np.zeros_like(p) for p in params]
        # END SOLUTION

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """One SGD step: move every array of self.params in place (p -= ...).

        Args:
            grads: one gradient per parameter, in the order of self.params. Not modified.
        """
        # BEGIN SOLUTION
        # TODO: for each parameter: add weight decay to a copy of g, update the momentum
        # TODO: buffer in place, pick the direction (Nesterov or not) and move p in place.
        for p, g, buf in zip(self.params, grads, self.bufs):
            g = np.asarray(g, dtype=p.dtype) + self.weight_decay * p   # new array: caller's g kept
            if self.momentum != 0.0:
                buf *= self.momentum
                buf += g                                    # buf = mu * buf + g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * g
        # END SOLUTION


class AdaGrad:
    """AdaGrad: per-element step sizes that shrink with the sum of squared gradients.

    Args:
        params: the parameter arrays, kept as `self.params` and updated IN PLACE by `step`.
        lr: learning rate.
        eps: added to sqrt(G) in the denominator (outside the square root).

    The trajectory matches torch.optim.Adagrad (lr_decay=0, weight_decay=0,
    initial_accumulator_value=0) step for step.
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float, eps: float = 1e-10) -> None:
        self.params = params
        self.lr = lr
        self.eps = eps
        # BEGIN SOLUTION
        # TODO: create one accumulator of squared gradients per parameter (zeros).
        self.sums = [np.zeros_like(p) for p in params]
        # END SOLUTION

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """One AdaGrad step: move every array of self.params in place.

        Args:
            grads: one gradient per parameter, in the order of self.params. Not modified.
        """
        # BEGIN SOLUTION
        # TODO: for each parameter: add g * g to its accumulator, then move p in place by
        # TODO: lr * g / (sqrt(accumulator) + eps).
        for p, g, total in zip(self.params, grads, self.sums):
            g = np.asarray(g, dtype=p.dtype)
            total += g * g                                  # G: sum of g^2 over all steps
            p -= self.lr * g / (np.sqrt(total) + self.eps)
        # END SOLUTION


class RMSProp:
    """RMSProp: AdaGrad with a decaying average of g squared instead of a sum.

    Args:
        params: the parameter arrays, kept as `self.params` and updated IN PLACE by `step`.
        lr: learning rate.
        alpha: decay of the running average: s = alpha * s + (1 - alpha) * g * g.
        eps: added to sqrt(s) in the denominator (outside the square root).
        momentum: momentum factor for the scaled step; 0 turns it off.

    The trajectory matches torch.optim.RMSprop (centered=False, weight_decay=0) step for step.
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float, alpha: float = 0.99,
                 eps: float = 1e-8, momentum: float = 0.0) -> None:
        self.params = params
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        # BEGIN SOLUTION
        # TODO: create, per parameter, the running average of g squared and a momentum buffer.
        self.square_avgs = [np.zeros_like(p) for p in params]
        self.bufs = [np.zeros_like(p) for p in params]
        # END SOLUTION

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """One RMSProp step: move every array of self.params in place.

        Args:
            grads: one gradient per parameter, in the order of self.params. Not modified.
        """
        # BEGIN SOLUTION
        # TODO: for each parameter: update the average of g * g in place, scale g by
        # TODO: 1 / (sqrt(average) + eps), pass it through the momentum buffer when momentum
        # TODO: is on, and move p in place.
        for p, g, square_avg, buf in zip(self.params, grads, self.square_avgs, self.bufs):
            g = np.asarray(g, dtype=p.dtype)
            square_avg *= self.alpha
            square_avg += (1.0 - self.alpha) * g * g        # s: decaying mean of g^2
            scaled = g / (np.sqrt(square_avg) + self.eps)
            if self.momentum > 0.0:
                buf *= self.momentum
                buf += scaled                               # buf = mu * buf + scaled step
                scaled = buf
            p -= self.lr * scaled
        # END SOLUTION
