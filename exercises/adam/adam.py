"""Adam and AdamW in numpy.

Adam keeps, for every parameter array, two running averages of its gradient g:

    m = beta1 * m + (1 - beta1) * g          first moment: a momentum-like mean of g
    v = beta2 * v + (1 - beta2) * g**2       second moment: a mean of g squared, elementwise

Both start at zero, so early on they are biased towards zero. Bias correction divides
that out, with t the number of steps taken so far INCLUDING this one (t = 1 on the first):

    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    p     = p - lr * m_hat / (sqrt(v_hat) + eps)          eps OUTSIDE the square root

Weight decay comes in two flavours:

    decoupled=False (Adam with L2):  g = g + weight_decay * p   before the moments
    decoupled=True  (AdamW):         p = p - lr * weight_decay * p   before the Adam update,
                                     and g is left alone
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
        # TODO: create the optimiser state: one first-moment and one second-moment array
        # TODO: per parameter (zeros, same shape and dtype), and a step counter.
        raise NotImplementedError

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Take one Adam step: update every array of self.params in place.

        Args:
            grads: one gradient per parameter, in the order of self.params, each with the
                shape of its parameter.

        Returns None. Modify each parameter in place (p -= ..., p[...] = ...), never replace
        it with a new array: the caller holds the same arrays and expects them to move.
        """
        # TODO: count this step first (the first step uses t = 1).
        # TODO: for each parameter: apply weight decay (L2 into g, or decoupled on p),
        # TODO: update m and v, bias-correct them, and move p in place.
        raise NotImplementedError
