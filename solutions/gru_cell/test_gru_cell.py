"""Hidden suite for the gru_cell exercise.

Oracles: torch.nn.GRUCell and torch.nn.GRU in float64 (float32 for the dtype test) loaded with
the same weights: weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = bx, bias_hh = bh.

Inputs are chosen so the usual bugs show: (N, D, H) = (3, 5, 4), all distinct; weights
scaled so every gate is between ~0.2 and ~0.8 (neither saturated nor 0.5), biases of order 1
and DIFFERENT in bx and bh (so merging them or moving bh_n outside the reset gate changes
the answer), and a hidden state far from the candidate (so swapping z and 1 - z shows).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough

N, D, H = 3, 5, 4


# -- inputs, oracle and models of known mistakes --------------------------------------------

def _problem(seed: int, n: int = N, d: int = D, h: int = H, dtype=np.float64) -> dict:
    rng = np.random.default_rng(seed)
    p = {"x": rng.standard_normal((n, d)),
         "h": 1.5 * rng.standard_normal((n, h)),
         "Wx": rng.standard_normal((d, 3 * h)) / np.sqrt(d),
         "Wh": rng.standard_normal((h, 3 * h)) / np.sqrt(h),
         "bx": 0.5 * rng.standard_normal(3 * h),
         "bh": rng.standard_normal(3 * h)}
    return {k: v.astype(dtype) for k, v in p.items()}


def _args(p: dict) -> tuple:
    return p["x"], p["h"], p["Wx"], p["Wh"], p["bx"], p["bh"]


def _torch_cell(p: dict) -> torch.nn.GRUCell:
    dtype = torch.from_numpy(p["x"]).dtype
    d, h = p["Wx"].shape[0], p["Wh"].shape[0]
    cell = torch.nn.GRUCell(d, h, dtype=dtype)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["Wx"].T))
        cell.weight_hh.copy_(torch.from_numpy(p["Wh"].T))
        cell.bias_ih.copy_(torch.from_numpy(p["bx"]))
        cell.bias_hh.copy_(torch.from_numpy(p["bh"]))
    return cell


def _torch_step(p: dict) -> np.ndarray:
    with torch.no_grad():
        return _torch_cell(p)(torch.from_numpy(p["x"]), torch.from_numpy(p["h"])).numpy()


def _sigmoid(a):
    with np.errstate(over="ignore"):                   # exp(-a) = inf gives 0: right
        return 1.0 / (1.0 + np.exp(-a))


def _model(p: dict, mistake: str | None = None) -> np.ndarray:
    """One GRU step in numpy, correct or with one known mistake."""
    x, h, Wx, Wh, bx, bh = _args(p)
    H_ = h.shape[1]
    order = {"zrn": (1, 0, 2), "nrz": (2, 0, 1)}.get(mistake, (0, 1, 2))
    part = lambda a, k: a[..., order[k] * H_:(order[k] + 1) * H_]       # noqa: E731
    xr, xz, xn = (part(x @ Wx, k) for k in range(3))
    hr, hz, hn = (part(h @ Wh, k) for k in range(3))
    br, bz, bn = (part(bx, k) for k in range(3))
    cr, cz, cn = (part(bh, k) for k in range(3))
    if mistake == "bh_ignored":
        cr, cz, cn = 0 * cr, 0 * cz, 0 * cn
    gate = _sigmoid
    if mistake == "naive_sigmoid":
        def gate(a):
            with np.errstate(over="ignore", invalid="ignore"):
                return np.exp(a) / (1.0 + np.exp(a))
    r = gate(xr + br + hr + cr)
    z = gate(xz + bz + hz + cz)
    if mistake == "reset_before_projection":
        n = np.tanh(xn + bn + (r * h) @ part(Wh, 2) + cn)
    elif mistake == "biases_merged":
        n = np.tanh(xn + bn + cn + r * hn)
    elif mistake == "no_reset":
        n = np.tanh(xn + bn + hn + cn)
    elif mistake == "reset_on_input":
        n = np.tanh(r * (xn + bn) + hn + cn)
    elif mistake == "sigmoid_candidate":
        n = _sigmoid(xn + bn + r * (hn + cn))
    else:
        n = np.tanh(xn + bn + r * (hn + cn))
    if mistake == "z_swapped":
        return z * n + (1 - z) * h
    return (1 - z) * n + z * h


_BUGS = {
    "z_swapped": "z and 1 - z swapped: h_next = (1 - z) * n + z * h (z keeps the OLD state)",
    "reset_before_projection": "reset gate applied to h before the projection, (r * h) @ Wh_n; "
                               "torch multiplies r with (h @ Wh_n + bh_n)",
    "biases_merged": "bh_n added outside the reset gate (biases merged); it belongs inside: "
                     "r * (h @ Wh_n + bh_n)",
    "no_reset": "the reset gate is not used in the candidate n",
    "reset_on_input": "the reset gate multiplies the input part; it multiplies the hidden part",
    "sigmoid_candidate": "sigmoid used for the candidate n; it is tanh",
    "zrn": "gate order z, r, n; torch's order is r, z, n",
    "nrz": "gate order n, r, z; torch's order is r, z, n",
    "bh_ignored": "the hidden bias bh left out",
    "naive_sigmoid": "sigmoid written as exp(a) / (1 + exp(a)): inf / inf = NaN for a > 709; "
                     "use 0.5 * (1 + tanh(a / 2)) or 1 / (1 + exp(-a))",
}


def _bugs(p: dict) -> dict[str, np.ndarray]:
    return {text: _model(p, m) for m, text in _BUGS.items()}


def _check(got, p: dict, *, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    # float64, O(1) values through a few matmuls and tanh: 1e-10 relative is far above rounding.
    assert_close(got, _torch_step(p), name="h_next", rtol=rtol, atol=atol, bugs=_bugs(p))


# -- tests ----------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_matches_torch_gru_cell(submission, reference):
    """h_next on (N, D, H) = (3, 5, 4) equals torch.nn.GRUCell with the same weights."""
    p = _problem(0)
    _check(submission.gru_step(*_args(p)), p)


@pytest.mark.points(2)
def test_gate_order_is_r_z_n(submission, reference):
    """The columns of Wx, Wh, bx, bh are read in torch's order: reset, update, candidate."""
    p = _problem(1)
    # Very different biases per part, so reading the wrong block changes every gate.
    p["bx"][:H], p["bx"][H:2 * H], p["bx"][2 * H:] = -1.0, 1.0, 0.3
    _check(submission.gru_step(*_args(p)), p)


