"""The logistic_regression reference agrees with torch in float64 and never overflows."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("logistic_regression")


def torch_loss_and_grad(w, b, X, y):
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(X) @ wt + bt, torch.tensor(y))
    loss.backward()
    return loss.item(), wt.grad.numpy(), bt.grad.item()


def test_sigmoid_matches_torch_without_overflow():
    z = np.concatenate([np.linspace(-30, 30, 61), [-1e4, -1000.0, -745.0, 745.0, 1000.0, 1e4]])
    with np.errstate(over="raise", invalid="raise"):
        got = ref.sigmoid(z.reshape(-1, 1))
    assert got.shape == (len(z), 1) and got.dtype == np.float64
    np.testing.assert_allclose(got[:, 0], torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-13,
                               atol=1e-300)   # e^-745 is subnormal: torch flushes it to 0


@pytest.mark.parametrize("n, p, scale", [(13, 4, 1.0), (50, 2, 0.1), (7, 6, 200.0)])
def test_loss_and_grad_match_torch(n, p, scale):
    rng = np.random.default_rng(n + p)
    X = rng.standard_normal((n, p))
    y = (rng.uniform(size=n) < 0.5).astype(float)
    w, b = scale * rng.standard_normal(p), float(rng.standard_normal())
    want_loss, want_dw, want_db = torch_loss_and_grad(w, b, X, y)
    with np.errstate(over="raise"):
        loss = ref.bce_loss(w, b, X, y)
        dw, db = ref.bce_grad(w, b, X, y)
    assert isinstance(loss, float) and isinstance(db, float) and dw.shape == (p,)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(dw, want_dw, rtol=1e-10, atol=1e-13)
    assert db == pytest.approx(want_db, rel=1e-10, abs=1e-13)


def test_fit_gd_matches_torch_sgd_and_lowers_the_loss():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 > 0).astype(float)
    w, b = ref.fit_gd(X, y, 0.4, 25)
    wt = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    bt = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([wt, bt], lr=0.4)
    for _ in range(25):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(X) @ wt + bt,
                                                             torch.tensor(y)).backward()
        opt.step()
    np.testing.assert_allclose(w, wt.detach().numpy(), rtol=1e-10)
    assert b == pytest.approx(bt.item(), rel=1e-10)
    assert ref.bce_loss(w, b, X, y) < ref.bce_loss(np.zeros(3), 0.0, X, y) == pytest.approx(np.log(2))
