"""Hidden suite for the linear_regression exercise.

Oracles: the least-squares coefficients from the SVD of the design matrix [1, X] in float64
(the pseudo-inverse, np.linalg.svd: another LAPACK route than the reference's lstsq; the
reference itself is checked against torch.linalg.lstsq in tests/test_reference_*), closed
forms (noiseless data are fitted exactly; a one-feature slope is cov(x, y) / var(x)), and
direct sums for RSS, RSE and R². torch is not imported here: it would add seconds to every
grade of this numpy exercise. Inputs are chosen so the usual
bugs show: X with non-zero column means (a missing intercept or a fit of centred y alone
moves every coefficient), few rows (n = 11, p = 3: dividing by n, n - p or n - p - 1 differs
by 10% to 40%), y far from zero (TSS around 0 is much larger than TSS around the mean), and
two nearly collinear columns (the normal equations lose about 8 digits there).
"""
from __future__ import annotations

import numpy as np
import pytest

from grader.suite import assert_close, assert_fast_enough


# -- oracles and models of known mistakes ---------------------------------------------------

def _svd_lstsq(X, y):
    """(intercept, coef): the least-squares solution pinv([1, X]) @ y, by SVD in float64."""
    design = np.column_stack([np.ones(len(X)), X])               # (n, p + 1)
    u, s, vt = np.linalg.svd(design, full_matrices=False)        # (n, p+1), (p+1,), (p+1, p+1)
    beta = vt.T @ ((u.T @ y) / s)                                 # (p + 1,)
    return float(beta[0]), beta[1:]


def _fit_bugs(X, y):
    """Known fitting mistakes mapped to the (intercept, coef) each would give."""
    no_intercept = np.linalg.lstsq(X, y, rcond=None)[0]
    y_centred_only = np.linalg.lstsq(X, y - y.mean(), rcond=None)[0]
    return {
        "intercept": {
            "no intercept column: prepend a column of ones to X": 0.0,
            "y centred but X not: the intercept is mean(y) - mean(X) @ coef": float(y.mean()),
        },
        "coef": {
            "no intercept column: prepend a column of ones to X": no_intercept,
            "y centred but X not: centre X too, or add a column of ones": y_centred_only,
        },
    }


def _data(seed, n, p, noise=0.5):
    """X with column means far from zero, and y = 3 + X @ beta + noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 3.0, p) + rng.uniform(2.0, 6.0, p)
    beta = rng.uniform(-2.0, 2.0, p)
    y = 3.0 + X @ beta + noise * rng.standard_normal(n)
    return X, y


def _check_fit(got, X, y, *, rtol, atol, bugs=None):
    """Compare a returned (intercept, coef) with the least-squares solution."""
    want_b0, want_coef = _svd_lstsq(X, y)
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"fit_least_squares: expected a pair (intercept, coef), got {type(got).__name__}"
        + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
    bugs = bugs or {"intercept": None, "coef": None}
    assert_close(got[1], want_coef, name="coef", rtol=rtol, atol=atol, bugs=bugs["coef"])
    assert_close(got[0], want_b0, name="intercept", rtol=rtol, atol=atol, bugs=bugs["intercept"])


# -- fit_least_squares ----------------------------------------------------------------------

@pytest.mark.points(2)
def test_fit_recovers_noiseless_coefficients(submission, reference):
    """Noiseless y = 3 + X @ beta on (11, 3) X: the fit returns 3 and beta exactly."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((11, 3)) + np.array([4.0, -2.0, 7.0])   # columns not centred
    beta = np.array([1.5, -0.75, 2.25])
    y = 3.0 + X @ beta
    got = submission.fit_least_squares(X, y)
    # A closed form: noiseless data are fitted exactly; 1e-9 allows for rounding only.
    assert_close(got[1], beta, name="coef", rtol=1e-9, atol=1e-9, bugs=_fit_bugs(X, y)["coef"])
    assert_close(got[0], 3.0, name="intercept", rtol=1e-9, atol=1e-9,
                 bugs=_fit_bugs(X, y)["intercept"])


@pytest.mark.points(3)
def test_fit_matches_least_squares_on_noisy_data(submission, reference):
    """Noisy (23, 4) data with non-centred columns: (intercept, coef) are the least-squares solution."""
    X, y = _data(1, 23, 4)
    got = submission.fit_least_squares(X, y)
    # Well-conditioned float64 problem: 1e-9 relative is far above rounding, far below a bug.
    _check_fit(got, X, y, rtol=1e-9, atol=1e-9, bugs=_fit_bugs(X, y))


