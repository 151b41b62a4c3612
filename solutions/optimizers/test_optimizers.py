"""Hidden suite for the optimizers exercise (SGD, AdaGrad, RMSProp).

Oracle: the update functions that torch.optim.SGD.step, Adagrad.step and RMSprop.step run
(torch.optim.sgd.sgd, torch.optim.adagrad.adagrad, torch.optim.rmsprop.rmsprop) in float64,
step for step on the same gradients, with the state laid out as those classes keep it;
building the classes would import torch._dynamo (seconds). Every test compares the whole
trajectory: the parameters after each step.

Inputs are chosen so the usual bugs show: three parameters of distinct shapes, 20-30 steps,
momentum 0.9 (Nesterov and plain momentum part within two steps), weight decay 0.1 with
momentum (decay inside or outside the buffer differ), alpha = 0.9 (an inverted alpha shows),
and gradients of the size of eps (1e-5 against AdaGrad's 1e-10 squared, 1e-8 against
RMSProp's 1e-8), where the placement of eps matters.

A wrong trajectory is compared with numpy models of the known mistakes, so the message can
name the likely one.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import (assert_close, assert_fast_enough, distinct_bugs, fetch,
                          keep_in_worker, same_object)

SHAPES = [(3, 4), (5,), (2, 3, 2)]   # several parameters, every shape distinct
TRAJECTORY = "parameters after each step, index (step, element of all parameters flattened)"

# Float64 trajectories agree with torch to ~1e-15; 1e-9 relative leaves room for another
# order of operations and is far below the effect of any mistake modelled here.
RTOL, ATOL = 1e-9, 1e-12


# -- the problem and the oracle -------------------------------------------------------------

def _problem(seed, shapes=SHAPES, steps=30, grad_scale=1.0):
    """Initial parameters and a fixed sequence of gradients, one list per step."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in shapes]
    grads = [[grad_scale * rng.standard_normal(s) for s in shapes] for _ in range(steps)]
    return params, grads


def _flat(arrays):
    return np.concatenate([np.asarray(a).ravel() for a in arrays])


def _torch_trajectory(kind, params0, grads_seq, *, lr, momentum=0.0, nesterov=False,
                      weight_decay=0.0, alpha=0.99, eps=None):
    """torch's SGD / Adagrad / RMSprop update on the same gradients: (steps, elements)."""
    from torch.optim.adagrad import adagrad
    from torch.optim.rmsprop import rmsprop
    from torch.optim.sgd import sgd
    params = [torch.tensor(p) for p in params0]
    zeros = lambda: [torch.zeros_like(p) for p in params]          # noqa: E731
    steps = [torch.tensor(0.0) for _ in params]                    # as torch.optim keeps it
    bufs: list = [None] * len(params) if kind == "SGD" else zeros()
    sums = zeros()
    rows = []
    for grads in grads_seq:
        g = [torch.tensor(x) for x in grads]
        if kind == "SGD":
            sgd(params, g, bufs, foreach=False, weight_decay=weight_decay, momentum=momentum,
                lr=lr, dampening=0.0, nesterov=nesterov, maximize=False)
        elif kind == "AdaGrad":
            adagrad(params, g, sums, steps, foreach=False, lr=lr, weight_decay=0.0,
                    lr_decay=0.0, eps=1e-10 if eps is None else eps, maximize=False)
        else:
            rmsprop(params, g, sums, [], bufs, steps, foreach=False, lr=lr, alpha=alpha,
                    eps=1e-8 if eps is None else eps, weight_decay=0.0, momentum=momentum,
                    centered=False)
        rows.append(_flat(p.numpy() for p in params))
    return np.stack(rows)


# -- models of known mistakes ---------------------------------------------------------------

