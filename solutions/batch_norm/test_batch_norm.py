"""Hidden suite for the batch_norm exercise.

Oracle: torch.nn.functional.batch_norm and autograd in float64 (it updates the running
statistics in place, as nn.BatchNorm does), plus central finite differences of the
reference forward. Inputs are chosen so the usual bugs show: N = 6 rows (the unbiased
variance is 6/5 of the biased one), (N, C, H, W) = (2, 3, 4, 5) with every size distinct,
channels with offsets and scales of their own (so statistics taken over the wrong axis
differ), running statistics far from the batch's (so using the wrong ones shows), and a
non-default momentum in most tests (so the two momentum conventions part).

The learner's cache is opaque: whatever their forward returned goes back, untouched, to
their backward.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import (assert_close, assert_fast_enough, distinct_bugs, fetch,
                          keep_in_worker, numeric_gradient)

SHAPE_2D = (6, 5)           # (N, D): N small, so m - 1 versus m is a 20% difference
SHAPE_4D = (2, 3, 4, 5)     # (N, C, H, W), every size distinct


# -- oracle ---------------------------------------------------------------------------------

def _torch_batch_norm(x, gamma, beta, running_mean, running_var, train, momentum=0.1,
                      eps=1e-5, dout=None):
    """F.batch_norm in float64: a dict of out, running_mean, running_var (and grads with dout)."""
    xt, gt, bt = (torch.tensor(np.asarray(a, np.float64), requires_grad=True)
                  for a in (x, gamma, beta))
    rm = torch.tensor(np.asarray(running_mean, np.float64))   # updated in place by torch
    rv = torch.tensor(np.asarray(running_var, np.float64))
    out = torch.nn.functional.batch_norm(xt, rm, rv, gt, bt, training=train,
                                         momentum=momentum, eps=eps)
    result = {"out": out.detach().numpy(), "running_mean": rm.numpy(),
              "running_var": rv.numpy()}
    if dout is not None:
        # A scalar loss: backward(grad_tensor) would import sympy (~0.5 s) to compare shapes.
        (out * torch.tensor(np.asarray(dout, np.float64))).sum().backward()
        result.update(dx=xt.grad.numpy(), dgamma=gt.grad.numpy(), dbeta=bt.grad.numpy())
    return result


# -- models of known mistakes ---------------------------------------------------------------

_DESCRIPTIONS = {
    "eval batch stats": "batch statistics used at evaluation: with train=False normalise with "
                        "running_mean and running_var",
    "unbiased normalisation": "the batch is normalised with the unbiased variance (m - 1); the "
                              "normalisation uses the biased one (divide by m)",
    "biased running var": "the running variance is updated with the biased batch variance; "
                          "torch mixes in the unbiased one, var * m / (m - 1)",
    "momentum inverted": "momentum convention inverted: new = (1 - momentum) * old + momentum "
                         "* batch, so momentum weighs the NEW statistic",
    "running not updated": "running statistics not updated in training",
    "eps outside sqrt": "eps outside the square root: use sqrt(var + eps)",
    "axis 0 only": "statistics taken over axis 0 only: for (N, C, H, W) input average over N, H "
                   "and W, one mean and variance per channel",
    "reshape without transpose": "x.reshape(-1, C) on (N, C, H, W) input mixes channels; move "
                                 "the channel axis last before reshaping, or reduce over "
                                 "axes (0, 2, 3)",
    "no mean path": "dx leaves out the path through the batch mean",
    "no var path": "dx leaves out the path through the batch variance",
    "no gamma": "dx forgets to multiply dout by gamma",
    "eval train formula": "after an evaluation forward, dx still has the mean and variance "
                          "paths; the running statistics are constants, so dx = dout * gamma "
                          "/ sqrt(running_var + eps)",
}


def _model(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5,
           dout=None, mistake=None):
    """A numpy batch norm with one known mistake: a dict of the same outputs as the oracle."""
    C = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    if mistake == "axis 0 only":
        axes = (0,)
    if mistake == "reshape without transpose":
        rows = x.reshape(-1, C)                         # (N*H*W, C) with channels mixed up
        got = _model(rows, gamma, beta, running_mean, running_var, train, momentum, eps,
                     None if dout is None else dout.reshape(-1, C))
        return {k: v.reshape(x.shape) if k in ("out", "dx") else v for k, v in got.items()}
    shape = (1, C) + (1,) * (x.ndim - 2)
    use_batch = train or mistake == "eval batch stats"
    if use_batch:
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True, ddof=1 if mistake == "unbiased normalisation" else 0)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    new_mean, new_var = running_mean.copy(), running_var.copy()
    # Statistics over axis 0 alone are not (C,): such a version cannot update (C,) vectors.
    if train and mistake not in ("running not updated", "axis 0 only"):
        batch_var = x.var(axis=axes, ddof=0 if mistake == "biased running var" else 1)
        w_new = 1 - momentum if mistake == "momentum inverted" else momentum
        new_mean = (1 - w_new) * running_mean + w_new * x.mean(axis=axes)
        new_var = (1 - w_new) * running_var + w_new * batch_var
    denom = np.sqrt(var) + eps if mistake == "eps outside sqrt" else np.sqrt(var + eps)
    xhat = (x - mean) / denom
    g_ = gamma.reshape(shape)
    result = {"out": g_ * xhat + beta.reshape(shape), "running_mean": new_mean,
              "running_var": new_var}
    if dout is not None:
        g = dout if mistake == "no gamma" else dout * g_
        dx = g.copy()
        if use_batch or mistake == "eval train formula":
            if mistake != "no mean path":
                dx = dx - g.mean(axis=axes, keepdims=True)
            if mistake != "no var path":
                dx = dx - xhat * (g * xhat).mean(axis=axes, keepdims=True)
        result.update(dx=dx / denom, dgamma=(dout * xhat).sum(axis=axes),
                      dbeta=dout.sum(axis=axes))
    return result


def _bugs(key, *args, **kwargs):
    """Each known mistake's description mapped to the `key` output it would give."""
    with np.errstate(all="ignore"):
        return {text: _model(*args, mistake=m, **kwargs)[key]
                for m, text in _DESCRIPTIONS.items()}


