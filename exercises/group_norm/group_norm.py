"""Group normalisation in numpy (forward), as torch.nn.functional.group_norm computes it.

Group norm splits the C channels of every sample into `num_groups` groups of consecutive
channels (C / num_groups each) and normalises each group of each sample on its own, over
all of its channels and positions. Nothing is shared between samples, so it behaves the
same for a batch of 1 as for a batch of 256, in training and at inference:

    group g of sample n holds channels g*Cg .. (g+1)*Cg - 1, with Cg = C / num_groups
    mean[n, g] = average of x[n, those channels, :, :]            over Cg * H * W values
    var[n, g]  = average of (x[n, those channels, :, :] - mean)^2  biased: divide by Cg*H*W
    xhat       = (x - mean[n, g]) / sqrt(var[n, g] + eps)          eps INSIDE the square root
    out        = gamma[c] * xhat + beta[c]                         gamma, beta: one per CHANNEL

Two special cases: num_groups = C is instance norm (every channel alone) and num_groups = 1
is layer norm over (C, H, W) (with a per-channel gamma and beta).
"""
from __future__ import annotations

import numpy as np


def group_norm(x: np.ndarray, num_groups: int, gamma: np.ndarray, beta: np.ndarray,
               eps: float = 1e-5) -> np.ndarray:
    """Normalise each group of consecutive channels of each sample, then scale and shift.

    Args:
        x: input of shape (N, C, H, W) or (N, C) (any (N, C, ...) works alike).
        num_groups: how many groups the C channels are split into; must divide C.
        gamma, beta: per-CHANNEL scale and shift, shape (C,).
        eps: added to the variance inside the square root.

    Returns:
        out: the shape of x, float64. The statistics of group g of sample n are the mean and
            the biased variance of x[n, g*Cg:(g+1)*Cg, ...] (Cg = C // num_groups).

    Raises:
        ValueError: when C is not divisible by num_groups.
    """
    # TODO: check that num_groups divides C (raise ValueError otherwise). View every sample
    # TODO: as num_groups rows (a row: one group's consecutive channels and all positions),
    # TODO: normalise each row with its mean and biased variance, go back to x's shape, and
    # TODO: apply gamma and beta per channel.
    raise NotImplementedError
