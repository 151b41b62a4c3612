"""Hidden suite for the vit_embedding exercise.

Oracles: a stride-patch torch.nn.Conv2d in float64 (kernel_size = stride = patch). With an
identity kernel (C*p*p output channels, one per kernel entry) it returns exactly the patches,
in the (C, ph, pw) order and the row-major grid order; with the kernel W.T reshaped to
(D, C, p, p) and bias b it is the patch embedding itself, to which the CLS token and the
position embeddings are added as in the ViT paper.

Inputs are chosen so the usual bugs show: C = 3 channels, non-square images (8 x 12, a 2 x 3
grid, so row-major and column-major orders differ and a transposed grid has another shape),
patch 4 (so ph and pw inside a patch are not confused with the grid), D = 5 different from
every other size, and random values (no symmetry to hide a transpose).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough

N, C, HEIGHT, WIDTH, P, D = 2, 3, 8, 12, 4, 5       # a 2 x 3 grid of 4 x 4 patches
GRID = (HEIGHT // P) * (WIDTH // P)


# -- oracles and models of known mistakes ---------------------------------------------------

def _conv(images: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, patch: int):
    """A stride-patch Conv2d in float64; its output as tokens (N, P, out_channels)."""
    out_channels = weight.shape[0]
    conv = torch.nn.Conv2d(images.shape[1], out_channels, patch, stride=patch,
                           bias=bias is not None, dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight))
        if bias is not None:
            conv.bias.copy_(torch.from_numpy(bias))
        return conv(torch.from_numpy(images)).flatten(2).transpose(1, 2).numpy()


def _conv_patches(images: np.ndarray, patch: int) -> np.ndarray:
    """The patches as a stride-patch conv sees them: an identity kernel, one channel per entry."""
    k = images.shape[1] * patch * patch
    return _conv(images, np.eye(k).reshape(k, images.shape[1], patch, patch), None, patch)


def _conv_embed(images, patch, W, b, cls, pos) -> np.ndarray:
    """ViT's embedding: conv patch projection, CLS token in front, position embeddings added."""
    channels = images.shape[1]
    tokens = _conv(images, np.ascontiguousarray(W.T).reshape(-1, channels, patch, patch), b,
                   patch)
    cls_slot = np.broadcast_to(cls, (images.shape[0], 1, cls.shape[-1]))
    return np.concatenate([cls_slot, tokens], axis=1) + pos


def _patch_model(images: np.ndarray, patch: int, mistake: str) -> np.ndarray:
    """patchify with one known mistake."""
    n, c, h, w = images.shape
    gh, gw = h // patch, w // patch
    if mistake == "plain_reshape":
        return images.reshape(n, gh * gw, c * patch * patch)
    axes = {"column_order": (0, 4, 2, 1, 3, 5), "channel_last": (0, 2, 4, 3, 5, 1),
            "pw_ph": (0, 2, 4, 1, 5, 3)}[mistake]
    x = images.reshape(n, c, gh, patch, gw, patch).transpose(*axes)
    return x.reshape(n, gh * gw, c * patch * patch)


_PATCH_BUGS = {
    "column_order": "patches in column order (down, then right); the order is row-major: "
                    "left to right along a row of patches, then the next row",
    "channel_last": "each patch flattened channel-last (ph, pw, C); the order is (C, ph, pw), "
                    "as a Conv2d kernel",
    "pw_ph": "inside a patch, columns before rows (C, pw, ph); the order is (C, ph, pw)",
    "plain_reshape": "a plain reshape to (N, P, C*p*p) without moving the axes: it does not "
                     "cut squares; reshape to (N, C, gh, p, gw, p), then transpose",
}


def _patch_bugs(images: np.ndarray, patch: int) -> dict[str, np.ndarray]:
    return {text: _patch_model(images, patch, m) for m, text in _PATCH_BUGS.items()}


