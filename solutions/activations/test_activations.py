"""Hidden suite for the activations exercise.

Oracle: torch in float64 (torch.sigmoid, torch.tanh, and torch.nn.functional relu,
leaky_relu, elu and gelu), with autograd for the derivatives. Every backward test uses a
random dout, so a backward that returns f'(x) alone (no chain rule) fails everywhere.
Inputs are chosen so the usual bugs show: non-default slope and alpha (0.2, 0.7), so a
hard-coded 0.01 or a forgotten alpha differ; exact zeros for relu'(0); |x| up to 1000 for
overflow; x in [-4, 4] for GELU, where the exact form and its tanh approximation differ by up
to ~5e-4 and a wrong constant changes the output by far more than the tolerance.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough

SHAPE = (3, 4, 5)          # every dimension distinct
SLOPE = 0.2                # not the default 0.01
ALPHA = 0.7                # not 1, so a forgotten alpha shows
# float64 elementwise functions: 1e-10 relative is far above rounding, far below any bug.
RTOL, ATOL = 1e-10, 1e-12


# -- the oracle and models of known mistakes ------------------------------------------------

def _torch(name, x, dout, **kw):
    """(y, dx) from torch in float64: y = f(x), dx = dout * f'(x) by autograd."""
    F = torch.nn.functional
    fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu,
          "leaky_relu": lambda t: F.leaky_relu(t, kw.get("slope", 0.01)),
          "elu": lambda t: F.elu(t, kw.get("alpha", 1.0)),
          "gelu": lambda t: F.gelu(t, approximate=kw.get("approximate", "none"))}[name]
    xt = torch.tensor(np.asarray(x, np.float64), requires_grad=True)
    y = fn(xt)
    # A scalar loss: backward(grad_tensor) would import sympy (~0.5 s) to compare shapes.
    (y * torch.tensor(np.asarray(dout, np.float64))).sum().backward()
    return y.detach().numpy(), xt.grad.numpy()


def _inputs(seed, scale=2.0, shape=SHAPE):
    """x (normal, times scale) and dout (normal), float64."""
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal(shape), rng.standard_normal(shape)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu_tanh(x, c=math.sqrt(2 / math.pi), k=0.044715):
    """The tanh approximation of GELU with the constants c and k."""
    return 0.5 * x * (1 + np.tanh(c * (x + k * x ** 3)))


