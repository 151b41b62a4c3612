"""Hidden suite for the ridge_lasso exercise.

Oracles: the ridge normal equations solved by np.linalg.solve in float64 (the reference
takes another route, least squares on an augmented system, and is itself checked against
torch in tests/test_reference_ridge_lasso.py; torch is not imported here, where it would add
seconds to every grade of this numpy exercise); lasso written
out here from its definition (cyclic coordinate descent recomputing the partial residual from
scratch), the closed form for an orthogonal design (the lasso is the soft-thresholded least
squares fit), and the lasso's optimality (KKT) conditions. Inputs are chosen so the usual bugs
show: correlated columns of different scales (a missing division by the column's mean square,
or a residual that keeps coordinate j's own part, changes the result), n = 17 rows (lam versus
lam * n or lam / 2 differ a lot), y with a mean of ~20 (a penalised intercept is pulled
towards 0), and a lam that zeroes some lasso coefficients but not all.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader.suite import assert_close, assert_fast_enough

N, P = 17, 5


# -- oracles and models of known mistakes ---------------------------------------------------

def _data(seed, n=N, p=P):
    """Correlated columns with different scales and means; y with a mean around 20."""
    rng = np.random.default_rng(seed)
    mix = np.eye(p) + 0.6 * rng.standard_normal((p, p))
    X = (rng.standard_normal((n, p)) @ mix) * rng.uniform(0.5, 3.0, p) + rng.uniform(-4, 4, p)
    beta = np.array([2.0, 0.0, -1.5, 0.0, 0.7, 1.0, -0.3, 0.0][:p])
    y = 20.0 + X @ beta + 0.5 * rng.standard_normal(n)
    return X, y


def _centred(X, y):
    return X - X.mean(axis=0), y - y.mean()


def _ridge(X, y, lam, *, penalise_intercept=False):
    """(intercept, coef) of ridge by np.linalg.solve on the normal equations, float64."""
    if penalise_intercept:
        A = np.column_stack([np.ones(len(X)), X])
        beta = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ y)
        return float(beta[0]), beta[1:]
    Xc, yc = _centred(X, y)
    coef = np.linalg.solve(Xc.T @ Xc + lam * np.eye(X.shape[1]), Xc.T @ yc)
    return float(y.mean() - X.mean(axis=0) @ coef), coef


def _ridge_bugs(X, y, lam):
    """Known ridge mistakes mapped to the coef and the intercept each would give."""
    n = len(y)
    made = {"the intercept is penalised too: centre X and y, or leave the ones column out of "
            "the penalty": _ridge(X, y, lam, penalise_intercept=True),
            "lam / 2 used: the objective is RSS + lam * ||b||^2, so (Xc^T Xc + lam I)":
                _ridge(X, y, lam / 2),
            "lam * n used: this objective has no 1/n in front of the RSS": _ridge(X, y, lam * n),
            "2 * lam used: differentiating RSS + lam ||b||^2 gives Xc^T Xc + lam I after the "
            "2s cancel": _ridge(X, y, 2 * lam)}
    return ({d: c for d, (_, c) in made.items()}, {d: b for d, (b, _) in made.items()})


def _lasso(X, y, lam, n_iter, *, keep_own=False, no_scale=False, lam_scale=1.0,
           jacobi=False):
    """Cyclic coordinate descent from the definition, with one known mistake if asked."""
    Xc, yc = _centred(X, y)
    n, p = Xc.shape
    coef = np.zeros(p)
    for _ in range(n_iter):
        old = coef.copy()
        for j in range(p):
            source = old if jacobi else coef
            partial = yc - Xc @ source + (0.0 if keep_own else Xc[:, j] * source[j])
            rho = Xc[:, j] @ partial / n
            shrunk = np.sign(rho) * max(abs(rho) - lam * lam_scale, 0.0)
            coef[j] = shrunk if no_scale else shrunk / (Xc[:, j] @ Xc[:, j] / n)
    return float(y.mean() - X.mean(axis=0) @ coef), coef


def _lasso_bugs(X, y, lam, n_iter):
    """Known lasso mistakes mapped to the coef each would give, leaving out those that these
    inputs cannot tell from the right answer (they would be named for any near miss)."""
    n = len(y)
    right = _lasso(X, y, lam, n_iter)[1]
    bugs = {
        "the residual still holds feature j's own part: add Xc[:, j] * coef[j] back "
        "before correlating": _lasso(X, y, lam, n_iter, keep_own=True)[1],
        "not divided by the column's mean square Xc[:, j] @ Xc[:, j] / n":
            _lasso(X, y, lam, n_iter, no_scale=True)[1],
        "threshold lam * n: with the 1/(2n) objective the threshold is lam itself":
            _lasso(X, y, lam, n_iter, lam_scale=n)[1],
        "threshold lam / 2: with the 1/(2n) objective the threshold is lam itself":
            _lasso(X, y, lam, n_iter, lam_scale=0.5)[1],
        "all coordinates updated from the same old coef (Jacobi): update them one at a time, "
        "each using the newest values": _lasso(X, y, lam, n_iter, jacobi=True)[1],
    }
    return {d: c for d, c in bugs.items() if not np.allclose(c, right, rtol=1e-4, atol=1e-6)}


def _check_pair(got, name):
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"{name}: expected a pair (intercept, coef), got {type(got).__name__}")
    return got


# -- soft_threshold --------------------------------------------------------------------------

@pytest.mark.points(2)
def test_soft_threshold_values(submission, reference):
    """soft_threshold on a (2, 4) array with t = 1: shrinks by 1 towards 0, zero inside [-1, 1]."""
    z = np.array([[-3.0, -1.0, -0.5, 0.0], [0.25, 1.0, 1.5, 4.0]])
    want = np.array([[-2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.5, 3.0]])
    # Exact arithmetic on these values.
    assert_close(submission.soft_threshold(z, 1.0), want, name="soft_threshold(z, 1)",
                 rtol=1e-12, atol=1e-12,
                 bugs={"sign lost: multiply max(|z| - t, 0) by sign(z)":
                       np.maximum(np.abs(z) - 1, 0),
                       "no dead zone: values within t of 0 must become 0":
                       np.sign(z) * (np.abs(z) - 1),
                       "only the positive side: max(z - t, 0) zeroes every negative z":
                       np.maximum(z - 1, 0),
                       "z - t * sign(z) without the clamp at 0": z - np.sign(z)})


@pytest.mark.points(1)
def test_soft_threshold_uses_t_on_a_number(submission, reference):
    """soft_threshold(-2.5, 0.75) is -1.75 and soft_threshold(0.5, 0.75) is 0."""
    # Exact up to rounding.
    assert_close(submission.soft_threshold(-2.5, 0.75), -1.75, name="soft_threshold(-2.5, 0.75)",
                 rtol=1e-12, atol=1e-12,
                 bugs={"sign lost: multiply max(|z| - t, 0) by sign(z)": 1.75})
    assert_close(submission.soft_threshold(0.5, 0.75), 0.0, name="soft_threshold(0.5, 0.75)",
                 atol=1e-12, bugs={"no dead zone: values within t of 0 must become 0": -0.25})


# -- ridge_fit -------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_ridge_matches_the_normal_equations(submission, reference):
    """ridge_fit(X, y, 4.0) on (17, 5) data: coef solves (Xc^T Xc + 4 I) coef = Xc^T yc."""
    X, y = _data(0)
    intercept, coef = _check_pair(submission.ridge_fit(X, y, 4.0), "ridge_fit")
    want_b0, want_coef = _ridge(X, y, 4.0)
    coef_bugs, b0_bugs = _ridge_bugs(X, y, 4.0)
    # A well-conditioned 5x5 solve in float64: 1e-9 relative is far above rounding.
    assert_close(coef, want_coef, name="coef", rtol=1e-9, atol=1e-10, bugs=coef_bugs)
    assert_close(intercept, want_b0, name="intercept", rtol=1e-9, atol=1e-10, bugs=b0_bugs)


@pytest.mark.points(2)
def test_ridge_intercept_is_not_penalised(submission, reference):
    """Adding 100 to y adds 100 to the ridge intercept and leaves coef alone (lam = 30)."""
    X, y = _data(1)
    intercept, coef = _check_pair(submission.ridge_fit(X, y + 100.0, 30.0), "ridge_fit")
    want_b0, want_coef = _ridge(X, y + 100.0, 30.0)
    coef_bugs, b0_bugs = _ridge_bugs(X, y + 100.0, 30.0)
    # float64 solve: 1e-9 relative.
    assert_close(intercept, want_b0, name="intercept", rtol=1e-9, atol=1e-9, bugs=b0_bugs)
    assert_close(coef, want_coef, name="coef", rtol=1e-9, atol=1e-10, bugs=coef_bugs)


@pytest.mark.points(1)
def test_ridge_with_zero_lambda_is_least_squares(submission, reference):
    """ridge_fit(X, y, 0.0) is the ordinary least-squares fit (pinv([1, X]) @ y, by SVD)."""
    X, y = _data(2)
    intercept, coef = _check_pair(submission.ridge_fit(X, y, 0.0), "ridge_fit")
    u, s, vt = np.linalg.svd(np.column_stack([np.ones(N), X]), full_matrices=False)
    beta = vt.T @ ((u.T @ y) / s)                         # (6,) intercept, then coef
    # Least squares on a well-conditioned (17, 6) problem: 1e-8 relative.
    assert_close(coef, beta[1:], name="coef", rtol=1e-8, atol=1e-9)
    assert_close(intercept, float(beta[0]), name="intercept", rtol=1e-8, atol=1e-9)


# -- lasso_cd --------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_lasso_on_an_orthogonal_design_soft_thresholds_least_squares(submission, reference):
    """With centred orthogonal columns (Xc^T Xc / n = diag), the lasso is the soft-thresholded LS fit."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.standard_normal((N, P)) - rng.standard_normal((N, P)).mean(axis=0))
    q = q - q.mean(axis=0)                           # centre, then make orthogonal again
    q, _ = np.linalg.qr(q)
    scales = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    X = q * scales * np.sqrt(N) + rng.uniform(-2, 2, P)  # (17, 5); Xc^T Xc / n = diag(scales^2)
    y = 5.0 + X @ np.array([1.0, -0.2, 2.0, 0.05, -0.6]) + 0.1 * rng.standard_normal(N)
    Xc, yc = _centred(X, y)
    col_sq = (Xc ** 2).sum(axis=0) / N
    rho = Xc.T @ yc / N
    want = np.sign(rho) * np.maximum(np.abs(rho) - 0.3, 0) / col_sq
    intercept, coef = _check_pair(submission.lasso_cd(X, y, 0.3, 5), "lasso_cd")
    # Decoupled coordinates: exact after one pass up to rounding; 1e-9 relative.
    assert_close(coef, want, name="coef", rtol=1e-9, atol=1e-10,
                 bugs=_lasso_bugs(X, y, 0.3, 5))
    assert_close(intercept, float(y.mean() - X.mean(axis=0) @ want), name="intercept",
                 rtol=1e-9, atol=1e-9)


