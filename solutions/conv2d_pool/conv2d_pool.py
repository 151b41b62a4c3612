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
    # BEGIN SOLUTION
    # TODO: pad x with zeros on all four sides, take every KH x KW window at the given
    # TODO: stride, and contract each window with every filter over (C, KH, KW); add b.
    x = np.asarray(x, dtype=np.float64)                # (N, C, H, W)
    w = np.asarray(w, dtype=np.float64)                # (F, C, KH, KW)
    b = np.asarray(b, dtype=np.float64)                # (F,)
    kh, kw = w.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    # Every window, then every stride-th one: (N, C, H_out, W_out, KH, KW). A view, no copy.
    windows = sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    # Contract C, KH, KW: (N, H_out, W_out, F), then move F next to N.
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    out = out + b[None, :, None, None]                 # (N, F, H_out, W_out)
    # Keep the padded input, not the windows: they are a view of it, cheap to take again.
    cache = (x.shape, xpad, w, stride, padding)
    return out, cache
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: db sums dout over every axis but F; dw contracts dout with the same windows the
    # TODO: forward pass used; dx sends each output's gradient back to every input element of
    # TODO: its window (accumulating where windows overlap), then drops the padding.
    x_shape, xpad, w, stride, padding = cache
    dout = np.asarray(dout, dtype=np.float64)          # (N, F, H_out, W_out)
    n, c, h, wd = x_shape
    f, _, kh, kw = w.shape
    h_out, w_out = dout.shape[2:]
    # The same windows as the forward pass: (N, C, H_out, W_out, KH, KW).
    windows = sliding_window_view(xpad, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]

    db = dout.sum(axis=(0, 2, 3))                      # (F,)
    # Contract N, H_out, W_out of dout (N, F, Ho, Wo) and windows (N, C, Ho, Wo, KH, KW).
    dw = np.tensordot(dout, windows, axes=([0, 2, 3], [0, 2, 3]))   # (F, C, KH, KW)

    dxpad = np.zeros((n, c, h + 2 * padding, wd + 2 * padding))
    # One kernel position (p, q) at a time: it touched the strided grid of input positions
    # p + stride * i, q + stride * j. KH * KW steps, each vectorised over N, C and the grid.
    for p in range(kh):
        for q in range(kw):
            contribution = np.einsum("nfij,fc->ncij", dout, w[:, :, p, q])   # (N, C, Ho, Wo)
            dxpad[:, :, p:p + stride * h_out:stride, q:q + stride * w_out:stride] += contribution
    dx = dxpad[:, :, padding:padding + h, padding:padding + wd]              # (N, C, H, W)
    return dx, dw, db
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: take every size x size window at the given stride and its maximum; remember
    # TODO: WHICH element was the maximum (the first one, in row-major order, on a tie).
    x = np.asarray(x, dtype=np.float64)                # (N, C, H, W)
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    flat = windows.reshape(*windows.shape[:4], size * size)   # (N, C, Ho, Wo, size*size)
    argmax = flat.argmax(axis=-1)                      # (N, C, Ho, Wo) first max on ties
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return out, (x.shape, argmax, size, stride)
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: route each dout value to the input position of its window's maximum, adding
    # TODO: up where overlapping windows share a maximum.
    x_shape, argmax, size, stride = cache
    dout = np.asarray(dout, dtype=np.float64)          # (N, C, Ho, Wo)
    n, c, h_out, w_out = argmax.shape
    # Where each window's maximum sits in x: window origin plus offset inside the window.
    rows = stride * np.arange(h_out)[:, None] + argmax // size       # (N, C, Ho, Wo)
    cols = stride * np.arange(w_out)[None, :] + argmax % size        # (N, C, Ho, Wo)
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, :, None, None]
    dx = np.zeros(x_shape)
    # np.add.at adds every contribution, even several to the same element (overlaps).
    np.add.at(dx, (batch, channel, rows, cols), dout)
    return dx
    # END SOLUTION
