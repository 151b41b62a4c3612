"""Sinusoidal positional encoding via exp(-2i log(base) / d), an einsum outer product and a stack.

sin and cos are stacked on a new last axis, (L, P, 2), then flattened to (L, 2P), which
interleaves them; an odd d_model drops the final cos column.
"""
from __future__ import annotations

import numpy as np


def sinusoidal_positional_encoding(max_len: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """PE[p, 2i] = sin(p / base^(2i/d)), PE[p, 2i+1] = cos(same angle)."""
    n_pairs = (d_model + 1) // 2
    div = np.exp(-np.log(base) * (2.0 * np.arange(n_pairs)) / d_model)  # (P,)
    angles = np.einsum("l,p->lp", np.arange(max_len, dtype=np.float64), div)  # (L, P)
    pairs = np.stack([np.sin(angles), np.cos(angles)], axis=-1)  # (L, P, 2)
    return pairs.reshape(max_len, 2 * n_pairs)[:, :d_model]  # (L, d_model)
