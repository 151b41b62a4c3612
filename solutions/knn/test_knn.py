"""Hidden suite for knn.

The oracle is the definition, written plainly: distances in float64 by torch (differences for
Euclidean, torch.nn.functional.cosine_similarity for cosine), each test row's training
indices sorted by the key (distance, index), and a vote counted with collections.Counter,
ties to the smallest label. The same oracle, with one rule changed, models each known
mistake, so a failure can name it.

Inputs are chosen so bugs show: n, m, d all distinct; labels that are not 0..L-1; integer
coordinates (every distance exact) where ties matter, so equal distances really are equal
for any correct way of computing them; training points that are scaled copies by powers of
two (exactly the same angle) for cosine ties; layouts where the nearest label, the majority
of k - 1, k and k + 1 neighbours all differ.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.suite import assert_close, assert_fast_enough


def _distances(X_train: np.ndarray, X_test: np.ndarray, metric: str) -> np.ndarray:
    """(m, n) distances in float64."""
    a, b = torch.tensor(X_test, dtype=torch.float64), torch.tensor(X_train, dtype=torch.float64)
    if metric == "euclidean":
        return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1).sqrt().numpy()
    if metric == "cosine":
        return (1.0 - F.cosine_similarity(a[:, None, :], b[None, :, :], dim=-1)).numpy()
    # The mistake model: a raw dot product as the similarity (vectors never normalised).
    return (-(a @ b.T)).numpy()


def _oracle(X_train, y_train, X_test, k, metric="euclidean", *, farthest=False, skip=0,
            vote_ties="smallest", index_ties="lower"):
    """The definition of k-NN; the keyword arguments switch on one known mistake each."""
    dist = _distances(np.asarray(X_train, float), np.asarray(X_test, float), metric)
    sign = -1.0 if farthest else 1.0
    tie = 1 if index_ties == "lower" else -1
    out = []
    for row in dist:
        order = sorted(range(len(row)), key=lambda j: (sign * row[j], tie * j))[skip:skip + k]
        labels = [int(y_train[j]) for j in order]
        counts = Counter(labels)
        best = max(counts.values())
        tied = [label for label in counts if counts[label] == best]
        # "first": the tied label met first in distance order (Counter.most_common's rule).
        out.append(min(tied) if vote_ties == "smallest" else tied[0])
    return np.array(out, dtype=np.int64)


def _bugs(X_train, y_train, X_test, k, metric="euclidean") -> dict[str, np.ndarray]:
    """Known mistakes mapped to the predictions each would make on these inputs.

    The most specific come first: where two mistakes give the same predictions, the first
    one is named.
    """
    args = (X_train, y_train, X_test)
    bugs = {}
    if metric == "cosine":
        bugs["cosine without normalising: the raw dot product favours long vectors"] = \
            _oracle(*args, k, "dot")
        bugs["metric ignored: Euclidean distance used for metric='cosine'"] = \
            _oracle(*args, k, "euclidean")
    bugs.update({
        "a tied vote went to the label met first (the nearest), not the smallest label":
            _oracle(*args, k, metric, vote_ties="first"),
        "equal distances did not keep the lower training index first (use a stable sort)":
            _oracle(*args, k, metric, index_ties="higher"),
        "off by one: used k + 1 neighbours": _oracle(*args, k + 1, metric),
        "skipped the nearest point (as if leaving the query itself out): neighbours 2..k+1":
            _oracle(*args, k, metric, skip=1),
        "took the k FARTHEST points (sorted distances in descending order, or argmax)":
            _oracle(*args, k, metric, farthest=True),
    })
    if k > 1:
        bugs["off by one: used k - 1 neighbours"] = _oracle(*args, k - 1, metric)
    return bugs


def _check(submission, X_train, y_train, X_test, k, metric="euclidean"):
    """The learner's predictions against the oracle: every label exactly right.

    Labels are categories, not quantities, so the message lists the rows that differ
    rather than an error size.
    """
    kwargs = {} if metric == "euclidean" else {"metric": metric}
    call = f"knn_predict(..., k={k}{', metric=' + repr(metric) if kwargs else ''})"
    got = submission.knn_predict(X_train, y_train, X_test, k, **kwargs)
    want = _oracle(X_train, y_train, X_test, k, metric)
    if not isinstance(got, np.ndarray) or got.shape != want.shape:
        shown = f"shape {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__
        raise AssertionError(f"{call}: expected an integer array of shape {want.shape} (one "
                             f"label per test row), got {shown}")
    if got.dtype.kind not in "iu":
        raise AssertionError(f"{call}: expected integer labels, got dtype {got.dtype}")
    wrong = np.flatnonzero(got != want)
    if not wrong.size:
        return
    lines = [f"{call}: {wrong.size} of {want.size} test rows get the wrong label"]
    lines += [f"  test row {i}: got {got[i]}, expected {want[i]}" for i in wrong[:4]]
    for description, predicted in _bugs(X_train, y_train, X_test, k, metric).items():
        if not np.array_equal(predicted, want) and np.array_equal(predicted, got):
            lines.append(f"  likely mistake: {description}")
            break
    raise AssertionError("\n".join(lines))


def _blobs(seed: int, n: int, m: int, d: int, labels=(1, 3, 4)):
    """Three overlapping Gaussian blobs with labels that are not 0..L-1."""
    rng = np.random.default_rng(seed)
    centres = 2.0 * rng.standard_normal((len(labels), d))
    y_train = rng.choice(np.array(labels), n)
    X_train = centres[np.searchsorted(labels, y_train)] + rng.standard_normal((n, d))
    X_test = centres[rng.integers(0, len(labels), m)] + rng.standard_normal((m, d))
    return X_train, y_train, X_test


# -- the plain algorithm ------------------------------------------------------------------

@pytest.mark.points(2)
def test_euclidean_predictions_match_the_definition(submission):
    """Euclidean k=5 on 3 overlapping blobs (n=37 training, m=11 test, d=4) matches the definition."""
    X_train, y_train, X_test = _blobs(0, 37, 11, 4)
    _check(submission, X_train, y_train, X_test, 5)


@pytest.mark.points(1)
def test_k1_returns_the_nearest_label(submission):
    """k=1 returns the label of the single nearest training point (including exact matches)."""
    X_train, y_train, X_test = _blobs(1, 23, 9, 3)
    X_test[:3] = X_train[[4, 17, 0]]                  # three test points sit on training points
    _check(submission, X_train, y_train, X_test, 1)


def _lines(sequences: list[list[int]]):
    """One query per label sequence, its training points on a line at distances 1, 2, 3, ...

    Query c sits at (100c, 0), far from the other groups; its j-th nearest training point is
    at distance j + 1 and carries sequences[c][j]. The training rows are shuffled, so index
    order says nothing about distance. Integer coordinates: every distance is exact.
    """
    X_train, y_train = [], []
    for c, labels in enumerate(sequences):
        for j, label in enumerate(labels):
            X_train.append([100.0 * c + (j + 1) * (-1) ** j, 0.0])   # alternate sides
            y_train.append(label)
    order = np.random.default_rng(len(X_train)).permutation(len(X_train))
    X_test = np.array([[100.0 * c, 0.0] for c in range(len(sequences))])
    return np.array(X_train)[order], np.array(y_train)[order], X_test


@pytest.mark.points(2)
def test_uses_exactly_k_neighbours(submission):
    """Labels by distance chosen so k = 1..4 each differ from k - 1 and k + 1: exactly k neighbours vote."""
    # k:          1  2  3  4  5       (tied votes go to the smallest label)
    # 2 7 7 2 2:  2  2  7  2  2
    # 7 2 7 2 2:  7  2  7  2  2
    # 2 2 7 7 7:  2  2  2  2  7
    X_train, y_train, X_test = _lines([[2, 7, 7, 2, 2, 2], [7, 2, 7, 2, 2, 7], [2, 2, 7, 7, 7, 2]])
    for k in (3, 2, 4, 1):
        _check(submission, X_train, y_train, X_test, k)


@pytest.mark.points(2)
def test_majority_vote_beats_the_nearest_point(submission):
    """k=5: the nearest point's label loses to a label held by 3 of the 5 neighbours."""
    X_train = np.array([[0.0, 1], [0, 3], [3, 0], [0, -4], [-5, 0], [9, 9], [0, 2]])
    y_train = np.array([8, 2, 2, 2, 8, 8, 0])         # by distance: 8, 0, 2, 2, 2 | 8, 8
    X_test = np.array([[0.0, 0.0]])
    _check(submission, X_train, y_train, X_test, 5)
    _check(submission, X_train, y_train, X_test, 7)   # all 7 vote: 3 eights, 3 twos, a 0


