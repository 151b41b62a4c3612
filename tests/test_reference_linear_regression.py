"""The linear_regression reference agrees with torch.linalg.lstsq and the closed forms."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("linear_regression")


@pytest.mark.parametrize("n, p", [(11, 3), (40, 1), (9, 7), (200, 12)])
def test_fit_matches_torch_lstsq_in_float64(n, p):
    rng = np.random.default_rng(n * 100 + p)
    X = rng.standard_normal((n, p)) + rng.uniform(-5, 5, p)
    y = 2.0 + X @ rng.standard_normal(p) + 0.3 * rng.standard_normal(n)
    design = torch.tensor(np.column_stack([np.ones(n), X]), dtype=torch.float64)
    want = torch.linalg.lstsq(design, torch.tensor(y)[:, None], driver="gelsd").solution[:, 0]
    intercept, coef = ref.fit_least_squares(X, y)
    assert isinstance(intercept, float)
    assert coef.shape == (p,) and coef.dtype == np.float64
    np.testing.assert_allclose(np.concatenate([[intercept], coef]), want.numpy(),
                               rtol=1e-9, atol=1e-10)


def test_fit_is_exact_on_noiseless_data_and_stable_on_collinear_columns():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((15, 3)) + 4.0
    intercept, coef = ref.fit_least_squares(X, -1.0 + X @ np.array([0.5, 2.0, -3.0]))
    np.testing.assert_allclose([intercept, *coef], [-1.0, 0.5, 2.0, -3.0], atol=1e-10)
    # A column that is an exact copy: lstsq still returns a minimiser (the minimum-norm one),
    # whose fitted values equal the fit on the column taken once.
    X_dup = np.column_stack([X, X[:, 0]])
    y = rng.standard_normal(15)
    b0, b = ref.fit_least_squares(X_dup, y)
    c0, c = ref.fit_least_squares(X, y)
    np.testing.assert_allclose(b0 + X_dup @ b, c0 + X @ c, atol=1e-10)


def test_rss_rse_r_squared_closed_forms():
    rng = np.random.default_rng(2)
    y = rng.standard_normal(12) + 30.0
    y_hat = y + rng.standard_normal(12)
    r = float(((y - y_hat) ** 2).sum())
    assert ref.rss(y, y_hat) == pytest.approx(r, rel=1e-12)
    assert ref.rse(y, y_hat, 4) == pytest.approx(np.sqrt(r / 7), rel=1e-12)
    assert ref.r_squared(y, y_hat) == pytest.approx(1 - r / (np.var(y) * 12), rel=1e-12)
    assert ref.rse(y, np.full(12, y.mean()), 0) == pytest.approx(np.std(y, ddof=1), rel=1e-12)
    assert ref.r_squared(y, y) == 1.0
    assert all(isinstance(v, float) for v in (ref.rss(y, y_hat), ref.rse(y, y_hat, 1),
                                               ref.r_squared(y, y_hat)))
