"""Hidden suite for the rnn_bptt exercise.

Oracles: torch.nn.RNN (tanh, batch_first, one layer) in float64 loaded with the same weights
(weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = b, bias_hh = 0), its autograd for the
gradients, and central finite differences of the reference forward on a tiny problem.

Inputs are chosen so the usual bugs show: N, T, D, H = 3, 5, 4, 6 (all distinct, so a
transposed weight fails with a shape error and Wx cannot stand in for Wh), a non-symmetric Wh
(so Wh and Wh.T differ), weights scaled so the pre-activations are of order 1 (tanh neither
linear nor saturated, so tanh' from the pre-activation differs from tanh' from the output), a
non-zero h0, and an upstream gradient at the LAST step only (only the carried gradient reaches
the earlier steps).

The learner's cache is opaque: whatever their forward returned goes back, untouched, to their
backward (in the isolated worker it may be a handle).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, numeric_gradient

N, T, D, H = 3, 5, 4, 6
GRADS = ("dx", "dh0", "dWx", "dWh", "db")


# -- inputs, oracle and models of known mistakes --------------------------------------------

def _problem(seed: int, n: int = N, t: int = T, d: int = D, h: int = H) -> dict:
    """x, h0, Wx, Wh, b and an upstream gradient, scaled so every pre-activation is O(1)."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((n, t, d)),
        "h0": 0.8 * rng.standard_normal((n, h)),
        "Wx": rng.standard_normal((d, h)) / np.sqrt(d),
        "Wh": 0.9 * rng.standard_normal((h, h)) / np.sqrt(h),
        "b": 0.3 * rng.standard_normal(h),
        "dh_all": rng.standard_normal((n, t, h)),
    }


def _forward_args(p: dict) -> tuple:
    return p["x"], p["h0"], p["Wx"], p["Wh"], p["b"]


def _torch_rnn(p: dict) -> dict:
    """torch.nn.RNN in float64 with p's weights: h_all and every gradient by autograd."""
    rnn = torch.nn.RNN(p["Wx"].shape[0], p["Wh"].shape[0], batch_first=True,
                       dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(p["Wx"].T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p["Wh"].T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p["b"]))
        rnn.bias_hh_l0.zero_()
    x = torch.tensor(p["x"], requires_grad=True)
    h0 = torch.tensor(p["h0"][None], requires_grad=True)          # (1, N, H): one layer
    h_all, _ = rnn(x, h0)
    (h_all * torch.from_numpy(p["dh_all"])).sum().backward()
    return {"h_all": h_all.detach().numpy(), "dx": x.grad.numpy(), "dh0": h0.grad[0].numpy(),
            "dWx": rnn.weight_ih_l0.grad.numpy().T, "dWh": rnn.weight_hh_l0.grad.numpy().T,
            "db": rnn.bias_ih_l0.grad.numpy()}


def _model(p: dict, mistake: str | None = None) -> dict:
    """The RNN forward and BPTT in numpy, correct or with one known mistake."""
    x, h0, Wx, Wh, b, dh_all = (p[k] for k in ("x", "h0", "Wx", "Wh", "b", "dh_all"))
    n, t_len, _ = x.shape
    hs, pre = [], []
    h = np.zeros_like(h0) if mistake == "h0_ignored" else h0
    for t in range(t_len):
        a = x[:, t] @ Wx + h @ Wh + b
        h_new = np.tanh(a)
        hs.append(h if mistake == "shifted" else h_new)
        pre.append(a)
        h = h_new
    h_all = np.stack(hs, axis=1)
    states = [h0] + [np.tanh(a) for a in pre]               # the true h_0 ... h_T
    grads = {"dx": np.zeros_like(x), "dWx": np.zeros_like(Wx), "dWh": np.zeros_like(Wh),
             "db": np.zeros_like(b)}
    carry = np.zeros_like(h0)
    steps = range(t_len) if mistake == "forward_order" else reversed(range(t_len))
    for t in steps:
        dh = dh_all[:, t] + (0 if mistake == "no_carry" else carry)
        local = 1 - pre[t] ** 2 if mistake == "tanh_pre" else 1 - states[t + 1] ** 2
        dz = dh * local
        grads["dx"][:, t] = dz @ Wx.T
        grads["dWx"] += x[:, t].T @ dz
        grads["dWh"] += (states[t + 1] if mistake == "wh_from_ht" else states[t]).T @ dz
        grads["db"] += dz.sum(axis=0)
        carry = dz @ (Wh if mistake == "carry_no_transpose" else Wh.T)
    grads["dh0"] = np.zeros_like(h0) if mistake == "dh0_dropped" else carry
    return {"h_all": h_all, **grads}


