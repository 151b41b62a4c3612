"""The adam reference follows torch's Adam and AdamW step for step.

The oracle calls the update functions that torch.optim.Adam.step and torch.optim.AdamW.step
run (torch.optim.adam.adam and torch.optim.adamw.adamw), with the state laid out as those
classes keep it: constructing the classes imports torch._dynamo, about 2 s.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.optim.adam import adam as torch_adam
from torch.optim.adamw import adamw as torch_adamw

from conftest import load_reference

SHAPES = [(3, 4), (5,), (2, 3, 2)]


ref = load_reference("adam")


def torch_run(params0, grads_seq, lr, betas, eps, weight_decay, decoupled):
    """torch's update on copies of params0; the parameters after each step."""
    params = [torch.tensor(p) for p in params0]
    exp_avgs = [torch.zeros_like(p) for p in params]
    exp_avg_sqs = [torch.zeros_like(p) for p in params]
    steps = [torch.tensor(0.0) for _ in params]
    update = torch_adamw if decoupled else torch_adam
    trajectory = []
    for grads in grads_seq:
        update(params, [torch.tensor(g) for g in grads], exp_avgs, exp_avg_sqs, [], steps,
               foreach=False, amsgrad=False, beta1=betas[0], beta2=betas[1], lr=lr,
               weight_decay=weight_decay, eps=eps, maximize=False)
        trajectory.append([p.numpy().copy() for p in params])
    return trajectory


@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize("lr, betas, eps, weight_decay, grad_scale",
                         [(1e-3, (0.9, 0.999), 1e-8, 0.0, 1.0),
                          (1e-2, (0.8, 0.99), 1e-8, 0.1, 1.0),
                          (1e-2, (0.9, 0.999), 1e-8, 0.0, 1e-8),
                          (5e-2, (0.5, 0.9), 1e-3, 0.3, 1e-2)])
def test_trajectory_matches_torch(lr, betas, eps, weight_decay, grad_scale, decoupled):
    rng = np.random.default_rng(int(lr * 1e4) + decoupled)
    params0 = [rng.standard_normal(s) for s in SHAPES]
    grads_seq = [[grad_scale * rng.standard_normal(s) for s in SHAPES] for _ in range(30)]
    params = [p.copy() for p in params0]
    originals = list(params)
    opt = ref.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                   decoupled=decoupled)
    want = torch_run(params0, grads_seq, lr, betas, eps, weight_decay, decoupled)
    for grads, expected in zip(grads_seq, want):
        opt.step(grads)
        for got, exp in zip(opt.params, expected):
            np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-14)
    assert opt.params is params and all(a is b for a, b in zip(params, originals))


def test_float32_parameters_stay_float32():
    rng = np.random.default_rng(0)
    params0 = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads_seq = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(10)]
    params = [p.copy() for p in params0]
    opt = ref.Adam(params, lr=1e-2, weight_decay=0.1, decoupled=True)
    for grads in grads_seq:
        opt.step(grads)
    want = torch_run(params0, grads_seq, 1e-2, (0.9, 0.999), 1e-8, 0.1, True)[-1]
    for got, exp in zip(params, want):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, exp, rtol=1e-5, atol=1e-6)


def test_gradients_are_not_modified():
    params = [np.ones(3)]
    grads = [np.full(3, 0.5)]
    ref.Adam(params, lr=0.1, weight_decay=0.5).step(grads)
    np.testing.assert_array_equal(grads[0], 0.5)
