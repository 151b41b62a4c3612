"""Activation functions and their derivatives, in numpy.

Six activations, each applied element by element:

    sigmoid(x)    = 1 / (1 + exp(-x))
    tanh(x)       = (exp(x) - exp(-x)) / (exp(x) + exp(-x))
    relu(x)       = max(x, 0)
    leaky_relu(x) = x if x > 0 else slope * x                   slope defaults to 0.01
    elu(x)        = x if x > 0 else alpha * (exp(x) - 1)        alpha defaults to 1.0
    gelu(x)       = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))          approximate='none'
                  ~ 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))  approximate='tanh'

`forward` computes one of them; `backward` takes the same input x and the upstream gradient
dout = dL/dy and returns dL/dx = dout * f'(x). At x = 0 exactly, relu, leaky_relu and elu use
their x <= 0 branch for the derivative (0, slope and alpha), as torch does.

Everything is computed in float64.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

# BEGIN SOLUTION
# TODO: write each activation and its derivative here (helpers of your own are fine), then
# TODO: make forward and backward pick the right one by name.
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)         # the tanh approximation's scale
_GELU_CUBIC = 0.044715                             # ... and its cubic coefficient
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)     # the standard normal density at 0
# numpy has no erf: math.erf is exact, applied element by element.
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp is only ever taken of -|x| <= 0, so it never overflows: for x >= 0 use
    # 1 / (1 + e^-x), for x < 0 the same value written as e^x / (1 + e^x).
    z = np.exp(-np.abs(x))                         # (...) in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _sigmoid_grad(x: np.ndarray) -> np.ndarray:
    s = _sigmoid(x)
    return s * (1.0 - s)                           # in terms of sigmoid(x), not of x


def _tanh_grad(x: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(x) ** 2


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _relu_grad(x: np.ndarray) -> np.ndarray:
    return (x > 0).astype(np.float64)              # strictly positive: relu'(0) = 0


def _leaky_relu(x: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, slope * x)


def _leaky_relu_grad(x: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, 1.0, slope)


def _elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    # np.minimum keeps exp away from large positive x, where its value is not used anyway.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_grad(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def _gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "none":
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x)))
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def _gelu_grad(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "none":
        # d/dx [x * Phi(x)] = Phi(x) + x * phi(x): the second term is easy to forget.
        cdf = 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x ** 2)
        return cdf + x * pdf
    if approximate == "tanh":
        # Differentiate the approximation itself, not the exact GELU.
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
        du_dx = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * x ** 2)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * du_dx
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


# name -> (f, f'); the keyword arguments of forward/backward go to both unchanged.
_ACTIVATIONS = {
    "sigmoid": (_sigmoid, _sigmoid_grad),
    "tanh": (np.tanh, _tanh_grad),
    "relu": (_relu, _relu_grad),
    "leaky_relu": (_leaky_relu, _leaky_relu_grad),
    "elu": (_elu, _elu_grad),
    "gelu": (_gelu, _gelu_grad),
}


def _lookup(name: str) -> tuple[Any, Any]:
    if name not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]
# END SOLUTION


def forward(name: str, x: np.ndarray, **kw: Any) -> np.ndarray:
    """Apply the activation called `name` to every element of x.

    Args:
        name: 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu' or 'gelu'.
        x: input array of any shape.
        **kw: the activation's own parameter, when it has one:
            leaky_relu: slope=0.01 (the slope for x <= 0);
            elu: alpha=1.0 (out = alpha * (exp(x) - 1) for x <= 0);
            gelu: approximate='none' (exact, with erf) or 'tanh' (the tanh approximation).

    Returns:
        y, a float64 array with the shape of x. sigmoid must stay finite for any finite x
        (x = -1000 and x = +1000 included).

    Raises:
        ValueError: for an unknown name, or a gelu approximate other than 'none' or 'tanh'.
    """
    # BEGIN SOLUTION
    # TODO: convert x to float64, then compute the activation called `name` with **kw.
    # TODO: raise ValueError for a name you do not know.
    f, _ = _lookup(name)
    x = np.asarray(x, dtype=np.float64)            # (...)
    return f(x, **kw)                              # (...)
    # END SOLUTION


def backward(name: str, x: np.ndarray, dout: np.ndarray, **kw: Any) -> np.ndarray:
    """Gradient of the loss with respect to x, through the activation called `name`.

    Args:
        name, **kw: as for forward.
        x: the input forward was given, any shape.
        dout: upstream gradient dL/dy, the shape of x.

    Returns:
        dx = dout * f'(x), a float64 array with the shape of x. At x = 0 exactly, relu,
        leaky_relu and elu take their x <= 0 branch: f'(0) is 0, slope and alpha.

    Raises:
        ValueError: as for forward.
    """
    # BEGIN SOLUTION
    # TODO: compute the local derivative f'(x) of the activation called `name` (with **kw),
    # TODO: element by element, and multiply it by dout (the chain rule).
    _, f_grad = _lookup(name)
    x = np.asarray(x, dtype=np.float64)            # (...)
    dout = np.asarray(dout, dtype=np.float64)      # (...)
    return dout * f_grad(x, **kw)                  # (...)
    # END SOLUTION