_BUGS = {
    "h0_ignored": "h0 ignored: the first step must read h0, not zeros",
    "shifted": "h_all holds the state BEFORE each step (h0 ... h_{T-1}); it should hold h_1 ... h_T",
    "no_carry": "the gradient from later steps is not carried back: dh = dh_all[:, t] + dh_next",
    "tanh_pre": "tanh' computed from the pre-activation (1 - a**2); use the output: 1 - h_t**2",
    "wh_from_ht": "dWh uses h_t; step t multiplies Wh by h_{t-1}, so dWh += h_prev.T @ dz",
    "carry_no_transpose": "the carried gradient uses Wh instead of Wh.T: dh_prev = dz @ Wh.T",
    "forward_order": "the backward loop runs forwards in time; BPTT goes from t = T-1 down to 0",
    "dh0_dropped": "dh0 dropped: the gradient carried past the first step is dL/dh0",
}


def _bugs(p: dict, output: str) -> dict[str, np.ndarray]:
    """Known mistakes mapped to what each gives for one output (h_all or a gradient)."""
    return {text: _model(p, mistake)[output] for mistake, text in _BUGS.items()}


def _check(got, want, p: dict, output: str, *, rtol: float, atol: float) -> None:
    assert_close(got, want, name=output, rtol=rtol, atol=atol, bugs=_bugs(p, output))


def _learner_grads(submission, p: dict) -> dict:
    """The learner's forward then backward; their gradients by name."""
    _, cache = submission.rnn_forward(*_forward_args(p))
    result = submission.rnn_backward(p["dh_all"], cache)
    if not isinstance(result, (tuple, list)) or len(result) != 5:
        raise AssertionError("rnn_backward should return five arrays (dx, dh0, dWx, dWh, db), "
                             f"got {type(result).__name__}")
    return dict(zip(GRADS, result))


# float64 through 5 steps of O(1) values: 1e-9 relative is ~1e6 ulps, far below any bug.
RTOL, ATOL = 1e-9, 1e-11


# -- forward --------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_forward_matches_torch_rnn(submission, reference):
    """h_all on (N, T, D) = (3, 5, 4), H = 6 matches torch.nn.RNN with the same weights."""
    p = _problem(0)
    h_all, _ = submission.rnn_forward(*_forward_args(p))
    _check(h_all, _torch_rnn(p)["h_all"], p, "h_all", rtol=RTOL, atol=ATOL)


@pytest.mark.points(1)
def test_forward_starts_from_h0(submission, reference):
    """The first step reads the given h0: h_1 = tanh(x_1 @ Wx + h0 @ Wh + b)."""
    p = _problem(1)
    p["h0"] = 1.5 * p["h0"]                         # a large h0, so ignoring it shows clearly
    h_all, _ = submission.rnn_forward(*_forward_args(p))
    if not isinstance(h_all, np.ndarray) or h_all.shape != (N, T, H):
        raise AssertionError(f"h_all: expected an array of shape {(N, T, H)}, got "
                             f"{getattr(h_all, 'shape', type(h_all).__name__)}")
    want = np.tanh(p["x"][:, 0] @ p["Wx"] + p["h0"] @ p["Wh"] + p["b"])
    assert_close(h_all[:, 0], want, name="h_all[:, 0] (the first step)", rtol=RTOL, atol=ATOL,
                 bugs={text: _model(p, m)["h_all"][:, 0] for m, text in _BUGS.items()})


# -- backward -------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_dx_matches_autograd(submission, reference):
    """dx (N, T, D) matches torch autograd through the whole sequence."""
    p = _problem(2)
    _check(_learner_grads(submission, p)["dx"], _torch_rnn(p)["dx"], p, "dx", rtol=RTOL,
           atol=ATOL)


@pytest.mark.points(2)
def test_dWh_matches_autograd(submission, reference):
    """dWh (H, H) matches autograd: the sum over steps of h_{t-1}.T @ dz_t."""
    p = _problem(3)
    _check(_learner_grads(submission, p)["dWh"], _torch_rnn(p)["dWh"], p, "dWh", rtol=RTOL,
           atol=ATOL)


