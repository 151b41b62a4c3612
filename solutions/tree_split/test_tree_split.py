"""Hidden suite for the tree_split exercise.

Oracles: closed forms for the impurities (fractions worked out by hand), and a
brute-force best split written here from the definition: every feature, every midpoint of
its sorted distinct values, the children taken with boolean masks, visited in the order that
breaks ties (lowest feature, then lowest threshold). Inputs are chosen so the usual bugs
show: unequal child sizes (an unweighted average of the children differs), three classes
(bits versus nats differ by a factor ln 2 = 0.69), values that repeat (a cut between two equal
values is not a split), features that give the same partition (ties), and gains that are far
from the weighted child impurity (a gain not taken relative to the parent).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from grader.suite import assert_close, assert_fast_enough


# -- oracles and models of known mistakes ---------------------------------------------------

def _proportions(labels):
    _, counts = np.unique(labels, return_counts=True)
    return counts / counts.sum()


def _gini(labels):
    return 1.0 - float((_proportions(labels) ** 2).sum())


def _entropy(labels, log=math.log2):
    return -sum(q * log(q) for q in _proportions(labels))


def _brute_force(X, y, impurity, *, weighted=True, relative=True, last_tie=False,
                 threshold_at="midpoint"):
    """(feature, threshold, gain) from the definition, with one known mistake if asked."""
    n, p = X.shape
    best = (-1, math.nan, -math.inf)
    for f in range(p):
        values = np.unique(X[:, f])
        for lo, hi in zip(values[:-1], values[1:]):
            left = X[:, f] <= lo                              # the same rows as <= midpoint
            li, ri = impurity(y[left]), impurity(y[~left])
            share = left.mean()
            child = share * li + (1 - share) * ri if weighted else (li + ri) / 2
            gain = impurity(y) - child if relative else child
            threshold = {"midpoint": (lo + hi) / 2, "lower": lo}[threshold_at]
            better = gain >= best[2] if last_tie else gain > best[2]
            if better:
                best = (f, float(threshold), float(gain))
    return best


def _split_bugs(X, y, impurity, want):
    """Known best_split mistakes mapped to the (feature, threshold, gain) each would give."""
    made = {
        "children averaged without weights: weight each by its share of the rows, n_left / n":
            _brute_force(X, y, impurity, weighted=False),
        "gain not taken relative to the parent: gain = impurity(parent) - weighted children":
            _brute_force(X, y, impurity, relative=False),
        "threshold at a data value: use the midpoint between consecutive distinct values":
            _brute_force(X, y, impurity, threshold_at="lower"),
        "ties broken towards the last candidate: keep the first (lowest feature, then threshold)":
            _brute_force(X, y, impurity, last_tie=True),
    }
    if impurity is _entropy:
        made["entropy in nats (natural log): use log2 for bits"] = _brute_force(
            X, y, lambda labels: _entropy(labels, math.log))
    return {d: v for d, v in made.items() if not np.allclose(v, want, rtol=1e-9, atol=1e-12)}


def _check_split(got, want, bugs):
    """Compare a returned (feature, threshold, gain) with the expected one; name a known
    mistake whose triple the learner's matches."""
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        f"best_split: expected (feature, threshold, gain), got {type(got).__name__}")
    assert isinstance(got[0], (int, np.integer)), (
        f"feature: expected an int, got {type(got[0]).__name__}")
    got_values = np.array(got, dtype=np.float64)
    # feature and threshold are exact (a midpoint of two floats); gain to 1e-9 relative.
    close = np.isclose(got_values, np.array(want, dtype=np.float64), rtol=1e-9, atol=1e-12)
    if close.all():
        return
    wrong = [name for name, ok in zip(("feature", "threshold", "gain"), close) if not ok]
    message = (f"best_split: got feature {got[0]}, threshold {got[1]:.6g}, gain {got[2]:.6g}; "
               f"expected feature {want[0]}, threshold {want[1]:.6g}, gain {want[2]:.6g} "
               f"(wrong: {', '.join(wrong)})")
    for description, triple in bugs.items():
        if np.allclose(got_values, np.array(triple, dtype=np.float64), rtol=1e-6, atol=1e-9):
            message += f"\n  likely mistake: {description}"
            break
    raise AssertionError(message)


