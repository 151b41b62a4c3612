"""Hidden suite for the group_norm exercise.

Oracle: torch.nn.functional.group_norm in float64. Inputs are chosen so the usual bugs show:
(N, C, H, W) = (2, 6, 4, 5) with 3 groups of 2 channels (consecutive and interleaved groups
differ, and per-group statistics differ from per-channel ones), channels and samples with
offsets and scales of their own, a per-channel gamma and beta with every entry distinct,
(N, C) = (4, 6) with 2 groups (3 values per group, so the unbiased variance is 1.5 times
the biased one), and rows with variance ~1e-6 where the placement of eps matters.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, distinct_bugs

SHAPE_4D = (2, 6, 4, 5)     # (N, C, H, W), every size distinct


def _torch_group_norm(x, num_groups, gamma, beta, eps=1e-5):
    """F.group_norm in float64."""
    t = lambda a: torch.tensor(np.asarray(a, np.float64))    # noqa: E731
    return torch.nn.functional.group_norm(t(x), num_groups, t(gamma), t(beta), eps).numpy()


def _mistake(x, G, gamma, beta, eps=1e-5, *, how):
    """The output of a group norm with one known mistake."""
    N, C = x.shape[:2]
    shape = (1, C) + (1,) * (x.ndim - 2)
    if how == "interleaved":            # channel c in group c % G
        grouped = np.swapaxes(x.reshape(N, C // G, G, -1), 1, 2).reshape(N, G, -1)
    elif how == "per channel":          # instance norm whatever G is
        grouped = x.reshape(N, C, -1)
    elif how == "whole batch":          # statistics shared by all samples
        grouped = np.swapaxes(x.reshape(N, G, -1), 0, 1).reshape(1, G, -1)
    else:
        grouped = x.reshape(N, G, -1)
    mean = grouped.mean(axis=-1, keepdims=True)
    var = grouped.var(axis=-1, keepdims=True, ddof=1 if how == "unbiased" else 0)
    denom = np.sqrt(var) + eps if how == "eps outside" else np.sqrt(var + eps)
    xhat = (grouped - mean) / denom
    if how == "interleaved":
        xhat = np.swapaxes(xhat.reshape(N, G, C // G, -1), 1, 2)
    elif how == "whole batch":
        xhat = np.swapaxes(xhat.reshape(G, N, -1), 0, 1)
    xhat = xhat.reshape(x.shape)
    if how == "gamma per group":        # group g's channels all use gamma[g], beta[g]
        gamma, beta = np.repeat(gamma[:G], C // G), np.repeat(beta[:G], C // G)
    return gamma.reshape(shape) * xhat + beta.reshape(shape)


_DESCRIPTIONS = {
    "interleaved": "groups taken over the wrong axis: channel c went to group c % num_groups; "
                   "group g is the CONSECUTIVE channels g*C/G .. (g+1)*C/G - 1 "
                   "(x.reshape(N, G, -1), not x.reshape(N, -1, G))",
    "per channel": "statistics per (sample, channel), as instance norm, instead of per group "
                   "of channels",
    "whole batch": "statistics shared by the whole batch: each sample is normalised on its own",
    "unbiased": "unbiased variance (divide by Cg*H*W - 1); group norm divides by Cg*H*W",
    "eps outside": "eps outside the square root: use sqrt(var + eps)",
    "gamma per group": "gamma and beta indexed by group; they hold one value per CHANNEL",
}


def _bugs(x, G, gamma, beta, eps=1e-5):
    """Each known mistake's description mapped to the output it would give on these inputs."""
    with np.errstate(all="ignore"):
        return {text: _mistake(x, G, gamma, beta, eps, how=how)
                for how, text in _DESCRIPTIONS.items()}


def _inputs(seed, shape, scale=1.0):
    """x with its own offset and scale per sample and channel, gamma and beta per channel."""
    rng = np.random.default_rng(seed)
    N, C = shape[:2]
    per = (N, C) + (1,) * (len(shape) - 2)
    spread, offset = 0.5 + rng.random(per), 3 * rng.standard_normal(per)   # per sample, channel
    x = scale * (spread * rng.standard_normal(shape) + offset)
    gamma = 1.0 + 0.5 * rng.standard_normal(C)
    beta = rng.standard_normal(C)
    return x, gamma, beta


def _check(got, want, x, G, gamma, beta, eps=1e-5, extra_bugs=None):
    """assert_close on the output, naming the known mistakes these inputs tell apart."""
    bugs = {**_bugs(x, G, gamma, beta, eps), **(extra_bugs or {})}
    # float64, O(1) outputs: 1e-9 relative is ~1e5 ulps of slack, far below any bug here.
    assert_close(got, want, name="out", rtol=1e-9, atol=1e-10, bugs=distinct_bugs(bugs, want))


