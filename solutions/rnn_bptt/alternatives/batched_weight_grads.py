"""RNN and BPTT, another style: a dict cache with the pre-activations, and the weight
gradients computed once after the loop with einsum over (batch, time)."""
from __future__ import annotations

import numpy as np


def rnn_forward(x, h0, Wx, Wh, b):
    """h_t = tanh(x_t Wx + h_{t-1} Wh + b); returns (h_all (N, T, H), cache)."""
    x = np.asarray(x, dtype=np.float64)
    xw = np.einsum("ntd,dh->nth", x, Wx) + b           # (N, T, H): the input part, all steps at once
    states = [np.asarray(h0, dtype=np.float64)]        # h_0 ... h_T
    for t in range(x.shape[1]):
        states.append(np.tanh(xw[:, t] + states[-1] @ Wh))
    h_all = np.stack(states[1:], axis=1)               # (N, T, H)
    h_prev = np.stack(states[:-1], axis=1)             # (N, T, H): what each step read
    return h_all, {"x": x, "h_all": h_all, "h_prev": h_prev, "Wx": Wx, "Wh": Wh}


def rnn_backward(dh_all, cache):
    """Full backpropagation through time; (dx, dh0, dWx, dWh, db)."""
    h_all, Wh = cache["h_all"], cache["Wh"]
    dz = np.zeros_like(h_all)                          # (N, T, H): gradient at each pre-activation
    carried = np.zeros_like(h_all[:, 0])
    for t in range(h_all.shape[1] - 1, -1, -1):
        dz[:, t] = (dh_all[:, t] + carried) * (1.0 - h_all[:, t] ** 2)
        carried = dz[:, t] @ Wh.T
    dx = np.einsum("nth,dh->ntd", dz, cache["Wx"])
    dWx = np.einsum("ntd,nth->dh", cache["x"], dz)
    dWh = np.einsum("ntk,nth->kh", cache["h_prev"], dz)
    db = dz.sum(axis=(0, 1))
    return dx, carried, dWx, dWh, db
