"""Hidden suite for the gated_units exercise.

Oracles: torch.nn.functional.glu, silu and gelu in float64, with autograd for GLU's backward.
Inputs are chosen so the usual bugs show: the last axis has 10 entries (halves of 5) and the
other axes have different sizes, so splitting the wrong axis or interleaving even and odd
entries changes the shape or the values; the halves are drawn with different offsets (a
around +0.5, b around -0.3), so a and b cannot stand in for each other; values are O(1), where
sigmoid, SiLU and GELU all differ clearly; one test puts +-800 in the gate to catch overflow.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough

SHAPE = (3, 4, 10)          # (N, T, D): every size distinct, D = 2 * 5
# float64 elementwise maths: 1e-10 relative is rounding only and far below any bug.
RTOL, ATOL = 1e-10, 1e-12
F = torch.nn.functional


def _x(seed, shape=SHAPE):
    """x whose first half (a) is centred on +0.5 and second half (b) on -0.3."""
    rng = np.random.default_rng(seed)
    x = 1.5 * rng.standard_normal(shape)
    half = shape[-1] // 2
    x[..., :half] += 0.5
    x[..., half:] -= 0.3
    return x


def _t(x):
    return torch.tensor(np.asarray(x, np.float64))


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gates(x):
    """The known mix-ups of the split, each as (a, b) pairs of the same shape."""
    d = x.shape[-1] // 2
    a, b = x[..., :d], x[..., d:]
    return {"right": (a, b), "swapped": (b, a), "interleaved": (x[..., 0::2], x[..., 1::2])}


def _forward_bugs(x):
    """Known forward mistakes mapped to the output each gives."""
    g = _gates(x)
    a, b = g["right"]
    gelu = lambda z: 0.5 * z * (1 + _erf(z / math.sqrt(2)))                  # noqa: E731
    gelu_tanh = lambda z: 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi)      # noqa: E731
                                                 * (z + 0.044715 * z ** 3)))
    bugs = {}
    for act_name, act in (("sigmoid", _sig), ("silu", lambda z: z * _sig(z)), ("gelu", gelu)):
        sa, sb = g["swapped"]
        bugs[f"the gate is on the first half: {act_name}(a) * b; the first half is the value "
             f"a, the second half b is the gate"] = sa * act(sb)
        ia, ib = g["interleaved"]
        bugs[f"halves taken as even and odd entries (x[..., 0::2], x[..., 1::2]) with "
             f"{act_name}; split into the first and the second half"] = ia * act(ib)
        bugs[f"gate {act_name}(b) returned without multiplying by a"] = act(b)
    bugs.update({
        "sigmoid(b) as the gate: that is GLU; SwiGLU gates with silu(b) = b * sigmoid(b)":
            a * _sig(b),
        "a * silu(b) * sigmoid(b): silu already contains the sigmoid": a * b * _sig(b) ** 2,
        "the tanh approximation of GELU: geglu uses the exact erf form": a * gelu_tanh(b),
        "relu(b) as the gate (that is ReGLU)": a * np.maximum(b, 0),
        "silu(b) as the gate: that is SwiGLU; GEGLU gates with gelu(b)": a * b * _sig(b),
        "gelu(b) as the gate: that is GEGLU": a * gelu(b),
    })
    return bugs


def _torch_glu_backward(x, dout):
    xt = _t(x).requires_grad_(True)
    (F.glu(xt, dim=-1) * _t(dout)).sum().backward()
    return xt.grad.numpy()


def _backward_bugs(x, dout):
    """Known GLU backward mistakes mapped to the dx each gives."""
    d = x.shape[-1] // 2
    a, b = x[..., :d], x[..., d:]
    s = _sig(b)
    da, db = dout * s, dout * a * s * (1 - s)
    return {
        "db forgets the factor a: dout * sigmoid'(b) alone": np.concatenate([da, dout * s * (1 - s)], -1),
        "db uses sigmoid(b) instead of its derivative sigmoid(b) * (1 - sigmoid(b))":
            np.concatenate([da, dout * a * s], -1),
        "the halves of dx in the wrong order: da belongs to the first half":
            np.concatenate([db, da], -1),
        "sigmoid'(b) written as b * (1 - b): the derivative takes sigmoid(b), not b":
            np.concatenate([da, dout * a * b * (1 - b)], -1),
        "da forgets the gate: dout instead of dout * sigmoid(b)":
            np.concatenate([dout, db], -1),
    }


# -- forward --------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_glu_matches_torch_glu(submission, reference):
    """glu(x) on (3, 4, 10) is torch.nn.functional.glu(x, dim=-1): a * sigmoid(b), shape (3, 4, 5)."""
    x = _x(0)
    assert_close(submission.glu(x), F.glu(_t(x), dim=-1).numpy(), name="glu(x)", rtol=RTOL,
                 atol=ATOL, bugs=_forward_bugs(x))


@pytest.mark.points(1)
def test_glu_on_1d_and_2d_input(submission, reference):
    """glu works on (8,) and (7, 6) inputs too: the split is always on the last axis."""
    for shape in ((8,), (7, 6)):
        x = _x(1, shape)
        assert_close(submission.glu(x), F.glu(_t(x), dim=-1).numpy(), name=f"glu(x), x {shape}",
                     rtol=RTOL, atol=ATOL, bugs=_forward_bugs(x))


@pytest.mark.points(1)
def test_glu_splits_the_last_axis_not_the_first(submission, reference):
    """On (6, 4, 8) input, glu halves the last axis: (6, 4, 4), not (3, 4, 8)."""
    x = _x(2, (6, 4, 8))
    bugs = _forward_bugs(x)
    bugs["split along axis 0 instead of the last axis"] = x[:3] * _sig(x[3:])
    assert_close(submission.glu(x), F.glu(_t(x), dim=-1).numpy(), name="glu(x), x (6, 4, 8)",
                 rtol=RTOL, atol=ATOL, bugs=bugs)


@pytest.mark.points(2)
def test_swiglu_gates_with_silu(submission, reference):
    """swiglu(x) on (3, 4, 10) is a * silu(b), with torch.nn.functional.silu."""
    x = _x(3)
    a, b = _t(x).chunk(2, dim=-1)
    assert_close(submission.swiglu(x), (a * F.silu(b)).numpy(), name="swiglu(x)", rtol=RTOL,
                 atol=ATOL, bugs=_forward_bugs(x))


@pytest.mark.points(2)
def test_geglu_gates_with_exact_gelu(submission, reference):
    """geglu(x) on (3, 4, 10) is a * gelu(b), with the exact (erf) GELU of torch."""
    x = _x(4)
    a, b = _t(x).chunk(2, dim=-1)
    assert_close(submission.geglu(x), (a * F.gelu(b)).numpy(), name="geglu(x)", rtol=RTOL,
                 atol=ATOL, bugs=_forward_bugs(x))


@pytest.mark.points(2)
def test_large_gates_do_not_overflow(submission, reference):
    """Gates of +-800 give finite outputs: glu and swiglu pass a or 0, never NaN."""
    a = np.array([[0.5, -1.5, 2.0], [1.0, 3.0, -0.25]])
    b = np.array([[800.0, -800.0, 30.0], [-30.0, 750.0, -750.0]])
    x = np.concatenate([a, b], axis=-1)                # (2, 6)
    at, bt = _t(a), _t(b)
    with np.errstate(all="ignore"):
        naive = {"sigmoid as exp(b) / (1 + exp(b)) is inf / inf = NaN for large b: take exp "
                 "of -|b| only": a * np.exp(b) / (1 + np.exp(b))}
    # Saturated gates give exactly a or 0; 1e-12 absolute is exact enough.
    assert_close(submission.glu(x), (at * torch.sigmoid(bt)).numpy(), name="glu(x) at |b| = 800",
                 rtol=RTOL, atol=ATOL, bugs=naive)
    assert_close(submission.swiglu(x), (at * F.silu(bt)).numpy(),
                 name="swiglu(x) at |b| = 800", rtol=RTOL, atol=ATOL)


@pytest.mark.points(1)
def test_odd_last_axis_raises_value_error(submission, reference):
    """A last axis of odd size (3, 7) cannot be halved: glu, swiglu and geglu raise ValueError."""
    x = _x(5, (3, 7))
    for name in ("glu", "swiglu", "geglu"):
        # Another exception type fails the test with the learner's traceback.
        with pytest.raises(ValueError):
            getattr(submission, name)(x)


# -- backward -------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_glu_backward_matches_autograd(submission, reference):
    """glu_backward(x, dout) on (3, 4, 10) is torch autograd's dL/dx through F.glu."""
    x = _x(6)
    dout = np.random.default_rng(60).standard_normal((3, 4, 5))
    assert_close(submission.glu_backward(x, dout), _torch_glu_backward(x, dout), name="dx",
                 rtol=RTOL, atol=ATOL, bugs=_backward_bugs(x, dout))