_DESCRIPTIONS = {
    "SGD": {
        "nesterov as momentum": "nesterov=True took a plain momentum step; Nesterov steps along "
                                "g + momentum * buf (with buf already updated)",
        "nesterov old buffer": "Nesterov used the buffer from before this step's update: "
                               "update buf = momentum * buf + g first, then use g + momentum * buf",
        "dampened": "the buffer was dampened: buf = momentum * buf + g, not + (1 - momentum) * g",
        "decay after update": "weight decay applied after the update; add weight_decay * p to g "
                              "before everything else",
        "decay outside buffer": "weight decay left out of the momentum buffer: add "
                                "weight_decay * p to g before g enters the buffer",
        "decay ignored": "weight_decay ignored",
    },
    "AdaGrad": {
        "eps inside sqrt": "eps inside the square root: the denominator is sqrt(G) + eps",
        "mean not sum": "the accumulator averages g * g over the steps; AdaGrad SUMS them",
        "no accumulation": "the accumulator holds only this step's g * g; AdaGrad sums every "
                           "step's",
        "sqrt missing": "square root missing: divide by sqrt(G) + eps, not G + eps",
    },
    "RMSProp": {
        "eps inside sqrt": "eps inside the square root: the denominator is sqrt(s) + eps",
        "g not squared": "the running average takes g instead of g * g (sqrt of a negative is NaN)",
        "alpha inverted": "alpha weighs the new g * g: s = alpha * s + (1 - alpha) * g * g",
        "momentum before scaling": "momentum applied to g before dividing by sqrt(s) + eps; the "
                                   "buffer accumulates the scaled step g / (sqrt(s) + eps)",
        "sqrt missing": "square root missing: divide by sqrt(s) + eps, not s + eps",
    },
}


def _model_trajectory(kind, params0, grads_seq, mistake, *, lr, momentum=0.0, nesterov=False,
                      weight_decay=0.0, alpha=0.99, eps=None):
    """A numpy optimiser of `kind` with one known mistake: its trajectory (steps, elements)."""
    eps = (1e-10 if kind == "AdaGrad" else 1e-8) if eps is None else eps
    params = [np.array(p, dtype=np.float64) for p in params0]
    state = [np.zeros_like(p) for p in params]       # buf (SGD) or the g^2 accumulator
    bufs = [np.zeros_like(p) for p in params]        # RMSProp's momentum buffer
    rows = []
    for t, grads in enumerate(grads_seq, start=1):
        for p, g, s, buf in zip(params, grads, state, bufs):
            if kind == "SGD":
                wd = 0.0 if mistake in ("decay ignored", "decay after update",
                                        "decay outside buffer") else weight_decay
                g = g + wd * p
                if momentum:
                    old = s.copy()
                    s[...] = momentum * s + ((1 - momentum) * g if mistake == "dampened" else g)
                    base = old if mistake == "nesterov old buffer" else s
                    d = g + momentum * base if nesterov and mistake != "nesterov as momentum" else s
                else:
                    d = g
                if mistake == "decay outside buffer":
                    d = d + weight_decay * p
                p -= lr * d
                if mistake == "decay after update":
                    p -= lr * weight_decay * p
            elif kind == "AdaGrad":
                if mistake == "no accumulation":
                    s[...] = g * g
                elif mistake == "mean not sum":
                    s[...] = s + (g * g - s) / t
                else:
                    s += g * g
                denom = {"eps inside sqrt": np.sqrt(s + eps),
                         "sqrt missing": s + eps}.get(mistake, np.sqrt(s) + eps)
                p -= lr * g / denom
            else:
                a = 1.0 - alpha if mistake == "alpha inverted" else alpha
                s[...] = a * s + (1 - a) * (g if mistake == "g not squared" else g * g)
                with np.errstate(invalid="ignore"):
                    denom = {"eps inside sqrt": np.sqrt(s + eps),
                             "sqrt missing": s + eps}.get(mistake, np.sqrt(s) + eps)
                if momentum and mistake == "momentum before scaling":
                    buf[...] = momentum * buf + g
                    d = buf / denom
                elif momentum:
                    buf[...] = momentum * buf + g / denom
                    d = buf
                else:
                    d = g / denom
                p -= lr * d
        rows.append(_flat(params))
    return np.stack(rows)


def _bugs(kind, params0, grads_seq, **hyper):
    """Each known mistake of `kind`, described, mapped to the trajectory it would give."""
    with np.errstate(all="ignore"):
        return {text: _model_trajectory(kind, params0, grads_seq, mistake, **hyper)
                for mistake, text in _DESCRIPTIONS[kind].items()}


# -- running the learner's optimiser --------------------------------------------------------

