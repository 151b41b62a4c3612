"""A 2-D convolution layer and max pooling, forward and backward, in numpy.

Convolution layers in deep learning compute a CROSS-correlation: the kernel slides over the
input as it is, without being flipped (torch.nn.functional.conv2d does the same):

    out[n, f, i, j] = b[f] + sum over c, p, q of
                      w[f, c, p, q] * xpad[n, c, i * stride + p, j * stride + q]

where xpad is x with `padding` zeros added on ALL four sides. Output sizes:

    H_out = (H + 2 * padding - KH) // stride + 1        (and the same for W)

Max pooling takes the largest value of each size x size window, moving by stride, with no
padding; windows that would run past the edge are left out (H_out = (H - size) // stride + 1).
Its gradient goes to the one element that was the maximum: on a tie, the first of the tied
elements in row-major order within the window (as torch does).

Layouts are torch's: x (N, C, H, W), w (F, C, KH, KW), b (F,). Arrays are float64.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1,
                   padding: int = 0) -> tuple[np.ndarray, Any]:
    """Convolve (cross-correlate) x with the filters w, add the bias b.

    Args:
        x: input, shape (N, C, H, W).
        w: filters, shape (F, C, KH, KW).
        b: biases, shape (F,).
        stride: step of the window, the same along H and W (>= 1).
        padding: zeros added on every side of H and W (>= 0).

    Returns:
        out: shape (N, F, H_out, W_out), H_out = (H + 2*padding - KH) // stride + 1 and
            W_out = (W + 2*padding - KW) // stride + 1.
        cache: whatever conv2d_backward needs; it is handed back unchanged.
    """
    # TODO: pad x with zeros on all four sides, take every KH x KW window at the given
    # TODO: stride, and contract each window with every filter over (C, KH, KW); add b.
    raise NotImplementedError


def conv2d_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the loss with respect to x, w and b.

    Args:
        dout: upstream gradient, shape (N, F, H_out, W_out).
        cache: what conv2d_forward returned.

    Returns:
        dx: shape (N, C, H, W), the shape of x (not of the padded x).
        dw: shape (F, C, KH, KW).
        db: shape (F,): dout summed over N, H_out and W_out.
    """
    # TODO: db sums dout over every axis but F; dw contracts dout with the same windows the
    # TODO: forward pass used; dx sends each output's gradient back to every input element of
    # TODO: its window (accumulating where windows overlap), then drops the padding.
    raise NotImplementedError


def maxpool2d_forward(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, Any]:
    """Max pooling over size x size windows moved by stride, without padding.

    Args:
        x: input, shape (N, C, H, W).
        size: the window's height and width.
        stride: step of the window along H and W.

    Returns:
        out: shape (N, C, H_out, W_out), H_out = (H - size) // stride + 1 (and the same for
            W): windows that would run past the edge are left out.
        cache: whatever maxpool2d_backward needs.
    """
    # TODO: take every size x size window at the given stride and its maximum; remember
    # TODO: WHICH element was the maximum (the first one, in row-major order, on a tie).
    raise NotImplementedError


def maxpool2d_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient of the loss with respect to max pooling's input.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: what maxpool2d_forward returned.

    Returns:
        dx: shape (N, C, H, W). Each window's gradient goes to its maximum only (the first
            maximum on a tie); an element that is the maximum of several overlapping windows
            receives the sum of their gradients; every other element gets 0.
    """
    # TODO: route each dout value to the input position of its window's maximum, adding
    # TODO: up where overlapping windows share a maximum.
    raise NotImplementedError