def _embed_bugs(images, patch, W, b, cls, pos) -> dict[str, np.ndarray]:
    tokens = _conv_patches(images, patch) @ W + b
    n, grid, d = tokens.shape
    cls_slot = np.broadcast_to(cls, (n, 1, d))
    bugs = {
        "the CLS token appended at the end; it goes FIRST (slot 0)":
            np.concatenate([tokens, cls_slot], axis=1) + pos,
        "the position embeddings skip the CLS slot; pos[0] belongs to the CLS token":
            np.concatenate([cls_slot, tokens + pos[1:]], axis=1),
        "pos[:P] added to the patches before the CLS token was put in front; add pos after":
            np.concatenate([cls_slot, tokens + pos[:grid]], axis=1),
        "the projection's bias b left out":
            np.concatenate([cls_slot, tokens - b], axis=1) + pos,
    }
    for text, wrong in _patch_bugs(images, patch).items():
        bugs[f"patchify: {text}"] = np.concatenate([cls_slot, wrong @ W + b], axis=1) + pos
    return bugs


def _images(seed: int, n=N, c=C, h=HEIGHT, w=WIDTH) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, c, h, w))


def _embedding_weights(seed: int, patch=P, c=C, d=D, grid=GRID) -> tuple:
    """W (p*p*C, D), b (D,), cls (D,), pos (1 + P, D)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((patch * patch * c, d)) / patch, rng.standard_normal(d),
            rng.standard_normal(d), rng.standard_normal((1 + grid, d)))


# -- patchify -------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_patchify_matches_a_stride_patch_conv(submission, reference):
    """patchify of (2, 3, 8, 12) images with patch 4 gives the (2, 6, 48) patches a conv sees."""
    images = _images(0)
    got = submission.patchify(images, P)
    # Patches are copies of the input: exact.
    assert_close(got, _conv_patches(images, P), name="patches", rtol=0, atol=1e-15,
                 bugs=_patch_bugs(images, P))


@pytest.mark.points(2)
def test_patches_come_in_row_major_order(submission, reference):
    """Patch k is grid cell (k // 3, k % 3): left to right, then down (one channel, values = cell)."""
    # Every pixel holds the number of its grid cell, so each patch is constant and the
    # message shows which cell landed where.
    cells = np.arange(GRID, dtype=np.float64).reshape(HEIGHT // P, WIDTH // P)
    images = np.kron(cells, np.ones((P, P)))[None, None]           # (1, 1, 8, 12)
    got = submission.patchify(images, P)
    want = np.repeat(np.arange(GRID, dtype=np.float64)[None, :, None], P * P, axis=2)
    assert_close(got, want, name="patches (each pixel holds its grid cell's number)", rtol=0,
                 atol=0, bugs=_patch_bugs(images, P))


@pytest.mark.points(2)
def test_patch_flattening_order_is_channel_row_column(submission, reference):
    """One patch (3, 4, 4) flattens in the order (C, ph, pw), as a Conv2d kernel (D, C, p, p)."""
    images = np.arange(C * P * P, dtype=np.float64).reshape(1, C, P, P)   # a single patch
    got = submission.patchify(images, P)
    # np.arange in (C, ph, pw) order: the right flattening gives 0, 1, 2, ... back.
    assert_close(got, np.arange(C * P * P, dtype=np.float64).reshape(1, 1, -1),
                 name="the one patch of an image holding 0, 1, 2, ... in (C, ph, pw) order",
                 rtol=0, atol=0, bugs=_patch_bugs(images, P))


@pytest.mark.points(2)
def test_sizes_that_are_not_multiples_of_patch_are_refused(submission, reference):
    """H = 10 or W = 14 with patch 4 raises ValueError instead of dropping pixels."""
    for shape in [(1, C, 10, 12), (1, C, 8, 14)]:
        images = _images(1, *shape)
        try:
            result = submission.patchify(images, P)
        except ValueError:
            continue
        got = getattr(result, "shape", type(result).__name__)
        raise AssertionError(f"patchify of images of shape {shape} with patch {P} should raise "
                             f"ValueError; it returned {got}\n  likely mistake: H or W not "
                             f"divisible by patch accepted silently (the edge pixels are lost)")


@pytest.mark.points(1)
def test_patch_one_and_whole_image_patch(submission, reference):
    """patch = 1 makes every pixel a patch of C values; patch = H = W makes one patch per image."""
    images = _images(2, c=2, h=3, w=5)
    assert_close(submission.patchify(images, 1), _conv_patches(images, 1),
                 name="patches (patch 1)", rtol=0, atol=1e-15, bugs=_patch_bugs(images, 1))
    square = _images(3, c=2, h=6, w=6)
    assert_close(submission.patchify(square, 6), _conv_patches(square, 6),
                 name="patches (patch 6 on 6 x 6 images)", rtol=0, atol=1e-15,
                 bugs=_patch_bugs(square, 6))


# -- vit_embed ------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_embedding_matches_conv_projection_with_cls_and_pos(submission, reference):
    """vit_embed gives (2, 7, 5): the CLS token, then the conv-projected patches, plus pos."""
    images = _images(4)
    weights = _embedding_weights(5)
    got = submission.vit_embed(images, P, *weights)
    # float64 dot products of 48 terms: 1e-10 relative.
    assert_close(got, _conv_embed(images, P, *weights), name="embedding", rtol=1e-10,
                 atol=1e-12, bugs=_embed_bugs(images, P, *weights))


@pytest.mark.points(2)
def test_cls_token_comes_first(submission, reference):
    """Slot 0 of every image is cls + pos[0]: the CLS token is prepended, not appended."""
    images = _images(6)
    W, b, cls, pos = _embedding_weights(7)
    got = submission.vit_embed(images, P, W, b, cls, pos)
    if not isinstance(got, np.ndarray) or got.shape != (N, 1 + GRID, D):
        raise AssertionError(f"embedding: expected an array of shape {(N, 1 + GRID, D)}, got "
                             f"{getattr(got, 'shape', type(got).__name__)}")
    bugs = {text: wrong[:, 0] for text, wrong in _embed_bugs(images, P, W, b, cls, pos).items()}
    assert_close(got[:, 0], np.broadcast_to(cls + pos[0], (N, D)),
                 name="embedding[:, 0] (the CLS slot)", rtol=1e-12, atol=1e-12, bugs=bugs)


@pytest.mark.points(2)
def test_position_embeddings_cover_every_slot(submission, reference):
    """With W = 0 and b = 0 every patch token is 0: the output is cls then 0s, plus pos everywhere."""
    images = _images(8)
    _, _, cls, pos = _embedding_weights(9)
    W, b = np.zeros((P * P * C, D)), np.zeros(D)
    got = submission.vit_embed(images, P, W, b, cls, pos)
    want = np.broadcast_to(pos, (N, 1 + GRID, D)).copy()
    want[:, 0] += cls
    assert_close(got, want, name="embedding (W = 0, b = 0)", rtol=1e-12, atol=1e-12,
                 bugs=_embed_bugs(images, P, W, b, cls, pos))


@pytest.mark.points(1)
def test_embedding_of_a_single_grayscale_image(submission, reference):
    """N = 1, C = 1, 9 x 6 images, patch 3: (1, 7, 5), equal to the conv embedding."""
    images = _images(10, n=1, c=1, h=9, w=6)
    weights = _embedding_weights(11, patch=3, c=1, grid=6)
    assert_close(submission.vit_embed(images, 3, *weights),
                 _conv_embed(images, 3, *weights), name="embedding", rtol=1e-10, atol=1e-12,
                 bugs=_embed_bugs(images, 3, *weights))


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """vit_embed on (64, 1, 64, 64) with patch 2 (1024 patches each) within 40x, and right.

    Tiny patches make the per-patch cost of a Python loop stand out: a loop over the 65536
    patches costs ~100x the reference or more; strided windows or an einsum projection
    (correct styles) ~2x, plus a few ms of scheduling noise under load.
    """
    images = _images(12, n=64, c=1, h=64, w=64)
    weights = _embedding_weights(13, patch=2, c=1, d=4, grid=1024)
    got, want = assert_fast_enough(submission.vit_embed, reference.vit_embed, images, 2,
                                   *weights, max_ratio=40, repeat=5)
    assert_close(got, want, name="embedding (timed call)", rtol=1e-10, atol=1e-12)