def _data(seed, n, p, levels, classes):
    """Features with few distinct levels (so values repeat) and labels linked to feature 1."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, levels, size=(n, p)).astype(np.float64) * 0.5 + rng.uniform(-3, 3, p)
    y = (X[:, min(1, p - 1)] + rng.normal(0, 1.0, n) > X[:, min(1, p - 1)].mean()).astype(int)
    if classes == 3:
        y = y + (rng.uniform(size=n) < 0.3)              # a third class, 0/1/2
    return X, y


# -- impurities ------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_gini_of_three_classes(submission, reference):
    """gini([0, 0, 1, 2, 2, 2]) = 1 - (4 + 1 + 9) / 36 = 11/18; gini of labels 3 and 7 works too."""
    # Closed forms, exact up to rounding.
    assert_close(submission.gini(np.array([0, 0, 1, 2, 2, 2])), 11 / 18, name="gini",
                 rtol=1e-12, atol=1e-12,
                 bugs={"sum of p^2 (the purity): gini is 1 minus it": 7 / 18,
                       "1 - sum of p (always 0): square the proportions": 0.0,
                       "counts, not proportions: divide each count by n": 1 - 14.0})
    assert_close(submission.gini(np.array([7, 3, 7, 7])), 1 - (9 + 1) / 16, name="gini([7, 3, 7, 7])",
                 rtol=1e-12, atol=1e-12)


@pytest.mark.points(2)
def test_entropy_is_in_bits(submission, reference):
    """entropy([0, 0, 1, 2, 2, 2]) = -(1/3 log2 1/3 + 1/6 log2 1/6 + 1/2 log2 1/2) ~ 1.459 bits."""
    labels = np.array([0, 0, 1, 2, 2, 2])
    want = -(1 / 3 * math.log2(1 / 3) + 1 / 6 * math.log2(1 / 6) + 1 / 2 * math.log2(1 / 2))
    # Closed form, exact up to rounding.
    assert_close(submission.entropy(labels), want, name="entropy", rtol=1e-12, atol=1e-12,
                 bugs={"natural log (nats): use log2 for bits": want * math.log(2),
                       "log10: use log2 for bits": want * math.log10(2),
                       "sign lost: entropy is MINUS sum p log2 p": -want})


@pytest.mark.points(1)
def test_pure_node_has_zero_impurity(submission, reference):
    """gini and entropy of [5, 5, 5] are 0 (not NaN), and entropy of a 50/50 node is 1 bit."""
    # Exact values.
    assert_close(submission.gini(np.array([5, 5, 5])), 0.0, name="gini([5, 5, 5])", atol=1e-12)
    assert_close(submission.entropy(np.array([5, 5, 5])), 0.0, name="entropy([5, 5, 5])",
                 atol=1e-12, bugs={"0 * log2(0) gave NaN: skip the classes with p = 0": math.nan})
    assert_close(submission.entropy(np.array([1, 2, 2, 1])), 1.0, name="entropy([1, 2, 2, 1])",
                 rtol=1e-12, atol=1e-12)


# -- best_split ------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_best_split_gini_matches_brute_force(submission, reference):
    """best_split(X, y) on (19, 3) data with repeated values and 3 classes matches a brute-force search."""
    X, y = _data(0, 19, 3, levels=6, classes=3)
    want = _brute_force(X, y, _gini)
    _check_split(submission.best_split(X, y), want, _split_bugs(X, y, _gini, want))


@pytest.mark.points(2)
def test_best_split_entropy_matches_brute_force(submission, reference):
    """best_split(X, y, criterion='entropy') on (23, 4) data with 3 classes matches a brute-force search."""
    X, y = _data(1, 23, 4, levels=7, classes=3)
    want = _brute_force(X, y, _entropy)
    _check_split(submission.best_split(X, y, criterion="entropy"), want,
                 _split_bugs(X, y, _entropy, want))


@pytest.mark.points(2)
def test_gain_is_parent_minus_weighted_children(submission, reference):
    """x = [1, 2, 3, 4, 5, 6, 7], y = [0, 0, 0, 0, 1, 1, 0]: split at 4.5, gain 20/49 - 3/7 * 4/9."""
    X = np.arange(1.0, 8.0)[:, None]
    y = np.array([0, 0, 0, 0, 1, 1, 0])
    parent = 1 - (25 + 4) / 49                            # 20/49
    want = (0, 4.5, parent - 3 / 7 * (1 - (1 + 4) / 9))   # left = first 4 rows, all class 0
    _check_split(submission.best_split(X, y), want, _split_bugs(X, y, _gini, want))


@pytest.mark.points(1)
def test_threshold_is_the_midpoint_of_distinct_values(submission, reference):
    """x = [8, 1, 4, 2] with y = [1, 0, 1, 0]: the split is at (2 + 4) / 2 = 3 with gain 0.5."""
    X = np.array([[8.0], [1.0], [4.0], [2.0]])
    y = np.array([1, 0, 1, 0])
    _check_split(submission.best_split(X, y), (0, 3.0, 0.5),
                 {"threshold at a data value: use the midpoint between consecutive distinct "
                  "values": (0, 2.0, 0.5),
                  "threshold at the upper data value: use the midpoint": (0, 4.0, 0.5)})


@pytest.mark.points(2)
def test_ties_go_to_the_lowest_feature_then_threshold(submission, reference):
    """Feature 2 is feature 0 rescaled and thresholds 1.5 and 3.5 tie: the answer is (0, 1.5, 1/6)."""
    x = np.array([1.0, 2.0, 3.0, 4.0])
    X = np.column_stack([x, np.array([5.0, 5.0, 5.0, 6.0]), 10 * x + 3])   # (4, 3)
    y = np.array([0, 1, 1, 0])
    # Feature 1 splits [0, 1, 1 | 0] too, and 3.5 on feature 0 ties with 1.5: every best
    # candidate has gain 1/6; the first in (feature, threshold) order is feature 0 at 1.5.
    _check_split(submission.best_split(X, y), (0, 1.5, 1 / 6),
                 {"ties broken towards the last candidate: keep the first (lowest feature, "
                  "then threshold)": (2, 38.0, 1 / 6),
                  "ties broken towards the highest threshold: keep the lowest": (0, 3.5, 1 / 6),
                  "ties broken towards the highest feature: keep the lowest": (2, 18.0, 1 / 6)})


@pytest.mark.points(1)
def test_equal_values_are_never_split_apart(submission, reference):
    """x = [1, 1, 1, 2, 2] with y = [0, 0, 1, 1, 1]: the only cut is at 1.5 (gain 12/25 - 4/15)."""
    X = np.array([[1.0], [1.0], [1.0], [2.0], [2.0]])
    y = np.array([0, 0, 1, 1, 1])
    want = (0, 1.5, (1 - (4 + 9) / 25) - 3 / 5 * (1 - (4 + 1) / 9))
    # A cut between the two 1s would score better (left [0, 0], right [1, 1, 1]: gain 0.48)
    # but no threshold can separate equal values.
    _check_split(submission.best_split(X, y), want,
                 {"cut between two equal values: only midpoints of DISTINCT values split":
                  (0, 1.0, 0.48)})


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """best_split on (3000, 5) with 10 levels per feature runs within 8x of the reference (and is right)."""
    X, y = _data(2, 3000, 5, levels=10, classes=3)
    # Measured in CPU time: counting classes row by row in Python for each candidate takes
    # ~26x the cumulative counts; the reference and the comparison-matrix alternative ~1x.
    got, want = assert_fast_enough(submission.best_split, reference.best_split, X, y,
                                   max_ratio=8)
    _check_split(got, want, {})