def _gelu_exact(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _gelu_forward_bugs(x):
    """Known GELU forward mistakes mapped to the output each gives."""
    return {
        "sqrt(2*pi) used instead of sqrt(2/pi) in the tanh approximation":
            _gelu_tanh(x, c=math.sqrt(2 * math.pi)),
        "sqrt(pi/2) used instead of sqrt(2/pi) in the tanh approximation":
            _gelu_tanh(x, c=math.sqrt(math.pi / 2)),
        "2/pi without the square root in the tanh approximation": _gelu_tanh(x, c=2 / math.pi),
        "cubic coefficient 0.44715 instead of 0.044715": _gelu_tanh(x, k=0.44715),
        "the cubic term is missing: tanh(sqrt(2/pi) * (x + 0.044715 * x**3))": _gelu_tanh(x, k=0),
        "the tanh approximation returned for approximate='none' (use erf)": _gelu_tanh(x),
        "the exact erf form returned for approximate='tanh'": _gelu_exact(x),
        "erf(x) instead of erf(x / sqrt(2))": 0.5 * x * (1 + _erf(x)),
        "x * sigmoid(x) (that is SiLU, not GELU)": x / (1 + np.exp(-x)),
    }


def _gelu_tanh_grad(x, c=math.sqrt(2 / math.pi), k=0.044715):
    """The derivative of the tanh approximation with the constants c and k."""
    t = np.tanh(c * (x + k * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * c * (1 + 3 * k * x ** 2)


def _gelu_backward_bugs(x, dout):
    """Known GELU backward mistakes mapped to the dx each gives."""
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x ** 2) / math.sqrt(2 * math.pi)
    c, k = math.sqrt(2 / math.pi), 0.044715
    t = np.tanh(c * (x + k * x ** 3))
    tanh_grad = _gelu_tanh_grad(x)
    return {
        "sqrt(2*pi) used instead of sqrt(2/pi) in the tanh approximation":
            dout * _gelu_tanh_grad(x, c=math.sqrt(2 * math.pi)),
        "cubic coefficient 0.44715 instead of 0.044715": dout * _gelu_tanh_grad(x, k=0.44715),
        "dx = dout * Phi(x): the x * phi(x) term of d/dx [x * Phi(x)] is missing": dout * cdf,
        "the exact GELU derivative used for approximate='tanh'": dout * (cdf + x * pdf),
        "the tanh approximation's derivative used for approximate='none'": dout * tanh_grad,
        "the derivative of tanh(u) used without the inner factor du/dx":
            dout * (0.5 * (1 + t) + 0.5 * x * (1 - t ** 2)),
        "f'(x) returned without multiplying by dout": tanh_grad,
    }


# -- sigmoid and tanh -----------------------------------------------------------------------

@pytest.mark.points(1)
def test_sigmoid_forward(submission, reference):
    """sigmoid(x) on a (3, 4, 5) input matches torch.sigmoid."""
    x, dout = _inputs(0)
    want, _ = _torch("sigmoid", x, dout)
    assert_close(submission.forward("sigmoid", x), want, name="sigmoid(x)", rtol=RTOL,
                 atol=ATOL, bugs={"tanh instead of sigmoid": np.tanh(x),
                                  "1 / (1 + exp(x)): the sign of x is flipped": 1 / (1 + np.exp(x))})


@pytest.mark.points(2)
def test_sigmoid_backward(submission, reference):
    """dx for sigmoid is dout * s * (1 - s), with s = sigmoid(x)."""
    x, dout = _inputs(1)
    s, want = _torch("sigmoid", x, dout)
    assert_close(submission.backward("sigmoid", x, dout), want, name="dx (sigmoid)", rtol=RTOL,
                 atol=ATOL, bugs={"x * (1 - x): the derivative must use s = sigmoid(x), not x":
                                  dout * x * (1 - x),
                                  "f'(x) returned without multiplying by dout": s * (1 - s)})


@pytest.mark.points(1)
def test_tanh_forward(submission, reference):
    """tanh(x) on a (3, 4, 5) input matches torch.tanh."""
    x, dout = _inputs(2)
    want, _ = _torch("tanh", x, dout)
    assert_close(submission.forward("tanh", x), want, name="tanh(x)", rtol=RTOL, atol=ATOL,
                 bugs={"2 * sigmoid(x) - 1 = tanh(x / 2): scale x by 2 first":
                       np.tanh(x / 2)})


@pytest.mark.points(2)
def test_tanh_backward(submission, reference):
    """dx for tanh is dout * (1 - tanh(x)**2)."""
    x, dout = _inputs(3)
    t, want = _torch("tanh", x, dout)
    assert_close(submission.backward("tanh", x, dout), want, name="dx (tanh)", rtol=RTOL,
                 atol=ATOL, bugs={"1 - tanh(x): the square is missing": dout * (1 - t),
                                  "1 - x**2: the derivative must use tanh(x), not x":
                                  dout * (1 - x ** 2),
                                  "f'(x) returned without multiplying by dout": 1 - t ** 2})


@pytest.mark.points(2)
def test_sigmoid_and_tanh_stay_finite_at_large_inputs(submission, reference):
    """x = +-1000, +-750, +-40: sigmoid and tanh (forward and backward) give no inf or NaN."""
    x = np.array([[-1000.0, -750.0, -40.0, -1.5, 0.0],
                  [0.5, 2.0, 40.0, 750.0, 1000.0]])          # (2, 5): exp(750) overflows
    dout = np.linspace(-1.0, 2.0, x.size).reshape(x.shape)
    for name in ("sigmoid", "tanh"):
        want_y, want_dx = _torch(name, x, dout)
        # Saturated values are 0, +-1 or ~1e-326-small: an absolute 1e-12 is exact enough.
        with np.errstate(all="ignore"):
            overflow = {
                "sigmoid": {"exp(x) / (1 + exp(x)) overflows to inf / inf = NaN for large x: "
                            "take exp of -|x| only": np.exp(x) / (1 + np.exp(x))},
                "tanh": {"(e^x - e^-x) / (e^x + e^-x) overflows to inf / inf = NaN: use np.tanh":
                         (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))},
            }[name]
        assert_close(submission.forward(name, x), want_y, name=f"{name}(x) at large |x|",
                     rtol=RTOL, atol=ATOL, bugs=overflow)
        with np.errstate(all="ignore"):
            grad_overflow = {
                "sigmoid": {"exp(-x) / (1 + exp(-x))**2 overflows to inf / inf = NaN for very "
                            "negative x: use s * (1 - s)":
                            dout * np.exp(-x) / (1 + np.exp(-x)) ** 2},
                "tanh": {},
            }[name]
        assert_close(submission.backward(name, x, dout), want_dx,
                     name=f"dx ({name}) at large |x|", rtol=RTOL, atol=ATOL, bugs=grad_overflow)


# -- the ReLU family ------------------------------------------------------------------------

def _with_zeros(seed):
    """x with exact zeros at a third of the entries, and dout."""
    x, dout = _inputs(seed)
    x.ravel()[::3] = 0.0
    return x, dout


@pytest.mark.points(1)
def test_relu_forward(submission, reference):
    """relu(x) = max(x, 0) on a (3, 4, 5) input with exact zeros."""
    x, dout = _with_zeros(4)
    want, _ = _torch("relu", x, dout)
    assert_close(submission.forward("relu", x), want, name="relu(x)", rtol=RTOL, atol=ATOL,
                 bugs={"the 0/1 mask (x > 0) returned instead of max(x, 0)": (x > 0) * 1.0})


@pytest.mark.points(2)
def test_relu_backward_is_zero_at_zero(submission, reference):
    """dx for relu is dout where x > 0 and 0 elsewhere, x = 0 included (relu'(0) = 0)."""
    x, dout = _with_zeros(5)
    _, want = _torch("relu", x, dout)
    assert_close(submission.backward("relu", x, dout), want, name="dx (relu)", rtol=RTOL,
                 atol=ATOL, bugs={"gradient 1 at x = 0 (x >= 0): relu'(0) is 0, use x > 0":
                                  dout * (x >= 0),
                                  "f'(x) returned without multiplying by dout": (x > 0) * 1.0,
                                  "relu(dout): the mask must come from x, not from dout":
                                  np.maximum(dout, 0)})


@pytest.mark.points(1)
def test_leaky_relu_forward_uses_slope(submission, reference):
    """leaky_relu(x, slope=0.2) is x for x > 0 and 0.2 * x otherwise."""
    x, dout = _inputs(6)
    want, _ = _torch("leaky_relu", x, dout, slope=SLOPE)
    assert_close(submission.forward("leaky_relu", x, slope=SLOPE), want,
                 name="leaky_relu(x, slope=0.2)", rtol=RTOL, atol=ATOL,
                 bugs={"slope ignored: the default 0.01 used":
                       np.where(x > 0, x, 0.01 * x),
                       "relu returned: the negative side is slope * x, not 0": np.maximum(x, 0)})


@pytest.mark.points(2)
def test_leaky_relu_backward_uses_slope(submission, reference):
    """dx for leaky_relu(slope=0.2) is dout where x > 0 and 0.2 * dout elsewhere."""
    x, dout = _inputs(7)
    _, want = _torch("leaky_relu", x, dout, slope=SLOPE)
    assert_close(submission.backward("leaky_relu", x, dout, slope=SLOPE), want,
                 name="dx (leaky_relu, slope=0.2)", rtol=RTOL, atol=ATOL,
                 bugs={"slope ignored in backward: the default 0.01 used":
                       dout * np.where(x > 0, 1, 0.01),
                       "the relu gradient: the negative side passes slope * dout, not 0":
                       dout * (x > 0),
                       "slope * x used as the derivative on the negative side":
                       dout * np.where(x > 0, 1, SLOPE * x)})


@pytest.mark.points(1)
def test_elu_forward_uses_alpha(submission, reference):
    """elu(x, alpha=0.7) is x for x > 0 and 0.7 * (exp(x) - 1) otherwise."""
    x, dout = _inputs(8)
    want, _ = _torch("elu", x, dout, alpha=ALPHA)
    assert_close(submission.forward("elu", x, alpha=ALPHA), want, name="elu(x, alpha=0.7)",
                 rtol=RTOL, atol=ATOL,
                 bugs={"alpha ignored (alpha = 1 used)": np.where(x > 0, x, np.expm1(x)),
                       "alpha * exp(x) - 1 instead of alpha * (exp(x) - 1)":
                       np.where(x > 0, x, ALPHA * np.exp(x) - 1)})


@pytest.mark.points(2)
def test_elu_backward_negative_side_is_alpha_exp(submission, reference):
    """dx for elu(alpha=0.7) is dout for x > 0 and dout * 0.7 * exp(x) otherwise."""
    x, dout = _inputs(9)
    _, want = _torch("elu", x, dout, alpha=ALPHA)
    assert_close(submission.backward("elu", x, dout, alpha=ALPHA), want,
                 name="dx (elu, alpha=0.7)", rtol=RTOL, atol=ATOL,
                 bugs={"exp(x) without alpha on the negative side: the derivative is alpha * exp(x)":
                       dout * np.where(x > 0, 1, np.exp(x)),
                       "alpha * (exp(x) - 1), the forward value, used as the derivative":
                       dout * np.where(x > 0, 1, ALPHA * np.expm1(x)),
                       "the negative side's derivative taken as alpha (a constant)":
                       dout * np.where(x > 0, 1, ALPHA)})


# -- GELU -----------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_gelu_exact_forward(submission, reference):
    """gelu(x) with approximate='none' is 0.5 * x * (1 + erf(x / sqrt(2)))."""
    x, dout = _inputs(10, scale=1.5)
    want, _ = _torch("gelu", x, dout)
    assert_close(submission.forward("gelu", x, approximate="none"), want,
                 name="gelu(x, approximate='none')", rtol=RTOL, atol=ATOL,
                 bugs=_gelu_forward_bugs(x))


@pytest.mark.points(2)
def test_gelu_exact_backward(submission, reference):
    """dx for the exact GELU is dout * (Phi(x) + x * phi(x))."""
    x, dout = _inputs(11, scale=1.5)
    _, want = _torch("gelu", x, dout)
    assert_close(submission.backward("gelu", x, dout, approximate="none"), want,
                 name="dx (gelu, approximate='none')", rtol=RTOL, atol=ATOL,
                 bugs=_gelu_backward_bugs(x, dout))


@pytest.mark.points(2)
def test_gelu_tanh_forward_constants(submission, reference):
    """gelu(x, approximate='tanh') uses sqrt(2/pi) and 0.044715, as torch does."""
    x, dout = _inputs(12, scale=1.5)
    want, _ = _torch("gelu", x, dout, approximate="tanh")
    assert_close(submission.forward("gelu", x, approximate="tanh"), want,
                 name="gelu(x, approximate='tanh')", rtol=RTOL, atol=ATOL,
                 bugs=_gelu_forward_bugs(x))


@pytest.mark.points(2)
def test_gelu_tanh_backward(submission, reference):
    """dx for the tanh approximation is the derivative of the approximation itself."""
    x, dout = _inputs(13, scale=1.5)
    _, want = _torch("gelu", x, dout, approximate="tanh")
    assert_close(submission.backward("gelu", x, dout, approximate="tanh"), want,
                 name="dx (gelu, approximate='tanh')", rtol=RTOL, atol=ATOL,
                 bugs=_gelu_backward_bugs(x, dout))


# -- defaults, errors and speed ---------------------------------------------------------------

@pytest.mark.points(1)
def test_default_keyword_values(submission, reference):
    """Without keywords: leaky_relu slope 0.01, elu alpha 1.0, gelu approximate='none'."""
    x, dout = _inputs(14)
    for name, kw in (("leaky_relu", {"slope": 0.01}), ("elu", {"alpha": 1.0}),
                     ("gelu", {"approximate": "none"})):
        want_y, want_dx = _torch(name, x, dout, **kw)
        assert_close(submission.forward(name, x), want_y, name=f"{name}(x) with its defaults",
                     rtol=RTOL, atol=ATOL)
        assert_close(submission.backward(name, x, dout), want_dx,
                     name=f"dx ({name}) with its defaults", rtol=RTOL, atol=ATOL)


@pytest.mark.points(1)
def test_unknown_name_or_mode_raises_value_error(submission, reference):
    """An unknown activation name, or gelu approximate='fast', raises ValueError."""
    x, dout = _inputs(15)
    # Another exception type fails the test with the learner's traceback; none at all fails
    # with "DID NOT RAISE".
    with pytest.raises(ValueError):
        submission.forward("swish", x)
    with pytest.raises(ValueError):
        submission.backward("swish", x, dout)
    with pytest.raises(ValueError):
        submission.forward("gelu", x, approximate="fast")
    with pytest.raises(ValueError):
        submission.backward("gelu", x, dout, approximate="fast")


@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """elu forward and sigmoid backward on 150 000 values: vectorised, and right."""
    x, dout = _inputs(16, shape=(300, 500))
    # The reference takes a few ms here, so scheduling noise and sending the result back
    # (counted in the learner's time) stay well inside 20x; a Python loop over the elements
    # takes seconds. (GELU is not timed: numpy's x ** 3 alone is ~10x slower than
    # x * x * x, which says nothing about loops.)
    got, want = assert_fast_enough(submission.forward, reference.forward, "elu", x,
                                   alpha=ALPHA, max_ratio=20)
    assert_close(got, want, name="elu(x, alpha=0.7) of the timed call", rtol=RTOL, atol=ATOL)
    got, want = assert_fast_enough(submission.backward, reference.backward, "sigmoid", x, dout,
                                   max_ratio=20)
    assert_close(got, want, name="dx (sigmoid) of the timed call", rtol=RTOL, atol=ATOL)