@pytest.mark.points(2)
def test_lasso_one_pass_follows_cyclic_coordinate_descent(submission, reference):
    """lasso_cd(X, y, 0.5, n_iter=1) on correlated (17, 5) data is exactly one cyclic pass from zeros."""
    X, y = _data(4)
    intercept, coef = _check_pair(submission.lasso_cd(X, y, 0.5, 1), "lasso_cd")
    want_b0, want_coef = _lasso(X, y, 0.5, 1)
    # One pass of 5 updates in float64: 1e-9 relative is far above rounding.
    assert_close(coef, want_coef, name="coef after one pass", rtol=1e-9, atol=1e-10,
                 bugs=_lasso_bugs(X, y, 0.5, 1))
    assert_close(intercept, want_b0, name="intercept", rtol=1e-9, atol=1e-9)


@pytest.mark.points(3)
def test_lasso_converges_to_the_lasso_solution(submission, reference):
    """After 300 passes on correlated (17, 5) data with lam = 0.4 the KKT conditions hold."""
    X, y = _data(5)
    lam = 0.4
    intercept, coef = _check_pair(submission.lasso_cd(X, y, lam, 300), "lasso_cd")
    want_b0, want_coef = _lasso(X, y, lam, 300)
    # Converged iterates agree to ~1e-12; 1e-7 leaves room for any summation order.
    assert_close(coef, want_coef, name="coef", rtol=1e-7, atol=1e-8,
                 bugs=_lasso_bugs(X, y, lam, 300))
    # Optimality, independent of the algorithm: Xc_j . r / n = lam * sign(b_j) where b_j != 0,
    # and |Xc_j . r / n| <= lam where b_j = 0.
    Xc, yc = _centred(X, y)
    corr = Xc.T @ (yc - Xc @ coef) / N
    active = np.abs(want_coef) > 1e-8
    assert active.any() and not active.all()          # the data make some zero and some not
    assert_close(corr[active], lam * np.sign(coef[active]),
                 name="Xc[:, j] @ residual / n on the non-zero coefficients", rtol=1e-6, atol=1e-7)
    assert_close(intercept, want_b0, name="intercept", rtol=1e-7, atol=1e-7)


