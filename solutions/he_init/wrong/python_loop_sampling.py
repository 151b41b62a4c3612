"""He normal fills the weights one element at a time in a Python loop (correct but far too slow).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` for a weight of the given shape (PyTorch layout).

    The receptive field is the product of the kernel dimensions ``shape[2:]`` (1 for a
    linear layer). Each input unit of a convolution feeds ``out_channels * receptive``
    products and each output unit sums ``in_channels * receptive`` of them, so::

        fan_in  = shape[1] * prod(shape[2:])
        fan_out = shape[0] * prod(shape[2:])

    Examples: ``(7, 3)`` -> ``(3, 7)``; ``(16, 3, 5, 7)`` -> ``(105, 560)``.

    Args:
        shape: the weight's shape, at least two dimensions.

    Returns:
        ``(fan_in, fan_out)`` as Python ints.

    Raises:
        ValueError: if ``shape`` has fewer than two dimensions (a bias has no fan_out).
    """
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"fans need a shape with at least 2 dimensions, got {shape}")
    receptive = math.prod(shape[2:])  # 1 for a linear layer, kh * kw for a 2-D conv
    fan_in = int(shape[1]) * receptive  # inputs summed by one output unit
    fan_out = int(shape[0]) * receptive  # outputs one input unit feeds
    return fan_in, fan_out


def he_normal(shape: Sequence[int], mode: str = "fan_in", seed: int | None = None) -> np.ndarray:
    """He (Kaiming) normal initialisation for layers followed by a ReLU.

    Draws every entry from N(0, std²) with::

        std = sqrt(2 / fan)        (so the variance is 2 / fan)

    where ``fan`` is ``fan_in`` (``mode="fan_in"``, keeps the forward activations' variance
    steady) or ``fan_out`` (``mode="fan_out"``, keeps the backward gradients' variance steady),
    both from ``compute_fans(shape)``.

    Args:
        shape: weight shape in PyTorch layout, at least two dimensions.
        mode: ``"fan_in"`` or ``"fan_out"``.
        seed: seed for the random generator; the same seed gives the same array,
            ``None`` gives fresh randomness.

    Returns:
        float64 array of exactly ``shape``.

    Raises:
        ValueError: if ``mode`` is not ``"fan_in"`` or ``"fan_out"``, or the shape has
            fewer than two dimensions.
    """
    fan_in, fan_out = compute_fans(shape)
    if mode == "fan_in":
        fan = fan_in
    elif mode == "fan_out":
        fan = fan_out
    else:
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    std = math.sqrt(2.0 / fan)  # the standard deviation, not the variance 2 / fan
    rng = np.random.default_rng(seed)
    w = np.empty(tuple(shape))
    for index in np.ndindex(w.shape):  # one draw per weight
        w[index] = rng.normal(0.0, std)
    return w


def he_uniform(shape: Sequence[int], mode: str = "fan_in", seed: int | None = None) -> np.ndarray:
    """He (Kaiming) uniform initialisation for layers followed by a ReLU.

    Draws every entry from U(-b, b) with::

        b = sqrt(6 / fan)

    U(-b, b) has variance b² / 3 = 2 / fan, the same variance as ``he_normal``.
    ``fan`` is chosen by ``mode`` exactly as in ``he_normal``.

    Args:
        shape: weight shape in PyTorch layout, at least two dimensions.
        mode: ``"fan_in"`` or ``"fan_out"``.
        seed: seed for the random generator; ``None`` gives fresh randomness.

    Returns:
        float64 array of exactly ``shape``.

    Raises:
        ValueError: if ``mode`` is not ``"fan_in"`` or ``"fan_out"``, or the shape has
            fewer than two dimensions.
    """
    fan_in, fan_out = compute_fans(shape)
    if mode == "fan_in":
        fan = fan_in
    elif mode == "fan_out":
        fan = fan_out
    else:
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    bound = math.sqrt(6.0 / fan)  # variance bound^2 / 3 = 2 / fan
    rng = np.random.default_rng(seed)
    return rng.uniform(-bound, bound, size=tuple(shape))


def xavier_normal(shape: Sequence[int], seed: int | None = None) -> np.ndarray:
    """Xavier (Glorot) normal initialisation, suited to tanh and sigmoid layers.

    Draws every entry from N(0, std²) with::

        std = sqrt(2 / (fan_in + fan_out))   (variance 2 / (fan_in + fan_out))

    a compromise between keeping the forward variance (1 / fan_in) and the backward
    variance (1 / fan_out) steady.

    Args:
        shape: weight shape in PyTorch layout, at least two dimensions.
        seed: seed for the random generator; ``None`` gives fresh randomness.

    Returns:
        float64 array of exactly ``shape``.

    Raises:
        ValueError: if the shape has fewer than two dimensions.
    """
    fan_in, fan_out = compute_fans(shape)
    std = math.sqrt(2.0 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, std, size=tuple(shape))


def xavier_uniform(shape: Sequence[int], seed: int | None = None) -> np.ndarray:
    """Xavier (Glorot) uniform initialisation, suited to tanh and sigmoid layers.

    Draws every entry from U(-b, b) with::

        b = sqrt(6 / (fan_in + fan_out))

    so the variance b² / 3 equals ``xavier_normal``'s, 2 / (fan_in + fan_out).

    Args:
        shape: weight shape in PyTorch layout, at least two dimensions.
        seed: seed for the random generator; ``None`` gives fresh randomness.

    Returns:
        float64 array of exactly ``shape``.

    Raises:
        ValueError: if the shape has fewer than two dimensions.
    """
    fan_in, fan_out = compute_fans(shape)
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    return rng.uniform(-bound, bound, size=tuple(shape))
