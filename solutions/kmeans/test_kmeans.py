"""Hidden suite for kmeans.

k-means++ is random, so kmeans_pp_init is judged by its law, not its values: on four points
the exact probability of every ordered choice of centers is computed from the definition,
the learner's function is called a few thousand times with one numpy Generator that lives
in the learner's process (grader.suite.worker_function), and Pearson's chi-square test
compares the counts with the law (assert_frequencies: a correct sampler fails about once in
a million runs). The same computation with one rule changed gives the law of each known
mistake, so a failure can name it.

assign and update are compared with torch in float64 (torch.cdist, index_add). kmeans is
judged on what any correct run must give: on well-separated blobs the blob means, and
elsewhere a fixed point of Lloyd's algorithm reached from the learner's own k-means++ seeds.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from grader.suite import (assert_close, assert_fast_enough, assert_frequencies, keep_in_worker,
                          worker_function)

# Four points with distinct pairwise distances (1, 3, 5, sqrt(10), 4, sqrt(18)): every rule
# of choosing gives its own law. (n, d) = (4, 2).
POINTS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0], [4.0, 3.0]])


# -- the law of k-means++ and of its known mistakes --------------------------------------

def _pp_law(X: np.ndarray, k: int, *, power: float = 2.0, to: str = "nearest",
            first: str = "uniform") -> dict[tuple[int, ...], float]:
    """Probability of every ordered sequence of k chosen row indices.

    power: D**power weights the next pick (2 is right); to: "nearest" chosen center (right)
    or only the "last" one chosen; first: "uniform" (right) or always row "0".
    """
    n = len(X)
    dist = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))      # (n, n)
    law = {}
    # Every sequence, repeats included: a mistake may choose a point twice.
    for seq in itertools.product(range(n), repeat=k):
        p = (1.0 / n) if first == "uniform" else float(seq[0] == 0)
        for step in range(1, k):
            chosen = list(seq[:step])
            d = dist[:, chosen].min(axis=1) if to == "nearest" else dist[:, chosen[-1]]
            # power 0 models a uniform draw among the points not chosen yet.
            weights = np.where(d > 0, d ** power, 0.0)
            p *= weights[seq[step]] / weights.sum()
        if p > 0:
            law[seq] = p
    return law


def _pp_mistakes(X: np.ndarray, k: int) -> dict[str, dict]:
    return {
        "next center drawn with probability proportional to the distance D, not D squared":
            _pp_law(X, k, power=1.0),
        "next center drawn uniformly among the points not chosen yet": _pp_law(X, k, power=0.0),
        "distance to the LAST chosen center instead of the nearest chosen one":
            _pp_law(X, k, to="last"),
        "first center always row 0 instead of a uniform draw": _pp_law(X, k, first="0"),
    }


def _draw_counts(submission, X: np.ndarray, k: int, draws: int, seed: int):
    """Call kmeans_pp_init `draws` times with one Generator; count each ordered choice.

    The draws are made in the learner's process in one round trip (grader.callbacks).
    """
    rng = worker_function(submission, "numpy.random.default_rng")(seed)   # lives with the learner
    repeat = worker_function(submission, "grader.callbacks.repeat_calls")  # all draws, one trip
    index = {tuple(row): i for i, row in enumerate(X)}
    counts: dict[tuple[int, ...], int] = {}
    for centers in repeat(submission.kmeans_pp_init, draws, X, k, rng):
        if type(centers) is not np.ndarray or centers.shape != (k, X.shape[1]):
            shown = centers.shape if type(centers) is np.ndarray else type(centers).__name__
            raise AssertionError(f"kmeans_pp_init(X, {k}, rng): expected an array of shape "
                                 f"({k}, {X.shape[1]}), got {shown}")
        seq = tuple(index.get(tuple(row), -1) for row in centers)
        if -1 in seq:
            raise AssertionError(f"kmeans_pp_init returned {centers.tolist()}: every center "
                                 f"must be a row of X")
        counts[seq] = counts.get(seq, 0) + 1
    return counts


def _check_law(submission, k: int, draws: int, seed: int, name: str) -> None:
    law = _pp_law(POINTS, k)
    # Sequences the right law never gives (a repeated point) are outcomes too.
    counts = _draw_counts(submission, POINTS, k, draws, seed)
    outcomes = sorted(set(law) | set(counts))
    label = {seq: "rows " + ",".join(map(str, seq)) for seq in outcomes}
    assert_frequencies([counts.get(seq, 0) for seq in outcomes],
                       [law.get(seq, 0.0) for seq in outcomes],
                       name=name, labels=[label[seq] for seq in outcomes],
                       bugs={description: [bug.get(seq, 0.0) for seq in outcomes]
                             for description, bug in _pp_mistakes(POINTS, k).items()})


# -- kmeans_pp_init -------------------------------------------------------------------------

@pytest.mark.points(2)
def test_first_center_is_uniform(submission):
    """k=1, 800 draws: each of the 4 points is the first center a quarter of the time."""
    _check_law(submission, 1, 800, seed=0, name="first center of kmeans_pp_init(X, 1, rng)")


@pytest.mark.points(3)
def test_second_center_by_squared_distance(submission):
    """k=2, 1500 draws: the second center is drawn with probability D(x)^2 / sum D^2."""
    _check_law(submission, 2, 1500, seed=1, name="(first, second) centers of kmeans_pp_init")


@pytest.mark.points(2)
def test_third_center_by_distance_to_the_nearest_chosen(submission):
    """k=3, 2500 draws: D(x) is the distance to the NEAREST center chosen so far."""
    _check_law(submission, 3, 2500, seed=2, name="ordered centers of kmeans_pp_init(X, 3, rng)")


@pytest.mark.points(1)
def test_init_draws_only_from_rng(submission):
    """Two Generators with the same seed give the same centers; other seeds give others."""
    X = np.random.default_rng(3).standard_normal((30, 3))
    make_rng = worker_function(submission, "numpy.random.default_rng")
    first = [submission.kmeans_pp_init(X, 4, make_rng(seed)) for seed in (5, 5, 6, 7, 8)]
    if not np.array_equal(first[0], first[1]):
        raise AssertionError("kmeans_pp_init gave different centers for two Generators with "
                             "the same seed\n  likely mistake: a draw from np.random.* (the "
                             "global generator) instead of the rng argument")
    if all(np.array_equal(first[0], other) for other in first[2:]):
        raise AssertionError("kmeans_pp_init gave the same centers for four different seeds\n"
                             "  likely mistake: the rng argument is not used (a fixed seed "
                             "inside the function?)")


# -- assign and update ----------------------------------------------------------------------

@pytest.mark.points(2)
def test_assign_nearest_center(submission):
    """assign of (40, 3) points to (5, 3) centers matches the argmin of torch.cdist."""
    rng = np.random.default_rng(4)
    X, centers = rng.standard_normal((40, 3)), rng.standard_normal((5, 3))
    got = submission.assign(X, centers)
    dist = torch.cdist(torch.tensor(X), torch.tensor(centers))
    want = dist.argmin(dim=1).numpy()
    # Labels are integers: exact (any integer dtype).
    assert_close(got, want, name="labels", rtol=0, atol=0, check_dtype=False,
                 bugs={"argmax: the FARTHEST center": dist.argmax(dim=1).numpy()})


@pytest.mark.points(2)
def test_update_moves_centers_to_cluster_means(submission):
    """update with 4 non-empty clusters of (30, 3) points: each center is its cluster's mean."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 3)) + 2.0
    labels = np.arange(30) % 4
    rng.shuffle(labels)
    old = rng.standard_normal((4, 3))
    got = submission.update(X, labels, 4, old)
    index = torch.tensor(labels)
    sums = torch.zeros(4, 3, dtype=torch.float64).index_add_(0, index, torch.tensor(X))
    counts = torch.bincount(index, minlength=4).double()
    want = (sums / counts[:, None]).numpy()
    # Means of ~8 float64 rows: 1e-12 relative.
    assert_close(got, want, name="update(X, labels, 4, old_centers)", rtol=1e-12, atol=1e-12,
                 bugs={"sums instead of means (not divided by the cluster sizes)": sums.numpy(),
                       "the mean of the old center and the cluster mean": (want + old) / 2})


