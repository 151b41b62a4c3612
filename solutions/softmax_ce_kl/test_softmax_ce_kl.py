"""Hidden suite for softmax_ce_kl.

Oracles: torch.softmax, torch.log_softmax, torch.nn.functional.cross_entropy and
torch.nn.functional.kl_div, all in float64. Inputs are chosen so the usual bugs show:
non-square (N, C) = (6, 4) logits so a missing keepdims cannot broadcast by luck, 3-D input
for the axis argument, logits of size 1000 (exp overflows without the max shift), logits
1000 below the best one (log of a softmax that underflowed is -inf), distributions with
exact zeros (0 * log 0), and p, q far enough apart that KL(p||q) and KL(q||p) differ.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.suite import assert_close, assert_fast_enough, keep_in_worker

N, C = 6, 4                 # non-square: a reduction over the wrong axis changes the shape


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64))


def _logits(seed: int, shape: tuple[int, ...], scale: float = 2.0) -> np.ndarray:
    return scale * np.random.default_rng(seed).standard_normal(shape)


def _distribution(seed: int, size: int, zeros: int = 0) -> np.ndarray:
    """A random probability vector with `zeros` exact zeros at random places."""
    rng = np.random.default_rng(seed)
    p = rng.gamma(0.7, size=size)
    p[rng.choice(size, zeros, replace=False)] = 0.0
    return p / p.sum()


# -- models of the known mistakes -------------------------------------------------------

def _softmax_bugs(z: np.ndarray, axis: int) -> dict[str, np.ndarray]:
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return {
            "normalised along the wrong axis (is the axis argument used?)":
                np.exp(z) / np.exp(z).sum(axis=0 if axis != 0 else -1, keepdims=True),
            "no max shift: exp(z) overflows for large logits (subtract the max first)":
                e / e.sum(axis=axis, keepdims=True),
        }


def _log_softmax_bugs(z: np.ndarray, axis: int) -> dict[str, np.ndarray]:
    with np.errstate(all="ignore"):
        shifted = z - z.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        return {
            "log of the softmax: probabilities that underflow to 0 give -inf; use "
            "z - max - log(sum(exp(z - max)))": np.log(e / e.sum(axis=axis, keepdims=True)),
            "no max shift in the log-sum-exp: exp(z) overflows for large logits":
                z - np.log(np.exp(z).sum(axis=axis, keepdims=True)),
            "normalised along the wrong axis (is the axis argument used?)":
                shifted - np.log(e.sum(axis=0 if axis != 0 else -1, keepdims=True)),
        }


def _ce_bugs(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    lp = F.log_softmax(_t(logits), dim=-1).numpy()
    n = len(labels)
    picked = lp[np.arange(n), labels]
    return {
        "summed over the rows instead of averaged (missing 1/N)": float(-picked.sum()),
        "log_probs[:, labels] picks an (N, N) block, not one entry per row; index with "
        "(np.arange(N), labels)": float(-lp[:, labels].mean()),
        "sign: the loss is MINUS the mean log-probability": float(picked.mean()),
    }


def _kl_bugs(p: np.ndarray, q: np.ndarray) -> dict[str, float]:
    with np.errstate(all="ignore"):
        pos = q > 0
        return {
            "direction swapped: that is KL(q || p); KL(p || q) weights by p":
                float(np.sum(q[pos] * np.log(q[pos] / p[pos]))),
            "cross-entropy -sum p log q, without the entropy term sum p log p":
                float(-np.sum(np.where(p > 0, p * np.log(q), 0.0))),
        }


def _check_cross_entropy(submission, logits: np.ndarray, labels: np.ndarray, *,
                         rtol: float, extra_bugs: dict[str, float] | None = None) -> None:
    """The learner's cross_entropy against F.cross_entropy, naming the known mistakes."""
    got = submission.cross_entropy(logits, labels)
    want = F.cross_entropy(_t(logits), torch.tensor(labels)).item()
    assert_close(got, want, name="cross_entropy", rtol=rtol, atol=1e-12,
                 bugs={**_ce_bugs(logits, labels), **(extra_bugs or {})})


# -- softmax ------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_softmax_matches_torch_on_2d_logits(submission):
    """softmax of (6, 4) logits matches torch.softmax: rows of probabilities summing to 1."""
    z = _logits(0, (N, C))
    got = submission.softmax(z)
    # float64 probabilities in (0, 1): 1e-10 relative is far above rounding, far below a bug.
    assert_close(got, torch.softmax(_t(z), dim=-1).numpy(), name="softmax(z)", rtol=1e-10,
                 atol=1e-12, bugs=_softmax_bugs(z, -1))


