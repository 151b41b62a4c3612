"""Principal component analysis and PCA whitening, in numpy.

PCA finds the orthogonal directions along which centred data varies most. They are the
eigenvectors of the sample covariance matrix, and the variance of the data along each one is
its eigenvalue:

    mean = (1/n) * sum_i x_i                                      (d,)
    C    = (1/(n-1)) * sum_i (x_i - mean)(x_i - mean)^T           (d, d), the n-1 sample covariance
    C v_j = lambda_j v_j,   lambda_1 >= lambda_2 >= ... >= lambda_d

Projecting onto the first k directions gives k uncorrelated coordinates with variances
lambda_1..lambda_k; dividing each by its standard deviation sqrt(lambda_j) (whitening) makes
them all of variance 1.
"""
from __future__ import annotations

import numpy as np


def pca(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first k principal components of the rows of X.

    Args:
        X: (n, d) data, one sample per row, n >= 2.
        k: how many components to keep, 1 <= k <= d.

    Returns:
        components: (k, d), one unit-length principal direction per ROW, ordered by
            decreasing variance; the rows are orthonormal. The sign of each row is free
            (v and -v are the same direction).
        explained_variance: (k,), the variance of the data along each component: the
            eigenvalues of the sample covariance (divided by n - 1), in decreasing order.
        mean: (d,), the mean of the rows of X.
    """
    # BEGIN SOLUTION
    # TODO: centre X with its column means, form the (d, d) sample covariance (divide by
    # TODO: n - 1), take its eigen-decomposition, and keep the k eigenvectors with the
    # TODO: largest eigenvalues, largest first, each as a ROW of components.
    X = np.asarray(X, dtype=np.float64)                  # (n, d)
    n = X.shape[0]
    mean = X.mean(axis=0)                                # (d,)
    centred = X - mean                                   # (n, d)
    cov = centred.T @ centred / (n - 1)                  # (d, d) symmetric
    # eigh: for symmetric matrices, real eigenvalues in ASCENDING order, eigenvectors as
    # the COLUMNS of the second result.
    eigvals, eigvecs = np.linalg.eigh(cov)               # (d,), (d, d)
    order = np.argsort(eigvals)[::-1][:k]                # (k,) largest first
    components = eigvecs[:, order].T                     # (k, d) one direction per row
    explained_variance = eigvals[order]                  # (k,)
    return components, explained_variance, mean
    # END SOLUTION


def pca_transform(X: np.ndarray, components: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The coordinates of the rows of X along the components.

    Args:
        X: (m, d) data (the rows PCA was fitted on, or new ones).
        components: (k, d) as returned by pca.
        mean: (d,) as returned by pca: the TRAINING mean, also for new data.

    Returns:
        (m, k): (X - mean) @ components.T.
    """
    # BEGIN SOLUTION
    # TODO: centre with the given mean, then project onto each component (one per row).
    centred = np.asarray(X, dtype=np.float64) - mean     # (m, d)
    return centred @ np.asarray(components).T            # (m, d) @ (d, k) -> (m, k)
    # END SOLUTION


def whiten(X: np.ndarray, components: np.ndarray, explained_variance: np.ndarray,
           mean: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """PCA-whitened coordinates: the projections scaled to unit variance.

    Args:
        X: (m, d) data.
        components, explained_variance, mean: as returned by pca.
        eps: added to each variance INSIDE the square root, so a direction of (nearly) zero
            variance does not divide by zero.

    Returns:
        (m, k): pca_transform(X, components, mean) / sqrt(explained_variance + eps), column by
        column. On the data PCA was fitted on, the result has sample covariance (n - 1
        convention) close to the (k, k) identity.
    """
    # BEGIN SOLUTION
    # TODO: project (as pca_transform does) and divide each column j by the standard
    # TODO: deviation sqrt(explained_variance[j] + eps): the square root of the variance.
    projected = pca_transform(X, components, mean)       # (m, k)
    std = np.sqrt(np.asarray(explained_variance, dtype=np.float64) + eps)   # (k,)
    return projected / std                               # (m, k) broadcast over rows
    # END SOLUTION
