"""Hidden suite for the lstm_cell exercise.

Oracles: torch.nn.LSTMCell in float64 loaded with the same weights (weight_ih = Wx.T,
weight_hh = Wh.T, bias_ih = b, bias_hh = 0), its autograd for the backward (loss =
sum(h_next * dh_next + c_next * dc_next)), and central finite differences of the reference.

Inputs are chosen so the usual bugs show: (N, D, H) = (3, 5, 4), all distinct; a biased
pre-activation per part (so reading the parts in another order changes every gate); a
previous cell state of size ~2 (so tanh(c) differs clearly from c, and f * c from f * g);
gates between ~0.1 and ~0.9; and upstream gradients on h only, on c only, and on both.

The learner's cache is opaque: whatever their forward returned goes back, untouched, to their
backward (in the isolated worker it may be a handle).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, numeric_gradient

N, D, H = 3, 5, 4
GRADS = ("dx", "dh", "dc", "dWx", "dWh", "db")
# float64, O(1) values through one cell: 1e-10 relative is far above rounding, far below bugs.
RTOL, ATOL = 1e-10, 1e-12


# -- inputs, oracle and models of known mistakes --------------------------------------------

def _problem(seed: int, n: int = N, d: int = D, h: int = H) -> dict:
    rng = np.random.default_rng(seed)
    # Part biases differ (i: +0.5, f: +1.0, g: 0, o: -0.5), so the gate order matters.
    b = 0.3 * rng.standard_normal(4 * h) + np.repeat([0.5, 1.0, 0.0, -0.5], h)
    return {"x": rng.standard_normal((n, d)),
            "h": rng.standard_normal((n, h)),
            "c": 2.0 * rng.standard_normal((n, h)),
            "Wx": rng.standard_normal((d, 4 * h)) / np.sqrt(d),
            "Wh": rng.standard_normal((h, 4 * h)) / np.sqrt(h),
            "b": b,
            "dh_next": rng.standard_normal((n, h)),
            "dc_next": rng.standard_normal((n, h))}


def _args(p: dict) -> tuple:
    return p["x"], p["h"], p["c"], p["Wx"], p["Wh"], p["b"]


def _torch_lstm(p: dict) -> dict:
    """torch.nn.LSTMCell in float64: h_next, c_next and every gradient by autograd."""
    d, h = p["Wx"].shape[0], p["Wh"].shape[0]
    cell = torch.nn.LSTMCell(d, h, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["Wx"].T))
        cell.weight_hh.copy_(torch.from_numpy(p["Wh"].T))
        cell.bias_ih.copy_(torch.from_numpy(p["b"]))
        cell.bias_hh.zero_()
    x, h0, c0 = (torch.tensor(p[k], requires_grad=True) for k in ("x", "h", "c"))
    h1, c1 = cell(x, (h0, c0))
    (h1 * torch.from_numpy(p["dh_next"]) + c1 * torch.from_numpy(p["dc_next"])).sum().backward()
    return {"h_next": h1.detach().numpy(), "c_next": c1.detach().numpy(),
            "dx": x.grad.numpy(), "dh": h0.grad.numpy(), "dc": c0.grad.numpy(),
            "dWx": cell.weight_ih.grad.numpy().T, "dWh": cell.weight_hh.grad.numpy().T,
            "db": cell.bias_ih.grad.numpy()}


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def _model(p: dict, mistake: str | None = None) -> dict:
    """One LSTM step and its backward in numpy, correct or with one known mistake."""
    x, h, c, Wx, Wh, b = _args(p)
    dh_next, dc_next = p["dh_next"], p["dc_next"]
    H_ = h.shape[1]
    a = x @ Wx + h @ Wh + b
    blocks = [a[:, k * H_:(k + 1) * H_] for k in range(4)]
    order = {"ifog": (0, 1, 3, 2), "fiog": (1, 0, 2, 3), "gifo": (2, 0, 1, 3)}.get(mistake,
                                                                                (0, 1, 2, 3))
    ai, af, ag, ao = (blocks[k] for k in order)
    i, f, g, o = _sig(ai), _sig(af), np.tanh(ag), _sig(ao)
    c_next = f * g + i * c if mistake == "forget_on_input" else f * c + i * g
    tanh_c = c_next if mistake == "no_tanh_on_c" else np.tanh(c_next)
    h_next = o * tanh_c
    # Backward (for the forward mistakes, the matching backward of that forward).
    do = dh_next * tanh_c
    through_h = dh_next * o * (1.0 if mistake == "no_tanh_on_c" else 1.0 - tanh_c ** 2)
    if mistake == "tanh_prime_of_c":
        through_h = dh_next * o * (1.0 - c_next ** 2)
    dc_total = {"no_c_path": dc_next, "dc_next_ignored": through_h}.get(mistake,
                                                                         dc_next + through_h)
    if mistake == "forget_on_input":
        di, df, dg, dc = dc_total * c, dc_total * g, dc_total * f, dc_total * i
    else:
        di, df, dg, dc = dc_total * g, dc_total * c, dc_total * i, dc_total * f
    if mistake == "dc_without_f":
        dc = dc_total
    dag = dg * g * (1 - g) if mistake == "sigmoid_prime_for_g" else dg * (1 - g ** 2)
    parts = [di * i * (1 - i), df * f * (1 - f), dag, do * o * (1 - o)]
    da = np.concatenate([parts[order.index(k)] for k in range(4)], axis=1)
    h_for_dWh = h_next if mistake == "dWh_from_h_next" else h
    return {"h_next": h_next, "c_next": c_next, "dx": da @ Wx.T, "dh": da @ Wh.T, "dc": dc,
            "dWx": x.T @ da, "dWh": h_for_dWh.T @ da, "db": da.sum(axis=0)}


_BUGS = {
    "ifog": "gate order i, f, o, g; torch's order is i, f, g, o",
    "fiog": "input and forget gates swapped: torch's order is i, f, g, o",
    "gifo": "the candidate g read from the first block: torch's order is i, f, g, o",
    "no_tanh_on_c": "tanh missing on the cell state: h_next = o * tanh(c_next)",
    "forget_on_input": "forget gate applied to the candidate and input gate to the old state: "
                       "c_next = f * c + i * g",
    "no_c_path": "the path from h_next into c_next is missing: the gradient at c_next is "
                 "dc_next + dh_next * o * (1 - tanh(c_next)**2)",
    "dc_next_ignored": "dc_next ignored: the gradient at c_next is dc_next plus the path "
                       "through h_next",
    "tanh_prime_of_c": "tanh' of the cell state taken as 1 - c_next**2; it is "
                       "1 - tanh(c_next)**2",
    "dc_without_f": "dc (to the previous cell state) not multiplied by the forget gate f",
    "sigmoid_prime_for_g": "sigmoid's derivative used for g; g is a tanh: 1 - g**2",
    "dWh_from_h_next": "dWh uses h_next; the step multiplied Wh by the previous h",
}


def _bugs(p: dict, output: str) -> dict[str, np.ndarray]:
    return {text: _model(p, m)[output] for m, text in _BUGS.items()}


def _forward(submission, p: dict) -> tuple:
    result = submission.lstm_step(*_args(p))
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError("lstm_step should return three things (h_next, c_next, cache), "
                             f"got {type(result).__name__}")
    return result


def _backward(submission, p: dict) -> dict:
    _, _, cache = _forward(submission, p)
    result = submission.lstm_step_backward(p["dh_next"], p["dc_next"], cache)
    if not isinstance(result, (tuple, list)) or len(result) != 6:
        raise AssertionError("lstm_step_backward should return six arrays (dx, dh, dc, dWx, "
                             f"dWh, db), got {type(result).__name__}")
    return dict(zip(GRADS, result))


def _check(got, want: dict, p: dict, output: str, rtol=RTOL, atol=ATOL) -> None:
    assert_close(got, want[output], name=output, rtol=rtol, atol=atol, bugs=_bugs(p, output))


# -- forward --------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_h_next_matches_torch(submission, reference):
    """h_next on (N, D, H) = (3, 5, 4) equals torch.nn.LSTMCell with the same weights."""
    p = _problem(0)
    h_next, _, _ = _forward(submission, p)
    _check(h_next, _torch_lstm(p), p, "h_next")


@pytest.mark.points(2)
def test_c_next_matches_torch(submission, reference):
    """c_next = f * c + i * g equals torch.nn.LSTMCell's new cell state."""
    p = _problem(1)
    _, c_next, _ = _forward(submission, p)
    _check(c_next, _torch_lstm(p), p, "c_next")


