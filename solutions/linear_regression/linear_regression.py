"""Multiple linear regression by least squares, and the three numbers that judge a fit.

The model is y ≈ b0 + X @ b: an intercept b0 and one coefficient per column of X. Least
squares picks the (b0, b) that make the residual sum of squares smallest:

    RSS = sum_i (y_i - y_hat_i)**2
    RSE = sqrt(RSS / (n - p - 1))       n rows, p features, and 1 more for the intercept
    R2  = 1 - RSS / TSS,   TSS = sum_i (y_i - mean(y))**2

Solve the least-squares problem with a numerically stable method (np.linalg.lstsq, or a QR
decomposition): never with inv(X.T @ X), which loses twice as many digits on nearly
collinear columns.
"""
from __future__ import annotations

import numpy as np


def fit_least_squares(X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Fit y ≈ intercept + X @ coef by ordinary least squares, with an unpenalised intercept.

    Args:
        X: features, shape (n, p). Its columns need not be centred.
        y: responses, shape (n,).

    Returns:
        intercept: the fitted b0, a Python float.
        coef: the fitted coefficients, a float64 array of shape (p,) (the intercept is not
            part of it).

    The fit must stay accurate when two columns of X are nearly collinear: solve the
    least-squares problem directly (np.linalg.lstsq or QR), do not invert X.T @ X.
    """
    # BEGIN SOLUTION
    # TODO: prepend a column of ones to X so the intercept is fitted like any coefficient,
    # TODO: solve the least-squares problem for all p + 1 numbers with np.linalg.lstsq,
    # TODO: and split the solution into the intercept and the p coefficients.
    X = np.asarray(X, dtype=np.float64)                # (n, p)
    y = np.asarray(y, dtype=np.float64)                # (n,)
    n = X.shape[0]
    design = np.column_stack([np.ones(n), X])          # (n, p + 1), column 0 is the intercept's
    # lstsq works on the design matrix itself (SVD), so it never squares its condition number.
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)  # (p + 1,)
    return float(beta[0]), beta[1:]
    # END SOLUTION


def rss(y: np.ndarray, y_hat: np.ndarray) -> float:
    """The residual sum of squares, sum_i (y_i - y_hat_i)**2, as a Python float.

    Args:
        y: observed responses, shape (n,).
        y_hat: fitted or predicted responses, shape (n,).
    """
    # BEGIN SOLUTION
    # TODO: sum the squared residuals (a sum, not a mean).
    residuals = np.asarray(y, dtype=np.float64) - np.asarray(y_hat, dtype=np.float64)  # (n,)
    return float(residuals @ residuals)
    # END SOLUTION


def rse(y: np.ndarray, y_hat: np.ndarray, p: int) -> float:
    """The residual standard error sqrt(RSS / (n - p - 1)), as a Python float.

    Args:
        y: observed responses, shape (n,).
        y_hat: fitted responses of a model with p features plus an intercept, shape (n,).
        p: the number of features (not counting the intercept).

    The n - p - 1 degrees of freedom make RSE**2 an unbiased estimate of the noise variance:
    fitting p coefficients and an intercept uses up p + 1 of the n residuals' freedom.
    """
    # BEGIN SOLUTION
    # TODO: divide the RSS by the residual degrees of freedom n - p - 1, then take the root.
    n = len(y)
    return float(np.sqrt(rss(y, y_hat) / (n - p - 1)))
    # END SOLUTION


def r_squared(y: np.ndarray, y_hat: np.ndarray) -> float:
    """The coefficient of determination 1 - RSS / TSS, as a Python float.

    TSS = sum_i (y_i - mean(y))**2 is the RSS of the model that always predicts mean(y), so
    R2 is the share of that error the fit removes (1 for a perfect fit, 0 for the mean).

    Args:
        y: observed responses, shape (n,).
        y_hat: fitted responses, shape (n,).
    """
    # BEGIN SOLUTION
    # TODO: compute TSS around the mean of y, then return 1 - RSS / TSS.
    y = np.asarray(y, dtype=np.float64)                # (n,)
    centred = y - y.mean()                             # (n,)
    tss = float(centred @ centred)
    return 1.0 - rss(y, y_hat) / tss
    # END SOLUTION
