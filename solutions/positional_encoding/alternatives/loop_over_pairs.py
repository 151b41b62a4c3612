"""Sinusoidal positional encoding with a loop over the (sin, cos) column pairs."""
from __future__ import annotations

import math

import numpy as np


def sinusoidal_positional_encoding(max_len: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """PE[p, 2i] = sin(p / base^(2i/d)), PE[p, 2i+1] = cos(same angle)."""
    p = np.arange(max_len, dtype=np.float64)  # (max_len,)
    pe = np.zeros((max_len, d_model))
    for col in range(0, d_model, 2):  # col = 2i, the even column of pair i
        angle = p / math.pow(base, col / d_model)  # (max_len,)
        pe[:, col] = np.sin(angle)
        if col + 1 < d_model:  # an odd d_model has no cos partner for the last column
            pe[:, col + 1] = np.cos(angle)
    return pe
