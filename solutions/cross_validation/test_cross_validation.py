"""Hidden suite for the cross_validation exercise.

Oracles: the folds written down from the spec (numpy.random.default_rng(seed).permutation(n)
cut by np.array_split, which gives the first n % k parts one more row), and the fold MSEs of
two deterministic models from grader.callbacks computed here on those folds. The models are
handed to the learner's cross_val_mse as functions living in the learner's process. Inputs
are chosen so the bugs show: n = 23, k = 5 (sizes 5, 5, 5, 4, 4: a remainder put anywhere
else, or dropped, changes them; a size-weighted mean differs from the plain one), and a
one-nearest-neighbour model, which predicts any row it was trained on exactly, so a test row
leaking into training lowers that fold's error.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader import callbacks
from grader.suite import assert_close, assert_fast_enough, worker_function


# -- oracles --------------------------------------------------------------------------------

def _expected_folds(n, k, seed):
    """The k test folds of the spec, as arrays in permutation order."""
    return np.array_split(np.random.default_rng(seed).permutation(n), k)


def _checked_folds(got, n, k):
    """The learner's folds as [(train, test)], after checking their structure; clear messages."""
    assert isinstance(got, (list, tuple)), (
        f"kfold_indices: expected a list of {k} (train_idx, test_idx) pairs, got "
        f"{type(got).__name__}")
    assert len(got) == k, f"kfold_indices({n}, {k}, ...): expected {k} folds, got {len(got)}"
    for i, pair in enumerate(got):
        assert isinstance(pair, (list, tuple)) and len(pair) == 2, (
            f"fold {i}: expected a pair (train_idx, test_idx), got {type(pair).__name__}")
        for name, idx in zip(("train_idx", "test_idx"), pair):
            assert isinstance(idx, np.ndarray) and idx.ndim == 1, (
                f"fold {i} {name}: expected a 1-D numpy array, got "
                f"{type(idx).__name__}{' of shape ' + str(idx.shape) if hasattr(idx, 'shape') else ''}")
            assert idx.dtype.kind in "iu", (
                f"fold {i} {name}: expected integer indices, got dtype {idx.dtype}")
    return got


def _oracle_cv(fit, predict, X, y, k, seed):
    """(fold_mses, mean) computed here on the spec's folds."""
    n = len(y)
    mses = []
    for test in _expected_folds(n, k, seed):
        train = np.setdiff1d(np.arange(n), test)
        y_hat = predict(fit(X[train], y[train]), X[test])
        mses.append(np.mean((y[test] - y_hat) ** 2))
    return np.array(mses), float(np.mean(mses))


def _cv_bugs(fit, predict, X, y, k, seed):
    """Known cross_val_mse mistakes mapped to the fold MSEs and the mean each would give."""
    n = len(y)
    folds = _expected_folds(n, k, seed)
    sizes = np.array([len(t) for t in folds])
    right, _ = _oracle_cv(fit, predict, X, y, k, seed)
    leaked = np.array([np.mean((y[t] - predict(fit(X, y), X[t])) ** 2) for t in folds])
    return {
        "fold_mses": {
            "test rows leak into training: fit on X[train_idx] only": leaked,
            "squared errors summed, not averaged, within each fold": right * sizes,
            "root of each fold's MSE taken (that is the RMSE)": np.sqrt(right),
        },
        "mean": {
            "mean weighted by fold size: each fold's MSE counts once": float(
                np.average(right, weights=sizes)),
            "test rows leak into training: fit on X[train_idx] only": float(leaked.mean()),
        },
    }


def _models(submission, name):
    """(fit, predict) of grader.callbacks, as functions in the learner's process and here."""
    remote = (worker_function(submission, f"grader.callbacks.fit_{name}"),
              worker_function(submission, f"grader.callbacks.predict_{name}"))
    local = (getattr(callbacks, f"fit_{name}"), getattr(callbacks, f"predict_{name}"))
    return remote, local


def _data(seed, n, d):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) + 2.0
    return X, y


# -- kfold_indices ---------------------------------------------------------------------------

