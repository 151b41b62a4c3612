"""Gradient clipping by global norm and by value, in numpy.

Exploding gradients (common in recurrent networks, where one weight matrix is multiplied in
at every time step) make a single update throw the parameters far away. Clipping bounds the
update before the optimiser sees it. Two flavours:

    by global norm (torch.nn.utils.clip_grad_norm_):
        total = sqrt(sum over every array g of sum(g ** 2))     ONE norm for all arrays
        scale = max_norm / (total + eps)
        if scale < 1: every g becomes g * scale                  the direction is kept
        otherwise:    every g is left as it is                   never scaled UP

    by value (torch.nn.utils.clip_grad_value_):
        every element is clamped to [-clip, clip]                the direction may change

Both return new arrays and leave the arrays they were given unchanged.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def clip_by_global_norm(grads: Sequence[np.ndarray], max_norm: float,
                        eps: float = 1e-6) -> tuple[list[np.ndarray], float]:
    """Scale a list of gradient arrays so that their joint L2 norm is at most max_norm.

    Works as torch.nn.utils.clip_grad_norm_ with the 2-norm: the norm is taken over ALL the
    arrays together, as if they were concatenated into one long vector:

        total_norm = sqrt(sum_k sum(grads[k] ** 2))
        scale      = max_norm / (total_norm + eps)
        clipped[k] = grads[k] * scale   when scale < 1
        clipped[k] = a copy of grads[k] otherwise (gradients are never scaled up)

    Args:
        grads: a list of arrays of any shapes (e.g. a weight (D, H) and a bias (H,)).
        max_norm: the largest joint norm allowed, > 0.
        eps: added to total_norm in the denominator of scale (it keeps all-zero gradients
            from dividing by zero, and makes a norm exactly at max_norm shrink very slightly,
            as torch does).

    Returns:
        clipped: a list of NEW arrays, one per input, each with its input's shape and dtype.
            The input arrays themselves are left unchanged.
        total_norm: the joint norm BEFORE clipping, as a Python float.
    """
    # TODO: add up the squares of every element of every array, then take one square root.
    # TODO: compute the scale with eps in the denominator, and multiply only when it is < 1.
    # TODO: return new arrays (same shapes and dtypes) and leave the inputs untouched.
    raise NotImplementedError


def clip_by_value(grads: Sequence[np.ndarray], clip: float) -> list[np.ndarray]:
    """Clamp every element of every gradient array to the interval [-clip, clip].

    Works as torch.nn.utils.clip_grad_value_. Elements inside the interval are unchanged;
    elements above clip become clip, elements below -clip become -clip.

    Args:
        grads: a list of arrays of any shapes.
        clip: the largest magnitude allowed, > 0.

    Returns:
        a list of NEW arrays, one per input, each with its input's shape and dtype. The input
        arrays themselves are left unchanged.
    """
    # TODO: clamp both sides, element by element, into new arrays.
    raise NotImplementedError
