"""One step of an LSTM cell, forward and backward, in numpy, with torch.nn.LSTMCell's layout.

An LSTM carries two states: the cell state c (the long-term memory, updated by addition)
and the hidden state h (what the cell shows the rest of the network). Four parts of width H
are computed from the input and the previous hidden state, in torch's order i, f, g, o:

    a = x @ Wx + h @ Wh + b                       (N, 4H) = [a_i | a_f | a_g | a_o]
    i = sigmoid(a_i)        input gate            how much of the candidate to write
    f = sigmoid(a_f)        forget gate           how much of the old cell state to keep
    g = tanh(a_g)           candidate             what to write
    o = sigmoid(a_o)        output gate           how much of the memory to show
    c_next = f * c + i * g
    h_next = o * tanh(c_next)

(torch stores the transposes: weight_ih = Wx.T, weight_hh = Wh.T; its two biases add up to b.)
"""
from __future__ import annotations

from typing import Any

import numpy as np


def _sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function, written with tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def lstm_step(x: np.ndarray, h: np.ndarray, c: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
              b: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """One LSTM step for a batch, equal to torch.nn.LSTMCell with the same weights.

    Args:
        x: inputs, shape (N, D).
        h: previous hidden state, shape (N, H).
        c: previous cell state, shape (N, H).
        Wx: input weights, shape (D, 4H): columns [0, H) for i, [H, 2H) for f, [2H, 3H) for g,
            [3H, 4H) for o.
        Wh: hidden weights, shape (H, 4H), the same column order.
        b: bias, shape (4H,), the same order.

    Returns:
        h_next: o * tanh(c_next), shape (N, H).
        c_next: f * c + i * g, shape (N, H).
        cache: anything lstm_step_backward needs; handed back to it unchanged.

    Arrays are float64.
    """
    # TODO: one pre-activation for all four parts: x @ Wx + h @ Wh + b, shape (N, 4H).
    # TODO: slice it in torch's order i, f, g, o; sigmoid for i, f, o and tanh for g.
    # TODO: c_next = f * c + i * g and h_next = o * tanh(c_next). Cache what backward needs.
    raise NotImplementedError


def lstm_step_backward(dh_next: np.ndarray, dc_next: np.ndarray,
                       cache: Any) -> tuple[np.ndarray, ...]:
    """Gradients of the loss through one LSTM step.

    Args:
        dh_next: dL/dh_next, shape (N, H).
        dc_next: dL/dc_next, shape (N, H): the gradient reaching c_next directly (from the
            next step's cell state). c_next ALSO gets gradient through h_next = o * tanh(c_next).
        cache: exactly what lstm_step returned as its cache.

    Returns:
        dx: dL/dx, shape (N, D).
        dh: dL/dh (the previous hidden state), shape (N, H).
        dc: dL/dc (the previous cell state), shape (N, H).
        dWx: dL/dWx, shape (D, 4H).
        dWh: dL/dWh, shape (H, 4H).
        db: dL/db, shape (4H,), summed over the batch.
    """
    # TODO: the total gradient at c_next is dc_next plus the path through h_next:
    # TODO: dh_next * o * (1 - tanh(c_next)**2).
    # TODO: from it, the gradients of f, i, g and of the old c; do comes from dh_next alone.
    # TODO: through the nonlinearities: s * (1 - s) for the sigmoid gates, 1 - g**2 for g.
    # TODO: stack the four in the order i, f, g, o into da (N, 4H), then the matrix products.
    raise NotImplementedError
