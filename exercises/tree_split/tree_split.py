"""Impurity measures and the best single split of a classification tree, in numpy.

A node holding labels with class proportions p_1 .. p_K has impurity

    gini    = 1 - sum_k p_k**2
    entropy = -sum_k p_k * log2(p_k)          in bits, with 0 * log2(0) = 0

A split sends the rows with X[:, f] <= t left and the others right. Its gain is how much it
lowers the impurity, the children weighted by their share of the rows:

    gain = impurity(parent) - (n_left / n) * impurity(left) - (n_right / n) * impurity(right)
"""
from __future__ import annotations

import numpy as np

# TODO: (optional) helpers shared by the functions below, e.g. the impurity of a vector of
# TODO: class counts, so that gini, entropy and best_split can all use them.


def gini(labels: np.ndarray) -> float:
    """Gini impurity 1 - sum_k p_k**2 of a 1-D array of class labels (any integers), a float."""
    # TODO: count each distinct label, turn the counts into proportions, return 1 - sum p^2.
    raise NotImplementedError


def entropy(labels: np.ndarray) -> float:
    """Entropy -sum_k p_k * log2(p_k), in bits, of a 1-D array of class labels, a float."""
    # TODO: the same proportions, then -sum p * log2(p) (classes that do not occur add 0).
    raise NotImplementedError


def best_split(X: np.ndarray, y: np.ndarray, criterion: str = "gini") -> tuple[int, float, float]:
    """The single split (feature, threshold) with the largest impurity gain.

    Args:
        X: features, shape (n, p); at least one column has two distinct values.
        y: class labels, shape (n,), any integers.
        criterion: "gini" or "entropy" (bits).

    Returns:
        feature: the column index f, an int.
        threshold: a float, the midpoint between two consecutive distinct values of X[:, f]
            (sorted). Rows with X[:, f] <= threshold go left.
        gain: impurity(y) - (n_left/n) * impurity(left) - (n_right/n) * impurity(right).

    Candidates are every feature and every midpoint of that feature's sorted distinct
    values. On equal gains the lowest feature wins, then the lowest threshold.
    """
    # TODO: for each feature, sort its values; the candidate cuts lie between consecutive
    # TODO: DISTINCT values. Cumulative class counts along the sorted order give every left
    # TODO: child at once (the right child is the total minus the left). Weight the
    # TODO: children's impurities by their sizes, subtract from the parent's, and keep the
    # TODO: best; on ties keep the earlier feature and the lower threshold.
    raise NotImplementedError
