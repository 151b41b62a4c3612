"""The optimizers reference follows torch.optim.SGD, Adagrad and RMSprop step for step.

Here the oracle is the torch.optim classes themselves (the hidden suite calls the update
functions they run, to keep grading fast), in float64, on the same gradients.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference

SHAPES = [(3, 4), (5,), (2, 3, 2)]

ref = load_reference("optimizers")

CASES = [
    ("SGD", torch.optim.SGD, dict(lr=0.1), 1.0),
    ("SGD", torch.optim.SGD, dict(lr=0.05, momentum=0.9), 1.0),
    ("SGD", torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1), 1.0),
    ("SGD", torch.optim.SGD, dict(lr=0.01, weight_decay=0.3), 1.0),
    ("AdaGrad", torch.optim.Adagrad, dict(lr=0.1), 1.0),
    ("AdaGrad", torch.optim.Adagrad, dict(lr=0.01, eps=1e-6), 1e-5),
    ("RMSProp", torch.optim.RMSprop, dict(lr=0.01), 1.0),
    ("RMSProp", torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.8), 1.0),
    ("RMSProp", torch.optim.RMSprop, dict(lr=1e-3), 1e-8),
]


@pytest.mark.parametrize("name, torch_class, hyper, grad_scale", CASES)
def test_trajectory_matches_torch_optim(name, torch_class, hyper, grad_scale):
    rng = np.random.default_rng(len(name) + int(100 * hyper["lr"]))
    params0 = [rng.standard_normal(s) for s in SHAPES]
    grads_seq = [[grad_scale * rng.standard_normal(s) for s in SHAPES] for _ in range(25)]
    params = [p.copy() for p in params0]
    originals = list(params)
    opt = getattr(ref, name)(params, **hyper)
    tensors = [torch.tensor(p, requires_grad=True) for p in params0]
    torch_opt = torch_class(tensors, **hyper)
    for grads in grads_seq:
        given = [g.copy() for g in grads]
        opt.step(given)
        for t, g in zip(tensors, grads):
            t.grad = torch.tensor(g)
        torch_opt.step()
        for got, want in zip(params, tensors):
            np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12, atol=1e-15)
        for g, before in zip(given, grads):      # the gradients are left alone
            np.testing.assert_array_equal(g, before)
    # The caller's list and arrays are the ones that moved.
    assert opt.params is params and all(a is b for a, b in zip(params, originals))