@pytest.mark.points(2)
def test_test_folds_cover_every_row_exactly_once(submission, reference):
    """kfold_indices(23, 5, 0): the 5 test folds are disjoint and together hold 0 .. 22."""
    folds = _checked_folds(submission.kfold_indices(23, 5, 0), 23, 5)
    counts = np.bincount(np.concatenate([test for _, test in folds]), minlength=23)[:23]
    # Exact: every count must be 1.
    missing, repeated = np.flatnonzero(counts == 0), np.flatnonzero(counts > 1)
    assert not len(missing) and not len(repeated) and sum(len(t) for _, t in folds) == 23, (
        f"test folds: rows {missing.tolist()} are in no test fold and rows "
        f"{repeated.tolist()} in more than one; every row must be held out exactly once")


@pytest.mark.points(2)
def test_train_is_every_row_outside_the_test_fold(submission, reference):
    """In each fold of kfold_indices(23, 5, 1), train_idx is exactly the rows not in test_idx."""
    folds = _checked_folds(submission.kfold_indices(23, 5, 1), 23, 5)
    for i, (train, test) in enumerate(folds):
        leaked = np.intersect1d(train, test)
        assert not len(leaked), (f"fold {i}: rows {leaked.tolist()} are in both train_idx and "
                                 f"test_idx; a held-out row must not be trained on")
        want = np.setdiff1d(np.arange(23), test)
        assert_close(np.sort(train), want, name=f"fold {i} train_idx (sorted)", check_dtype=False,
                     atol=0, rtol=0)


@pytest.mark.points(2)
def test_first_n_mod_k_folds_are_one_larger(submission, reference):
    """kfold_indices(23, 5, 2) gives test folds of sizes 5, 5, 5, 4, 4, in that order."""
    folds = _checked_folds(submission.kfold_indices(23, 5, 2), 23, 5)
    sizes = np.array([len(test) for _, test in folds])
    # Exact integers.
    assert_close(sizes, np.array([5, 5, 5, 4, 4]), name="test fold sizes", atol=0, rtol=0,
                 check_dtype=False,
                 bugs={"the last fold takes the remainder: give one extra row to each of the "
                       "first n % k folds": np.array([4, 4, 4, 4, 7]),
                       "the remainder goes to the last folds: the FIRST n % k folds are larger":
                       np.array([4, 4, 5, 5, 5]),
                       "the remainder n % k rows are dropped": np.array([4, 4, 4, 4, 4])})


@pytest.mark.points(2)
def test_folds_follow_the_seeded_permutation(submission, reference):
    """Fold i holds the next block of default_rng(seed).permutation(n), for n = 23, k = 5, seed = 3."""
    folds = _checked_folds(submission.kfold_indices(23, 5, 3), 23, 5)
    np.random.seed(3)
    legacy = np.array_split(np.random.permutation(23), 5)
    for i, ((_, test), want) in enumerate(zip(folds, _expected_folds(23, 5, 3))):
        # Exact integers; the order inside a fold does not matter.
        assert_close(np.sort(test), np.sort(want), name=f"fold {i} test_idx (sorted)",
                     atol=0, rtol=0, check_dtype=False,
                     bugs={"not shuffled: use numpy.random.default_rng(seed).permutation(n)":
                           np.sort(np.array_split(np.arange(23), 5)[i]),
                           "shuffled with the legacy np.random.seed / np.random.permutation: "
                           "use numpy.random.default_rng(seed)": np.sort(legacy[i])})


@pytest.mark.points(1)
def test_k_equal_to_n_is_leave_one_out(submission, reference):
    """kfold_indices(7, 7, 4): seven folds of one row each, trained on the other six."""
    folds = _checked_folds(submission.kfold_indices(7, 7, 4), 7, 7)
    for i, ((train, test), want) in enumerate(zip(folds, _expected_folds(7, 7, 4))):
        assert_close(test, want, name=f"fold {i} test_idx", atol=0, rtol=0, check_dtype=False)
        assert_close(np.sort(train), np.setdiff1d(np.arange(7), want),
                     name=f"fold {i} train_idx (sorted)", atol=0, rtol=0, check_dtype=False)


