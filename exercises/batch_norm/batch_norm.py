"""Batch normalisation, forward and backward, in numpy, with torch's conventions.

Batch norm normalises every CHANNEL (feature) with statistics taken DOWN THE BATCH: for an
(N, C) input over the N rows, for an (N, C, H, W) input over the N * H * W values of that
channel. Axis 1 is always the channel axis. Then a learned per-channel scale `gamma` and
shift `beta` are applied:

    mean = average of x over every axis except axis 1            shape (C,)
    var  = average of (x - mean)**2 over the same axes           biased: divide by m
    xhat = (x - mean) / sqrt(var + eps)                           eps INSIDE the square root
    out  = gamma * xhat + beta

where m = N (for (N, C)) or N * H * W (for (N, C, H, W)) is the number of values per channel.

Training also keeps running averages for inference, updated as torch does:

    new_running_mean = (1 - momentum) * running_mean + momentum * mean
    new_running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)
                                                     (the UNBIASED variance of the batch)

At evaluation (train=False) the batch statistics are not used at all: running_mean and
running_var take the place of mean and var, and the running statistics stay as they are.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                      running_mean: np.ndarray, running_var: np.ndarray, train: bool,
                      momentum: float = 0.1, eps: float = 1e-5,
                      ) -> tuple[np.ndarray, Any, np.ndarray, np.ndarray]:
    """Batch-normalise x per channel (axis 1), then scale by gamma and shift by beta.

    Args:
        x: input of shape (N, C) or (N, C, H, W) (any (N, C, ...) works alike); axis 1 is
            the channel axis.
        gamma, beta: per-channel scale and shift, shape (C,).
        running_mean, running_var: the running statistics so far, shape (C,). Not modified:
            the updated ones are returned.
        train: True normalises with the statistics of this batch and updates the running
            statistics; False normalises with running_mean and running_var and returns
            them unchanged.
        momentum: weight of the NEW batch statistic in the running average (torch's
            convention: new = (1 - momentum) * old + momentum * batch).
        eps: added to the variance INSIDE the square root.

    Returns:
        out: shape of x. out = gamma * (x - mean) / sqrt(var + eps) + beta, per channel, with
            the biased batch variance (divide by m) in training.
        cache: anything your backward pass needs; handed back to batchnorm_backward unchanged.
        new_running_mean, new_running_var: shape (C,), new arrays. In training the batch mean
            and the UNBIASED batch variance (divide by m - 1) are mixed in with `momentum`;
            at evaluation they equal running_mean and running_var.

    Everything is computed in float64. In training m (values per channel) must be >= 2.
    """
    # TODO: find the axes to reduce over (every axis but axis 1) and a shape that lets (C,)
    # TODO: vectors broadcast against x. In training take the batch mean and biased variance
    # TODO: per channel and mix them into the running statistics (unbiased variance there);
    # TODO: at evaluation use the running statistics instead. Then normalise, scale, shift.
    raise NotImplementedError


def batchnorm_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the loss with respect to x, gamma and beta.

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: exactly what batchnorm_forward returned as its cache.

    Returns:
        dx: dL/dx, the shape of x.
        dgamma, dbeta: shape (C,), summed over every axis but the channel axis.

    After a training forward, every x in a channel moves that channel's batch mean and
    variance, so dx has three parts: the direct path through xhat, the path through the mean
    and the path through the variance. After an evaluation forward the running statistics
    are constants and only the direct path is left: dx = dout * gamma / sqrt(running_var + eps).
    """
    # TODO: unpack your cache; dbeta sums dout and dgamma sums dout * xhat over every axis
    # TODO: but the channel axis. For dx, start from g = dout * gamma; in training subtract
    # TODO: the mean path and the variance path (per-channel means of g and of g * xhat).
    raise NotImplementedError