def _check(got, want, *, name, rtol, atol, bugs=None):
    """assert_close, naming only the mistakes these inputs tell apart from the answer (the
    axis mistakes change nothing on 2-D input, the running-statistic ones at evaluation)."""
    assert_close(got, want, name=name, rtol=rtol, atol=atol, bugs=distinct_bugs(bugs, want))


def _inputs(seed, shape, scale=1.0):
    """x with its own offset and scale per channel, gamma, beta, running stats, dout."""
    rng = np.random.default_rng(seed)
    C = shape[1]
    per_channel = (1, C) + (1,) * (len(shape) - 2)
    x = (scale * (1.0 + rng.random(C)).reshape(per_channel) * rng.standard_normal(shape)
         + 2.0 * rng.standard_normal(C).reshape(per_channel))
    gamma = 1.0 + 0.5 * rng.standard_normal(C)
    beta = rng.standard_normal(C)
    running_mean = rng.standard_normal(C)               # far from the batch statistics
    running_var = 0.5 + rng.random(C)
    dout = rng.standard_normal(shape)
    return x, gamma, beta, running_mean, running_var, dout


def _forward(submission, x, gamma, beta, running_mean, running_var, train, **kw):
    """The learner's forward, checked to return four things."""
    result = submission.batchnorm_forward(x, gamma, beta, running_mean, running_var, train, **kw)
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        raise AssertionError("batchnorm_forward should return a tuple of four: (out, cache, "
                             f"new_running_mean, new_running_var), got {result!r:.80}")
    return result


def _check_outputs(got, args, kw, keys):
    """Compare the named outputs of the learner's forward with torch's, naming mistakes."""
    want = _torch_batch_norm(*args, **kw)
    out, _, new_mean, new_var = got
    for key, value in (("out", out), ("running_mean", new_mean), ("running_var", new_var)):
        if key in keys:
            # float64, O(1) values: 1e-9 relative is ~1e5 ulps of slack, far below any bug here.
            _check(value, want[key], name=key if key == "out" else f"new_{key}", rtol=1e-9,
                   atol=1e-10, bugs=_bugs(key, *args, **kw))