@pytest.mark.points(1)
def test_lasso_with_large_lambda_gives_zero_coef_and_the_mean(submission, reference):
    """With lam above max |Xc^T yc| / n every coefficient is 0 and the intercept is mean(y)."""
    X, y = _data(6)
    Xc, yc = _centred(X, y)
    lam = 1.01 * np.max(np.abs(Xc.T @ yc)) / N
    intercept, coef = _check_pair(submission.lasso_cd(X, y, lam, 20), "lasso_cd")
    # Exact: soft thresholding returns exact zeros.
    assert_close(coef, np.zeros(P), name="coef", atol=1e-12,
                 bugs={"threshold lam / 2: with the 1/(2n) objective the threshold is lam itself":
                       _lasso(X, y, lam, 20, lam_scale=0.5)[1]})
    assert_close(intercept, float(y.mean()), name="intercept", rtol=1e-12, atol=1e-12,
                 bugs={"no intercept: the intercept is mean(y) - mean(X) @ coef": 0.0})


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """lasso_cd on (3000, 12) with 30 passes runs within 20x of the reference (and is right)."""
    X, y = _data(7, n=3000, p=8)
    X = np.column_stack([X, np.random.default_rng(8).standard_normal((3000, 4))])
    # A Python loop over the 3000 rows in each update takes ~100x the vectorised products.
    got, want = assert_fast_enough(submission.lasso_cd, reference.lasso_cd, X, y, 0.05, 30,
                                   max_ratio=20)
    # Same algorithm, other summation orders: 1e-8 relative.
    assert_close(got[1], want[1], name="coef of the timed call", rtol=1e-8, atol=1e-10)
    assert_close(got[0], want[0], name="intercept of the timed call", rtol=1e-8, atol=1e-9)
