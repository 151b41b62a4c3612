"""He and Xavier init with an explicit Generator(PCG64) and scaled standard draws.

Another correct style: fans from a loop, a table of fan choices, the normal law as
std * standard_normal and the uniform law as bound * (2 * U[0, 1) - 1).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """Return (fan_in, fan_out) for a weight in PyTorch layout."""
    dims = [int(d) for d in shape]
    if len(dims) < 2:
        raise ValueError(f"need at least 2 dimensions, got {tuple(dims)}")
    receptive = 1
    for k in dims[2:]:  # kernel dimensions
        receptive *= k
    return dims[1] * receptive, dims[0] * receptive


def _fan(shape: Sequence[int], mode: str) -> int:
    fans = dict(zip(("fan_in", "fan_out"), compute_fans(shape)))
    if mode not in fans:
        raise ValueError(f"unknown mode {mode!r}")
    return fans[mode]


def _normal(shape: Sequence[int], std: float, seed: int | None) -> np.ndarray:
    gen = np.random.Generator(np.random.PCG64(seed))
    return std * gen.standard_normal(tuple(shape))  # N(0, std^2)


def _uniform(shape: Sequence[int], bound: float, seed: int | None) -> np.ndarray:
    gen = np.random.Generator(np.random.PCG64(seed))
    return bound * (2.0 * gen.random(tuple(shape)) - 1.0)  # U(-bound, bound)


def he_normal(shape: Sequence[int], mode: str = "fan_in", seed: int | None = None) -> np.ndarray:
    """N(0, 2 / fan)."""
    return _normal(shape, np.sqrt(2.0 / _fan(shape, mode)), seed)


def he_uniform(shape: Sequence[int], mode: str = "fan_in", seed: int | None = None) -> np.ndarray:
    """U(-sqrt(6 / fan), sqrt(6 / fan))."""
    return _uniform(shape, np.sqrt(6.0 / _fan(shape, mode)), seed)


def xavier_normal(shape: Sequence[int], seed: int | None = None) -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    return _normal(shape, np.sqrt(2.0 / sum(compute_fans(shape))), seed)


def xavier_uniform(shape: Sequence[int], seed: int | None = None) -> np.ndarray:
    """U(-sqrt(6 / (fan_in + fan_out)), +...)."""
    return _uniform(shape, np.sqrt(6.0 / sum(compute_fans(shape))), seed)