@pytest.mark.points(1)
def test_fit_returns_float_intercept_and_p_coefficients(submission, reference):
    """The intercept is a number and coef is a float64 array of shape (p,), without the intercept."""
    X, y = _data(2, 9, 5)
    intercept, coef = submission.fit_least_squares(X, y)
    want_b0, want_coef = _svd_lstsq(X, y)
    full = np.concatenate([[want_b0], want_coef])
    # Exact least squares on 9 rows and 6 unknowns: 1e-8 covers the conditioning here.
    assert_close(coef, want_coef, name="coef", rtol=1e-8, atol=1e-8,
                 bugs={"coef includes the intercept: return beta[1:]": full,
                       "intercept read from the wrong end: with the ones column first, "
                       "beta[0] is the intercept": full[:-1]})
    assert_close(intercept, want_b0, name="intercept", rtol=1e-8, atol=1e-8)


@pytest.mark.points(1)
def test_fit_one_feature_matches_closed_form(submission, reference):
    """One feature: slope = cov(x, y) / var(x) and intercept = mean(y) - slope * mean(x)."""
    rng = np.random.default_rng(3)
    x = rng.uniform(10.0, 20.0, 8)
    y = -4.0 + 0.5 * x + rng.standard_normal(8)
    slope = ((x - x.mean()) @ (y - y.mean())) / ((x - x.mean()) @ (x - x.mean()))
    intercept, coef = submission.fit_least_squares(x[:, None], y)
    # Closed form in float64: 1e-9 covers rounding only.
    assert_close(coef, np.array([slope]), name="coef", rtol=1e-9, atol=1e-9,
                 bugs={"no intercept column: the line is forced through the origin":
                       np.array([(x @ y) / (x @ x)])})
    assert_close(intercept, y.mean() - slope * x.mean(), name="intercept", rtol=1e-9, atol=1e-9)


@pytest.mark.points(3)
def test_fit_on_nearly_collinear_columns(submission, reference):
    """Two columns equal to within 1e-7 (cond ~1e8): the fitted values are the least-squares ones."""
    rng = np.random.default_rng(4)
    n = 13
    x1 = 3.0 * rng.standard_normal(n) + 2.0
    x2 = x1 + 1e-7 * rng.standard_normal(n)              # nearly a copy of x1
    x3 = rng.standard_normal(n)
    X = np.column_stack([x1, x2, x3])                     # (13, 3)
    y = 1.5 + 2.0 * x1 - x3 + 0.3 * rng.standard_normal(n)
    intercept, coef = submission.fit_least_squares(X, y)
    want_b0, want_coef = _svd_lstsq(X, y)
    # The coefficients of x1 and x2 are barely determined, so compare what is: the fitted
    # values. lstsq and QR get them to ~1e-9; the normal equations (inv or solve of X.T @ X)
    # are off by 1e-4 or more at this conditioning.
    design = np.column_stack([np.ones(n), X])
    inverted = np.linalg.inv(design.T @ design) @ design.T @ y
    solved = np.linalg.solve(design.T @ design, design.T @ y)
    assert_close(intercept + X @ np.asarray(coef), want_b0 + X @ want_coef,
                 name="fitted values intercept + X @ coef", rtol=1e-7, atol=1e-6,
                 bugs={"inv(X.T @ X): the normal equations square the condition number; "
                       "use np.linalg.lstsq": design @ inverted,
                       "solve(X.T @ X, X.T @ y): forming X.T @ X squares the condition number; "
                       "use np.linalg.lstsq": design @ solved})


# -- rss, rse, r_squared --------------------------------------------------------------------

@pytest.mark.points(1)
def test_rss_is_the_sum_of_squared_residuals(submission, reference):
    """rss(y, y_hat) = sum of (y - y_hat)**2 on 11 values."""
    rng = np.random.default_rng(5)
    y, y_hat = rng.standard_normal(11) + 5.0, rng.standard_normal(11) + 5.0
    want = float(((y - y_hat) ** 2).sum())
    # A sum of 11 float64 squares: 1e-12 relative covers rounding only.
    assert_close(submission.rss(y, y_hat), want, name="rss", rtol=1e-12, atol=1e-12,
                 bugs={"mean instead of sum (that is the MSE)": want / 11,
                       "absolute residuals instead of squared": float(np.abs(y - y_hat).sum()),
                       "square root taken": float(np.sqrt(want))})


