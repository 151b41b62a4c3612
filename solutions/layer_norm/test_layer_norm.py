"""Hidden suite for the layer_norm exercise.

Oracles: torch.nn.functional.layer_norm and autograd in float64, and central finite
differences of the reference forward. Inputs are chosen so the usual bugs show: D = 5
(unbiased variance differs by 25%), leading batch dims (4, 3, 5) with every size distinct,
rows scaled by 1e-3 (variance 1e-6, below eps, so eps placement matters), float32 input.

The learner's cache is opaque: whatever their forward returned is handed back, untouched, to
their backward (in an isolated worker it may be a handle).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, numeric_gradient

D = 5                       # small D: D-1 versus D is a 25% difference in the variance
SHAPE_3D = (4, 3, D)        # (N, T, D), every size distinct


# -- oracles and models of known mistakes ---------------------------------------------------

def _torch_layer_norm(x, gamma, beta, eps=1e-5, dout=None):
    """F.layer_norm in float64; with dout, also (dx, dgamma, dbeta) by autograd."""
    xt = torch.tensor(np.asarray(x, np.float64), requires_grad=True)
    gt = torch.tensor(np.asarray(gamma, np.float64), requires_grad=True)
    bt = torch.tensor(np.asarray(beta, np.float64), requires_grad=True)
    out = torch.nn.functional.layer_norm(xt, (xt.shape[-1],), gt, bt, eps)
    if dout is None:
        return out.detach().numpy()
    # A scalar loss: backward(grad_tensor) would import sympy (~0.5 s) to compare shapes.
    (out * torch.tensor(np.asarray(dout, np.float64))).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


def _forward_mistake(x, gamma, beta, eps=1e-5, *, ddof=0, eps_at="inside", axis=-1,
                     swap=False):
    """The output of a layer norm forward with one known mistake."""
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    denom = {"inside": np.sqrt(var + eps), "outside": np.sqrt(var) + eps,
             "missing": np.sqrt(var), "no sqrt": var + eps}[eps_at]
    xhat = (x - mean) / denom
    return beta * xhat + gamma if swap else gamma * xhat + beta


def _forward_bugs(x, gamma, beta, eps=1e-5):
    """Known forward mistakes mapped to the output each would give on these inputs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "unbiased variance (divides by D-1 instead of D)":
                _forward_mistake(x, gamma, beta, eps, ddof=1),
            "eps outside the square root: use sqrt(var + eps)":
                _forward_mistake(x, gamma, beta, eps, eps_at="outside"),
            "eps left out of the denominator":
                _forward_mistake(x, gamma, beta, eps, eps_at="missing"),
            "variance used as the standard deviation (square root missing)":
                _forward_mistake(x, gamma, beta, eps, eps_at="no sqrt"),
            "normalised over axis 0 (the batch), as batch norm does; layer norm uses the last axis":
                _forward_mistake(x, gamma, beta, eps, axis=0),
            "gamma and beta swapped: out = gamma * xhat + beta":
                _forward_mistake(x, gamma, beta, eps, swap=True),
        }


def _dx_bugs(x, gamma, dout, eps=1e-5):
    """Known backward mistakes mapped to the dx each would give."""
    mean = x.mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    xhat = (x - mean) * rstd

    def dx(g, mean_path=True, var_path=True):
        out = g.copy()
        if mean_path:
            out -= g.mean(axis=-1, keepdims=True)
        if var_path:
            out -= xhat * (g * xhat).mean(axis=-1, keepdims=True)
        return rstd * out

    g = dout * gamma
    return {
        "dx leaves out the path through the mean": dx(g, mean_path=False),
        "dx leaves out the path through the variance": dx(g, var_path=False),
        "dx forgets to multiply dout by gamma": dx(dout),
    }


def _check(got, want, *, name, rtol, atol, bugs=None):
    """assert_close, naming only the mistakes that these inputs tell apart from the answer.

    A mistake whose output is within 1e-3 of the right one (eps placement on unit-variance
    rows, say) would be named for any near miss; leave it to the test that exposes it.
    """
    with np.errstate(all="ignore"):
        bugs = {k: v for k, v in (bugs or {}).items()
                if np.shape(v) != np.shape(want) or not np.allclose(v, want, rtol=1e-3, atol=1e-6)}
    assert_close(got, want, name=name, rtol=rtol, atol=atol, bugs=bugs)


def _check_param_grad(got, want, name):
    """dgamma / dbeta: say so when the sum covered only axis 0 of an (N, T, D) input."""
    if isinstance(got, np.ndarray) and got.shape == SHAPE_3D[1:]:
        raise AssertionError(f"{name}: expected shape {want.shape}, got {got.shape}\n"
                             f"  likely mistake: summed over axis 0 only; sum over every "
                             f"leading axis (N and T)")
    # float64 sums of 12-60 terms: 1e-9 relative is far above rounding, far below any bug.
    assert_close(got, want, name=name, rtol=1e-9, atol=1e-11)


