"""k-nearest-neighbour classification in numpy, with Euclidean or cosine distance.

Training a k-NN classifier only stores the data. To classify a test point, find its k
nearest training points and let them vote with their labels:

    euclidean:  dist(x, t) = sqrt(sum_j (x_j - t_j)**2)
    cosine:     dist(x, t) = 1 - (x . t) / (|x| * |t|)        only the angle counts

Ties are broken so the answer is unique: among training points at the same distance the one
with the lower index comes first, and a vote tied between labels goes to the smallest label.
"""
from __future__ import annotations

import numpy as np


def knn_predict(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, k: int,
                metric: str = "euclidean") -> np.ndarray:
    """Predict a label for every row of X_test by a majority vote of its k nearest neighbours.

    Args:
        X_train: (n, d) training points.
        y_train: (n,) their labels, non-negative integers.
        X_test: (m, d) points to classify.
        k: how many neighbours vote, 1 <= k <= n.
        metric: 'euclidean' (straight-line distance) or 'cosine' (1 - cosine similarity;
            no row is all zeros). Anything else raises ValueError.

    Returns:
        (m,) integer array: for each test row, the label held by the most of its k nearest
        training points. The k nearest are taken in order of distance, a tie in distance
        going to the lower training index; a tie in the vote goes to the smallest label.
    """
    # TODO: compute the (m, n) distance from every test row to every training row.
    # TODO: order each row's distances with a STABLE sort, so equal distances keep the
    # TODO: lower training index first, and keep the first k columns.
    # TODO: count each label among those k and pick the most common, ties to the smallest.
    raise NotImplementedError
