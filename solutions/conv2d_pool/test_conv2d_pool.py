"""Hidden suite for the conv2d_pool exercise.

Oracles: torch.nn.functional.conv2d and max_pool2d in float64, with autograd for every
gradient. Inputs are chosen so the usual bugs show: every dimension distinct (N=2, C=3, F=4,
H=7, W=6 or 8), a non-square 3 x 2 kernel (so a flipped kernel or swapped KH/KW differ),
stride 2 with padding 1 (so the output size formula and one-sided padding show), max-pool
inputs with H, W not divisible by the stride (windows past the edge must be left out), inputs
of small integers for ties, and stride 1 pooling where windows overlap.

The caches are opaque: whatever the learner's forward returned goes back, untouched, to the
learner's backward.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough

F = torch.nn.functional
# float64 sums of at most ~100 products of O(1) numbers: 1e-9 relative is rounding only.
RTOL, ATOL = 1e-9, 1e-10


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, np.float64), requires_grad=grad)


def _conv_inputs(seed, x_shape, w_shape):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(x_shape), rng.standard_normal(w_shape),
            rng.standard_normal(w_shape[0]))


def _torch_conv(x, w, b, stride, padding, dout=None):
    """F.conv2d, and with dout also (dx, dw, db) by autograd."""
    xt, wt, bt = _t(x, True), _t(w, True), _t(b, True)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    if dout is None:
        return out.detach().numpy()
    (out * _t(dout)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def _conv_forward_bugs(x, w, b, stride, padding):
    """Known conv forward mistakes mapped to the output each gives."""
    right = _torch_conv(x, w, b, stride, padding)
    xt, wt, bt = _t(x), _t(w), _t(b)
    bugs = {
        "the kernel is flipped (a true convolution): deep-learning conv layers slide the "
        "kernel as it is (cross-correlation)":
            F.conv2d(xt, wt.flip(2, 3), bt, stride=stride, padding=padding).numpy(),
        "the bias b is not added": right - b[None, :, None, None],
        "the output size is one too small: H_out = (H + 2*padding - KH) // stride + 1":
            right[:, :, :-1, :-1],
    }
    if padding:
        one_side = F.pad(xt, (padding, 0, padding, 0))      # zeros on the top and left only
        bugs["padding added on one side only: pad every side by `padding`"] = \
            F.conv2d(one_side, wt, bt, stride=stride).numpy()
        bugs["padding ignored"] = F.conv2d(xt, wt, bt, stride=stride).numpy()
    if stride > 1:
        bugs["stride ignored: the window moves by 1"] = \
            F.conv2d(xt, wt, bt, padding=padding).numpy()
    return bugs


def _conv_backward_bugs(x, w, b, stride, padding, dout):
    """Known conv backward mistakes mapped to (dx, dw, db) each gives, by name of the output."""
    xt, wt = _t(x, True), _t(w, True)
    flipped = F.conv2d(xt, wt.flip(2, 3), _t(b), stride=stride, padding=padding)
    (flipped * _t(dout)).sum().backward()
    n = x.shape[0]
    _, dx, dw, db = _torch_conv(x, w, b, stride, padding, dout)
    return {
        "dx": {"dx through a flipped kernel": xt.grad.numpy()},
        "dw": {"dw of a flipped kernel": wt.grad.numpy()[:, :, ::-1, ::-1].copy(),
               "dw divided by N: the loss's gradient already carries any mean": dw / n},
        "db": {"db summed over H_out and W_out only, not over the batch N":
               dout.sum(axis=(2, 3)),
               "db summed over the batch only, not over H_out and W_out": dout.sum(axis=0),
               "db averaged instead of summed": dout.mean(axis=(0, 2, 3)),
               "db summed over N only per position, then the first position taken":
               dout.sum(axis=0)[:, 0, 0]},
    }


def _check_conv_backward(submission, x, w, b, stride, padding, seed):
    out, cache = submission.conv2d_forward(x, w, b, stride, padding)
    dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    dx, dw, db = submission.conv2d_backward(dout, cache)
    _, want_dx, want_dw, want_db = _torch_conv(x, w, b, stride, padding, dout)
    bugs = _conv_backward_bugs(x, w, b, stride, padding, dout)
    if padding:
        hp, wp = x.shape[2] + 2 * padding, x.shape[3] + 2 * padding
        if np.shape(dx) == (x.shape[0], x.shape[1], hp, wp):
            raise AssertionError(f"dx: expected shape {x.shape}, got {np.shape(dx)}\n"
                                 f"  likely mistake: the gradient of the PADDED input; crop "
                                 f"`padding` rows and columns from every side")
    assert_close(dx, want_dx, name="dx", rtol=RTOL, atol=ATOL, bugs=bugs["dx"])
    assert_close(dw, want_dw, name="dw", rtol=RTOL, atol=ATOL, bugs=bugs["dw"])
    assert_close(db, want_db, name="db", rtol=RTOL, atol=ATOL, bugs=bugs["db"])


# -- convolution forward --------------------------------------------------------------------

@pytest.mark.points(2)
def test_conv_forward_matches_torch(submission, reference):
    """x (2, 3, 7, 6), w (4, 3, 3, 2), stride 1, no padding: out (2, 4, 5, 5) as F.conv2d."""
    x, w, b = _conv_inputs(0, (2, 3, 7, 6), (4, 3, 3, 2))
    out, _ = submission.conv2d_forward(x, w, b)
    assert_close(out, _torch_conv(x, w, b, 1, 0), name="out", rtol=RTOL, atol=ATOL,
                 bugs=_conv_forward_bugs(x, w, b, 1, 0))


@pytest.mark.points(2)
def test_conv_forward_with_stride_and_padding(submission, reference):
    """Stride 2, padding 1 on x (2, 3, 7, 8) with w (4, 3, 3, 2): out (2, 4, 4, 5)."""
    x, w, b = _conv_inputs(1, (2, 3, 7, 8), (4, 3, 3, 2))
    out, _ = submission.conv2d_forward(x, w, b, stride=2, padding=1)
    assert_close(out, _torch_conv(x, w, b, 2, 1), name="out", rtol=RTOL, atol=ATOL,
                 bugs=_conv_forward_bugs(x, w, b, 2, 1))


@pytest.mark.points(1)
def test_conv_forward_output_size_with_stride_3_padding_2(submission, reference):
    """Stride 3, padding 2 on x (1, 2, 8, 9) with w (3, 2, 3, 3): out (1, 3, 3, 4)."""
    x, w, b = _conv_inputs(2, (1, 2, 8, 9), (3, 2, 3, 3))
    out, _ = submission.conv2d_forward(x, w, b, 3, 2)
    assert_close(out, _torch_conv(x, w, b, 3, 2), name="out", rtol=RTOL, atol=ATOL,
                 bugs=_conv_forward_bugs(x, w, b, 3, 2))


# -- convolution backward -------------------------------------------------------------------

@pytest.mark.points(3)
def test_conv_backward_matches_autograd(submission, reference):
    """dx, dw, db for x (2, 3, 7, 6), w (4, 3, 3, 2), stride 1, no padding match autograd."""
    x, w, b = _conv_inputs(3, (2, 3, 7, 6), (4, 3, 3, 2))
    _check_conv_backward(submission, x, w, b, 1, 0, seed=30)


@pytest.mark.points(3)
def test_conv_backward_with_stride_and_padding(submission, reference):
    """dx, dw, db with stride 2 and padding 1 on x (2, 3, 7, 8) match autograd."""
    x, w, b = _conv_inputs(4, (2, 3, 7, 8), (4, 3, 3, 2))
    _check_conv_backward(submission, x, w, b, 2, 1, seed=40)


@pytest.mark.points(1)
def test_conv_db_sums_over_batch_and_positions(submission, reference):
    """db has shape (F,) = (4,): dout summed over N, H_out and W_out."""
    x, w, b = _conv_inputs(5, (3, 2, 6, 5), (4, 2, 2, 3))
    out, cache = submission.conv2d_forward(x, w, b, 1, 1)
    dout = np.random.default_rng(50).standard_normal(np.shape(out))
    _, _, db = submission.conv2d_backward(dout, cache)
    assert_close(db, dout.sum(axis=(0, 2, 3)), name="db", rtol=RTOL, atol=ATOL,
                 bugs=_conv_backward_bugs(x, w, b, 1, 1, dout)["db"])


# -- max pooling ----------------------------------------------------------------------------

def _pool_inputs(seed, shape, ties=False):
    rng = np.random.default_rng(seed)
    if ties:                                   # values 0, 1, 2: most windows have tied maxima
        return rng.integers(0, 3, shape).astype(np.float64)
    return rng.standard_normal(shape)


def _torch_pool(x, size, stride, dout=None):
    xt = _t(x, True)
    out = F.max_pool2d(xt, size, stride)
    if dout is None:
        return out.detach().numpy()
    (out * _t(dout)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def _pool_forward_bugs(x, size, stride):
    xt = _t(x)
    return {"windows past the edge kept (ceil): leave them out, H_out = (H - size) // stride + 1":
            F.max_pool2d(xt, size, stride, ceil_mode=True).numpy(),
            "the average of each window, not its maximum": F.avg_pool2d(xt, size, stride).numpy(),
            "stride ignored: windows moved by 1": F.max_pool2d(xt, size, 1).numpy()}


def _pool_backward_bugs(x, size, stride, dout):
    """Known max-pool backward mistakes mapped to the dx each gives (small loops: trusted)."""
    n, c, h, w = x.shape
    h_out, w_out = (h - size) // stride + 1, (w - size) // stride + 1
    every, tied, assigned = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
    last_tie = np.zeros_like(x)
    for i in range(h_out):
        for j in range(w_out):
            rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            window = x[:, :, rows, cols]                          # (N, C, size, size)
            g = dout[:, :, i, j][:, :, None, None]
            is_max = window == window.max(axis=(2, 3), keepdims=True)
            every[:, :, rows, cols] += g
            tied[:, :, rows, cols] += g * is_max
            # The first maximum written with = instead of +=: a later window overwrites.
            flat = window.reshape(n, c, -1)
            first = flat.argmax(axis=-1)
            last = size * size - 1 - flat[..., ::-1].argmax(axis=-1)
            for nn in range(n):
                for cc in range(c):
                    p, q = divmod(int(first[nn, cc]), size)
                    assigned[nn, cc, i * stride + p, j * stride + q] = dout[nn, cc, i, j]
                    p, q = divmod(int(last[nn, cc]), size)
                    last_tie[nn, cc, i * stride + p, j * stride + q] += dout[nn, cc, i, j]
    return {"the gradient sent to every element of the window: only the maximum gets it": every,
            "the gradient sent to every tied maximum: only the first one (row-major) gets it":
                tied,
            "the gradient sent to the LAST of the tied maxima: the first one (row-major) gets it":
                last_tie,
            "dx[max] = dout instead of +=: where overlapping windows share a maximum, their "
            "gradients add up": assigned}


@pytest.mark.points(2)
def test_maxpool_forward_matches_torch(submission, reference):
    """size 2, stride 2 on x (2, 3, 9, 7): out (2, 3, 4, 3), the last row and column left out."""
    x = _pool_inputs(6, (2, 3, 9, 7))
    out, _ = submission.maxpool2d_forward(x, 2, 2)
    assert_close(out, _torch_pool(x, 2, 2), name="out", rtol=RTOL, atol=ATOL,
                 bugs=_pool_forward_bugs(x, 2, 2))


@pytest.mark.points(1)
def test_maxpool_forward_overlapping_windows(submission, reference):
    """size 3, stride 2 on x (2, 3, 8, 7): overlapping windows, out (2, 3, 3, 3)."""
    x = _pool_inputs(7, (2, 3, 8, 7))
    out, _ = submission.maxpool2d_forward(x, 3, 2)
    assert_close(out, _torch_pool(x, 3, 2), name="out", rtol=RTOL, atol=ATOL,
                 bugs=_pool_forward_bugs(x, 3, 2))


def _check_pool_backward(submission, x, size, stride, seed):
    out, cache = submission.maxpool2d_forward(x, size, stride)
    dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    dx = submission.maxpool2d_backward(dout, cache)
    _, want = _torch_pool(x, size, stride, dout)
    # dx entries are sums of a few dout values: 1e-12 absolute is rounding only.
    assert_close(dx, want, name="dx", rtol=RTOL, atol=ATOL,
                 bugs=_pool_backward_bugs(x, size, stride, dout))


@pytest.mark.points(2)
def test_maxpool_backward_routes_to_the_maximum(submission, reference):
    """size 2, stride 2 on x (2, 3, 9, 7): each window's gradient goes to its maximum only."""
    _check_pool_backward(submission, _pool_inputs(8, (2, 3, 9, 7)), 2, 2, seed=80)


