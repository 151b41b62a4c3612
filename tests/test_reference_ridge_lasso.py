"""The ridge_lasso reference agrees with torch in float64 and with the lasso's optimality conditions."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("ridge_lasso")


def data(seed, n, p):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) @ (np.eye(p) + 0.5 * rng.standard_normal((p, p))) + 3.0
    return X, 10.0 + X @ rng.standard_normal(p) + 0.3 * rng.standard_normal(n)


@pytest.mark.parametrize("n, p, lam", [(17, 5, 4.0), (30, 3, 0.0), (8, 12, 2.5), (50, 6, 1e4)])
def test_ridge_matches_torch_solve(n, p, lam):
    X, y = data(n + p, n, p)
    Xc = torch.tensor(X - X.mean(axis=0))
    yc = torch.tensor(y - y.mean())
    if lam == 0.0:
        want = torch.linalg.lstsq(Xc, yc[:, None], driver="gelsd").solution[:, 0].numpy()
    else:
        want = torch.linalg.solve(Xc.T @ Xc + lam * torch.eye(p, dtype=torch.float64),
                                  Xc.T @ yc).numpy()
    intercept, coef = ref.ridge_fit(X, y, lam)
    assert isinstance(intercept, float) and coef.shape == (p,)
    np.testing.assert_allclose(coef, want, rtol=1e-8, atol=1e-10)
    assert intercept == pytest.approx(y.mean() - X.mean(axis=0) @ want, rel=1e-9)


def test_soft_threshold_matches_torch_softshrink():
    z = np.random.default_rng(0).uniform(-3, 3, (4, 6))
    for t in (0.0, 0.5, 2.0):
        want = torch.nn.functional.softshrink(torch.tensor(z), t).numpy()
        np.testing.assert_allclose(ref.soft_threshold(z, t), want, rtol=1e-15, atol=0)
    assert ref.soft_threshold(-2.5, 0.75) == -1.75


@pytest.mark.parametrize("lam", [0.05, 0.4, 1.5])
def test_lasso_satisfies_the_kkt_conditions(lam):
    X, y = data(1, 25, 6)
    intercept, coef = ref.lasso_cd(X, y, lam, n_iter=2000)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    corr = Xc.T @ (yc - Xc @ coef) / len(y)
    active = coef != 0
    np.testing.assert_allclose(corr[active], lam * np.sign(coef[active]), atol=1e-9)
    assert np.all(np.abs(corr[~active]) <= lam + 1e-9)
    assert intercept == pytest.approx(y.mean() - X.mean(axis=0) @ coef, rel=1e-12)


def test_lasso_with_zero_lambda_converges_to_least_squares():
    X, y = data(2, 40, 4)
    _, coef = ref.lasso_cd(X, y, 0.0, n_iter=3000)
    _, ols = ref.ridge_fit(X, y, 0.0)
    np.testing.assert_allclose(coef, ols, rtol=1e-8, atol=1e-10)
