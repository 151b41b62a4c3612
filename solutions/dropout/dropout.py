"""Inverted dropout, forward and backward, in numpy.

During training, dropout zeroes each activation on its own with probability p (the DROP
probability) and scales the survivors by 1 / (1 - p), so that every element keeps its
expected value:

    keep ~ Bernoulli(1 - p), independently for every element of x
    out  = x * keep / (1 - p)                  E[out] = x
    dx   = dout * keep / (1 - p)               the SAME keep mask as the forward pass

At evaluation time nothing is dropped and nothing is scaled: out = x. Scaling at training
time ("inverted" dropout) is what makes that possible.

p = 1 drops everything: out and dx are all zeros (there is no survivor to scale).
"""
from __future__ import annotations

import numpy as np


def dropout_forward(x: np.ndarray, p: float, train: bool,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """Apply inverted dropout to x.

    Args:
        x: input array of any shape.
        p: the probability of DROPPING each element, 0 <= p <= 1.
        train: True during training (drop and scale); False at evaluation (identity).
        rng: the numpy Generator to draw the mask from. Draw every random number from it
            (never from np.random's global state), so a seeded rng gives a reproducible mask.

    Returns:
        out: float64 array shaped like x. Training: each element is 0 with probability p
            and x / (1 - p) otherwise, independently; all zeros when p = 1. Evaluation:
            a copy of x, unchanged.
        mask: training: an array shaped like x, True (non-zero) exactly where the element
            was kept; a boolean array is simplest. Evaluation: None.

    Raises:
        ValueError: if p is not in [0, 1].
    """
    # BEGIN SOLUTION
    # TODO: check p; at evaluation time return a copy of x and no mask.
    # TODO: in training, keep each element with probability 1 - p (draw from rng), then
    # TODO: scale the survivors by 1 / (1 - p). Decide what p = 1 gives without dividing by 0.
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    x = np.asarray(x, dtype=np.float64)            # (...)
    if not train:
        return x.copy(), None
    mask = rng.random(x.shape) >= p                # (...) True with probability 1 - p
    # p = 1 keeps nothing, so there is no survivor to scale: 0, not 1 / 0.
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
    return x * mask * scale, mask                  # (...)
    # END SOLUTION


def dropout_backward(dout: np.ndarray, mask: np.ndarray | None, p: float) -> np.ndarray:
    """Gradient of the loss with respect to dropout's input.

    Args:
        dout: upstream gradient dL/dout, shaped like x.
        mask: exactly what dropout_forward returned as its mask (None after evaluation).
        p: the drop probability the forward pass used.

    Returns:
        dx: float64, shaped like dout. After a training forward: dout where the element
            was kept, scaled by 1 / (1 - p), and 0 where it was dropped (all zeros when
            p = 1). After an evaluation forward (mask None): dout unchanged.
    """
    # BEGIN SOLUTION
    # TODO: reuse the forward pass's mask (never draw a new one) and its scale.
    dout = np.asarray(dout, dtype=np.float64)      # (...)
    if mask is None:                               # evaluation: dropout was the identity
        return dout.copy()
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0   # the forward's scale
    return dout * mask * scale                     # (...)
    # END SOLUTION

