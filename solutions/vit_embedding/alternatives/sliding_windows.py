"""ViT embedding, another style: the patches as strided sliding windows (a view, no reshape of
the spatial axes), and the CLS slot written into a preallocated output."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def patchify(images, patch):
    """(N, C, H, W) -> (N, P, C*patch*patch), row-major patches, (C, ph, pw) inside each."""
    images = np.asarray(images)
    n, c, h, w = images.shape
    if h % patch != 0 or w % patch != 0:
        raise ValueError(f"{h}x{w} images cannot be cut into {patch}x{patch} patches")
    # Every patch-sized window, then every patch-th one: (N, C, gh, gw, p, p).
    windows = sliding_window_view(images, (patch, patch), axis=(2, 3))[:, :, ::patch, ::patch]
    gh, gw = windows.shape[2:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, gh * gw, c * patch * patch)


def vit_embed(images, patch, W, b, cls, pos):
    """[cls, patch tokens] + pos, shape (N, 1 + P, D)."""
    tokens = np.einsum("npk,kd->npd", patchify(images, patch), W) + b
    n, p, d = tokens.shape
    out = np.empty((n, 1 + p, d), dtype=tokens.dtype)
    out[:, 0] = cls
    out[:, 1:] = tokens
    out += pos
    return out
