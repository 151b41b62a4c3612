"""Softmax, log-softmax, cross-entropy and KL divergence, in numpy, without overflow.

A classifier's last layer gives one real score (a logit) per class. Softmax turns a vector
of logits z into probabilities; the cross-entropy loss is the negative log-probability of the
true class; the KL divergence measures how far one distribution is from another.

    softmax(z)_i     = exp(z_i) / sum_j exp(z_j)
    log_softmax(z)_i = z_i - log(sum_j exp(z_j))
    cross_entropy    = mean over rows n of  -log_softmax(logits[n])[labels[n]]
    KL(p || q)       = sum_i p_i * log(p_i / q_i)          with 0 * log(0 / q) = 0

exp overflows above about 709, so every function here subtracts the maximum logit first:
softmax and log-softmax do not change when the same constant is subtracted from every logit.
"""
from __future__ import annotations

import numpy as np


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax of z along axis.

    Args:
        z: logits, any shape, float64.
        axis: the axis whose entries form one distribution (default: the last).

    Returns:
        An array of z's shape: every entry in (0, 1] (exactly 0 only when exp underflows)
        and the entries along axis summing to 1. Finite for any finite z, including logits
        of size 1000 or -1000.
    """
    # BEGIN SOLUTION
    # TODO: subtract the maximum along axis (keep that axis so it broadcasts back),
    # TODO: exponentiate, then divide by the sum along the same axis.
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=axis, keepdims=True)        # largest entry is 0: exp <= 1
    e = np.exp(shifted)                                   # same shape as z
    return e / e.sum(axis=axis, keepdims=True)
    # END SOLUTION


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(z)) along axis, computed without taking the log of a probability.

    Args:
        z: logits, any shape, float64.
        axis: the axis whose entries form one distribution (default: the last).

    Returns:
        An array of z's shape: z minus the log-sum-exp of z along axis. Finite for any
        finite z: a logit 1000 below the largest gives about -1000, never -inf.
    """
    # BEGIN SOLUTION
    # TODO: compute log(sum(exp(z))) along axis stably: shift by the max, take the
    # TODO: log of the sum of exp of the shifted logits, then subtract from the shifted z.
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=axis, keepdims=True)                     # same shape as z
    log_sum = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))    # in [0, log C]
    return shifted - log_sum
    # END SOLUTION


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of integer class labels under softmax(logits).

    Args:
        logits: (N, C) scores, one row per example.
        labels: (N,) integers in [0, C): the true class of each row.

    Returns:
        A Python float: (1/N) * sum_n -log_softmax(logits[n])[labels[n]]. Finite for any
        finite logits, even when the true class scores 1000 below the best one.
    """
    # BEGIN SOLUTION
    # TODO: take the log-softmax of every row, pick each row's entry at its label,
    # TODO: and return minus their mean as a float.
    log_probs = log_softmax(logits, axis=-1)              # (N, C)
    labels = np.asarray(labels)                            # (N,)
    rows = np.arange(log_probs.shape[0])                   # (N,) one row index per label
    picked = log_probs[rows, labels]                       # (N,) log-prob of each true class
    return float(-picked.mean())
    # END SOLUTION


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) = sum_i p_i * log(p_i / q_i), in nats, of two distributions over C classes.

    Args:
        p: (C,) probabilities summing to 1; some may be exactly 0.
        q: (C,) probabilities summing to 1.

    Returns:
        A Python float >= 0. Terms with p_i = 0 contribute 0 (the limit of x log x at 0),
        whatever q_i is. When some q_i = 0 while p_i > 0 the divergence is +inf.
    """
    # BEGIN SOLUTION
    # TODO: sum p * (log p - log q) over the classes where p > 0 only:
    # TODO: 0 * log 0 is NaN in floating point, but its limit, and its value here, is 0.
    p = np.asarray(p, dtype=np.float64)                    # (C,)
    q = np.asarray(q, dtype=np.float64)                    # (C,)
    support = p > 0                                        # (C,) the terms that count
    with np.errstate(divide="ignore"):                     # q_i = 0 under p_i > 0: +inf
        terms = p[support] * (np.log(p[support]) - np.log(q[support]))
    return float(terms.sum())
    # END SOLUTION
