"""A vanilla (Elman) recurrent network over a whole sequence, and backpropagation through time.

One hidden state h of H numbers is carried from step to step. At every step t the same
weights read the input x_t and the previous state:

    a_t = x_t @ Wx + h_{t-1} @ Wh + b          (N, H)   the pre-activation
    h_t = tanh(a_t)                            (N, H)

starting from the given h_0 and returning every h_1 ... h_T. Because the weights are shared
across time, their gradients are SUMS over the time steps, and the gradient reaching h_t comes
from two places: the loss at step t (dh_all[:, t]) and step t+1, through Wh.

Arrays are float64. x is batch first: (N, T, D).
"""
from __future__ import annotations

from typing import Any

import numpy as np


def rnn_forward(x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
                b: np.ndarray) -> tuple[np.ndarray, Any]:
    """Run a tanh RNN over a whole sequence.

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b) for t = 1 ... T, starting from h0.
    (This is torch.nn.RNN with batch_first=True, weight_ih = Wx.T, weight_hh = Wh.T.)

    Args:
        x: inputs, shape (N, T, D): N sequences of T steps of D features.
        h0: the initial hidden state, shape (N, H).
        Wx: input-to-hidden weights, shape (D, H).
        Wh: hidden-to-hidden weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        h_all: the hidden states after every step, shape (N, T, H): h_all[:, t] is the state
            after reading x[:, t] (h0 itself is not included).
        cache: anything rnn_backward needs; handed back to it unchanged.
    """
    # TODO: loop over the T time steps (the steps depend on each other), each step handling
    # TODO: the whole batch at once; keep every hidden state for the output and the backward.
    raise NotImplementedError


def rnn_backward(dh_all: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                          np.ndarray, np.ndarray]:
    """Backpropagation through time: the gradients of the loss for every input of rnn_forward.

    Args:
        dh_all: upstream gradient dL/dh_all, shape (N, T, H): the loss's direct gradient
            with respect to each returned hidden state.
        cache: exactly what rnn_forward returned as its cache.

    Returns:
        dx: dL/dx, shape (N, T, D).
        dh0: dL/dh0, shape (N, H).
        dWx: dL/dWx, shape (D, H), summed over the batch and every time step.
        dWh: dL/dWh, shape (H, H), summed over the batch and every time step.
        db: dL/db, shape (H,), summed over the batch and every time step.

    The total gradient reaching h_t is dh_all[:, t] PLUS what flows back from step t+1.
    """
    # TODO: walk the steps backwards, from T-1 down to 0, carrying the gradient that flows
    # TODO: into h_{t-1} through Wh. At each step: add the carried gradient to dh_all[:, t],
    # TODO: go through tanh (its derivative is 1 - h_t**2, from the OUTPUT h_t), then
    # TODO: accumulate dWx, dWh (which multiplies h_{t-1}) and db; what is carried past
    # TODO: step 0 is dh0.
    raise NotImplementedError
