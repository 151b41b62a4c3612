"""Hidden suite for the adam exercise.

Oracle: torch's Adam / AdamW update (the functions that torch.optim.Adam.step and
AdamW.step run) in float64, step for step on the same gradients; every test compares the
whole trajectory (the parameters after each step).
Inputs are chosen so the usual bugs show: several parameters of distinct shapes, 30 steps,
non-default betas, tiny gradients (~1e-8, the size of eps) so eps placement matters, and
weight decay large enough that L2 and decoupled decay part ways within a few steps.

A wrong trajectory is compared with numpy models of the known mistakes, so the message can
name the likely one.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, fetch, keep_in_worker, same_object

SHAPES = [(3, 4), (5,), (2, 3, 2)]   # several parameters, every shape distinct
TRAJECTORY = "parameters after each step, index (step, element of all parameters flattened)"

# -- the problem, the oracle and the models of known mistakes ------------------------------


def _problem(seed, shapes=SHAPES, steps=30, grad_scale=1.0, dtype=np.float64):
    """Initial parameters and a fixed sequence of gradients, one list per step."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[(grad_scale * rng.standard_normal(s)).astype(dtype) for s in shapes]
             for _ in range(steps)]
    return params, grads


def _flat(arrays):
    return np.concatenate([np.asarray(a).ravel() for a in arrays])


def _torch_trajectory(params0, grads_seq, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                      weight_decay=0.0, decoupled=False):
    """torch's Adam (or AdamW when decoupled) on the same gradients: (steps, elements).

    Calls the update functions that torch.optim.Adam.step and torch.optim.AdamW.step run
    (torch.optim.adam.adam, torch.optim.adamw.adamw) with the state laid out as those
    classes keep it; building the optimizer classes would import torch._dynamo (~2 s).
    """
    from torch.optim.adam import adam
    from torch.optim.adamw import adamw
    update = adamw if decoupled else adam
    params = [torch.tensor(p) for p in params0]                  # keeps the numpy dtype
    exp_avgs = [torch.zeros_like(p) for p in params]
    exp_avg_sqs = [torch.zeros_like(p) for p in params]
    steps = [torch.tensor(0.0) for _ in params]                  # as torch.optim keeps it
    rows = []
    for grads in grads_seq:
        update(params, [torch.tensor(g) for g in grads], exp_avgs, exp_avg_sqs, [], steps,
               foreach=False, amsgrad=False, beta1=betas[0], beta2=betas[1], lr=lr,
               weight_decay=weight_decay, eps=eps, maximize=False)
        rows.append(_flat(p.numpy() for p in params))
    return np.stack(rows)


def _model_trajectory(params0, grads_seq, mistake, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                      weight_decay=0.0, decoupled=False):
    """A numpy Adam with one known mistake: its trajectory (steps, elements)."""
    if mistake == "never updated in place":  # the parameters never move at all
        return np.stack([_flat(params0)] * len(grads_seq))
    b1, b2 = betas[::-1] if mistake == "betas swapped" else betas
    params = [np.array(p, dtype=np.float64) for p in params0]
    m = [np.zeros_like(p) for p in params]
    v = m if mistake == "moments shared" else [np.zeros_like(p) for p in params]
    counter = 0
    rows = []
    for step, grads in enumerate(grads_seq, start=1):
        for i, (p, g) in enumerate(zip(params, grads)):
            counter += 1
            t = {"t off by one": step + 1, "t zero on first step": step - 1,
                 "counter per parameter": counter}.get(mistake, step)
            use_decoupled = decoupled != (mistake == "flag inverted")
            if mistake == "always L2":
                use_decoupled = False
            l2 = weight_decay and not use_decoupled          # g += weight_decay * p
            shrink = weight_decay and use_decoupled          # p -= lr * weight_decay * p
            if shrink and mistake != "decay after update":
                p -= (1.0 if mistake == "decay without lr" else lr) * weight_decay * p
            if l2:
                g = g + weight_decay * p
            m[i] *= b1
            m[i] += (1 - b1) * g
            v[i] *= b2
            v[i] += (1 - b2) * (g if mistake == "g not squared" else g * g)
            if mistake == "no bias correction":
                m_hat, v_hat = m[i], v[i]
            else:
                m_hat, v_hat = m[i] / (1 - b1 ** t), v[i] / (1 - b2 ** t)
            denom = {"eps inside sqrt": np.sqrt(v_hat + eps),
                     "sqrt missing": v_hat + eps}.get(mistake, np.sqrt(v_hat) + eps)
            p -= lr * m_hat / denom
            if shrink and mistake == "decay after update":
                p -= lr * weight_decay * p
        rows.append(_flat(params))
    return np.stack(rows)