def _read_params(opt, shapes):
    """The learner's opt.params as a list of arrays, checked for count and shapes."""
    params = opt.params
    if not isinstance(params, (list, tuple)) or len(params) != len(shapes):
        raise AssertionError(f"opt.params: expected the list of {len(shapes)} parameter arrays "
                             f"passed to the optimiser, got {params!r:.80}")
    for i, (p, shape) in enumerate(zip(params, shapes)):
        if not isinstance(p, np.ndarray) or p.shape != shape:
            raise AssertionError(f"opt.params[{i}]: expected an array of shape {shape}, got "
                                 f"{getattr(p, 'shape', type(p).__name__)}")
    return list(params)


def _compare(submission, kind, seed, steps=30, grad_scale=1.0, extra_bugs=None, **hyper):
    """Run the learner's optimiser of `kind` and compare its trajectory with torch's."""
    params0, grads_seq = _problem(seed, steps=steps, grad_scale=grad_scale)
    opt = getattr(submission, kind)([p.copy() for p in params0], **hyper)
    rows = []
    for grads in grads_seq:
        opt.step([g.copy() for g in grads])          # copies: a learner may change its g
        rows.append(_flat(_read_params(opt, SHAPES)))
    want = _torch_trajectory(kind, params0, grads_seq, **hyper)
    bugs = _bugs(kind, params0, grads_seq, **hyper)
    for text, (kind_, hyper_) in (extra_bugs or {}).items():
        bugs[text] = _torch_trajectory(kind_, params0, grads_seq, **hyper_)
    assert_close(np.stack(rows), want, name=f"{kind}: {TRAJECTORY}", rtol=RTOL, atol=ATOL,
                 bugs=distinct_bugs(bugs, want))


# -- SGD ------------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_sgd_without_momentum_matches_torch(submission, reference):
    """SGD(params, lr=0.1): 20 plain steps p -= lr * g match torch.optim.SGD."""
    _compare(submission, "SGD", 0, steps=20, lr=0.1)


@pytest.mark.points(3)
def test_sgd_momentum_matches_torch(submission, reference):
    """SGD with momentum=0.9: buf = 0.9 * buf + g, p -= lr * buf, over 30 steps, as torch."""
    _compare(submission, "SGD", 1, lr=0.05, momentum=0.9,
             extra_bugs={"momentum ignored": ("SGD", dict(lr=0.05))})


@pytest.mark.points(3)
def test_sgd_nesterov_matches_torch(submission, reference):
    """SGD with momentum=0.9, nesterov=True: steps along g + 0.9 * buf, as torch."""
    _compare(submission, "SGD", 2, lr=0.05, momentum=0.9, nesterov=True)


@pytest.mark.points(3)
def test_sgd_weight_decay_goes_into_the_momentum_buffer(submission, reference):
    """SGD with momentum=0.9, weight_decay=0.1: g + 0.1 * p enters the buffer, as torch."""
    _compare(submission, "SGD", 3, lr=0.05, momentum=0.9, weight_decay=0.1)


# -- AdaGrad --------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_adagrad_matches_torch(submission, reference):
    """AdaGrad(lr=0.1, eps=1e-6): G sums every g * g, p -= lr * g / (sqrt(G) + eps), 30 steps."""
    _compare(submission, "AdaGrad", 4, lr=0.1, eps=1e-6)


@pytest.mark.points(2)
def test_adagrad_default_eps_outside_the_root_on_tiny_gradients(submission, reference):
    """AdaGrad(params, lr=0.01) on gradients ~1e-5: G ~ 1e-10 ~ eps, so eps placement shows."""
    _compare(submission, "AdaGrad", 5, steps=10, grad_scale=1e-5, lr=0.01)


# -- RMSProp --------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_rmsprop_matches_torch(submission, reference):
    """RMSProp(lr=0.01, alpha=0.9): s averages g * g with weight 0.1 on the new one, 30 steps."""
    _compare(submission, "RMSProp", 6, lr=0.01, alpha=0.9)


@pytest.mark.points(2)
def test_rmsprop_momentum_buffers_the_scaled_step(submission, reference):
    """RMSProp with momentum=0.8: buf = 0.8 * buf + g / (sqrt(s) + eps), p -= lr * buf."""
    _compare(submission, "RMSProp", 7, lr=0.01, alpha=0.9, momentum=0.8,
             extra_bugs={"momentum ignored": ("RMSProp", dict(lr=0.01, alpha=0.9))})


