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
    # BEGIN SOLUTION
    # TODO: loop over the T time steps (the steps depend on each other), each step handling
    # TODO: the whole batch at once; keep every hidden state for the output and the backward.
    x = np.asarray(x, dtype=np.float64)                # (N, T, D)
    h0 = np.asarray(h0, dtype=np.float64)              # (N, H)
    N, T, _ = x.shape
    H = Wh.shape[0]
    h_all = np.empty((N, T, H))                        # (N, T, H)
    h_prev = h0                                        # (N, H)
    for t in range(T):
        h_prev = np.tanh(x[:, t] @ Wx + h_prev @ Wh + b)   # (N, D)@(D, H) + (N, H)@(H, H)
        h_all[:, t] = h_prev
    cache = (x, h0, h_all, np.asarray(Wx, dtype=np.float64), np.asarray(Wh, dtype=np.float64))
    return h_all, cache
    # END SOLUTION


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
    # BEGIN SOLUTION
    # TODO: walk the steps backwards, from T-1 down to 0, carrying the gradient that flows
    # TODO: into h_{t-1} through Wh. At each step: add the carried gradient to dh_all[:, t],
    # TODO: go through tanh (its derivative is 1 - h_t**2, from the OUTPUT h_t), then
    # TODO: accumulate dWx, dWh (which multiplies h_{t-1}) and db; what is carried past
    # TODO: step 0 is dh0.
    x, h0, h_all, Wx, Wh = cache                       # (N,T,D) (N,H) (N,T,H) (D,H) (H,H)
    dh_all = np.asarray(dh_all, dtype=np.float64)      # (N, T, H)
    T = x.shape[1]
    dx = np.empty_like(x)                              # (N, T, D)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)    # (D, H), (H, H)
    db = np.zeros(Wh.shape[0])                         # (H,)
    dh_next = np.zeros_like(h0)                        # (N, H) flowing back from step t+1
    for t in reversed(range(T)):
        h_t = h_all[:, t]                              # (N, H)
        h_prev = h_all[:, t - 1] if t > 0 else h0      # (N, H) the state this step read
        dh = dh_all[:, t] + dh_next                    # (N, H) both paths into h_t
        dz = dh * (1.0 - h_t ** 2)                     # (N, H) through tanh: 1 - tanh(a)^2
        dx[:, t] = dz @ Wx.T                           # (N, H)@(H, D)
        dWx += x[:, t].T @ dz                          # (D, N)@(N, H)
        dWh += h_prev.T @ dz                           # (H, N)@(N, H)
        db += dz.sum(axis=0)                           # (H,)
        dh_next = dz @ Wh.T                            # (N, H) into h_{t-1}
    dh0 = dh_next                                      # what flows past the first step
    return dx, dh0, dWx, dWh, db
    # END SOLUTION
