"""He and Xavier init from the legacy RandomState, normals by the Box-Muller transform.

A different but correct sampler: the values differ from the reference, the law does not.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """Return (fan_in, fan_out) for a weight in PyTorch layout."""
    if len(shape) < 2:
        raise ValueError("a weight needs at least 2 dimensions")
    receptive = int(np.prod(shape[2:], dtype=np.int64))  # prod of () is 1
    return int(shape[1]) * receptive, int(shape[0]) * receptive


def _box_muller(n: int, rs: np.random.RandomState) -> np.ndarray:
    """n independent N(0, 1) draws from pairs of uniforms."""
    m = (n + 1) // 2
    u1 = 1.0 - rs.random_sample(m)  # (0, 1], so log(u1) is finite
    u2 = rs.random_sample(m)
    r = np.sqrt(-2.0 * np.log(u1))
    z = np.concatenate([r * np.cos(2 * math.pi * u2), r * np.sin(2 * math.pi * u2)])
    return z[:n]


def _pick(shape: Sequence[int], mode: str) -> int:
    fan_in, fan_out = compute_fans(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")


def _normal(shape, std, seed):
    shape = tuple(shape)
    rs = np.random.RandomState(seed)
    return std * _box_muller(math.prod(shape), rs).reshape(shape)


def _uniform(shape, bound, seed):
    rs = np.random.RandomState(seed)
    return rs.uniform(-bound, bound, size=tuple(shape))


def he_normal(shape: Sequence[int], mode: str = "fan_in", seed: int | None = None) -> np.ndarray:
    """N(0, 2 / fan)."""
    return _normal(shape, math.sqrt(2 / _pick(shape, mode)), seed)


def he_uniform(shape: Sequence[int], mode: str = "fan_in", seed: int | None = None) -> np.ndarray:
    """U(-sqrt(6 / fan), sqrt(6 / fan))."""
    return _uniform(shape, math.sqrt(6 / _pick(shape, mode)), seed)


def xavier_normal(shape: Sequence[int], seed: int | None = None) -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = compute_fans(shape)
    return _normal(shape, math.sqrt(2 / (fan_in + fan_out)), seed)


def xavier_uniform(shape: Sequence[int], seed: int | None = None) -> np.ndarray:
    """U(-sqrt(6 / (fan_in + fan_out)), +...)."""
    fan_in, fan_out = compute_fans(shape)
    return _uniform(shape, math.sqrt(6 / (fan_in + fan_out)), seed)