@pytest.mark.points(2)
def test_update_keeps_the_old_center_of_an_empty_cluster(submission):
    """update with clusters 1 and 4 empty: those keep their old centers, the others move."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((12, 2))
    labels = np.array([0, 2, 3, 0, 2, 3, 3, 0, 2, 0, 3, 2])
    old = rng.standard_normal((5, 2))
    got = submission.update(X, labels, 5, old)
    want = old.copy()
    for j in (0, 2, 3):
        want[j] = X[labels == j].mean(axis=0)
    zeros, nans = want.copy(), want.copy()
    zeros[[1, 4]], nans[[1, 4]] = 0.0, np.nan
    if type(got) is np.ndarray and got.shape == want.shape and np.isnan(got[[1, 4]]).any():
        raise AssertionError("update: the centers of the empty clusters 1 and 4 are nan, "
                             "expected their old centers\n  likely mistake: the mean of no "
                             "points is 0/0; keep old_centers[j] where cluster j is empty")
    # float64 means: 1e-12 relative.
    assert_close(got, want, name="update(X, labels, 5, old_centers)", rtol=1e-12, atol=1e-12,
                 bugs={"an empty cluster's center set to 0 instead of its old center": zeros})


# -- kmeans ---------------------------------------------------------------------------------

def _kmeans_on_blobs(submission, seed: int):
    """kmeans(X, 3, rng) on three tight blobs (std 0.3) 20 apart, of 7, 9 and 6 points in d = 2.

    Returns X, the true blob of each point, the blob means and what kmeans returned.
    """
    rng = np.random.default_rng(seed)
    sizes = [7, 9, 6]
    X = np.vstack([m + 0.3 * rng.standard_normal((s, 2))
                   for m, s in zip([[0.0, 0.0], [20.0, 5.0], [5.0, 20.0]], sizes)])
    truth = np.repeat(np.arange(3), sizes)
    means = np.array([X[truth == j].mean(axis=0) for j in range(3)])
    learner_rng = worker_function(submission, "numpy.random.default_rng")(seed + 1)
    return X, truth, means, submission.kmeans(X, 3, learner_rng)


def _matched(got_centers: np.ndarray, want_centers: np.ndarray) -> np.ndarray:
    """got's rows reordered to line up with want's (nearest first); the numbering is free."""
    order = torch.cdist(torch.tensor(want_centers), torch.tensor(got_centers)).argmin(1)
    return got_centers[order.numpy()]


@pytest.mark.points(2)
def test_kmeans_finds_well_separated_blobs(submission):
    """Three tight blobs far apart: the centers are the blob means and the labels the blobs."""
    X, truth, means, (centers, labels, _) = _kmeans_on_blobs(submission, 7)
    if type(centers) is not np.ndarray or centers.shape != (3, 2):
        raise AssertionError("kmeans: expected centers of shape (3, 2)")
    # Means of 6-9 float64 points: 1e-9 absolute (the numbering of clusters is free).
    assert_close(_matched(centers, means), means, name="centers (matched to the blobs)",
                 rtol=0, atol=1e-9)
    order = torch.cdist(torch.tensor(means), torch.tensor(centers)).argmin(1).numpy()
    assert_close(np.asarray(labels), order[truth], name="labels", rtol=0, atol=0,
                 check_dtype=False)


@pytest.mark.points(2)
def test_inertia_is_the_sum_of_squared_distances(submission):
    """inertia = sum over points of the SQUARED distance to their center (not the distance, not a mean)."""
    X, truth, means, (_, _, inertia) = _kmeans_on_blobs(submission, 9)
    diff = torch.tensor(X - means[truth])
    want = float((diff ** 2).sum())
    # A float64 sum of 22 terms: 1e-9 relative.
    assert_close(inertia, want, name="inertia", rtol=1e-9, atol=1e-12, bugs={
        "distances summed, not SQUARED distances": float(diff.norm(dim=1).sum()),
        "mean instead of sum of the squared distances": want / len(X)})


@pytest.mark.points(2)
def test_kmeans_ends_at_a_fixed_point_from_its_own_seeds(submission):
    """On overlapping data (50, 3), k=4: kmeans = Lloyd run to a fixed point from kmeans_pp_init's seeds."""
    X = np.random.default_rng(11).standard_normal((50, 3))
    make_rng = worker_function(submission, "numpy.random.default_rng")
    seeds = submission.kmeans_pp_init(X, 4, make_rng(12))
    centers, labels, inertia = submission.kmeans(X, 4, make_rng(12))
    # The oracle: Lloyd's algorithm in torch, from the same seeds, until nothing moves.
    x, want = torch.tensor(X), torch.tensor(np.asarray(seeds, dtype=np.float64))
    for _ in range(200):
        lab = torch.cdist(x, want).argmin(dim=1)
        moved = want.clone()
        for j in range(4):
            if (lab == j).any():
                moved[j] = x[lab == j].mean(dim=0)
        if torch.allclose(moved, want, rtol=0, atol=1e-12):
            break
        want = moved
    lab = torch.cdist(x, want).argmin(dim=1)
    # float64 means that went through the same steps: 1e-9 absolute.
    assert_close(centers, want.numpy(), name="centers", rtol=0, atol=1e-9, bugs={
        "stopped after the first update (the convergence test compares a thing with itself?)":
            _one_lloyd_step(X, np.asarray(seeds, dtype=np.float64))})
    assert_close(np.asarray(labels), lab.numpy(), name="labels (of the final centers)", rtol=0,
                 atol=0, check_dtype=False)
    assert_close(inertia, float(((x - want[lab]) ** 2).sum()), name="inertia", rtol=1e-9,
                 atol=1e-12)


