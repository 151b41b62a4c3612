"""Hidden suite for pca_whitening.

Oracle: torch.linalg.svd of the centred data in float64 (the right singular vectors are the
principal directions, S**2 / (n - 1) their variances) and torch.cov. A principal direction has
no sign, so each of the learner's component rows is flipped, when needed, to point the same
way as the oracle's before comparing; nothing else is forgiven.

Inputs are chosen so the usual bugs show: few rows (n = 9, so n versus n - 1 is a 12%
difference), d = 5 and k = 3 (components as columns has another shape), a mean far from the
origin (forgetting to centre changes everything), variances that are all distinct and far
from 1 (dividing by the variance instead of the standard deviation shows, and so does the
order), and the largest variance along the LAST axis in one test (eigh's ascending order).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, keep_in_worker

N, D, K = 9, 5, 3


def _data(seed: int, n: int = N, stds=(6.0, 3.0, 1.5, 0.8, 0.3), offset: float = 4.0):
    """(n, d) data: independent coordinates with the given stds, rotated, then shifted."""
    rng = np.random.default_rng(seed)
    d = len(stds)
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))          # (d, d) orthogonal
    mean = offset * rng.standard_normal(d)
    return rng.standard_normal((n, d)) * np.array(stds) @ rotation.T + mean


def _oracle(X: np.ndarray, k: int):
    """(components (k, d), explained_variance (k,), mean (d,)) by torch SVD in float64."""
    x = torch.tensor(X, dtype=torch.float64)
    mean = x.mean(dim=0)
    _, s, vh = torch.linalg.svd(x - mean, full_matrices=False)
    return vh[:k].numpy(), (s[:k] ** 2 / (x.shape[0] - 1)).numpy(), mean.numpy()


def _mistakes(X: np.ndarray, k: int):
    """Known mistakes of pca: {description: (components, explained_variance)}."""
    x = torch.tensor(X, dtype=torch.float64)
    n = x.shape[0]
    centred = x - x.mean(dim=0)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    _, s_raw, vh_raw = torch.linalg.svd(x, full_matrices=False)
    return {
        "divided by n instead of n - 1 (the sample covariance uses n - 1)":
            (vh[:k].numpy(), (s[:k] ** 2 / n).numpy()),
        "the data were not centred before the covariance (subtract the column means)":
            (vh_raw[:k].numpy(), (s_raw[:k] ** 2 / (n - 1)).numpy()),
        "eigh returns eigenvalues in ASCENDING order: the k smallest were kept":
            (vh.flip(0)[:k].numpy(), (s.flip(0)[:k] ** 2 / (n - 1)).numpy()),
        "standard deviations (square roots of the eigenvalues) returned as the variance":
            (vh[:k].numpy(), (s[:k] / (n - 1) ** 0.5).numpy()),
        "components returned as COLUMNS (d, k); return one component per row, (k, d)":
            (vh[:k].numpy().T, None),
    }


def _aligned(got, want: np.ndarray):
    """got with each row's sign flipped to agree with the same row of want (when comparable)."""
    if type(got) is not np.ndarray or got.shape != want.shape:
        return got
    signs = np.where(np.sum(got * want, axis=1) < 0, -1.0, 1.0)      # (k,)
    return got * signs[:, None]


def _check_components(got, X, k, name="components"):
    """The learner's components against the oracle's, each row's sign forgiven."""
    want = _oracle(X, k)[0]
    got = _aligned(got, want)
    bugs = {}
    for description, (components, _) in _mistakes(X, k).items():
        if components.shape == want.shape and np.allclose(_aligned(components, want), want,
                                                          atol=1e-6):
            continue                      # this mistake changes nothing on these inputs
        # Align the mistake's rows with the learner's (columns, for the transposed shape),
        # so a sign flip cannot hide a match.
        if type(got) is np.ndarray and got.shape == components.shape == want.T.shape:
            bugs[description] = _aligned(components.T, got.T).T
        else:
            bugs[description] = _aligned(components, got)
    # Unit vectors from a float64 SVD: 1e-8 absolute is far above rounding, far below a bug.
    assert_close(got, want, name=f"{name} (each row's sign aligned with the expected one)",
                 rtol=1e-7, atol=1e-8, bugs=bugs)


def _check_variance(got, X, k):
    want = _oracle(X, k)[1]
    bugs = {d: v for d, (_, v) in _mistakes(X, k).items()
            if v is not None and not np.allclose(v, want, rtol=1e-6)}
    # Eigenvalues in float64: 1e-9 relative.
    assert_close(got, want, name="explained_variance", rtol=1e-9, atol=1e-10, bugs=bugs)


# -- pca ------------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_mean_is_the_column_mean(submission):
    """pca returns the (d,) mean of the rows of X."""
    X = _data(0)
    _, _, mean = submission.pca(X, K)
    # A mean of 9 float64 values: 1e-12 relative.
    assert_close(mean, X.mean(axis=0), name="mean", rtol=1e-12, atol=1e-12,
                 bugs={"mean over axis 1 (one per sample) instead of axis 0": X.mean(axis=1)})


@pytest.mark.points(2)
def test_explained_variance_matches_torch(submission):
    """explained_variance of (9, 5) data with k=3: the top 3 eigenvalues of the n-1 covariance."""
    X = _data(1)
    _, variance, _ = submission.pca(X, K)
    _check_variance(variance, X, K)


@pytest.mark.points(3)
def test_components_match_torch_up_to_sign(submission):
    """components of (9, 5) data with k=3: the top 3 right singular vectors of the centred data, as rows."""
    X = _data(2)
    components, _, _ = submission.pca(X, K)
    _check_components(components, X, K)