@pytest.mark.points(2)
def test_dWx_and_db_match_autograd(submission, reference):
    """dWx (D, H) and db (H,) match autograd: sums over the batch and every step."""
    p = _problem(4)
    got, want = _learner_grads(submission, p), _torch_rnn(p)
    _check(got["dWx"], want["dWx"], p, "dWx", rtol=RTOL, atol=ATOL)
    _check(got["db"], want["db"], p, "db", rtol=RTOL, atol=ATOL)


@pytest.mark.points(2)
def test_dh0_matches_autograd(submission, reference):
    """dh0 (N, H) is the gradient carried back past the first step, as autograd gives it."""
    p = _problem(5)
    _check(_learner_grads(submission, p)["dh0"], _torch_rnn(p)["dh0"], p, "dh0", rtol=RTOL,
           atol=ATOL)


@pytest.mark.points(3)
def test_gradient_of_the_last_step_reaches_the_first(submission, reference):
    """With dL/dh at the last step only, dx at every earlier step comes from the carried gradient."""
    p = _problem(6)
    p["dh_all"][:, :-1] = 0.0                       # the loss reads h_T only (many-to-one)
    _check(_learner_grads(submission, p)["dx"], _torch_rnn(p)["dx"], p, "dx", rtol=RTOL,
           atol=ATOL)


@pytest.mark.points(2)
def test_gradients_match_finite_differences(submission, reference):
    """On a tiny problem (2, 3, 2), H = 3, every gradient matches central finite differences."""
    p = _problem(7, n=2, t=3, d=2, h=3)
    got = _learner_grads(submission, p)

    def loss(**changed) -> float:
        q = {**p, **changed}
        h_all, _ = reference.rnn_forward(q["x"], q["h0"], q["Wx"], q["Wh"], q["b"])
        return float((h_all * p["dh_all"]).sum())

    for name, key in zip(GRADS, ("x", "h0", "Wx", "Wh", "b")):
        want = numeric_gradient(lambda v, key=key: loss(**{key: v}), p[key])
        # Central differences with step 1e-6 are good to ~1e-9 here; 1e-6 leaves room.
        assert_close(got[name], want, name=name, rtol=1e-6, atol=1e-8, bugs=_bugs(p, name))


@pytest.mark.points(1)
def test_single_step_sequence(submission, reference):
    """T = 1: one step, no carried gradient; dh0 is dz @ Wh.T of that step."""
    p = _problem(8, t=1)
    got, want = _learner_grads(submission, p), _torch_rnn(p)
    for name in GRADS:
        _check(got[name], want[name], p, name, rtol=RTOL, atol=ATOL)


@pytest.mark.points(1)
def test_long_sequence_matches_autograd(submission, reference):
    """T = 12 with gradients at every step: all five gradients match autograd."""
    p = _problem(9, t=12)
    got, want = _learner_grads(submission, p), _torch_rnn(p)
    for name in GRADS:
        # Twelve chained steps: 1e-8 relative still leaves ample room for rounding.
        _check(got[name], want[name], p, name, rtol=1e-8, atol=1e-10)


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """Forward and backward on (512, 16, 24), H = 32 within 25x of the reference, and right.

    The loop over time is needed; a loop over the 512 sequences of the batch is not (~100x
    here). Correct styles: einsum over (batch, time) for the weight gradients ~6x; the
    grading process's clock adds a few milliseconds of scheduling noise under load.
    """
    p = _problem(10, n=512, t=16, d=24, h=32)
    got, want = assert_fast_enough(submission.rnn_forward, reference.rnn_forward,
                                   *_forward_args(p), max_ratio=25)
    # The timed outputs must be right: float64, 1e-9 relative.
    assert_close(got[0], want[0], name="h_all (timed call)", rtol=RTOL, atol=ATOL)
    _, ref_cache = reference.rnn_forward(*_forward_args(p))

    def reference_backward(dh_all, _learner_cache):
        return reference.rnn_backward(dh_all, ref_cache)

    got, want = assert_fast_enough(submission.rnn_backward, reference_backward, p["dh_all"],
                                   got[1], max_ratio=25)
    for name, g, w in zip(GRADS, got, want):
        assert_close(g, w, name=f"{name} (timed call)", rtol=RTOL, atol=ATOL)