# -- tie-breaking -------------------------------------------------------------------------

@pytest.mark.points(2)
def test_tied_vote_goes_to_the_smallest_label(submission):
    """A 2-2 vote (k=4) and a 1-1 vote (k=2) go to the smaller label even when the nearest has the larger."""
    X_train = np.array([[1.0, 0], [0, 2], [-3, 0], [0, -4], [6, 6]])
    y_train = np.array([5, 1, 5, 1, 3])               # by distance: 5, 1, 5, 1, 3
    X_test = np.array([[0.0, 0.0]])
    _check(submission, X_train, y_train, X_test, 4)
    _check(submission, X_train, y_train, X_test, 2)


@pytest.mark.points(2)
def test_equal_distances_go_to_the_lower_training_index(submission):
    """Duplicated and mirrored training points with different labels: the lower index counts first."""
    # Integer coordinates, so equal distances are exactly equal however they are computed.
    X_train = np.array([[2.0, 1], [1, 0], [-1, 0], [2, 1], [0, 1], [0, -1], [1, 0], [5, 5],
                        [-2, 1], [2, -1], [1, 2], [0, 3], [4, 4], [1, 2]])
    y_train = np.array([6, 4, 2, 2, 2, 4, 2, 6, 4, 6, 2, 4, 4, 6])
    X_test = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 1.0]])
    for k in (1, 2, 3, 5):
        _check(submission, X_train, y_train, X_test, k)