@pytest.mark.points(2)
def test_gate_order_is_i_f_g_o(submission, reference):
    """The four column blocks are read in torch's order: input, forget, candidate, output."""
    p = _problem(2)
    # Strongly different biases per block: any other order moves every gate far.
    p["b"] = np.repeat([2.0, -2.0, 1.0, -1.0], H) + 0.1 * p["b"]
    h_next, c_next, _ = _forward(submission, p)
    want = _torch_lstm(p)
    _check(c_next, want, p, "c_next")
    _check(h_next, want, p, "h_next")


@pytest.mark.points(1)
def test_h_next_squashes_the_cell_state(submission, reference):
    """With the output gate open (o ~ 1) and c_next ~ 3, h_next = tanh(c_next), not c_next."""
    p = _problem(3)
    p["b"][3 * H:] = 30.0                          # o = 1
    p["c"] = 3.0 + 0.2 * p["c"]                    # c_next well outside tanh's linear range
    h_next, _, _ = _forward(submission, p)
    _check(h_next, _torch_lstm(p), p, "h_next", rtol=1e-9, atol=1e-11)


# -- backward -------------------------------------------------------------------------------

@pytest.mark.points(2)
def test_dx_and_dh_match_autograd(submission, reference):
    """dx (N, D) and dh (N, H) match torch autograd through the cell."""
    p = _problem(4)
    got, want = _backward(submission, p), _torch_lstm(p)
    _check(got["dx"], want, p, "dx")
    _check(got["dh"], want, p, "dh")


