"""Backpropagation through a two-layer network, by hand, in numpy.

Every layer is a pair of functions:

* ``*_forward`` computes the output and a ``cache``: whatever the backward pass
  will need later (usually the inputs).
* ``*_backward`` takes the upstream gradient ``dout`` (dL/d out, same shape as
  the output) and that cache, and returns the gradient with respect to each
  input (same shape as that input).

Caches are opaque: the grader hands each backward function exactly what the
matching forward function returned, so any structure you like works.

Conventions: batches are rows. ``x`` is (N, D), ``W`` is (D, M), ``out = x @ W + b``.
Work in float64, except when the inputs are float32: then keep float32.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def _float_dtype(*arrays: np.ndarray) -> type:
    """The dtype to compute in: float32 if every input is float32, else float64."""
    if arrays and all(np.asarray(a).dtype == np.float32 for a in arrays):
        return np.float32
    return np.float64


def linear_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Any]:
    """Affine layer: ``out = x @ W + b``.

    Args:
        x: inputs, shape (N, D).
        W: weights, shape (D, M).
        b: biases, shape (M,).

    Returns:
        out: shape (N, M).
        cache: anything ``linear_backward`` needs (it gets this object back).
    """
    # TODO: compute out = x @ W + b and keep what the backward pass needs.
    raise NotImplementedError


def linear_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of the affine layer.

    Args:
        dout: upstream gradient dL/d out, shape (N, M).
        cache: what ``linear_forward`` returned.

    Returns:
        dx: dL/dx, shape (N, D).
        dW: dL/dW, shape (D, M).
        db: dL/db, shape (M,).

    Every row of the batch used the same W and b, so their gradients add up
    over the batch.
    """
    # TODO: apply the chain rule to out = x @ W + b. Check each result's shape.
    raise NotImplementedError


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Any]:
    """ReLU: ``out = max(0, x)`` elementwise.

    Args:
        x: any shape.

    Returns:
        out: same shape as x.
        cache: anything ``relu_backward`` needs.
    """
    # TODO: zero the negative entries and keep what the backward pass needs.
    raise NotImplementedError


def relu_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Backward pass of ReLU.

    Args:
        dout: upstream gradient, same shape as the forward input.
        cache: what ``relu_forward`` returned.

    Returns:
        dx: same shape as dout. The derivative of ReLU is taken as 1 where
        x > 0 and 0 where x <= 0 (so exactly 0 at x == 0).
    """
    # TODO: let the gradient through where the forward input was positive.
    raise NotImplementedError


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy loss and its gradient.

    Args:
        logits: class scores, shape (N, C).
        y: integer labels in [0, C), shape (N,).

    Returns:
        loss: float, mean over the N rows of -log softmax(logits)[i, y[i]].
        dlogits: dL/dlogits, shape (N, C).

    Must stay finite for huge logits (e.g. 1e4): exp(1e4) overflows.
    """
    # TODO: shift each row by its max, then compute log-softmax, the mean loss,
    # TODO: and the gradient (softmax minus one-hot, divided by N).
    raise NotImplementedError


def two_layer_net(
    X: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray], reg: float = 0.0
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of a two-layer ReLU network.

    scores = relu(X @ W1 + b1) @ W2 + b2
    loss   = mean softmax cross-entropy(scores, y) + 0.5 * reg * (sum(W1**2) + sum(W2**2))

    The biases are not regularised.

    Args:
        X: inputs, shape (N, D).
        y: integer labels, shape (N,).
        params: dict with "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,).
        reg: L2 regularisation strength.

    Returns:
        loss: float.
        grads: dict with the same keys and shapes as params.

    Build it from the functions above.
    """
    # TODO: forward through linear -> relu -> linear -> loss, then back again,
    # TODO: and add the regularisation term to the loss and to dW1, dW2.
    raise NotImplementedError