@pytest.mark.points(1)
def test_components_are_orthonormal_rows(submission):
    """components has shape (k, d) and orthonormal rows: components @ components.T is the identity."""
    X = _data(3, n=14)
    components, _, _ = submission.pca(X, 4)
    if type(components) is not np.ndarray or components.shape != (4, D):
        shown = components.shape if type(components) is np.ndarray else type(components).__name__
        raise AssertionError(f"components: expected an array of shape (4, 5), got {shown}" + (
            "\n  likely mistake: components returned as columns; return one per row, (k, d)"
            if shown == (D, 4) else ""))
    # Orthonormal to rounding: 1e-10.
    assert_close(components @ components.T, np.eye(4), name="components @ components.T",
                 rtol=0, atol=1e-10)


@pytest.mark.points(2)
def test_pca_centres_data_far_from_the_origin(submission):
    """Data centred at ~100: components and variances are those of the centred data."""
    X = _data(4, n=12, offset=100.0)
    components, variance, _ = submission.pca(X, K)
    _check_variance(variance, X, K)
    _check_components(components, X, K)


@pytest.mark.points(2)
def test_largest_variance_first(submission):
    """The largest-variance direction comes first even when it lies along the last axis (and for k = d)."""
    X = _data(5, n=11, stds=(0.4, 1.0, 2.5, 7.0), offset=1.0)
    X = X - X.mean(axis=0) + np.array([1.0, -2.0, 0.5, 3.0])
    components, variance, _ = submission.pca(X, 4)
    _check_variance(variance, X, 4)
    _check_components(components, X, 4)


# -- projection and whitening ------------------------------------------------------------

@pytest.mark.points(2)
def test_pca_transform_matches_projection(submission):
    """pca_transform of (7, 5) new data onto given (3, 5) components: (X - mean) @ components.T."""
    components, _, mean = _oracle(_data(6), K)
    X_new = _data(7, n=7)
    got = submission.pca_transform(X_new, components, mean)
    want = (torch.tensor(X_new) - torch.tensor(mean)) @ torch.tensor(components).T
    # O(10) coordinates in float64: 1e-10 relative.
    assert_close(got, want.numpy(), name="pca_transform(X, components, mean)", rtol=1e-10,
                 atol=1e-10, bugs={
                     "not centred: X @ components.T without subtracting the mean":
                         X_new @ components.T,
                     "centred with the mean of the new X instead of the given (training) mean":
                         (X_new - X_new.mean(axis=0)) @ components.T})


@pytest.mark.points(2)
def test_whiten_gives_unit_covariance(submission):
    """Whitening the training data (12, 5) with k=3 gives coordinates whose n-1 covariance is the identity."""
    X = _data(8, n=12)
    components, variance, mean = _oracle(X, K)
    got = submission.whiten(X, components, variance, mean)
    projected = (X - mean) @ components.T
    # Covariance of the result: identity up to eps = 1e-8 and rounding.
    if type(got) is np.ndarray and got.shape == (12, K):
        assert_close(torch.cov(torch.tensor(got).T).numpy(), np.eye(K),
                     name="covariance of whiten(X, ...)", rtol=0, atol=1e-7, bugs={
                         "divided by the variance instead of its square root (the std)":
                             np.diag(1.0 / variance),
                         "covariance with n instead of n - 1 somewhere":
                             np.eye(K) * (12 / 11)})
    # The values themselves. 1e-6 relative: loose enough that where the tiny default eps
    # goes does not matter here (test_whiten_uses_eps_inside_the_square_root checks that).
    assert_close(got, projected / np.sqrt(variance + 1e-8), name="whiten(X, ...)", rtol=1e-6,
                 atol=1e-9, bugs={
                     "divided by the variance instead of its square root (the std)":
                         projected / (variance + 1e-8),
                     "not centred before projecting": (X @ components.T) / np.sqrt(variance)})


@pytest.mark.points(1)
def test_whiten_uses_eps_inside_the_square_root(submission):
    """whiten with eps=0.5 divides by sqrt(explained_variance + eps)."""
    X = _data(9, n=10)
    components, variance, mean = _oracle(X, K)
    variance = variance / variance[-1] * 0.25                          # smallest is 0.25
    got = submission.whiten(X, components, variance, mean, eps=0.5)
    projected = (X - mean) @ components.T
    # float64 values of size ~1-10: 1e-10 relative.
    assert_close(got, projected / np.sqrt(variance + 0.5), name="whiten(X, ..., eps=0.5)",
                 rtol=1e-10, atol=1e-10, bugs={
                     "eps added outside the square root: sqrt(variance) + eps":
                         projected / (np.sqrt(variance) + 0.5),
                     "eps ignored (the eps argument is not used)": projected / np.sqrt(variance),
                     "divided by the variance instead of its square root (the std)":
                         projected / (variance + 0.5)})


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """whiten of (20000, 10) data onto k=4 runs within 60x of the reference (no loop over rows), and is right."""
    X = _data(10, n=20000, stds=tuple(np.linspace(5.0, 0.5, 10)))
    fitted = _oracle(X[:500], 4)                         # components, variance, mean
    # The inputs stay in the learner's process, so only the (20000, 4) result travels per call.
    there = [keep_in_worker(submission, a) for a in (X, *fitted)]
    # A loop over the rows is 200x or more. Timing a call to the learner's process is noisy
    # on a busy machine (the reference itself can measure 20-30x), hence 60x.
    got, want = assert_fast_enough(submission.whiten, lambda *_: reference.whiten(X, *fitted),
                                   *there, max_ratio=60)
    # The timed result must be right: values of size ~1, 1e-6 relative (as in the test above).
    assert_close(got, want, name="whiten of the timed call", rtol=1e-6, atol=1e-9)
