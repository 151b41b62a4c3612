"""Small models a hidden suite can hand to learner code, which calls them in its own process,
and a helper that calls learner code many times there (repeat_calls).

An exercise whose functions take callables (``cross_val_mse(fit, predict, X, y, k, seed)``)
is graded with these: the suite gets a handle to one with
``grader.suite.worker_function(submission, "grader.callbacks.fit_mean")`` and passes it on.
Each model is deterministic and depends on exactly which rows it was fitted on, so a suite
can compute what the learner's code should have got from them.
"""
from __future__ import annotations

import numpy as np


def fit_mean(X: np.ndarray, y: np.ndarray) -> float:
    """The constant model: the mean of the training responses y, shape (n,)."""
    return float(np.mean(np.asarray(y, dtype=np.float64)))


def predict_mean(model: float, X: np.ndarray) -> np.ndarray:
    """The constant model's predictions for the len(X) rows of X: shape (len(X),)."""
    return np.full(len(X), float(model))


def fit_nearest(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-nearest-neighbour regression: the model is the training data itself (copies)."""
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1).copy(), np.asarray(y, dtype=np.float64).copy()


def predict_nearest(model: tuple[np.ndarray, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Each row's prediction is the y of its nearest training row (ties: the first one).

    A row that was also in the training data is predicted exactly, so test rows leaking into
    training show as too small an error.
    """
    X_train, y_train = model                                   # (n, d), (n,)
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)    # (m, d)
    distances = ((X[:, None, :] - X_train[None, :, :]) ** 2).sum(axis=-1)   # (m, n)
    return y_train[np.argmin(distances, axis=1)]


def repeat_calls(fn, times: int, *args, **kwargs) -> list:
    """[fn(*args, **kwargs) for each of `times` calls], made in the learner's process.

    A statistical test of a random function needs thousands of draws, and every call from
    the suite is a round trip to the worker (milliseconds each). Pass the learner's function
    as a handle, ``worker_function(submission, "grader.callbacks.repeat_calls")(
    submission.sample, 2000, X, rng)``, and all the draws come back in one reply. The
    arguments are the same objects on every call, so a Generator among them advances.
    """
    return [fn(*args, **kwargs) for _ in range(int(times))]
