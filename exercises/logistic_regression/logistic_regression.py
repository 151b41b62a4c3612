"""Logistic regression trained by gradient descent, in numpy.

The model gives the probability that a row x belongs to class 1:

    z = x @ w + b                          the logit (log-odds)
    p = sigmoid(z) = 1 / (1 + exp(-z))

Labels are 0 or 1. The loss is the mean binary cross-entropy over the N rows:

    loss = -(1/N) * sum_i [ y_i * log(p_i) + (1 - y_i) * log(1 - p_i) ]
         =  (1/N) * sum_i [ log(1 + exp(z_i)) - y_i * z_i ]      the same, without log(0)

and its gradient has the simple form

    dw = (1/N) * X^T @ (p - y)        db = (1/N) * sum_i (p_i - y_i)
"""
from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), elementwise, as float64 of z's shape.

    Must stay finite and must not overflow for any float64 z (e.g. z = -1000 or +1000): never
    evaluate exp of a large positive number, not even in a branch np.where then discards.
    """
    # TODO: exp(-|z|) is always in (0, 1]: build both halves of the sigmoid from it,
    # TODO: 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0.
    raise NotImplementedError


def bce_loss(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> float:
    """The mean binary cross-entropy of the model (w, b) on (X, y), as a Python float.

    Args:
        w: weights, shape (p,).
        b: bias, a float.
        X: features, shape (N, p).
        y: labels in {0, 1}, shape (N,).

    Must be finite even when the model is confidently wrong (|z| in the hundreds):
    log(sigmoid(z)) underflows to log(0) there, so compute the loss from z directly.
    """
    # TODO: compute the logits z = X @ w + b, then the mean of log(1 + exp(z)) - y * z.
    # TODO: np.logaddexp(0, z) computes log(1 + exp(z)) without overflow.
    raise NotImplementedError


def bce_grad(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The gradient of bce_loss with respect to w and b.

    Args: as for bce_loss.

    Returns:
        dw: float64 array of shape (p,), (1/N) * X^T @ (sigmoid(z) - y).
        db: a Python float, the mean of sigmoid(z) - y.
    """
    # TODO: the residual r = sigmoid(z) - y is the gradient of the loss with respect to z
    # TODO: (times N). Chain it through z = X @ w + b, and divide by N.
    raise NotImplementedError


def fit_gd(X: np.ndarray, y: np.ndarray, lr: float, steps: int) -> tuple[np.ndarray, float]:
    """Fit (w, b) by `steps` steps of full-batch gradient descent on bce_loss.

    Start from w = zeros(p), b = 0.0. Each step: w -= lr * dw and b -= lr * db, with both
    gradients taken at the current (w, b). steps = 0 returns the starting point.

    Returns:
        w: float64 array of shape (p,).
        b: a Python float.
    """
    # TODO: start at zero, then repeat `steps` times: take the gradient at the current
    # TODO: (w, b) and step against it, scaled by lr.
    raise NotImplementedError
