"""One LSTM step, another style: the gates kept in a dict cache, the four gate gradients
written with np.split / np.hstack, and the backward reading c_next from the cache."""
from __future__ import annotations

import numpy as np


def _sigmoid(a):
    e = np.exp(-np.abs(a))                             # never overflows
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def lstm_step(x, h, c, Wx, Wh, b):
    """(h_next, c_next, cache) with torch's gate order i, f, g, o."""
    a_i, a_f, a_g, a_o = np.split(x @ Wx + h @ Wh + b, 4, axis=1)
    gates = {"i": _sigmoid(a_i), "f": _sigmoid(a_f), "g": np.tanh(a_g), "o": _sigmoid(a_o)}
    c_next = gates["f"] * c + gates["i"] * gates["g"]
    h_next = gates["o"] * np.tanh(c_next)
    return h_next, c_next, {"x": x, "h": h, "c": c, "c_next": c_next, "Wx": Wx, "Wh": Wh, **gates}


def lstm_step_backward(dh_next, dc_next, cache):
    """(dx, dh, dc, dWx, dWh, db)."""
    i, f, g, o = (cache[k] for k in "ifgo")
    t = np.tanh(cache["c_next"])
    dcn = dc_next + dh_next * o * (1 - t * t)
    da = np.hstack([dcn * g * i * (1 - i), dcn * cache["c"] * f * (1 - f),
                    dcn * i * (1 - g * g), dh_next * t * o * (1 - o)])
    return (da @ cache["Wx"].T, da @ cache["Wh"].T, dcn * f, cache["x"].T @ da,
            cache["h"].T @ da, da.sum(axis=0))