_DESCRIPTIONS = {
    "no bias correction": "no bias correction (divide m by 1 - beta1**t and v by 1 - beta2**t)",
    "t off by one": "step counter off by one (the first step must use t = 1)",
    "t zero on first step": "step counter used before it is advanced: t = 0 on the first "
                            "step divides by 1 - beta**0 = 0",
    "eps inside sqrt": "eps inside the square root (the denominator is sqrt(v_hat) + eps)",
    "sqrt missing": "square root missing (the denominator is sqrt(v_hat) + eps, not v_hat + eps)",
    "g not squared": "second moment averages g instead of g * g (sqrt of a negative is NaN)",
    "betas swapped": "beta1 and beta2 swapped (beta1 = 0.9 goes with m, beta2 = 0.999 with v)",
    "moments shared": "m and v share the same arrays (give each moment its own zeros)",
    "counter per parameter": "step counter advanced once per parameter (advance it once per step())",
    "always L2": "with decoupled=True the decay went into the gradient (L2); AdamW shrinks p by "
                 "lr * weight_decay * p and leaves g alone",
    "flag inverted": "decoupled flag inverted: False means L2 (g + weight_decay * p), True means "
                     "p -= lr * weight_decay * p",
    "decay after update": "decoupled decay applied after the Adam update (shrink p before it)",
    "decay without lr": "decoupled decay not scaled by lr (p -= lr * weight_decay * p)",
    "never updated in place": "your parameters never changed in place: p = p - ... only "
                              "gives the loop variable a new array and leaves the one in "
                              "self.params as it was; write p -= ... (or p[...] = ...)",
}


def _bugs(params0, grads_seq, **hyper):
    """Each known mistake's description mapped to the trajectory it would give."""
    with np.errstate(all="ignore"):
        return {_DESCRIPTIONS[m]: _model_trajectory(params0, grads_seq, m, **hyper)
                for m in _DESCRIPTIONS}


def _check(got, want, *, name, rtol, atol, bugs=None):
    """assert_close, naming only the mistakes that these inputs tell apart from the answer.

    A mistake that changes nothing here (decay bugs without weight decay, swapped betas on
    the first step) would be named for any near miss; leave it to the test that exposes it.
    """
    with np.errstate(all="ignore"):
        bugs = {k: v for k, v in (bugs or {}).items()
                if np.shape(v) != np.shape(want) or not np.allclose(v, want, rtol=1e-3, atol=1e-6)}
    assert_close(got, want, name=name, rtol=rtol, atol=atol, bugs=bugs)


def _read_params(opt, shapes):
    """The learner's opt.params as a list of arrays, checked for count and shapes."""
    params = opt.params
    if not isinstance(params, (list, tuple)) or len(params) != len(shapes):
        raise AssertionError(f"opt.params: expected the list of {len(shapes)} parameter arrays "
                             f"passed to Adam, got {params!r:.80}")
    for i, (p, shape) in enumerate(zip(params, shapes)):
        if not isinstance(p, np.ndarray) or p.shape != shape:
            raise AssertionError(f"opt.params[{i}]: expected an array of shape {shape}, got "
                                 f"{getattr(p, 'shape', type(p).__name__)}")
    return list(params)


def _learner_trajectory(submission, params0, grads_seq, **hyper):
    """Run the learner's Adam on copies of the problem; (steps, elements)."""
    shapes = [p.shape for p in params0]
    opt = submission.Adam([p.copy() for p in params0], **hyper)
    rows = []
    for grads in grads_seq:
        opt.step([g.copy() for g in grads])          # copies: a learner may change its g
        rows.append(_flat(_read_params(opt, shapes)))
    return np.stack(rows)


# Float64 trajectories agree with torch to ~1e-15; 1e-9 relative leaves room for another
# order of operations and is far below the effect of any mistake above.
RTOL, ATOL = 1e-9, 1e-12


# -- tests ----------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_first_step_matches_torch(submission, reference):
    """One step on one (3, 4) parameter matches torch.optim.Adam (bias correction at t = 1)."""
    params0, grads = _problem(0, shapes=[(3, 4)], steps=1)
    hyper = dict(lr=1e-2)
    got = _learner_trajectory(submission, params0, grads, **hyper)
    # With the default betas a correct first step is lr * sign(g) (up to eps); without bias
    # correction it is (1 - beta1) / sqrt(1 - beta2) = 3.16 times that; with t = 2, 0.74.
    ratio = {"no bias correction": "the first step is 3.16x too large: ",
             "t off by one": "the first step is only 0.74x its right size: "}
    with np.errstate(all="ignore"):
        bugs = {ratio.get(m, "") + _DESCRIPTIONS[m]: _model_trajectory(params0, grads, m, **hyper)
                for m in _DESCRIPTIONS}
    _check(got, _torch_trajectory(params0, grads, **hyper), name=TRAJECTORY,
           rtol=RTOL, atol=ATOL, bugs=bugs)


