"""Convolution as a matrix product over explicit im2col columns, pooling by a loop over offsets.

A different style from the reference: the windows are copied into an im2col matrix with one
row per output position, the convolution is a single matrix product, dx is folded back with
a loop over the kernel positions, and max pooling compares the size * size window offsets
one by one (a strict > keeps the first maximum on ties).
"""
from __future__ import annotations

import numpy as np


def _im2col(xpad, kh, kw, stride, h_out, w_out):
    """(N * h_out * w_out, C * kh * kw): each row one window, in (c, p, q) order."""
    n, c = xpad.shape[:2]
    cols = np.empty((n, h_out, w_out, c, kh, kw))
    for p in range(kh):
        for q in range(kw):
            cols[:, :, :, :, p, q] = xpad[:, :, p:p + stride * h_out:stride,
                                          q:q + stride * w_out:stride].transpose(0, 2, 3, 1)
    return cols.reshape(n * h_out * w_out, c * kh * kw)


def conv2d_forward(x, w, b, stride=1, padding=0):
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (wd + 2 * padding - kw) // stride + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = _im2col(xpad, kh, kw, stride, h_out, w_out)
    out = cols @ w.reshape(f, -1).T + b                          # (N*Ho*Wo, F)
    out = out.reshape(n, h_out, w_out, f).transpose(0, 3, 1, 2)
    return out, {"cols": cols, "w": w, "x_shape": x.shape, "stride": stride, "padding": padding}


def conv2d_backward(dout, cache):
    w, stride, padding = cache["w"], cache["stride"], cache["padding"]
    n, c, h, wd = cache["x_shape"]
    f, _, kh, kw = w.shape
    dout = np.asarray(dout, dtype=np.float64)
    h_out, w_out = dout.shape[2:]
    d2 = dout.transpose(0, 2, 3, 1).reshape(-1, f)               # (N*Ho*Wo, F)
    db = d2.sum(axis=0)
    dw = (d2.T @ cache["cols"]).reshape(w.shape)
    dcols = (d2 @ w.reshape(f, -1)).reshape(n, h_out, w_out, c, kh, kw)
    dxpad = np.zeros((n, c, h + 2 * padding, wd + 2 * padding))
    for p in range(kh):
        for q in range(kw):
            dxpad[:, :, p:p + stride * h_out:stride, q:q + stride * w_out:stride] += \
                dcols[:, :, :, :, p, q].transpose(0, 3, 1, 2)
    return dxpad[:, :, padding:padding + h, padding:padding + wd], dw, db


def maxpool2d_forward(x, size, stride):
    x = np.asarray(x, dtype=np.float64)
    n, c, h, wd = x.shape
    h_out, w_out = (h - size) // stride + 1, (wd - size) // stride + 1
    best = np.full((n, c, h_out, w_out), -np.inf)
    where = np.zeros((n, c, h_out, w_out), dtype=int)
    for k in range(size * size):
        p, q = divmod(k, size)
        candidate = x[:, :, p:p + stride * h_out:stride, q:q + stride * w_out:stride]
        better = candidate > best                                # strict: the first max stays
        best = np.where(better, candidate, best)
        where = np.where(better, k, where)
    return best, (x.shape, where, size, stride)


def maxpool2d_backward(dout, cache):
    x_shape, where, size, stride = cache
    dout = np.asarray(dout, dtype=np.float64)
    h_out, w_out = where.shape[2:]
    dx = np.zeros(x_shape)
    for k in range(size * size):
        p, q = divmod(k, size)
        dx[:, :, p:p + stride * h_out:stride, q:q + stride * w_out:stride] += \
            np.where(where == k, dout, 0.0)
    return dx
