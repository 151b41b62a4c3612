"""The dropout reference is inverted dropout as torch.nn.functional.dropout defines it.

torch draws its masks from its own generator, so the two are compared by their law and by
what is not random: torch's survivors are x / (1 - p), its keep rate is 1 - p, evaluation
is the identity and p = 1 gives zeros; the reference must do the same.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference


ref = load_reference("dropout")


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.9])
def test_survivors_and_keep_rate_match_torch(p):
    x = np.random.default_rng(0).uniform(0.5, 1.5, (300, 200))     # no zeros
    out, mask = ref.dropout_forward(x, p, True, np.random.default_rng(1))
    torch.manual_seed(0)
    torch_out = torch.nn.functional.dropout(torch.tensor(x), p, training=True).numpy()
    band = 5 * np.sqrt(p * (1 - p) / x.size)
    for result in (out, torch_out):
        kept = result != 0
        assert abs(kept.mean() - (1 - p)) < band
        np.testing.assert_allclose(result[kept], x[kept] / (1 - p), rtol=1e-12)
    assert mask.dtype == bool and np.array_equal(mask, out != 0)
    dout = np.random.default_rng(2).standard_normal(x.shape)
    np.testing.assert_allclose(ref.dropout_backward(dout, mask, p),
                               np.where(mask, dout / (1 - p), 0.0), rtol=1e-12)


def test_autograd_through_torch_dropout_uses_the_same_rule():
    """torch's backward is dout * mask / (1 - p): the reference's, given torch's own mask."""
    x = torch.tensor(np.random.default_rng(3).uniform(0.5, 1.5, (40, 30)), requires_grad=True)
    torch.manual_seed(4)
    out = torch.nn.functional.dropout(x, 0.3, training=True)
    dout = np.random.default_rng(5).standard_normal((40, 30))
    (out * torch.tensor(dout)).sum().backward()
    mask = out.detach().numpy() != 0
    np.testing.assert_allclose(ref.dropout_backward(dout, mask, 0.3), x.grad.numpy(), rtol=1e-12)


def test_evaluation_p_zero_and_p_one_agree_with_torch():
    x = np.random.default_rng(6).standard_normal((5, 7))
    out, mask = ref.dropout_forward(x, 0.5, False, np.random.default_rng(0))
    assert mask is None and np.array_equal(out, x)
    assert np.array_equal(out, torch.nn.functional.dropout(torch.tensor(x), 0.5,
                                                           training=False).numpy())
    out, mask = ref.dropout_forward(x, 0.0, True, np.random.default_rng(0))
    assert np.array_equal(out, x)
    with np.errstate(all="raise"):
        out, mask = ref.dropout_forward(x, 1.0, True, np.random.default_rng(0))
        dx = ref.dropout_backward(np.ones_like(x), mask, 1.0)
    torch_zero = torch.nn.functional.dropout(torch.tensor(x), 1.0, training=True).numpy()
    assert not out.any() and not dx.any() and not torch_zero.any()


def test_same_seed_same_mask_and_bad_p_rejected():
    x = np.ones((10, 10))
    a, _ = ref.dropout_forward(x, 0.4, True, np.random.default_rng(9))
    b, _ = ref.dropout_forward(x, 0.4, True, np.random.default_rng(9))
    assert np.array_equal(a, b)
    for p in (-0.01, 1.01):
        with pytest.raises(ValueError):
            ref.dropout_forward(x, p, True, np.random.default_rng(0))