def _inputs(seed, shape, scale=1.0, dtype=np.float64):
    """x (times scale, with a per-feature offset so rows are not centred), gamma, beta, dout."""
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal(shape) + rng.standard_normal(shape[-1:]) * scale
    gamma = 1.0 + 0.5 * rng.standard_normal(shape[-1])
    beta = rng.standard_normal(shape[-1])
    dout = rng.standard_normal(shape)
    return [a.astype(dtype) for a in (x, gamma, beta, dout)]


# -- forward --------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_forward_matches_torch_on_2d_input(submission, reference):
    """Forward on (N, D) = (7, 5) input matches torch.nn.functional.layer_norm."""
    x, gamma, beta, _ = _inputs(0, (7, D))
    out, _ = submission.layer_norm_forward(x, gamma, beta)
    # float64, O(1) outputs: 1e-9 relative is ~1e5 ulps of slack and far below any bug.
    _check(out, _torch_layer_norm(x, gamma, beta), name="out", rtol=1e-9, atol=1e-10,
           bugs=_forward_bugs(x, gamma, beta))


@pytest.mark.points(2)
def test_forward_normalises_last_axis_of_3d_input(submission, reference):
    """Forward on (N, T, D) = (4, 3, 5) input normalises each of the 12 rows over D alone."""
    x, gamma, beta, _ = _inputs(1, SHAPE_3D)
    out, _ = submission.layer_norm_forward(x, gamma, beta)
    _check(out, _torch_layer_norm(x, gamma, beta), name="out", rtol=1e-9, atol=1e-10,
           bugs=_forward_bugs(x, gamma, beta))


@pytest.mark.points(3)
def test_forward_on_small_variance_rows(submission, reference):
    """Rows with variance ~1e-6 (below eps): the placement of eps and the D in the variance show."""
    x, gamma, beta, _ = _inputs(2, SHAPE_3D, scale=1e-3)
    out, _ = submission.layer_norm_forward(x, gamma, beta)
    # Outputs are O(1) even here; the bugs change them by 1% to 300%.
    _check(out, _torch_layer_norm(x, gamma, beta), name="out", rtol=1e-9, atol=1e-10,
           bugs=_forward_bugs(x, gamma, beta))


@pytest.mark.points(1)
def test_forward_uses_the_eps_argument(submission, reference):
    """eps=0.1 is used as given (not a hard-coded 1e-5)."""
    x, gamma, beta, _ = _inputs(3, (6, D), scale=0.3)
    out, _ = submission.layer_norm_forward(x, gamma, beta, eps=0.1)
    bugs = _forward_bugs(x, gamma, beta, eps=0.1)
    bugs["eps ignored: 1e-5 used instead of the eps argument"] = _torch_layer_norm(x, gamma, beta)
    _check(out, _torch_layer_norm(x, gamma, beta, eps=0.1), name="out", rtol=1e-9,
           atol=1e-10, bugs=bugs)


@pytest.mark.points(1)
def test_gamma_scales_and_beta_shifts(submission, reference):
    """gamma multiplies the normalised rows and beta is added: out = gamma * xhat + beta."""
    x, _, _, _ = _inputs(4, (3, D))
    gamma = np.array([2.0, -1.0, 0.5, 3.0, 0.25])
    beta = np.array([10.0, -20.0, 0.0, 5.0, -1.0])
    out, _ = submission.layer_norm_forward(x, gamma, beta)
    _check(out, _torch_layer_norm(x, gamma, beta), name="out", rtol=1e-9, atol=1e-10,
           bugs=_forward_bugs(x, gamma, beta))


# -- backward -------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_backward_matches_finite_differences(submission, reference):
    """On (3, 5) input, dx, dgamma and dbeta match central finite differences of layer norm."""
    x, gamma, beta, dout = _inputs(5, (3, D))
    _, cache = submission.layer_norm_forward(x, gamma, beta)
    dx, dgamma, dbeta = submission.layer_norm_backward(dout, cache)

    def loss(x_=x, gamma_=gamma, beta_=beta):
        return float((reference.layer_norm_forward(x_, gamma_, beta_)[0] * dout).sum())

    # Central differences with step 1e-6 are good to ~1e-8 here; 1e-5 relative leaves room.
    _check(dx, numeric_gradient(lambda v: loss(x_=v), x), name="dx", rtol=1e-5,
           atol=1e-7, bugs=_dx_bugs(x, gamma, dout))
    assert_close(dgamma, numeric_gradient(lambda v: loss(gamma_=v), gamma), name="dgamma",
                 rtol=1e-5, atol=1e-7)
    assert_close(dbeta, numeric_gradient(lambda v: loss(beta_=v), beta), name="dbeta",
                 rtol=1e-5, atol=1e-7)


