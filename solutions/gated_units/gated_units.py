"""Gated linear units: GLU, SwiGLU and GEGLU, in numpy.

A gated unit splits its input's LAST axis into two halves of equal size, a (the first half)
and b (the second), and lets b decide how much of a gets through:

    a, b      = x[..., :D/2], x[..., D/2:]           D = x.shape[-1], must be even
    glu(x)    = a * sigmoid(b)                        torch.nn.functional.glu(x, dim=-1)
    swiglu(x) = a * silu(b),  silu(b) = b * sigmoid(b)
    geglu(x)  = a * gelu(b),  gelu(b) = b * Phi(b) = 0.5 * b * (1 + erf(b / sqrt(2)))

The output has the shape of x with the last axis halved. In a transformer's feed-forward
block, x is the output of one linear layer of width 2 * d_ff, so the gate is learned.

Everything is computed in float64.
"""
from __future__ import annotations

import math

import numpy as np

# BEGIN SOLUTION
# TODO: helpers of your own are welcome here: the split into halves, a sigmoid that does not
# TODO: overflow for large |b|, and an element-wise erf (numpy has none: use math.erf).
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _halves(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a, b): the first and the second half of x's last axis, as float64."""
    x = np.asarray(x, dtype=np.float64)                # (..., D)
    d = x.shape[-1]
    if d % 2:
        raise ValueError(f"the last axis must have an even size to split in halves, got {d}")
    return x[..., : d // 2], x[..., d // 2:]           # (..., D/2) each


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp only ever sees -|z| <= 0, so it cannot overflow.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
# END SOLUTION


def glu(x: np.ndarray) -> np.ndarray:
    """GLU: the first half of the last axis, gated by the sigmoid of the second half.

    Args:
        x: array of shape (..., D), D even.

    Returns:
        a * sigmoid(b), shape (..., D/2), float64, where a = x[..., :D/2] and b = x[..., D/2:].
        Finite for any finite x.

    Raises:
        ValueError: if D is odd.
    """
    # BEGIN SOLUTION
    # TODO: split the last axis into a (first half) and b (second half), then gate a by b.
    a, b = _halves(x)                                  # (..., D/2) each
    return a * _sigmoid(b)                             # (..., D/2)
    # END SOLUTION


def swiglu(x: np.ndarray) -> np.ndarray:
    """SwiGLU: a * silu(b), where silu(b) = b * sigmoid(b) (also called swish).

    Shapes, halves and errors as for glu.
    """
    # BEGIN SOLUTION
    # TODO: the same split; the gate is silu(b) = b * sigmoid(b) instead of sigmoid(b).
    a, b = _halves(x)
    return a * (b * _sigmoid(b))
    # END SOLUTION


def geglu(x: np.ndarray) -> np.ndarray:
    """GEGLU: a * gelu(b), with the exact GELU, gelu(b) = 0.5 * b * (1 + erf(b / sqrt(2))).

    Shapes, halves and errors as for glu. (Not the tanh approximation of GELU.)
    """
    # BEGIN SOLUTION
    # TODO: the same split; the gate is the exact GELU of b.
    a, b = _halves(x)
    return a * (0.5 * b * (1.0 + _erf(b / math.sqrt(2.0))))
    # END SOLUTION


def glu_backward(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """Gradient of the loss with respect to GLU's input x.

    Args:
        x: the input glu was given, shape (..., D).
        dout: upstream gradient dL/d(glu(x)), shape (..., D/2).

    Returns:
        dx, shape (..., D), float64: dL/da in the first half of the last axis and dL/db in
        the second, where out = a * sigmoid(b):
            dL/da = dout * sigmoid(b)
            dL/db = dout * a * sigmoid(b) * (1 - sigmoid(b))
    """
    # BEGIN SOLUTION
    # TODO: the gradient for each half by the product rule, then put the halves back together
    # TODO: along the last axis, a's first.
    a, b = _halves(x)                                  # (..., D/2) each
    dout = np.asarray(dout, dtype=np.float64)          # (..., D/2)
    s = _sigmoid(b)
    da = dout * s                                      # the gate scales a's gradient
    db = dout * a * s * (1.0 - s)                      # sigmoid'(b) = s * (1 - s)
    return np.concatenate([da, db], axis=-1)           # (..., D)
    # END SOLUTION