@pytest.mark.points(1)
def test_glu_backward_on_4d_input(submission, reference):
    """On (2, 3, 4, 6) input, dx has the shape of x and matches autograd."""
    x = _x(7, (2, 3, 4, 6))
    dout = np.random.default_rng(70).standard_normal((2, 3, 4, 3))
    assert_close(submission.glu_backward(x, dout), _torch_glu_backward(x, dout),
                 name="dx, x (2, 3, 4, 6)", rtol=RTOL, atol=ATOL, bugs=_backward_bugs(x, dout))


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """glu and glu_backward on (20000, 16) are vectorised (no loop over rows), and right."""
    x = _x(8, (20000, 16))
    dout = np.random.default_rng(80).standard_normal((20000, 8))
    # A Python loop over the 20 000 short rows is ~100x slower than one vectorised call
    # (a few ms); 20x leaves room for scheduling noise and for sending the result back.
    got, want = assert_fast_enough(submission.glu, reference.glu, x, max_ratio=20, repeat=3)
    assert_close(got, want, name="glu(x) of the timed call", rtol=RTOL, atol=ATOL)
    got, want = assert_fast_enough(submission.glu_backward, reference.glu_backward, x, dout,
                                   max_ratio=20, repeat=3)
    assert_close(got, want, name="dx of the timed call", rtol=RTOL, atol=ATOL)
