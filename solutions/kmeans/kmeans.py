"""k-means clustering with k-means++ seeding, in numpy.

k-means looks for k centers that make the inertia, the sum of squared distances from every
point to its nearest center, small:

    inertia = sum_i min_j |x_i - c_j|^2

Lloyd's algorithm alternates two steps, each of which can only lower the inertia:

    assign:  label each point with its nearest center
    update:  move each center to the mean of the points labelled with it

It stops at a fixed point, which depends on where it started. k-means++ starts well: the
first center is a data point chosen uniformly at random, and each next one is a data point
chosen with probability proportional to D(x)^2, its SQUARED distance to the nearest center
chosen so far.
"""
from __future__ import annotations

import numpy as np


# BEGIN SOLUTION
# TODO: (optional) helpers of your own go here.
def _squared_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(n, k) squared Euclidean distances from every row of X to every center."""
    diff = X[:, None, :] - centers[None, :, :]           # (n, k, d)
    return (diff ** 2).sum(axis=-1)                       # (n, k)
# END SOLUTION


def kmeans_pp_init(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k initial centers chosen among the rows of X by k-means++.

    Args:
        X: (n, d) data; at least k distinct rows.
        k: number of centers, 1 <= k <= n.
        rng: the numpy Generator every random draw comes from (no other source of randomness).

    Returns:
        (k, d) float64 array of rows of X, in the order they were chosen: the first uniformly
        at random; each next with probability D(x)^2 / sum over all points of D^2, where D(x)
        is the distance from x to the NEAREST center chosen so far. A point already chosen
        has D = 0, so the k rows are distinct.
    """
    # BEGIN SOLUTION
    # TODO: pick the first center uniformly among the rows (use rng).
    # TODO: keep, for every point, its squared distance to the nearest chosen center; pick
    # TODO: the next center with probabilities proportional to it, then update the distances.
    X = np.asarray(X, dtype=np.float64)                   # (n, d)
    n = X.shape[0]
    chosen = [int(rng.integers(n))]                       # first center: uniform
    nearest_sq = ((X - X[chosen[0]]) ** 2).sum(axis=1)    # (n,) D(x)^2 to the nearest center
    for _ in range(1, k):
        probabilities = nearest_sq / nearest_sq.sum()     # (n,) chosen points have 0
        chosen.append(int(rng.choice(n, p=probabilities)))
        to_new = ((X - X[chosen[-1]]) ** 2).sum(axis=1)   # (n,) to the center just added
        nearest_sq = np.minimum(nearest_sq, to_new)
    return X[chosen].copy()                               # (k, d)
    # END SOLUTION


def assign(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """The index of the nearest center for every row of X.

    Args:
        X: (n, d) data.
        centers: (k, d) centers.

    Returns:
        (n,) integer labels in [0, k): labels[i] is the j minimising |X[i] - centers[j]|.
    """
    # BEGIN SOLUTION
    # TODO: compute the (n, k) squared distances at once and take the argmin over centers.
    X = np.asarray(X, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    return _squared_distances(X, centers).argmin(axis=1)  # (n,)
    # END SOLUTION


def update(X: np.ndarray, labels: np.ndarray, k: int, old_centers: np.ndarray) -> np.ndarray:
    """Move each center to the mean of the rows labelled with it.

    Args:
        X: (n, d) data.
        labels: (n,) integers in [0, k).
        k: number of centers.
        old_centers: (k, d) the current centers.

    Returns:
        (k, d) float64: row j is the mean of X[labels == j]; a cluster that no point is
        labelled with (an empty cluster) keeps its old center.
    """
    # BEGIN SOLUTION
    # TODO: sum the rows of each cluster and count them (np.add.at, np.bincount), divide,
    # TODO: and keep the old center where the count is 0 instead of dividing by zero.
    X = np.asarray(X, dtype=np.float64)                   # (n, d)
    labels = np.asarray(labels)                           # (n,)
    sums = np.zeros((k, X.shape[1]))                      # (k, d)
    np.add.at(sums, labels, X)                            # add each row to its cluster's sum
    counts = np.bincount(labels, minlength=k)             # (k,) points per cluster
    centers = np.array(old_centers, dtype=np.float64)     # (k, d) a copy: empty ones stay
    filled = counts > 0
    centers[filled] = sums[filled] / counts[filled, None]
    return centers
    # END SOLUTION


def kmeans(X: np.ndarray, k: int, rng: np.random.Generator,
           n_iter: int = 100) -> tuple[np.ndarray, np.ndarray, float]:
    """k-means: k-means++ seeding, then Lloyd's iterations until nothing changes.

    Args:
        X: (n, d) data.
        k: number of clusters.
        rng: passed to kmeans_pp_init, the only random step.
        n_iter: at most this many assign/update rounds.

    Returns:
        centers: (k, d) the final centers.
        labels: (n,) assign(X, centers) for those final centers.
        inertia: a Python float, the sum over the points of the SQUARED distance to the
            center of their label.

    Starts from kmeans_pp_init(X, k, rng) and stops early once an update leaves the centers
    where they were.
    """
    # BEGIN SOLUTION
    # TODO: seed with kmeans_pp_init, then repeat assign and update (at most n_iter times),
    # TODO: stopping when the centers stop moving. Finish with the labels of the final
    # TODO: centers and the sum of squared distances.
    X = np.asarray(X, dtype=np.float64)                   # (n, d)
    centers = kmeans_pp_init(X, k, rng)                   # (k, d)
    for _ in range(n_iter):
        labels = assign(X, centers)                       # (n,)
        new_centers = update(X, labels, k, centers)       # (k, d)
        if np.array_equal(new_centers, centers):          # a fixed point: nothing moves
            break
        centers = new_centers
    labels = assign(X, centers)                           # (n,) labels of the final centers
    inertia = ((X - centers[labels]) ** 2).sum()          # sum of squared distances
    return centers, labels, float(inertia)
    # END SOLUTION
