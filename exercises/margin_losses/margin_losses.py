"""Three margin losses for binary classification, and their gradients, in numpy.

With labels y in {-1, +1} and a real score s = f(x) from the classifier, the product
m = y * s is the MARGIN: positive when the sign of s is right, large when it is confidently
right. A margin loss is a decreasing function of m alone:

    hinge:        L(m) = max(0, 1 - m)              the SVM loss: zero once m >= 1
    logistic:     L(m) = log(1 + exp(-m))           logistic regression's loss
    exponential:  L(m) = exp(-m)                    AdaBoost's loss

Each function returns the mean loss over the N samples and its gradient with respect to the
scores, ds[i] = dL_mean/ds[i] = (1/N) * L'(m_i) * y_i.
"""
from __future__ import annotations

import numpy as np


def hinge(y: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean hinge loss max(0, 1 - y*s) and its gradient with respect to s.

    Args:
        y: (N,) labels, each -1 or +1.
        s: (N,) real scores.

    Returns:
        loss: a Python float, (1/N) * sum_i max(0, 1 - y_i * s_i).
        ds: (N,) float64, -y_i / N where the margin y_i * s_i < 1, and 0 elsewhere: also 0
            at a margin of exactly 1, where the loss has a kink and is already 0.
    """
    # TODO: form the margins m = y * s; average max(0, 1 - m); the gradient is -y / N
    # TODO: where m < 1 (strictly) and 0 elsewhere.
    raise NotImplementedError


def logistic(y: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean logistic loss log(1 + exp(-y*s)) and its gradient with respect to s.

    Args:
        y: (N,) labels, each -1 or +1.
        s: (N,) real scores, possibly very large in size (|s| = 1000).

    Returns:
        loss: a Python float, (1/N) * sum_i log(1 + exp(-y_i * s_i)), finite for any finite
            scores (a margin of -1000 costs 1000, not inf).
        ds: (N,) float64, -y_i * sigmoid(-y_i * s_i) / N, finite for any finite scores.
    """
    # TODO: log(1 + exp(-m)) overflows for m << 0; np.logaddexp(0, -m) computes it safely.
    # TODO: L'(m) = -sigmoid(-m) = -exp(-log(1 + exp(m))): also computed with logaddexp.
    raise NotImplementedError


def exponential(y: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean exponential loss exp(-y*s) and its gradient with respect to s.

    Args:
        y: (N,) labels, each -1 or +1.
        s: (N,) real scores.

    Returns:
        loss: a Python float, (1/N) * sum_i exp(-y_i * s_i).
        ds: (N,) float64, -y_i * exp(-y_i * s_i) / N.
    """
    # TODO: average exp(-m); its derivative in s is -y * exp(-m), divided by N for the mean.
    raise NotImplementedError