@pytest.mark.points(2)
def test_rmsprop_defaults_on_tiny_gradients(submission, reference):
    """RMSProp(params, lr=1e-3) uses alpha=0.99, eps=1e-8; gradients ~1e-8 show eps placement."""
    _compare(submission, "RMSProp", 8, steps=10, grad_scale=1e-8, lr=1e-3)


# -- the caller's arrays --------------------------------------------------------------------

_SETTINGS = [("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
             ("AdaGrad", dict(lr=0.1)),
             ("RMSProp", dict(lr=0.01, momentum=0.5))]


@pytest.mark.points(2)
def test_parameters_are_updated_in_place(submission, reference):
    """step() moves the caller's own arrays (SGD, AdaGrad, RMSProp): self.params is the list passed in."""
    params0, grads_seq = _problem(9, steps=3)
    for kind, hyper in _SETTINGS:
        want = _torch_trajectory(kind, params0, grads_seq, **hyper)[-1]
        # Arrays cross to the learner's process by copy, so the caller's arrays are kept
        # there, each on its own, and the list handed to the optimiser is made of them.
        arrays = [keep_in_worker(submission, p.copy()) for p in params0]
        params = keep_in_worker(submission, arrays)
        opt = getattr(submission, kind)(params, **hyper)
        for grads in grads_seq:
            opt.step([g.copy() for g in grads])
        held = _flat([fetch(array) for array in arrays])
        current = _flat(_read_params(opt, SHAPES))
        if np.allclose(current, want, rtol=RTOL, atol=ATOL) and not np.allclose(
                held, want, rtol=RTOL, atol=ATOL):
            raise AssertionError(
                f"{kind}: opt.params has the right values, but the arrays passed in did not "
                f"get the update: step() put new arrays into self.params.\n  likely mistake: "
                f"parameters rebound instead of updated in place; write p -= ... so the "
                f"caller's arrays change")
        assert_close(held, want, name=f"{kind}: the caller's parameter arrays after 3 steps",
                     rtol=RTOL, atol=ATOL)
        assert same_object(params, opt, attribute="params"), \
            f"{kind}: self.params should be the list passed in itself, not a copy of it"


@pytest.mark.points(1)
def test_gradients_are_not_modified(submission, reference):
    """step(grads) leaves the caller's gradient arrays as they were (SGD with weight decay too)."""
    params0, grads_seq = _problem(10, steps=2)
    for kind, hyper in _SETTINGS:
        opt = getattr(submission, kind)([p.copy() for p in params0], **hyper)
        for grads in grads_seq:
            kept = [keep_in_worker(submission, g.copy()) for g in grads]
            opt.step(kept)
            # Exact: an untouched array is bit for bit what was passed.
            assert_close(_flat([fetch(g) for g in kept]), _flat(grads), rtol=0, atol=0,
                         name=f"{kind}: the gradients passed to step(), read back after it",
                         bugs={"weight decay added to the caller's g in place (g += ...); "
                               "make a new array: g = g + weight_decay * p":
                               _flat([g + hyper.get("weight_decay", 0.0) * p
                                      for g, p in zip(grads, params0)])})


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """RMSProp with momentum steps parameters (256, 256), (256,), (128, 256) within 50x of the reference, and right."""
    shapes = [(256, 256), (256,), (128, 256)]
    params0, grads_seq = _problem(11, shapes=shapes, steps=1)
    hyper = dict(lr=1e-3, alpha=0.9, momentum=0.5)
    # The reference as a submission measures 4-13x here (timing noise on a loaded machine);
    # an element-by-element loop costs 400-800x: the limit is 50x.
    opt = submission.RMSProp([p.copy() for p in params0], **hyper)
    ref_opt = reference.RMSProp([p.copy() for p in params0], **hyper)
    assert_fast_enough(opt.step, ref_opt.step, grads_seq[0], max_ratio=50, repeat=3)
    # Both took the same number of steps (untimed and timed) on the same gradient: the
    # parameters must agree.
    assert_close(_flat(_read_params(opt, shapes)), _flat(ref_opt.params),
                 name="the parameters after the timed steps", rtol=RTOL, atol=ATOL)
