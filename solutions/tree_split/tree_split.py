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

# BEGIN SOLUTION
# TODO: (optional) helpers shared by the functions below, e.g. the impurity of a vector of
# TODO: class counts, so that gini, entropy and best_split can all use them.


def _gini_of_counts(counts: np.ndarray) -> np.ndarray:
    """Gini impurity of each row of class counts, (..., K) -> (...)."""
    total = counts.sum(axis=-1, keepdims=True)               # (..., 1)
    p = counts / total                                        # (..., K)
    return 1.0 - (p ** 2).sum(axis=-1)


def _entropy_of_counts(counts: np.ndarray) -> np.ndarray:
    """Entropy in bits of each row of class counts, (..., K) -> (...); 0 * log2(0) = 0."""
    total = counts.sum(axis=-1, keepdims=True)               # (..., 1)
    p = counts / total                                        # (..., K)
    # log2 only where p > 0: the empty classes contribute exactly 0.
    logs = np.log2(p, out=np.zeros_like(p), where=p > 0)
    return 0.0 - (p * logs).sum(axis=-1)                      # 0.0 - x: a pure node gives 0.0, not -0.0


_IMPURITY = {"gini": _gini_of_counts, "entropy": _entropy_of_counts}
# END SOLUTION


def gini(labels: np.ndarray) -> float:
    """Gini impurity 1 - sum_k p_k**2 of a 1-D array of class labels (any integers), a float."""
    # BEGIN SOLUTION
    # TODO: count each distinct label, turn the counts into proportions, return 1 - sum p^2.
    _, counts = np.unique(labels, return_counts=True)       # (K,)
    return float(_gini_of_counts(counts.astype(np.float64)))
    # END SOLUTION


def entropy(labels: np.ndarray) -> float:
    """Entropy -sum_k p_k * log2(p_k), in bits, of a 1-D array of class labels, a float."""
    # BEGIN SOLUTION
    # TODO: the same proportions, then -sum p * log2(p) (classes that do not occur add 0).
    _, counts = np.unique(labels, return_counts=True)       # (K,)
    return float(_entropy_of_counts(counts.astype(np.float64)))
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: for each feature, sort its values; the candidate cuts lie between consecutive
    # TODO: DISTINCT values. Cumulative class counts along the sorted order give every left
    # TODO: child at once (the right child is the total minus the left). Weight the
    # TODO: children's impurities by their sizes, subtract from the parent's, and keep the
    # TODO: best; on ties keep the earlier feature and the lower threshold.
    impurity = _IMPURITY[criterion]
    X = np.asarray(X, dtype=np.float64)                      # (n, p)
    _, y_index = np.unique(y, return_inverse=True)          # (n,) labels as 0 .. K-1
    n, p = X.shape
    onehot = np.eye(y_index.max() + 1)[y_index]              # (n, K)
    total = onehot.sum(axis=0)                               # (K,) the parent's counts
    parent = float(impurity(total))

    best_feature, best_threshold, best_gain = -1, float("nan"), -np.inf
    for f in range(p):                                       # p is small: loop over features
        order = np.argsort(X[:, f], kind="stable")
        xs = X[order, f]                                     # (n,) sorted values
        cuts = np.flatnonzero(xs[:-1] < xs[1:])              # (m,) cut after row i: distinct values only
        if len(cuts) == 0:
            continue                                         # a constant column cannot split
        left = np.cumsum(onehot[order], axis=0)[cuts]        # (m, K) class counts left of each cut
        right = total - left                                 # (m, K)
        n_left = (cuts + 1).astype(np.float64)               # (m,)
        child = (n_left * impurity(left) + (n - n_left) * impurity(right)) / n   # (m,)
        gains = parent - child                               # (m,)
        i = int(np.argmax(gains))                            # the first maximum: lowest threshold
        if gains[i] > best_gain:                             # strict: ties keep the earlier feature
            best_feature = f
            best_threshold = float((xs[cuts[i]] + xs[cuts[i] + 1]) / 2)
            best_gain = float(gains[i])
    return best_feature, best_threshold, best_gain
    # END SOLUTION