def _compare(submission, seed, shape, G, *, scale=1.0, eps=None, extra_bugs=None):
    """The learner's group norm against torch's on the inputs of `seed`."""
    x, gamma, beta = _inputs(seed, shape, scale)
    kw = {} if eps is None else {"eps": eps}
    got = submission.group_norm(x, G, gamma, beta, **kw)
    _check(got, _torch_group_norm(x, G, gamma, beta, **kw), x, G, gamma, beta, **kw,
           extra_bugs=extra_bugs(x, G, gamma, beta) if extra_bugs else None)


@pytest.mark.points(3)
def test_matches_torch_on_4d_input(submission, reference):
    """(N, C, H, W) = (2, 6, 4, 5), 3 groups of 2 channels: matches torch.nn.functional.group_norm."""
    _compare(submission, 0, SHAPE_4D, 3)


@pytest.mark.points(2)
def test_matches_torch_on_2d_input(submission, reference):
    """(N, C) = (4, 6), 2 groups: each group is 3 values of one row (biased variance over 3)."""
    _compare(submission, 1, (4, 6), 2)


@pytest.mark.points(3)
def test_groups_are_consecutive_channels(submission, reference):
    """(3, 8, 2, 3) with 2 groups: group 0 is channels 0-3 and group 1 channels 4-7, not interleaved."""
    _compare(submission, 2, (3, 8, 2, 3), 2)


@pytest.mark.points(2)
def test_each_sample_is_normalised_on_its_own(submission, reference):
    """Samples of very different scale in one batch (5, 4, 3, 2), 2 groups: no statistic crosses samples."""
    x, gamma, beta = _inputs(3, (5, 4, 3, 2))
    x = x * np.array([1e-2, 1.0, 1e2, 3.0, 0.1]).reshape(5, 1, 1, 1)
    _check(submission.group_norm(x, 2, gamma, beta), _torch_group_norm(x, 2, gamma, beta),
           x, 2, gamma, beta)


@pytest.mark.points(2)
def test_num_groups_equal_to_channels_is_instance_norm(submission, reference):
    """num_groups = C = 5 on (3, 5, 4, 2): every channel of every sample normalised alone."""
    _compare(submission, 4, (3, 5, 4, 2), 5)


@pytest.mark.points(2)
def test_one_group_is_layer_norm_over_channels_and_positions(submission, reference):
    """num_groups = 1 on (3, 4, 2, 5): each sample normalised over all of (C, H, W), as layer norm."""
    x, gamma, beta = _inputs(5, (3, 4, 2, 5))
    got = submission.group_norm(x, 1, gamma, beta)
    # F.layer_norm over (C, H, W) without affine, then the per-channel gamma and beta.
    normalised = torch.nn.functional.layer_norm(torch.tensor(x), x.shape[1:]).numpy()
    want = gamma.reshape(1, -1, 1, 1) * normalised + beta.reshape(1, -1, 1, 1)
    _check(got, want, x, 1, gamma, beta)


@pytest.mark.points(2)
def test_gamma_and_beta_are_per_channel(submission, reference):
    """gamma and beta of shape (C,) = (6,) scale and shift each channel, not each group."""
    x, _, _ = _inputs(6, (2, 6, 3, 1))
    gamma = np.array([2.0, -1.0, 0.5, 3.0, 0.25, -2.0])
    beta = np.array([10.0, -20.0, 0.0, 5.0, -1.0, 7.0])
    _check(submission.group_norm(x, 3, gamma, beta), _torch_group_norm(x, 3, gamma, beta),
           x, 3, gamma, beta)


@pytest.mark.points(2)
def test_small_variance_groups_and_the_eps_argument(submission, reference):
    """Groups with variance ~1e-6: eps inside the square root; eps=1e-3 is used as given."""
    _compare(submission, 7, (2, 6, 2, 3), 3, scale=1e-3)
    _compare(submission, 8, (2, 6, 2, 3), 3, scale=1e-2, eps=1e-3, extra_bugs=lambda x, G, g, b: {
        "the eps argument ignored (1e-5 used)": _torch_group_norm(x, G, g, b)})


@pytest.mark.points(1)
def test_channels_not_divisible_by_groups_raise_value_error(submission, reference):
    """num_groups=4 with C=6 raises ValueError (even though N*C*H*W happens to split into 4 rows)."""
    x, gamma, beta = _inputs(9, (2, 6, 2, 1))
    with pytest.raises(ValueError):
        submission.group_norm(x, 4, gamma, beta)


@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """(1024, 16, 2, 2) with 8 groups runs within 50x of the reference (no loop over samples or groups), and is right."""
    x, gamma, beta = _inputs(10, (1024, 16, 2, 2))       # 8192 small groups: a loop shows
    # The reference as a submission measures 6-10x here (timing noise on a loaded machine);
    # a loop over samples and groups costs 130-400x: the limit is 50x.
    got, want = assert_fast_enough(submission.group_norm, reference.group_norm, x, 8, gamma,
                                   beta, max_ratio=50)
    assert_close(got, want, name="out of the timed call", rtol=1e-9, atol=1e-10)