@pytest.mark.points(4)
def test_30_steps_on_three_parameters_match_torch(submission, reference):
    """30 steps on parameters of shapes (3, 4), (5,), (2, 3, 2) match torch.optim.Adam."""
    params0, grads = _problem(1)
    hyper = dict(lr=1e-2)
    got = _learner_trajectory(submission, params0, grads, **hyper)
    _check(got, _torch_trajectory(params0, grads, **hyper), name=TRAJECTORY,
           rtol=RTOL, atol=ATOL, bugs=_bugs(params0, grads, **hyper))


@pytest.mark.points(2)
def test_lr_betas_and_eps_are_used(submission, reference):
    """lr=0.05, betas=(0.8, 0.99), eps=1e-3 are used as given (20 steps)."""
    params0, grads = _problem(2, steps=20, grad_scale=1e-2)
    hyper = dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3)
    got = _learner_trajectory(submission, params0, grads, **hyper)
    bugs = _bugs(params0, grads, **hyper)
    bugs["lr, betas or eps ignored: the defaults were used instead"] = _torch_trajectory(
        params0, grads)
    _check(got, _torch_trajectory(params0, grads, **hyper), name=TRAJECTORY,
           rtol=RTOL, atol=ATOL, bugs=bugs)


@pytest.mark.points(3)
def test_tiny_gradients_show_eps_placement(submission, reference):
    """Gradients of size ~1e-8 (the size of eps): eps belongs outside the square root."""
    params0, grads = _problem(3, steps=10, grad_scale=1e-8)
    hyper = dict(lr=1e-2, eps=1e-8)
    got = _learner_trajectory(submission, params0, grads, **hyper)
    _check(got, _torch_trajectory(params0, grads, **hyper), name=TRAJECTORY,
           rtol=RTOL, atol=ATOL, bugs=_bugs(params0, grads, **hyper))


@pytest.mark.points(3)
def test_l2_weight_decay_matches_torch_adam(submission, reference):
    """decoupled=False, weight_decay=0.1: L2 added to the gradient, like torch.optim.Adam."""
    params0, grads = _problem(4)
    hyper = dict(lr=1e-2, weight_decay=0.1, decoupled=False)
    got = _learner_trajectory(submission, params0, grads, **hyper)
    bugs = _bugs(params0, grads, **hyper)
    bugs["weight_decay ignored"] = _torch_trajectory(params0, grads, lr=1e-2)
    _check(got, _torch_trajectory(params0, grads, **hyper), name=TRAJECTORY,
           rtol=RTOL, atol=ATOL, bugs=bugs)


@pytest.mark.points(3)
def test_decoupled_weight_decay_matches_torch_adamw(submission, reference):
    """decoupled=True, weight_decay=0.1: p shrinks before each update, like torch.optim.AdamW."""
    params0, grads = _problem(5)
    hyper = dict(lr=1e-2, weight_decay=0.1, decoupled=True)
    got = _learner_trajectory(submission, params0, grads, **hyper)
    bugs = _bugs(params0, grads, **hyper)
    bugs["weight_decay ignored"] = _torch_trajectory(params0, grads, lr=1e-2)
    _check(got, _torch_trajectory(params0, grads, **hyper), name=TRAJECTORY,
           rtol=RTOL, atol=ATOL, bugs=bugs)


