"""One GRU step, another style: split the weights into one matrix per gate first, and use
the textbook sigmoid 1 / (1 + exp(-a)) written to avoid overflow."""
from __future__ import annotations

import numpy as np


def _sigmoid(a):
    # exp of a negative number only: e = exp(-|a|) is in (0, 1].
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def gru_step(x, h, Wx, Wh, bx, bh):
    """h_next = (1 - z) * n + z * h, torch.nn.GRUCell's equations."""
    Wx_r, Wx_z, Wx_n = np.split(Wx, 3, axis=1)         # each (D, H)
    Wh_r, Wh_z, Wh_n = np.split(Wh, 3, axis=1)         # each (H, H)
    bx_r, bx_z, bx_n = np.split(bx, 3)
    bh_r, bh_z, bh_n = np.split(bh, 3)
    r = _sigmoid(x @ Wx_r + bx_r + h @ Wh_r + bh_r)
    z = _sigmoid(x @ Wx_z + bx_z + h @ Wh_z + bh_z)
    n = np.tanh(x @ Wx_n + bx_n + r * (h @ Wh_n + bh_n))
    return n + z * (h - n)                             # the same mix, written as a step from n
