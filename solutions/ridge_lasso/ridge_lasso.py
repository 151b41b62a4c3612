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
    # BEGIN SOLUTION
    # TODO: centre X and y (the column means and the mean), so the intercept drops out;
    # TODO: solve (Xc^T Xc + lam I) coef = Xc^T yc; then intercept = mean(y) - mean(X) @ coef.
    X = np.asarray(X, dtype=np.float64)                # (n, p)
    y = np.asarray(y, dtype=np.float64)                # (n,)
    x_mean, y_mean = X.mean(axis=0), y.mean()          # (p,), scalar
    Xc, yc = X - x_mean, y - y_mean                    # (n, p), (n,)
    p = X.shape[1]
    # Least squares on [Xc; sqrt(lam) I] against [yc; 0] has exactly the ridge normal
    # equations, and lstsq solves it without forming Xc^T Xc (stable even for lam = 0).
    augmented = np.vstack([Xc, np.sqrt(lam) * np.eye(p)])          # (n + p, p)
    target = np.concatenate([yc, np.zeros(p)])                      # (n + p,)
    coef = np.linalg.lstsq(augmented, target, rcond=None)[0]        # (p,)
    return float(y_mean - x_mean @ coef), coef
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: shrink |z| by t, stop at zero, and put the sign of z back.
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: centre X and y; start from coef = 0. Then n_iter times, for j = 0 .. p-1:
    # TODO: correlate column j with the residual that leaves out feature j's own part,
    # TODO: soft-threshold it at lam, divide by the column's mean square, and store it.
    X = np.asarray(X, dtype=np.float64)                # (n, p)
    y = np.asarray(y, dtype=np.float64)                # (n,)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean                    # (n, p), (n,)
    n, p = Xc.shape
    col_sq = (Xc ** 2).sum(axis=0) / n                 # (p,) mean square of each column
    coef = np.zeros(p)                                 # (p,)
    residual = yc.copy()                               # (n,) yc - Xc @ coef, kept up to date
    for _ in range(n_iter):
        for j in range(p):
            if col_sq[j] == 0.0:                       # a constant column carries no signal
                continue
            # Xc[:, j] @ r_j / n, with r_j = residual + Xc[:, j] * coef[j] added back.
            rho = Xc[:, j] @ residual / n + col_sq[j] * coef[j]
            new = soft_threshold(rho, lam) / col_sq[j]
            residual -= Xc[:, j] * (new - coef[j])     # O(n) update instead of recomputing
            coef[j] = new
    return float(y_mean - x_mean @ coef), coef
    # END SOLUTION
