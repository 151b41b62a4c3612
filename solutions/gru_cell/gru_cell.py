"""One step of a gated recurrent unit (GRU), exactly as torch.nn.GRUCell computes it, in numpy.

A GRU keeps one hidden state h and two gates, all of width H:

    r = sigmoid(x @ Wx_r + bx_r + h @ Wh_r + bh_r)          reset gate
    z = sigmoid(x @ Wx_z + bx_z + h @ Wh_z + bh_z)          update gate
    n = tanh(x @ Wx_n + bx_n + r * (h @ Wh_n + bh_n))       candidate state
    h_next = (1 - z) * n + z * h

The reset gate multiplies the hidden part of the candidate AFTER its projection and bias
(torch's form), and z is the share of the OLD state that is kept.

The weights of the three parts sit side by side in the order r, z, n:
Wx = [Wx_r | Wx_z | Wx_n] of shape (D, 3H), and likewise Wh (H, 3H), bx (3H,), bh (3H,).
(torch stores the transposes: weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = bx, bias_hh = bh.)
"""
from __future__ import annotations

import numpy as np


def gru_step(x: np.ndarray, h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
             bh: np.ndarray) -> np.ndarray:
    """One GRU step for a batch, equal to torch.nn.GRUCell with the same weights.

    Args:
        x: inputs, shape (N, D).
        h: previous hidden state, shape (N, H).
        Wx: input weights, shape (D, 3H): columns [0, H) for r, [H, 2H) for z, [2H, 3H) for n.
        Wh: hidden weights, shape (H, 3H), the same column order.
        bx: input bias, shape (3H,), the same order.
        bh: hidden bias, shape (3H,), the same order. bh's n part stays INSIDE the reset
            gate's product: n = tanh(x @ Wx_n + bx_n + r * (h @ Wh_n + bh_n)).

    Returns:
        h_next, shape (N, H): (1 - z) * n + z * h.

    dtype: float32 inputs give a float32 result; anything else is computed in float64.
    """
    # BEGIN SOLUTION
    # TODO: project x and h once each onto all three parts: (N, 3H) each, biases included.
    # TODO: slice the r, z and n columns; r and z add both parts and go through a sigmoid;
    # TODO: n adds the x part to r times the h part and goes through tanh.
    # TODO: mix: (1 - z) * n + z * h.
    H = np.shape(h)[-1]
    gx = x @ Wx + bx                                   # (N, 3H) the input's share of each part
    gh = h @ Wh + bh                                   # (N, 3H) the hidden state's share

    def sigmoid(a):
        return 0.5 * (1.0 + np.tanh(0.5 * a))          # = 1 / (1 + exp(-a)), never overflows

    r = sigmoid(gx[:, :H] + gh[:, :H])                 # (N, H) reset gate
    z = sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])       # (N, H) update gate
    n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])     # (N, H) candidate: r gates h @ Wh_n + bh_n
    return (1.0 - z) * n + z * h                       # (N, H) z keeps the old state
    # END SOLUTION