@pytest.mark.points(2)
def test_softmax_large_logits_do_not_overflow(submission):
    """softmax of logits near +1000 and -1000 is finite and matches torch (needs the max shift)."""
    z = _logits(1, (N, C)) + np.array([[1000.0], [-1000.0], [0.0], [700.0], [-5.0], [750.0]])
    got = submission.softmax(z)
    # Same tolerance as on ordinary logits: with the shift these are ordinary numbers.
    assert_close(got, torch.softmax(_t(z), dim=-1).numpy(), name="softmax(z) of large logits",
                 rtol=1e-10, atol=1e-12, bugs=_softmax_bugs(z, -1))


@pytest.mark.points(2)
def test_softmax_along_the_given_axis(submission):
    """softmax of (3, 5, 4) logits with axis=1 and axis=0 normalises along that axis only."""
    z = _logits(2, (3, 5, 4))
    for axis in (1, 0):
        got = submission.softmax(z, axis=axis)
        # float64 probabilities: 1e-10 relative.
        assert_close(got, torch.softmax(_t(z), dim=axis).numpy(), name=f"softmax(z, axis={axis})",
                     rtol=1e-10, atol=1e-12, bugs=_softmax_bugs(z, axis))


# -- log-softmax --------------------------------------------------------------------------

@pytest.mark.points(2)
def test_log_softmax_matches_torch(submission):
    """log_softmax of (6, 4) logits, and of (3, 5, 4) logits along axis=1, matches torch."""
    z = _logits(3, (N, C))
    # Values of size ~1-10 in float64: 1e-10 relative, 1e-12 absolute.
    assert_close(submission.log_softmax(z), F.log_softmax(_t(z), dim=-1).numpy(),
                 name="log_softmax(z)", rtol=1e-10, atol=1e-12, bugs=_log_softmax_bugs(z, -1))
    z3 = _logits(4, (3, 5, 4))
    assert_close(submission.log_softmax(z3, axis=1), F.log_softmax(_t(z3), dim=1).numpy(),
                 name="log_softmax(z, axis=1)", rtol=1e-10, atol=1e-12,
                 bugs=_log_softmax_bugs(z3, 1))


@pytest.mark.points(3)
def test_log_softmax_far_below_the_max_stays_finite(submission):
    """log_softmax of logits spread over +-1000 is finite (about -2000 at worst), as in torch."""
    z = np.array([[1000.0, 0.0, -1000.0, 3.0],
                  [-800.0, -1.0, 2.0, 750.0],
                  [0.5, -0.5, 1.5, -1.5]])                     # (3, 4)
    got = submission.log_softmax(z)
    # Entries reach -2000; 1e-12 relative is still ~1e4 ulps there.
    assert_close(got, F.log_softmax(_t(z), dim=-1).numpy(), name="log_softmax(z)",
                 rtol=1e-12, atol=1e-12, bugs=_log_softmax_bugs(z, -1))


# -- cross-entropy ------------------------------------------------------------------------

@pytest.mark.points(2)
def test_cross_entropy_matches_torch(submission):
    """cross_entropy of (6, 4) logits and labels matches F.cross_entropy (the mean over rows)."""
    logits = _logits(5, (N, C))
    labels = np.array([3, 0, 2, 2, 1, 3])
    # A float64 mean of 6 terms of size ~1: 1e-10 relative.
    _check_cross_entropy(submission, logits, labels, rtol=1e-10)


@pytest.mark.points(1)
def test_cross_entropy_picks_each_rows_own_label(submission):
    """One-hot-like logits: the loss is small where each row's label has the top score, large where not."""
    logits = np.full((5, 3), -2.0)
    labels = np.array([0, 2, 1, 1, 0])
    logits[np.arange(5), labels] = 4.0                      # right class on top, except...
    logits[4] = [-2.0, 4.0, -2.0]                           # ...row 4 bets on class 1
    # float64 mean of 5 terms: 1e-10 relative.
    _check_cross_entropy(submission, logits, labels, rtol=1e-10)


@pytest.mark.points(2)
def test_cross_entropy_with_extreme_logits_stays_finite(submission):
    """Labels whose logit is ~1000 below the best give a loss of ~1000, not inf or nan."""
    logits = _logits(6, (N, C)) + np.array([[1000.0], [-1000.0], [0.0], [0.0], [0.0], [0.0]])
    logits[2, 1] = 900.0                                    # row 2's label 0 is ~900 below
    logits[3, 3] = -1000.0                                  # row 3's label is 3 itself
    labels = np.array([1, 2, 0, 3, 2, 0])
    with np.errstate(all="ignore"):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
        log_of_probs = float(-np.log(probs[np.arange(N), labels]).mean())
    # The loss is ~320 here; 1e-12 relative is ~1e4 ulps.
    _check_cross_entropy(submission, logits, labels, rtol=1e-12, extra_bugs={
        "log of the softmax probabilities: a probability that underflowed to 0 gives inf; "
        "use log_softmax": log_of_probs})


