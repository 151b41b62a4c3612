"""Inverted dropout with the scale folded into one float mask.

A different style from the reference: the mask array returned holds 1 / (1 - p) where an
element is kept and 0 where it is dropped, so backward is a single multiplication and never
looks at p. The mask is still True (non-zero) exactly where the element was kept; p = 1 needs
no special case, because no element is ever kept.
"""
from __future__ import annotations

import numpy as np


def dropout_forward(x, p, train, rng):
    if p < 0 or p > 1:
        raise ValueError("dropout probability must lie in [0, 1]")
    x = np.array(x, dtype=np.float64)
    if not train:
        return x, None
    keep = rng.uniform(size=x.shape) < 1.0 - p
    scaled = np.zeros(x.shape)
    np.divide(1.0, 1.0 - p, out=scaled, where=keep)    # only where kept: no 1/0 at p = 1
    return x * scaled, scaled


def dropout_backward(dout, mask, p):
    dout = np.array(dout, dtype=np.float64)
    return dout if mask is None else dout * mask
