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

# TODO: write each activation and its derivative here (helpers of your own are fine), then
# TODO: make forward and backward pick the right one by name.


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
    # TODO: convert x to float64, then compute the activation called `name` with **kw.
    # TODO: raise ValueError for a name you do not know.
    raise NotImplementedError


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
    # TODO: compute the local derivative f'(x) of the activation called `name` (with **kw),
    # TODO: element by element, and multiply it by dout (the chain rule).
    raise NotImplementedError
