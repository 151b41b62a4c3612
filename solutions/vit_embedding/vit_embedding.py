"""The input of a vision transformer: cut images into patches, embed them, add a CLS token and
position embeddings. In numpy.

An image (C, H, W) is cut into a grid of non-overlapping patch x patch squares, gh = H / patch
rows by gw = W / patch columns. Each square becomes one token:

    patches[n, k] = images[n, :, r*patch:(r+1)*patch, q*patch:(q+1)*patch].reshape(-1)
                    with k = r * gw + q            (row-major: left to right, then down)
                    flattened in the order (C, ph, pw), as a Conv2d weight (D, C, p, p) is

which is exactly what a Conv2d(C, D, kernel_size=patch, stride=patch) sees at each position.
Then:

    tokens = patches @ W + b                       (N, P, D)   P = gh * gw
    x      = [cls, tokens[0], ..., tokens[P-1]]    (N, 1 + P, D)   the CLS token FIRST
    out    = x + pos                               pos (1 + P, D), added to every slot
"""
from __future__ import annotations

import numpy as np


def patchify(images: np.ndarray, patch: int) -> np.ndarray:
    """Cut every image into non-overlapping patch x patch squares and flatten each one.

    Args:
        images: shape (N, C, H, W), channels first.
        patch: the side of a square patch. H and W must both be multiples of it.

    Returns:
        shape (N, P, C * patch * patch) with P = (H // patch) * (W // patch). Patch k is the
        square in grid row k // gw and grid column k % gw (gw = W // patch): row-major order.
        Each patch is flattened in the order (C, ph, pw): channel first, then the row inside
        the patch, then the column, the order of a Conv2d kernel of shape (C, patch, patch).

    Raises:
        ValueError: when H or W is not a multiple of patch (never crop silently).
    """
    # BEGIN SOLUTION
    # TODO: refuse sizes that are not multiples of patch (ValueError).
    # TODO: split H into (gh, patch) and W into (gw, patch) with one reshape, move the axes
    # TODO: to (N, gh, gw, C, ph, pw) with one transpose, then merge them with a reshape.
    N, C, H, W = np.shape(images)
    if H % patch or W % patch:
        raise ValueError(f"the image size {H}x{W} is not a multiple of the patch size {patch}")
    gh, gw = H // patch, W // patch
    x = np.reshape(images, (N, C, gh, patch, gw, patch))   # (N, C, gh, ph, gw, pw)
    x = x.transpose(0, 2, 4, 1, 3, 5)                      # (N, gh, gw, C, ph, pw)
    return x.reshape(N, gh * gw, C * patch * patch)        # (N, P, C*ph*pw), row-major patches
    # END SOLUTION


def vit_embed(images: np.ndarray, patch: int, W: np.ndarray, b: np.ndarray, cls: np.ndarray,
              pos: np.ndarray) -> np.ndarray:
    """The token sequence a vision transformer starts from.

    Args:
        images: shape (N, C, H, W).
        patch: the patch side (H and W multiples of it).
        W: the patch projection, shape (patch * patch * C, D), rows in patchify's (C, ph, pw)
            order.
        b: the projection's bias, shape (D,).
        cls: the learned CLS token, shape (D,).
        pos: the learned position embeddings, shape (1 + P, D): row 0 belongs to the CLS
            slot, row 1 + k to patch k.

    Returns:
        shape (N, 1 + P, D): the CLS token first, then the P projected patches in patchify's
        order, with pos added to every one of the 1 + P slots.
    """
    # BEGIN SOLUTION
    # TODO: project every patch (patchify, then @ W + b); put one copy of cls in FRONT of
    # TODO: each image's tokens; add pos to all 1 + P slots.
    tokens = patchify(images, patch) @ W + b               # (N, P, D)
    N, _, D = tokens.shape
    cls_slot = np.broadcast_to(cls, (N, 1, D))             # (N, 1, D) one copy per image
    x = np.concatenate([cls_slot, tokens], axis=1)         # (N, 1 + P, D) CLS first
    return x + pos                                         # pos (1 + P, D) broadcasts over N
    # END SOLUTION