@pytest.mark.points(2)
def test_maxpool_backward_ties_go_to_the_first_maximum(submission, reference):
    """Inputs of 0, 1, 2 (many ties): only the first maximum in row-major order gets dout."""
    _check_pool_backward(submission, _pool_inputs(9, (2, 3, 8, 6), ties=True), 2, 2, seed=90)


@pytest.mark.points(2)
def test_maxpool_backward_overlapping_windows_add_up(submission, reference):
    """size 3, stride 1 on x (2, 2, 6, 7): a maximum shared by several windows gets their sum."""
    _check_pool_backward(submission, _pool_inputs(10, (2, 2, 6, 7)), 3, 1, seed=100)


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """conv2d_forward on (8, 16, 32, 32) with 16 3x3 filters and max pooling: vectorised, and right."""
    x, w, b = _conv_inputs(11, (8, 16, 32, 32), (16, 16, 3, 3))
    # A loop over N, F and the output positions is ~50x slower than the vectorised reference
    # (~10 ms); looping over only the 9 kernel positions or the 1024 output positions
    # (vectorised over the batch) stays well within 20x.
    got, want = assert_fast_enough(submission.conv2d_forward, reference.conv2d_forward, x, w, b,
                                   1, 1, max_ratio=20)
    assert_close(got[0], want[0], name="out of the timed conv2d_forward", rtol=RTOL, atol=ATOL)
    got, want = assert_fast_enough(submission.maxpool2d_forward, reference.maxpool2d_forward, x,
                                   2, 2, max_ratio=20)
    assert_close(got[0], want[0], name="out of the timed maxpool2d_forward", rtol=RTOL,
                 atol=ATOL)
