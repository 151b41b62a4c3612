"""relu_forward uses np.max(x, 0), a reduction over axis 0, instead of np.maximum.

A known-wrong version of the reference, kept to check that the hidden suite rejects it.
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
    # BEGIN SOLUTION
    # TODO: compute out = x @ W + b and keep what the backward pass needs.
    dtype = _float_dtype(x, W, b)
    x, W, b = (np.asarray(a, dtype=dtype) for a in (x, W, b))
    out = x @ W + b                     # (N, D) @ (D, M) + (M,) -> (N, M)
    cache = (x, W)                      # b is not needed: its local gradient is 1
    return out, cache
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: apply the chain rule to out = x @ W + b. Check each result's shape.
    x, W = cache
    dout = np.asarray(dout, dtype=x.dtype)
    dx = dout @ W.T                     # (N, M) @ (M, D) -> (N, D)
    dW = x.T @ dout                     # (D, N) @ (N, M) -> (D, M), sums over the batch
    db = dout.sum(axis=0)               # (M,): b was added to every row
    return dx, dW, db
    # END SOLUTION


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Any]:
    """ReLU: ``out = max(0, x)`` elementwise.

    Args:
        x: any shape.

    Returns:
        out: same shape as x.
        cache: anything ``relu_backward`` needs.
    """
    # BEGIN SOLUTION
    # TODO: zero the negative entries and keep what the backward pass needs.
    x = np.asarray(x, dtype=_float_dtype(x))
    out = np.max(x, 0)
    cache = x
    return out, cache
    # END SOLUTION


def relu_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Backward pass of ReLU.

    Args:
        dout: upstream gradient, same shape as the forward input.
        cache: what ``relu_forward`` returned.

    Returns:
        dx: same shape as dout. The derivative of ReLU is taken as 1 where
        x > 0 and 0 where x <= 0 (so exactly 0 at x == 0).
    """
    # BEGIN SOLUTION
    # TODO: let the gradient through where the forward input was positive.
    x = cache
    dout = np.asarray(dout, dtype=x.dtype)
    dx = dout * (x > 0)                 # strict: the gradient at x == 0 is 0
    return dx
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: shift each row by its max, then compute log-softmax, the mean loss,
    # TODO: and the gradient (softmax minus one-hot, divided by N).
    logits = np.asarray(logits, dtype=_float_dtype(logits))
    y = np.asarray(y, dtype=np.int64)
    n = logits.shape[0]
    rows = np.arange(n)
    # Subtracting the row max changes nothing mathematically but keeps exp() <= 1.
    shifted = logits - logits.max(axis=1, keepdims=True)                 # (N, C)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    loss = -log_probs[rows, y].mean()
    dlogits = np.exp(log_probs)                                          # softmax, (N, C)
    dlogits[rows, y] -= 1.0
    dlogits /= n                        # the loss is a mean over N rows
    return float(loss), dlogits
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: forward through linear -> relu -> linear -> loss, then back again,
    # TODO: and add the regularisation term to the loss and to dW1, dW2.
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    # Forward.
    z1, cache1 = linear_forward(X, W1, b1)           # (N, H)
    a1, cache_relu = relu_forward(z1)                # (N, H)
    scores, cache2 = linear_forward(a1, W2, b2)      # (N, C)
    data_loss, dscores = softmax_cross_entropy(scores, y)
    reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    loss = data_loss + float(reg_loss)
    # Backward: the same path in reverse.
    da1, dW2, db2 = linear_backward(dscores, cache2)  # (N, H), (H, C), (C,)
    dz1 = relu_backward(da1, cache_relu)              # (N, H)
    _, dW1, db1 = linear_backward(dz1, cache1)        # dX is not needed
    # d/dW of 0.5 * reg * sum(W**2) is reg * W.
    grads = {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}
    return loss, grads
    # END SOLUTION