@pytest.mark.points(2)
def test_parameters_are_updated_in_place(submission, reference):
    """step() moves the caller's own arrays: self.params is the very list passed in."""
    params0, grads = _problem(6, steps=3)
    hyper = dict(lr=1e-2, weight_decay=0.1, decoupled=True)
    want = _torch_trajectory(params0, grads, **hyper)[-1]
    # Arrays cross to the learner's process by copy, so the caller's arrays are kept there,
    # each on its own, and the list handed to Adam is made of those very arrays.
    arrays = [keep_in_worker(submission, p.copy()) for p in params0]
    params = keep_in_worker(submission, arrays)
    opt = submission.Adam(params, **hyper)
    for g in grads:
        opt.step([x.copy() for x in g])
    held = _flat([fetch(array) for array in arrays])
    current = _flat(_read_params(opt, [p.shape for p in params0]))
    if np.allclose(current, want, rtol=RTOL, atol=ATOL) and not np.allclose(
            held, want, rtol=RTOL, atol=ATOL):
        raise AssertionError(
            "opt.params has the right values, but the arrays passed to Adam did not get the "
            "update: step() put new arrays into self.params (self.params[i] = ...).\n"
            "  likely mistake: parameters rebound instead of updated in place; write "
            "p -= ... or p[...] = ... so the caller's arrays change")
    # Rebinding p = p - ... leaves the caller's arrays where they were, or moved by the
    # in-place decoupled decay alone when only the Adam update itself is rebound.
    decayed_only = _flat(params0) * (1 - hyper["lr"] * hyper["weight_decay"]) ** len(grads)
    rebound = {_DESCRIPTIONS["never updated in place"]: _flat(params0),
               "only the weight decay moved your parameters in place: the Adam update "
               "p = p - ... makes a new array instead; write p -= ...": decayed_only}
    assert_close(held, want, name="the caller's parameter arrays after 3 steps", rtol=RTOL,
                 atol=ATOL, bugs=rebound)
    if not same_object(params, opt, attribute="params"):
        raise AssertionError(
            "the arrays moved as they should, but opt.params is not the list that was passed "
            "to Adam: it is a copy of it (list(params), params[:] or a comprehension make "
            "one). Keep the list itself: self.params = params.")


@pytest.mark.points(1)
def test_default_hyperparameters_match_torch(submission, reference):
    """Adam(params) with no options uses lr=1e-3, betas=(0.9, 0.999), eps=1e-8, no decay."""
    params0, grads = _problem(7, steps=5)
    got = _learner_trajectory(submission, params0, grads)
    _check(got, _torch_trajectory(params0, grads), name=TRAJECTORY, rtol=RTOL,
                 atol=ATOL, bugs=_bugs(params0, grads))


@pytest.mark.points(1)
def test_float32_parameters_stay_float32(submission, reference):
    """float32 parameters and gradients stay float32 and follow torch's float32 Adam."""
    params0, grads = _problem(8, steps=10, dtype=np.float32)
    hyper = dict(lr=1e-2, weight_decay=0.1, decoupled=True)
    got = _learner_trajectory(submission, params0, grads, **hyper)
    # float32 rounding over 10 steps of size ~1e-2 on O(1) values: well under 1e-5.
    assert_close(got, _torch_trajectory(params0, grads, **hyper), name=TRAJECTORY,
                 rtol=1e-5, atol=1e-5)


@pytest.mark.points(2)
def test_two_optimisers_keep_their_own_state(submission, reference):
    """Two Adams alive at once, stepped in turn, each follow torch on their own problem."""
    first0, first_grads = _problem(11, steps=6)
    second0, second_grads = _problem(12, steps=6, grad_scale=100.0)
    shapes = [p.shape for p in first0]
    first = submission.Adam([p.copy() for p in first0], lr=1e-2)
    second = submission.Adam([p.copy() for p in second0], lr=1e-2)
    rows_first, rows_second = [], []
    for g1, g2 in zip(first_grads, second_grads):   # interleaved: shared state would mix them
        first.step([g.copy() for g in g1])
        second.step([g.copy() for g in g2])
        rows_first.append(_flat(_read_params(first, shapes)))
        rows_second.append(_flat(_read_params(second, shapes)))
    shared = ("state shared between optimisers (module-level or class-level moments or step "
              "counter): keep m, v and t on the instance, created in __init__")
    for name, rows, params0, grads in (("the first optimiser", rows_first, first0, first_grads),
                                       ("the second optimiser", rows_second, second0, second_grads)):
        # tolerance: RTOL/ATOL as every float64 trajectory; sharing moves values by >1e-3
        want = _torch_trajectory(params0, grads, lr=1e-2)
        if not np.allclose(np.stack(rows), want, rtol=RTOL, atol=ATOL):
            raise AssertionError(f"{name}'s parameters drift from torch's Adam when another "
                                 f"Adam steps in between\n  likely mistake: {shared}")


@pytest.mark.points(1)
def test_fast_enough(submission, reference):
    """A step on parameters of shapes (256, 256), (256,), (128, 256) is within 20x of the reference."""
    shapes = [(256, 256), (256,), (128, 256)]
    params0, grads = _problem(9, shapes=shapes, steps=1)
    opt = submission.Adam([p.copy() for p in params0], lr=1e-3, weight_decay=0.01)
    ref_opt = reference.Adam([p.copy() for p in params0], lr=1e-3, weight_decay=0.01)
    assert_fast_enough(opt.step, ref_opt.step, grads[0], max_ratio=20)
    # The point counts only when the timed steps were right: both took the same steps.
    assert_close(_flat(_read_params(opt, shapes)), _flat(ref_opt.params),
                 name="parameters after the timed steps", rtol=RTOL, atol=ATOL)
