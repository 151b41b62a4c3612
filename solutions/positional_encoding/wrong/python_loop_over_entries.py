"""Builds the table pair by pair in a double Python loop over positions and columns (far too slow).

The values are right; the loop makes max_len * d_model / 2 Python iterations of numpy scalar calls.
"""
from __future__ import annotations

import numpy as np


def sinusoidal_positional_encoding(max_len: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """Return the sinusoidal positional-encoding table, shape ``(max_len, d_model)``.

    Row ``p`` encodes position ``p`` (positions start at 0). Columns come in interleaved
    (sin, cos) pairs that share one frequency; pair ``i`` uses columns ``2i`` and ``2i+1``::

        PE[p, 2i]   = sin(p / base^(2i / d_model))
        PE[p, 2i+1] = cos(p / base^(2i / d_model))

    The exponent uses ``2i`` (the even column index) for both columns of a pair, so the
    wavelengths grow geometrically from 2π (columns 0 and 1) towards ``base * 2π``.
    Columns are interleaved (sin, cos, sin, cos, ...), not all sines then all cosines.
    An odd ``d_model`` works: the last column is then a sin column with no cos partner.

    Example: row 0 is ``[0, 1, 0, 1, ...]``; ``PE[p, 0] = sin(p)`` and ``PE[p, 1] = cos(p)``.

    Args:
        max_len: number of positions (rows).
        d_model: embedding width (columns); may be odd.
        base: the base of the geometric progression of wavelengths.

    Returns:
        float64 array of shape ``(max_len, d_model)``.
    """
    pe = np.zeros((max_len, d_model))
    for pos in range(max_len):
        for i in range(0, d_model, 2):  # i is the even column 2i
            angle = pos / np.power(base, i / d_model)
            pe[pos, i] = np.sin(angle)
            if i + 1 < d_model:
                pe[pos, i + 1] = np.cos(angle)
    return pe