@pytest.mark.points(2)
def test_dc_matches_autograd(submission, reference):
    """dc (the previous cell state) matches autograd: the total gradient at c_next times f."""
    p = _problem(5)
    _check(_backward(submission, p)["dc"], _torch_lstm(p), p, "dc")


@pytest.mark.points(2)
def test_weight_gradients_match_autograd(submission, reference):
    """dWx (D, 4H), dWh (H, 4H) and db (4H,) match autograd."""
    p = _problem(6)
    got, want = _backward(submission, p), _torch_lstm(p)
    for name in ("dWx", "dWh", "db"):
        _check(got[name], want, p, name)


def _check_with_one_upstream_gradient(submission, seed: int, zeroed: str) -> None:
    """dc and dx when the upstream gradient named `zeroed` is zero (only the other one flows)."""
    p = _problem(seed)
    p[zeroed] = np.zeros_like(p[zeroed])
    got, want = _backward(submission, p), _torch_lstm(p)
    for name in ("dc", "dx"):
        _check(got[name], want, p, name)


@pytest.mark.points(2)
def test_gradient_through_h_reaches_the_cell_state(submission, reference):
    """With dc_next = 0, every gradient comes through h_next = o * tanh(c_next), into c too."""
    _check_with_one_upstream_gradient(submission, 7, "dc_next")


@pytest.mark.points(1)
def test_gradient_from_the_next_cell_state_only(submission, reference):
    """With dh_next = 0, the gradient enters at c_next alone: do = 0, and dc = dc_next * f."""
    _check_with_one_upstream_gradient(submission, 8, "dh_next")


@pytest.mark.points(1)
def test_gradients_match_finite_differences(submission, reference):
    """On a tiny problem (2, 3), H = 2, all six gradients match central finite differences."""
    p = _problem(9, n=2, d=3, h=2)
    got = _backward(submission, p)

    def loss(**changed) -> float:
        q = {**p, **changed}
        h1, c1, _ = reference.lstm_step(*_args(q))
        return float((h1 * p["dh_next"] + c1 * p["dc_next"]).sum())

    for name, key in zip(GRADS, ("x", "h", "c", "Wx", "Wh", "b")):
        want = numeric_gradient(lambda v, key=key: loss(**{key: v}), p[key])
        # Central differences with step 1e-6 are good to ~1e-9 here; 1e-6 leaves room.
        assert_close(got[name], want, name=name, rtol=1e-6, atol=1e-8, bugs=_bugs(p, name))


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """Forward and backward on a batch of 8192, D = 8, H = 6, within 20x of the reference, and right.

    A loop over the batch rows costs ~100x or more here; the grading process's clock adds a
    few milliseconds of scheduling noise to the learner's side under load.
    """
    p = _problem(10, n=8192, d=8, h=6)
    got, want = assert_fast_enough(submission.lstm_step, reference.lstm_step, *_args(p),
                                   max_ratio=20)
    assert_close(got[0], want[0], name="h_next (timed call)", rtol=RTOL, atol=ATOL)
    assert_close(got[1], want[1], name="c_next (timed call)", rtol=RTOL, atol=ATOL)
    ref_cache = want[2]

    def reference_backward(dh_next, dc_next, _learner_cache):
        return reference.lstm_step_backward(dh_next, dc_next, ref_cache)

    got, want = assert_fast_enough(submission.lstm_step_backward, reference_backward,
                                   p["dh_next"], p["dc_next"], got[2], max_ratio=20)
    for name, g, w in zip(GRADS, got, want):
        assert_close(g, w, name=f"{name} (timed call)", rtol=RTOL, atol=ATOL)
