"""Ridge and lasso regression: least squares with a penalty on the size of the coefficients.

Both keep an unpenalised intercept b0 and shrink the coefficients b:

    ridge:  minimise  RSS + lam * sum_j b_j**2                   (L2; closed form)
    lasso:  minimise  (1 / (2n)) * RSS + lam * sum_j |b_j|       (L1; coordinate descent)

with RSS = sum_i (y_i - b0 - X[i] @ b)**2. Centring X and y removes b0 from both problems;
afterwards b0 = mean(y) - mean(X, axis=0) @ b.
"""
from __future__ import annotations

import numpy as np


def ridge_fit(X: np.ndarray, y: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """Ridge regression: minimise RSS + lam * ||coef||^2 over (intercept, coef).

    Args:
        X: features, shape (n, p).
        y: responses, shape (n,).
        lam: the penalty weight, >= 0. lam = 0 is ordinary least squares.

    Returns:
        intercept: a Python float. It is NOT penalised.
        coef: float64 array of shape (p,), the solution of
            (Xc^T Xc + lam * I) coef = Xc^T yc for the centred Xc and yc.
    """
    # TODO: centre X and y (the column means and the mean), so the intercept drops out;
    # TODO: solve (Xc^T Xc + lam I) coef = Xc^T yc; then intercept = mean(y) - mean(X) @ coef.
    raise NotImplementedError


def soft_threshold(z: np.ndarray | float, t: float) -> np.ndarray | float:
    """The soft-thresholding operator sign(z) * max(|z| - t, 0), elementwise.

    Values within t of zero become exactly 0; the rest move t closer to zero. It is the
    minimiser over b of (1/2) * (b - z)**2 + t * |b|.

    Args:
        z: a number or an array of any shape.
        t: the threshold, >= 0.

    Returns:
        float64 of z's shape (a number for a number).
    """
    # TODO: shrink |z| by t, stop at zero, and put the sign of z back.
    raise NotImplementedError


def lasso_cd(X: np.ndarray, y: np.ndarray, lam: float,
             n_iter: int = 100) -> tuple[float, np.ndarray]:
    """Lasso by cyclic coordinate descent: minimise (1/(2n)) RSS + lam * ||coef||_1.

    Centre X and y first; start from coef = 0. One iteration is one pass over j = 0, ..., p-1
    in order, each update using the coefficients as they are at that moment:

        r_j    = yc - Xc @ coef + Xc[:, j] * coef[j]     the residual without feature j
        coef_j = soft_threshold(Xc[:, j] @ r_j / n, lam) / (Xc[:, j] @ Xc[:, j] / n)

    (a constant column keeps coefficient 0). After n_iter passes, the intercept is
    mean(y) - mean(X, axis=0) @ coef: it is not penalised.

    Args:
        X: features, shape (n, p).
        y: responses, shape (n,).
        lam: the L1 penalty weight, >= 0.
        n_iter: the number of full passes over the coordinates.

    Returns:
        intercept (a Python float) and coef (float64, shape (p,)).
    """
    # TODO: centre X and y; start from coef = 0. Then n_iter times, for j = 0 .. p-1:
    # TODO: correlate column j with the residual that leaves out feature j's own part,
    # TODO: soft-threshold it at lam, divide by the column's mean square, and store it.
    raise NotImplementedError