def _forward_and_check(submission, seed, shape, train, keys, scale=1.0, **kw):
    """Run the learner's forward on the inputs of `seed` and compare the outputs in `keys`."""
    x, gamma, beta, rm, rv, _ = _inputs(seed, shape, scale)
    args = (x, gamma, beta, rm, rv, train)
    _check_outputs(_forward(submission, *args, **kw), args, kw, keys)


# -- forward --------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_train_forward_on_2d_input_matches_torch(submission, reference):
    """Training forward on (N, D) = (6, 5): out uses the batch mean and biased variance per column."""
    _forward_and_check(submission, 0, SHAPE_2D, True, ("out",), momentum=0.1)


@pytest.mark.points(3)
def test_train_forward_on_4d_input_normalises_each_channel(submission, reference):
    """Training forward on (N, C, H, W) = (2, 3, 4, 5): one mean and variance per channel over N, H, W."""
    _forward_and_check(submission, 1, SHAPE_4D, True, ("out",), momentum=0.1)


@pytest.mark.points(3)
def test_running_statistics_update_like_torch(submission, reference):
    """Training updates the running mean and the UNBIASED running variance with torch's momentum."""
    _forward_and_check(submission, 2, SHAPE_2D, True, ("running_mean", "running_var"),
                       momentum=0.3)


@pytest.mark.points(2)
def test_running_statistics_of_4d_input_are_per_channel(submission, reference):
    """On (2, 3, 4, 5) input the running statistics have shape (C,) = (3,), with m = N*H*W = 40."""
    _forward_and_check(submission, 3, SHAPE_4D, True, ("running_mean", "running_var"),
                       momentum=0.3)


@pytest.mark.points(3)
def test_eval_forward_uses_running_statistics(submission, reference):
    """train=False normalises (N, C, H, W) input with running_mean/var and returns them unchanged."""
    _forward_and_check(submission, 4, SHAPE_4D, False, ("out", "running_mean", "running_var"),
                       momentum=0.3)


@pytest.mark.points(1)
def test_running_statistics_arguments_are_not_modified(submission, reference):
    """running_mean and running_var passed in keep their values: the new ones are returned."""
    x, gamma, beta, rm, rv, _ = _inputs(5, SHAPE_2D)
    kept_mean, kept_var = keep_in_worker(submission, rm.copy()), keep_in_worker(submission, rv.copy())
    got = _forward(submission, x, gamma, beta, kept_mean, kept_var, True, momentum=0.3)
    _check_outputs(got, (x, gamma, beta, rm, rv, True), dict(momentum=0.3),
                   ("running_mean", "running_var"))
    for name, kept, before in (("running_mean", kept_mean, rm), ("running_var", kept_var, rv)):
        # Exact: an untouched array is bit for bit what was passed.
        assert_close(fetch(kept), before, name=f"the {name} argument after the call", rtol=0,
                     atol=0, bugs={f"{name} updated in place: compute a new array "
                                   f"((1 - momentum) * old + momentum * batch) and return it":
                                   _torch_batch_norm(x, gamma, beta, rm, rv, True, 0.3)[name]})


@pytest.mark.points(1)
def test_eps_and_momentum_arguments_are_used(submission, reference):
    """eps=0.1 (inside the square root) and momentum=0.05 are used as given, on channels of small spread."""
    _forward_and_check(submission, 6, SHAPE_4D, True, ("out", "running_mean", "running_var"),
                       scale=0.3, momentum=0.05, eps=0.1)


# -- backward -------------------------------------------------------------------------------

