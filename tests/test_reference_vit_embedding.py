"""The vit_embedding reference agrees with a stride-patch torch Conv2d (and F.unfold)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import load_reference

ref = load_reference("vit_embedding")


@pytest.mark.parametrize("n, c, h, w, p", [(2, 3, 8, 12, 4), (1, 1, 3, 5, 1), (3, 2, 6, 6, 6),
                                           (2, 4, 10, 4, 2)])
def test_patchify_matches_unfold_and_conv(n, c, h, w, p):
    images = np.random.default_rng(h * w).standard_normal((n, c, h, w))
    got = ref.patchify(images, p)
    unfolded = torch.nn.functional.unfold(torch.from_numpy(images), p, stride=p)  # (N, C*p*p, P)
    np.testing.assert_array_equal(got, unfolded.transpose(1, 2).numpy())
    k = c * p * p
    conv = torch.nn.functional.conv2d(torch.from_numpy(images),
                                      torch.eye(k, dtype=torch.float64).reshape(k, c, p, p),
                                      stride=p)
    np.testing.assert_array_equal(got, conv.flatten(2).transpose(1, 2).numpy())


def test_embedding_matches_conv_projection():
    rng = np.random.default_rng(0)
    n, c, h, w, p, d = 2, 3, 8, 12, 4, 5
    images = rng.standard_normal((n, c, h, w))
    W, b, cls = rng.standard_normal((p * p * c, d)), rng.standard_normal(d), rng.standard_normal(d)
    pos = rng.standard_normal((1 + 6, d))
    tokens = torch.nn.functional.conv2d(torch.from_numpy(images),
                                        torch.from_numpy(np.ascontiguousarray(W.T)).reshape(d, c, p, p),
                                        torch.from_numpy(b), stride=p).flatten(2).transpose(1, 2)
    want = torch.cat([torch.from_numpy(cls).expand(n, 1, d), tokens], dim=1) + torch.from_numpy(pos)
    np.testing.assert_allclose(ref.vit_embed(images, p, W, b, cls, pos), want.numpy(),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 3, 10, 12), (1, 3, 8, 13)])
def test_sizes_not_multiple_of_patch_raise(shape):
    with pytest.raises(ValueError, match="not a multiple"):
        ref.patchify(np.zeros(shape), 4)