@pytest.mark.points(2)
def test_update_gate_keeps_the_old_state(submission, reference):
    """With z saturated at 1 (bx_z = +30), h_next equals h: z is the share of the old state."""
    p = _problem(2)
    p["bx"][H:2 * H] = 30.0
    got = submission.gru_step(*_args(p))
    # z = sigmoid(~30) is 1 - 1e-13, so h_next = h to ~1e-12.
    assert_close(got, p["h"], name="h_next (z = 1)", rtol=1e-9, atol=1e-9,
                 bugs={_BUGS["z_swapped"]: _model(p, "z_swapped")})


@pytest.mark.points(2)
def test_reset_gate_multiplies_the_projected_state(submission, reference):
    """r multiplies (h @ Wh_n + bh_n), after the projection, as in torch (not (r * h) @ Wh_n)."""
    p = _problem(3)
    p["bh"][2 * H:] = 0.0       # no bias: the two forms differ by where r goes, and only that
    p["Wh"][:, 2 * H:] *= 2.0   # a strong hidden contribution to n
    _check(submission.gru_step(*_args(p)), p)


@pytest.mark.points(2)
def test_hidden_bias_stays_inside_the_reset_gate(submission, reference):
    """bh_n = 2 is multiplied by r with h @ Wh_n; it is not an extra input bias."""
    p = _problem(4)
    p["bh"][2 * H:] = 2.0
    p["bx"][2 * H:] = -1.0
    _check(submission.gru_step(*_args(p)), p)


@pytest.mark.points(1)
def test_from_a_zero_state(submission, reference):
    """From h = 0: h_next = (1 - z) * n with n = tanh(x @ Wx_n + bx_n + r * bh_n)."""
    p = _problem(5)
    p["h"] = np.zeros_like(p["h"])
    _check(submission.gru_step(*_args(p)), p)


@pytest.mark.points(2)
def test_unrolled_over_a_sequence_matches_torch_gru(submission, reference):
    """Seven steps of gru_step feeding h back equal torch.nn.GRU over the sequence (N=2, D=6, H=3)."""
    p = _problem(6, n=2, d=6, h=3)
    xs = np.random.default_rng(60).standard_normal((2, 7, 6))          # (N, T, D)
    gru = torch.nn.GRU(6, 3, batch_first=True, dtype=torch.float64)
    cell = _torch_cell(p)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, f"{name}_l0").copy_(getattr(cell, name))
        want, _ = gru(torch.from_numpy(xs), torch.from_numpy(p["h"])[None])
    h, got = p["h"], []
    for t in range(7):
        h = submission.gru_step(xs[:, t], h, p["Wx"], p["Wh"], p["bx"], p["bh"])
        got.append(h)
    if not all(isinstance(g, np.ndarray) and g.shape == (2, 3) for g in got):
        raise AssertionError("gru_step should return an array of shape (N, H) = (2, 3)")
    # Seven chained steps in float64: 1e-9 relative.
    assert_close(np.stack(got, axis=1), want.numpy(), name="the states h_1 ... h_7, (N, T, H)",
                 rtol=1e-9, atol=1e-11)


@pytest.mark.points(1)
def test_float32_stays_float32(submission, reference):
    """float32 inputs give float32 h_next, equal to torch's float32 GRUCell."""
    p = _problem(7, dtype=np.float32)
    got = submission.gru_step(*_args(p))
    # float32 has ~7 digits; a handful of O(1) operations: 1e-5.
    assert_close(got, _torch_step(p), name="h_next (float32 input)", rtol=1e-5, atol=1e-6)


@pytest.mark.points(1)
def test_large_pre_activations(submission, reference):
    """Inputs 1000 times larger (pre-activations beyond +-709, where exp overflows) give torch's h_next."""
    p = _problem(8)
    p["x"] = 1000.0 * p["x"]
    _check(submission.gru_step(*_args(p)), p, rtol=1e-9, atol=1e-11)


@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """A step on a batch of 8192 with D = 8, H = 6 runs within 20x of the reference, and is right.

    Small D and H with a large batch: a loop over the batch rows costs ~300x here, while the
    reference takes about a millisecond (plus a few ms of scheduling noise under load).
    """
    p = _problem(9, n=8192, d=8, h=6)
    got, want = assert_fast_enough(submission.gru_step, reference.gru_step, *_args(p),
                                   max_ratio=20)
    assert_close(got, want, name="h_next (timed call)", rtol=1e-9, atol=1e-11)
