"""The exponent uses the pair index i instead of 2i: base^(i / d_model).
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
    positions = np.arange(max_len, dtype=np.float64)[:, None]  # (max_len, 1), p = 0, 1, ...
    two_i = np.arange(0, d_model, 2, dtype=np.float64)  # (ceil(d_model/2),), the even columns
    i = two_i / 2  # the pair index
    inv_freq = base ** (-i / d_model)
    angles = positions * inv_freq  # (max_len, ceil(d_model/2)), broadcast outer product

    pe = np.empty((max_len, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(angles)  # ceil(d_model/2) sin columns
    # floor(d_model/2) cos columns: with an odd d_model the last sin column has no partner.
    pe[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return pe