# -- KL divergence ------------------------------------------------------------------------

@pytest.mark.points(2)
def test_kl_divergence_matches_torch(submission):
    """KL(p || q) of two full-support distributions over 7 classes matches F.kl_div."""
    p, q = _distribution(7, 7), _distribution(8, 7)
    got = submission.kl_divergence(p, q)
    # F.kl_div(input=log q, target=p) sums p * (log p - log q): that is KL(p || q).
    want = F.kl_div(_t(np.log(q)), _t(p), reduction="sum").item()
    # A sum of 7 float64 terms of size <= 1: 1e-10 relative.
    assert_close(got, want, name="kl_divergence(p, q)", rtol=1e-10, atol=1e-12,
                 bugs=_kl_bugs(p, q))


@pytest.mark.points(2)
def test_kl_divergence_direction(submission):
    """KL is not symmetric: kl_divergence(p, q) is KL(p || q) and kl_divergence(q, p) is KL(q || p)."""
    p = np.array([0.85, 0.1, 0.04, 0.01])       # KL(p || q) = 0.843, KL(q || p) = 1.186
    q = np.array([0.25, 0.25, 0.25, 0.25])
    for name, a, b in (("kl_divergence(p, q)", p, q), ("kl_divergence(q, p)", q, p)):
        want = F.kl_div(_t(np.log(b)), _t(a), reduction="sum").item()
        # Closed-form-sized sums of 4 terms: 1e-10 relative.
        assert_close(submission.kl_divergence(a, b), want, name=name, rtol=1e-10, atol=1e-12,
                     bugs=_kl_bugs(a, b))


@pytest.mark.points(2)
def test_kl_divergence_zero_probabilities_contribute_zero(submission):
    """p with exact zeros (3 of 9 classes): those terms count 0, the result is finite, as in torch."""
    p, q = _distribution(9, 9, zeros=3), _distribution(10, 9)
    got = submission.kl_divergence(p, q)
    want = F.kl_div(_t(np.log(q)), _t(p), reduction="sum").item()   # xlogy: 0 log 0 = 0
    with np.errstate(all="ignore"):
        unmasked = float(np.sum(p * np.log(p / q)))
    if isinstance(got, (float, np.floating)) and np.isnan(got):
        raise AssertionError(f"kl_divergence(p, q) is nan where p has zeros, expected {want:.6g}\n"
                             f"  likely mistake: 0 * log(0) is nan in floating point; leave out "
                             f"the terms with p_i = 0 (their limit is 0)")
    # Sum of 6 float64 terms: 1e-10 relative.
    assert_close(got, want, name="kl_divergence(p, q)", rtol=1e-10, atol=1e-12,
                 bugs={**_kl_bugs(p, q), "0 * log 0 left as nan": unmasked})


@pytest.mark.points(1)
def test_kl_divergence_of_a_distribution_with_itself_is_zero(submission):
    """KL(p || p) = 0, also when p has zeros; and KL is +inf when q is 0 where p is not."""
    p = _distribution(11, 6, zeros=2)
    got = submission.kl_divergence(p, p)
    # Exact zero up to rounding of 4 terms.
    assert_close(got, 0.0, name="kl_divergence(p, p)", rtol=0, atol=1e-14)
    p = np.array([0.4, 0.0, 0.25, 0.35, 0.0])
    q = np.array([0.0, 0.5, 0.2, 0.3, 0.0])     # q_0 = 0 where p_0 = 0.4
    with np.errstate(all="ignore"):
        got = submission.kl_divergence(p, q)
    if not (isinstance(got, (float, np.floating)) and got == np.inf):
        raise AssertionError(f"kl_divergence(p, q) with q_i = 0 where p_i > 0 gave {got!r}, "
                             f"expected inf (a float): p puts mass where q puts none")


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """softmax and cross_entropy of (20000, 10) logits run within 20x of the reference, and are right."""
    logits = _logits(12, (20000, 10))                # 20000 short rows: a loop over rows shows
    labels = np.random.default_rng(13).integers(0, 10, 20000)
    # The inputs stay in the learner's process, so only the results travel per call.
    logits_there, labels_there = keep_in_worker(submission, logits), keep_in_worker(submission, labels)
    got, want = assert_fast_enough(submission.softmax, lambda *_: reference.softmax(logits),
                                   logits_there, max_ratio=20)
    # The timed outputs themselves must be right: float64 probabilities, 1e-10 relative.
    assert_close(got, want, name="softmax of the timed call", rtol=1e-10, atol=1e-12)
    got, want = assert_fast_enough(submission.cross_entropy,
                                   lambda *_: reference.cross_entropy(logits, labels),
                                   logits_there, labels_there, max_ratio=20)
    assert_close(got, want, name="cross_entropy of the timed call", rtol=1e-10, atol=1e-12)