@pytest.mark.points(2)
def test_rse_divides_by_n_minus_p_minus_1(submission, reference):
    """rse on n = 11 residuals of a p = 3 model is sqrt(RSS / 7)."""
    X, y = _data(6, 11, 3)
    b0, coef = _svd_lstsq(X, y)
    y_hat = b0 + X @ coef
    r = float(((y - y_hat) ** 2).sum())
    # float64 closed form: 1e-12 relative covers rounding only; the bugs differ by >= 6%.
    assert_close(submission.rse(y, y_hat, 3), np.sqrt(r / 7), name="rse", rtol=1e-12,
                 atol=1e-12,
                 bugs={"divides by n: RSE uses the residual degrees of freedom n - p - 1":
                       np.sqrt(r / 11),
                       "divides by n - p: the intercept uses one more degree of freedom":
                       np.sqrt(r / 8),
                       "square root missing (that is RSE**2, the noise variance estimate)":
                       r / 7})


@pytest.mark.points(1)
def test_rse_uses_the_p_argument(submission, reference):
    """rse with p = 0 (a mean-only model) on 9 values is sqrt(RSS / 8), the sample std."""
    rng = np.random.default_rng(7)
    y = rng.standard_normal(9) * 2.0 + 1.0
    y_hat = np.full(9, y.mean())
    # sqrt(RSS / (n - 1)) around the mean is the sample standard deviation with ddof=1.
    assert_close(submission.rse(y, y_hat, 0), float(np.std(y, ddof=1)), name="rse (p = 0)",
                 rtol=1e-12, atol=1e-12,
                 bugs={"divides by n (or n - p): RSE uses n - p - 1": float(np.std(y))})


@pytest.mark.points(2)
def test_r_squared_uses_tss_around_the_mean(submission, reference):
    """R² = 1 - RSS / TSS with TSS around mean(y), on y far from 0 (mean ~50)."""
    X, y = _data(8, 14, 2, noise=2.0)
    y = y + 40.0                                          # shift so sum(y**2) >> TSS
    b0, coef = _svd_lstsq(X, y)
    y_hat = b0 + X @ coef
    r = float(((y - y_hat) ** 2).sum())
    tss = float(((y - y.mean()) ** 2).sum())
    # float64 closed form: 1e-12 covers rounding only.
    assert_close(submission.r_squared(y, y_hat), 1 - r / tss, name="r_squared", rtol=1e-12,
                 atol=1e-12,
                 bugs={"TSS not centred: use sum((y - mean(y))**2), not sum(y**2)":
                       1 - r / float(y @ y),
                       "RSS / TSS is the unexplained share: R² is 1 - RSS / TSS": r / tss})


@pytest.mark.points(1)
def test_r_squared_is_one_for_a_perfect_fit_and_zero_for_the_mean(submission, reference):
    """r_squared(y, y) is 1 and r_squared(y, mean(y)) is 0."""
    rng = np.random.default_rng(9)
    y = rng.standard_normal(10) + 3.0
    # Exact values up to rounding.
    assert_close(submission.r_squared(y, y.copy()), 1.0, name="r_squared(y, y)", atol=1e-12)
    assert_close(submission.r_squared(y, np.full(10, y.mean())), 0.0,
                 name="r_squared(y, mean(y))", atol=1e-12,
                 bugs={"RSS / TSS is the unexplained share: R² is 1 - RSS / TSS": 1.0})


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """r_squared on 200,000 values runs within 8x of the reference (and returns the right value)."""
    rng = np.random.default_rng(10)
    y = rng.standard_normal(200_000) + 2.0
    y_hat = y + 0.5 * rng.standard_normal(200_000)
    # In CPU time a Python loop over 200,000 residuals measures about 14x the vectorised sum
    # (the reference is bound by memory, not arithmetic); correct vectorised versions, 1-3x.
    got, want = assert_fast_enough(submission.r_squared, reference.r_squared, y, y_hat,
                                   max_ratio=8)
    # Sums of 2e5 terms in different orders agree to ~1e-12 relative.
    assert_close(got, want, name="r_squared of the timed call", rtol=1e-9, atol=1e-12)