def _one_lloyd_step(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    lab = ((X[:, None] - centers[None]) ** 2).sum(-1).argmin(1)
    return np.array([X[lab == j].mean(0) if (lab == j).any() else centers[j]
                     for j in range(len(centers))])


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """assign (within 10x) and update (20x) of 20000 points and 3 centers in d=2 are as fast as the reference, and right."""
    rng = np.random.default_rng(13)
    # Many points and few, short centers: a Python loop over the points is what shows.
    X, centers = rng.standard_normal((20000, 2)), rng.standard_normal((3, 2))
    labels = reference.assign(X, centers)
    # The inputs stay in the learner's process, so only the results travel per call.
    X_there, labels_there = keep_in_worker(submission, X), keep_in_worker(submission, labels)
    # Any vectorised assign (broadcast, Gram expansion, a loop over the 3 centers) is within
    # 3x of the reference; a loop over the 20000 points is 30x or more.
    got, want = assert_fast_enough(submission.assign, lambda *_: reference.assign(X, centers),
                                   X_there, centers, max_ratio=10)
    assert_close(got, want, name="labels of the timed call", rtol=0, atol=0, check_dtype=False)
    got, want = assert_fast_enough(submission.update,
                                   lambda *_: reference.update(X, labels, 3, centers),
                                   X_there, labels_there, 3, centers, max_ratio=20)
    # Means of ~7000 float64 rows: 1e-10 relative.
    assert_close(got, want, name="centers of the timed call", rtol=1e-10, atol=1e-12)