# -- cross_val_mse ---------------------------------------------------------------------------

def _run_cv(submission, model, data_seed, n, d, k, seed):
    """The learner's cross_val_mse with a grader.callbacks model; (got, want, bugs)."""
    X, y = _data(data_seed, n, d)
    (fit, predict), local = _models(submission, model)
    got = submission.cross_val_mse(fit, predict, X, y, k, seed)
    assert isinstance(got, (tuple, list)) and len(got) == 2, (
        f"cross_val_mse: expected a pair (fold_mses, mean), got {type(got).__name__}")
    return got, _oracle_cv(*local, X, y, k, seed), _cv_bugs(*local, X, y, k, seed)


@pytest.mark.points(2)
def test_fold_mses_of_the_mean_model(submission, reference):
    """cross_val_mse with the constant (mean) model on 23 rows, k = 5: each fold's MSE."""
    got, (want, _), bugs = _run_cv(submission, "mean", 5, 23, 3, k=5, seed=6)
    # Means of 4-5 squares of O(1) numbers: 1e-10 relative covers any summation order.
    assert_close(got[0], want, name="fold_mses", rtol=1e-10, atol=1e-12, bugs=bugs["fold_mses"])


@pytest.mark.points(2)
def test_mean_is_the_unweighted_mean_of_the_folds(submission, reference):
    """The returned mean on 23 rows, k = 5 (sizes 5, 5, 5, 4, 4) is the plain mean of the 5 MSEs."""
    got, (_, want), bugs = _run_cv(submission, "mean", 7, 23, 2, k=5, seed=8)
    # A mean of five float64 numbers: 1e-10 relative covers rounding only.
    assert_close(got[1], want, name="mean", rtol=1e-10, atol=1e-12, bugs=bugs["mean"])


@pytest.mark.points(3)
def test_no_test_row_is_trained_on(submission, reference):
    """With 1-nearest-neighbour regression (exact on rows it was trained on), fold MSEs on 19 rows, k = 4."""
    got, (want, _), bugs = _run_cv(submission, "nearest", 9, 19, 3, k=4, seed=10)
    # Means of 4-5 squared differences of O(1) numbers: 1e-10 relative covers rounding.
    assert_close(got[0], want, name="fold_mses", rtol=1e-10, atol=1e-12, bugs=bugs["fold_mses"])


@pytest.mark.points(1)
def test_returns_k_float_mses_and_a_float_mean(submission, reference):
    """cross_val_mse(..., k=3, seed=11) on 10 rows returns a float64 array of shape (3,) and a float."""
    got, (want_mses, want_mean), _ = _run_cv(submission, "mean", 11, 10, 2, k=3, seed=11)
    # float64 means of 3-4 numbers: 1e-10 relative.
    assert_close(got[0], want_mses, name="fold_mses", rtol=1e-10, atol=1e-12)
    assert_close(got[1], want_mean, name="mean", rtol=1e-10, atol=1e-12)


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """cross_val_mse on 5,000 rows with k = 10 runs within 20x of the reference (and is right)."""
    X, y = _data(12, 5_000, 2)
    (fit, predict), local = _models(submission, "mean")

    def reference_cv(_fit, _predict, *rest):
        return reference.cross_val_mse(*local, *rest)      # the same models, in this process

    # The result is k numbers, so the time is the learner's work, not sending indices back.
    # Building train_idx with a membership test per row (j not in test_idx) takes hundreds of
    # times as long.
    got, want = assert_fast_enough(submission.cross_val_mse, reference_cv, fit, predict, X, y,
                                   10, 13, max_ratio=20)
    # Means over 500 rows in another order: 1e-10 relative.
    assert_close(got[0], want[0], name="fold_mses of the timed call", rtol=1e-10, atol=1e-12)
    assert_close(got[1], want[1], name="mean of the timed call", rtol=1e-10, atol=1e-12)