@pytest.mark.points(2)
def test_distance_ties_among_many_points(submission):
    """60 integer points on a small grid (many exact ties): k = 1, 6, 9 match the definition."""
    rng = np.random.default_rng(6)
    X_train = rng.integers(-3, 4, (60, 2)).astype(np.float64)
    y_train = rng.choice(np.array([0, 2, 5]), 60)
    X_test = rng.integers(-3, 4, (13, 2)).astype(np.float64)
    for k in (1, 6, 9):
        _check(submission, X_train, y_train, X_test, k)


# -- cosine ---------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_cosine_predictions_match_the_definition(submission):
    """metric='cosine' with k=5 (n=41, m=12, d=5, vectors of very different lengths) matches the definition."""
    X_train, y_train, X_test = _blobs(7, 41, 12, 5)
    X_train *= np.random.default_rng(8).uniform(0.1, 10.0, (41, 1))   # lengths vary 100x
    _check(submission, X_train, y_train, X_test, 5, metric="cosine")


@pytest.mark.points(2)
def test_cosine_ignores_length(submission):
    """Cosine: a short vector pointing the same way beats a long one pointing elsewhere."""
    X_train = np.array([[1.0, 0.1], [10.0, 8.0], [0.2, 1.0], [-9.0, 9.5], [12.0, -11.0]])
    y_train = np.array([1, 2, 3, 2, 2])
    X_test = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]])
    _check(submission, X_train, y_train, X_test, 1, metric="cosine")


@pytest.mark.points(1)
def test_cosine_ties_go_to_the_lower_training_index(submission):
    """Cosine: copies scaled by powers of two have exactly the same angle; the lower index wins."""
    base = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 2.0], [-1.0, 0.0, 4.0]])
    X_train = np.vstack([4.0 * base, 0.5 * base, 2.0 * base[::-1]])   # rows 0-2, 3-5, 6-8
    y_train = np.array([3, 1, 0, 5, 6, 4, 2, 7, 8])
    X_test = np.array([[3.0, 1.0, 0.5], [1.0, 2.0, 1.5], [-1.0, 0.5, 4.0]])
    for k in (1, 2, 3):
        _check(submission, X_train, y_train, X_test, k, metric="cosine")


@pytest.mark.points(1)
def test_unknown_metric_raises_value_error(submission):
    """metric='manhattan' raises ValueError instead of silently using another distance."""
    X_train, y_train, X_test = _blobs(9, 8, 3, 2)
    try:
        got = submission.knn_predict(X_train, y_train, X_test, 3, metric="manhattan")
    except ValueError:
        return
    raise AssertionError(f"knn_predict(..., metric='manhattan') returned {got!r}; expected "
                         f"ValueError: only 'euclidean' and 'cosine' are defined")


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """k=7 on n=400, m=150, d=6 runs within 8x of the reference (no loop over pairs), and is right."""
    X_train, y_train, X_test = _blobs(10, 400, 150, 6)
    # The reference takes ~10 ms here, far above the noise of timing a call to the learner's
    # process; a double loop over the 60000 (test, train) pairs takes ~30x that, while any
    # vectorised distance matrix (a loop over the 150 test rows included) stays within 3x.
    got, want = assert_fast_enough(submission.knn_predict, reference.knn_predict,
                                   X_train, y_train, X_test, 7, max_ratio=8)
    # The timed predictions must be the right labels (exact).
    assert_close(got, want, name="predictions of the timed call", rtol=0, atol=0,
                 check_dtype=False)