@pytest.mark.points(3)
def test_dx_matches_autograd_on_3d_input(submission, reference):
    """dx on (4, 3, 5) input matches torch autograd: the direct, mean and variance paths."""
    x, gamma, beta, dout = _inputs(6, SHAPE_3D)
    _, cache = submission.layer_norm_forward(x, gamma, beta)
    dx, _, _ = submission.layer_norm_backward(dout, cache)
    _, want_dx, _, _ = _torch_layer_norm(x, gamma, beta, dout=dout)
    # float64, O(1) gradients: 1e-8 relative is ample for rounding, far below any bug.
    _check(dx, want_dx, name="dx", rtol=1e-8, atol=1e-10, bugs=_dx_bugs(x, gamma, dout))


@pytest.mark.points(2)
def test_dx_on_small_variance_rows(submission, reference):
    """dx on rows with variance ~1e-6 matches autograd (rstd ~300 magnifies any slip)."""
    x, gamma, beta, dout = _inputs(7, SHAPE_3D, scale=1e-3)
    _, cache = submission.layer_norm_forward(x, gamma, beta)
    dx, _, _ = submission.layer_norm_backward(dout, cache)
    _, want_dx, _, _ = _torch_layer_norm(x, gamma, beta, dout=dout)
    # dx is ~300 in size here; 1e-8 relative still leaves 1e6 ulps of slack.
    _check(dx, want_dx, name="dx", rtol=1e-8, atol=1e-8, bugs=_dx_bugs(x, gamma, dout))


@pytest.mark.points(2)
def test_dgamma_dbeta_sum_over_every_leading_axis(submission, reference):
    """dgamma and dbeta have shape (D,) and sum over both N and T of an (N, T, D) input."""
    x, gamma, beta, dout = _inputs(8, SHAPE_3D)
    _, cache = submission.layer_norm_forward(x, gamma, beta)
    _, dgamma, dbeta = submission.layer_norm_backward(dout, cache)
    _, _, want_dgamma, want_dbeta = _torch_layer_norm(x, gamma, beta, dout=dout)
    _check_param_grad(dgamma, want_dgamma, "dgamma")
    _check_param_grad(dbeta, want_dbeta, "dbeta")


# -- dtype and speed ------------------------------------------------------------------------

@pytest.mark.points(2)
def test_float32_input_stays_float32(submission, reference):
    """float32 x, gamma, beta, dout give float32 out, dx, dgamma, dbeta with float32 accuracy."""
    x, gamma, beta, dout = _inputs(9, SHAPE_3D, dtype=np.float32)
    out, cache = submission.layer_norm_forward(x, gamma, beta)
    want_out, want_dx, want_dgamma, want_dbeta = _torch_layer_norm(x, gamma, beta, dout=dout)
    # float32 has ~7 digits; O(1) values computed in float32 are good to a few 1e-7.
    assert_close(out, want_out.astype(np.float32), name="out (float32 input)", rtol=1e-4,
                 atol=1e-5)
    dx, dgamma, dbeta = submission.layer_norm_backward(dout, cache)
    for name, got, want in (("dx", dx, want_dx), ("dgamma", dgamma, want_dgamma),
                            ("dbeta", dbeta, want_dbeta)):
        assert_close(got, want.astype(np.float32), name=f"{name} (float32 input)", rtol=1e-4,
                     atol=1e-4)


@pytest.mark.points(1)
def test_fast_enough(submission, reference):
    """Forward and backward on (32, 64, 16) run within 20x of the reference (no loops over rows)."""
    x, gamma, beta, dout = _inputs(10, (32, 64, 16))     # 2048 short rows: a loop shows
    got, want = assert_fast_enough(submission.layer_norm_forward, reference.layer_norm_forward,
                                   x, gamma, beta, max_ratio=20)
    # The point counts only when the timed outputs are right; tolerance as the forward tests.
    assert_close(got[0], want[0], name="out of the timed forward", rtol=1e-7, atol=1e-9)
    _, cache = submission.layer_norm_forward(x, gamma, beta)
    _, ref_cache = reference.layer_norm_forward(x, gamma, beta)

    def reference_backward(dout, _learner_cache):
        return reference.layer_norm_backward(dout, ref_cache)

    got, want = assert_fast_enough(submission.layer_norm_backward, reference_backward, dout,
                                   cache, max_ratio=20)
    assert_close(got, want, name="(dx, dgamma, dbeta) of the timed backward", rtol=1e-7,
                 atol=1e-9)