def _backward_and_check(submission, seed, shape, train):
    """The learner's forward then backward on the inputs of `seed`; dx, dgamma, dbeta vs autograd."""
    x, gamma, beta, rm, rv, dout = _inputs(seed, shape)
    _, cache, _, _ = _forward(submission, x, gamma, beta, rm, rv, train, momentum=0.1)
    dx, dgamma, dbeta = submission.batchnorm_backward(dout, cache)
    want = _torch_batch_norm(x, gamma, beta, rm, rv, train, 0.1, dout=dout)
    # float64, O(1) gradients: 1e-8 relative is ample for rounding, far below any bug.
    _check(dx, want["dx"], name="dx", rtol=1e-8, atol=1e-10,
           bugs=_bugs("dx", x, gamma, beta, rm, rv, train, dout=dout))
    for name, got in (("dgamma", dgamma), ("dbeta", dbeta)):
        if len(shape) > 2 and isinstance(got, np.ndarray) and got.shape == shape[1:]:
            raise AssertionError(f"{name}: expected shape ({shape[1]},), got {got.shape}\n  "
                                 f"likely mistake: summed over axis 0 only; sum over N, H and W")
        _check(got, want[name], name=name, rtol=1e-8, atol=1e-10)


@pytest.mark.points(3)
def test_train_backward_on_2d_input_matches_autograd(submission, reference):
    """dx, dgamma, dbeta after a training forward on (6, 5) match autograd (mean and variance paths)."""
    _backward_and_check(submission, 7, SHAPE_2D, True)


@pytest.mark.points(3)
def test_train_backward_on_4d_input_matches_autograd(submission, reference):
    """On (2, 3, 4, 5) input dx matches autograd and dgamma, dbeta are (C,), summed over N, H, W."""
    _backward_and_check(submission, 8, SHAPE_4D, True)


@pytest.mark.points(2)
def test_train_backward_matches_finite_differences(submission, reference):
    """On (4, 3) input, dx, dgamma and dbeta match central finite differences of the output."""
    x, gamma, beta, rm, rv, dout = _inputs(9, (4, 3))
    _, cache, _, _ = _forward(submission, x, gamma, beta, rm, rv, True)
    dx, dgamma, dbeta = submission.batchnorm_backward(dout, cache)

    def loss(x_=x, gamma_=gamma, beta_=beta):
        return float((reference.batchnorm_forward(x_, gamma_, beta_, rm, rv, True)[0] * dout).sum())

    # Central differences with step 1e-6 are good to ~1e-8 here; 1e-5 relative leaves room.
    _check(dx, numeric_gradient(lambda v: loss(x_=v), x), name="dx", rtol=1e-5, atol=1e-7,
           bugs=_bugs("dx", x, gamma, beta, rm, rv, True, dout=dout))
    assert_close(dgamma, numeric_gradient(lambda v: loss(gamma_=v), gamma), name="dgamma",
                 rtol=1e-5, atol=1e-7)
    assert_close(dbeta, numeric_gradient(lambda v: loss(beta_=v), beta), name="dbeta",
                 rtol=1e-5, atol=1e-7)


@pytest.mark.points(1)
def test_eval_backward_has_only_the_direct_path(submission, reference):
    """After a train=False forward, dx = dout * gamma / sqrt(running_var + eps), as autograd gives."""
    _backward_and_check(submission, 10, SHAPE_4D, False)


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """Forward and backward on (4096, 6) run within 50x of the reference (no loop over rows), and are right."""
    x, gamma, beta, rm, rv, dout = _inputs(11, (4096, 6))   # many short rows: a loop shows
    # The reference as a submission measures 3-6x here (timing noise on a loaded machine);
    # a loop over the rows in the backward pass costs a few hundred times: the limit is 50x.
    got, want = assert_fast_enough(submission.batchnorm_forward, reference.batchnorm_forward,
                                   x, gamma, beta, rm, rv, True, max_ratio=50)
    # float64 sums of 4096 terms: 1e-8 relative is far above rounding, far below any bug.
    for index, name in ((0, "out"), (2, "new_running_mean"), (3, "new_running_var")):
        assert_close(got[index], want[index], name=f"{name} of the timed call", rtol=1e-8,
                     atol=1e-10)
    cache, ref_cache = got[1], want[1]

    def reference_backward(dout, _learner_cache):
        return reference.batchnorm_backward(dout, ref_cache)

    got, want = assert_fast_enough(submission.batchnorm_backward, reference_backward, dout,
                                   cache, max_ratio=50)
    for index, name in enumerate(("dx", "dgamma", "dbeta")):
        assert_close(got[index], want[index], name=f"{name} of the timed call", rtol=1e-8,
                     atol=1e-10)
