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


# TODO: (optional) helpers of your own go here.


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
    # TODO: pick the first center uniformly among the rows (use rng).
    # TODO: keep, for every point, its squared distance to the nearest chosen center; pick
    # TODO: the next center with probabilities proportional to it, then update the distances.
    raise NotImplementedError


def assign(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """The index of the nearest center for every row of X.

    Args:
        X: (n, d) data.
        centers: (k, d) centers.

    Returns:
        (n,) integer labels in [0, k): labels[i] is the j minimising |X[i] - centers[j]|.
    """
    # TODO: compute the (n, k) squared distances at once and take the argmin over centers.
    raise NotImplementedError


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
    # TODO: sum the rows of each cluster and count them (np.add.at, np.bincount), divide,
    # TODO: and keep the old center where the count is 0 instead of dividing by zero.
    raise NotImplementedError


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
    # TODO: seed with kmeans_pp_init, then repeat assign and update (at most n_iter times),
    # TODO: stopping when the centers stop moving. Finish with the labels of the final
    # TODO: centers and the sum of squared distances.
    raise NotImplementedError
