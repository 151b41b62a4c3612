"""Hidden suite for the gradient_clipping exercise.

Oracles: torch.nn.utils.clip_grad_norm_ and torch.nn.utils.clip_grad_value_ on float64
copies (their eps is fixed at 1e-6), and the closed form for another eps. Inputs are chosen
so the usual bugs show: three arrays of distinct shapes (3, 4), (4,) and (2, 3, 5) whose own
norms differ (per-array clipping gives another answer), a limit below the joint norm and one
above it (scaling up shows), gradients of norm ~1e-5 where eps = 1e-6 is 10% of the norm
(eps placement shows; compared in units of 1e-6), a norm exactly at the limit, all-zero gradients, and float32 arrays.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, fetch, keep_in_worker

SHAPES = [(3, 4), (4,), (2, 3, 5)]     # every size distinct, and a 1-D bias among them


# -- oracles and models of known mistakes ---------------------------------------------------

def _torch_clip_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """torch.nn.utils.clip_grad_norm_ on copies of grads (in their own dtype)."""
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy() for p in params], float(total)


def _torch_clip_value(grads: list[np.ndarray], clip: float) -> list[np.ndarray]:
    """torch.nn.utils.clip_grad_value_ on copies of grads."""
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        p.grad = torch.from_numpy(g.copy())
        params.append(p)
    torch.nn.utils.clip_grad_value_(params, clip)
    return [p.grad.numpy() for p in params]


def _norm(g: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))


def _clip_model(grads, max_norm, eps=1e-6, mistake=None):
    """The clipped arrays of clip_by_global_norm, correct or with one known mistake."""
    total = float(np.sqrt(sum(_norm(g) ** 2 for g in grads)))
    if mistake == "per_array":
        return [g * min(1.0, max_norm / (_norm(g) + eps)) for g in grads]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = {None: max_norm / (total + eps),
                 "always": max_norm / (total + eps),
                 "no_eps": np.float64(max_norm) / total,
                 "eps_outside": np.float64(max_norm) / total + eps,
                 "eps_on_max": (max_norm + eps) / np.float64(total)}[mistake]
    if mistake != "always" and not scale < 1.0:
        scale = 1.0
    return [g * scale for g in grads]


def _clip_bugs(grads, max_norm, eps=1e-6) -> dict[str, np.ndarray]:
    """Known mistakes of clip_by_global_norm mapped to the flattened arrays each gives."""
    return {
        "each array clipped by its own norm; use ONE norm over all the arrays together":
            _flat(_clip_model(grads, max_norm, eps, "per_array")),
        "scaled even though the norm was under the limit (gradients scaled UP); "
        "multiply only when max_norm / (total + eps) < 1":
            _flat(_clip_model(grads, max_norm, eps, "always")),
        "eps left out: scale = max_norm / (total_norm + eps)":
            _flat(_clip_model(grads, max_norm, eps, "no_eps")),
        "eps added after the division: scale = max_norm / (total_norm + eps)":
            _flat(_clip_model(grads, max_norm, eps, "eps_outside")),
        "eps added to max_norm instead of to total_norm":
            _flat(_clip_model(grads, max_norm, eps, "eps_on_max")),
    }


def _norm_bugs(grads, max_norm, eps=1e-6) -> dict[str, float]:
    """Known mistakes of the returned total_norm mapped to the value each gives."""
    total = float(np.sqrt(sum(_norm(g) ** 2 for g in grads)))
    return {
        "the sum of the arrays' own norms; total_norm is sqrt(sum of ALL squares)":
            sum(_norm(g) for g in grads),
        "square root missing: the sum of squares returned": total ** 2,
        "the norm AFTER clipping returned; return the norm before clipping":
            min(total, total * max_norm / (total + eps)),
        "the scale factor returned instead of the norm": max_norm / (total + eps),
    }


# -- reading the learner's results ----------------------------------------------------------

def _flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def _joined(what: str, grads) -> str:
    """The name of a flattened, joined output, saying which indices belong to which array."""
    spans, start = [], 0
    for k, g in enumerate(grads):
        spans.append(f"[{k}] {g.shape} at {start}-{start + g.size - 1}")
        start += g.size
    return f"{what} (the arrays flattened and joined: {', '.join(spans)})"


def _arrays(result, grads, name: str) -> list:
    """The learner's list of arrays, checked one by one for kind, shape and dtype."""
    if not isinstance(result, (list, tuple)) or len(result) != len(grads):
        raise AssertionError(f"{name}: expected a list of {len(grads)} arrays (one per input "
                             f"array), got {type(result).__name__}"
                             + (f" of length {len(result)}" if isinstance(result, (list, tuple))
                                else ""))
    for k, (got, g) in enumerate(zip(result, grads)):
        if type(got) is not np.ndarray or got.shape != g.shape or got.dtype != g.dtype:
            kind = (f"shape {got.shape} and dtype {got.dtype}" if type(got) is np.ndarray
                    else type(got).__name__)
            raise AssertionError(f"{name}[{k}]: expected an array of shape {g.shape} and dtype "
                                 f"{g.dtype} (the input's), got {kind}")
    return list(result)


def _global(submission, grads, max_norm, *, passed=None, **kwargs) -> tuple[np.ndarray, object]:
    """Call the learner's clip_by_global_norm; (clipped arrays flattened, total_norm).

    passed: what to hand to the learner instead of grads (a handle to arrays kept in the
    worker); grads still says what shapes and dtypes to expect back.
    """
    result = submission.clip_by_global_norm(grads if passed is None else passed, max_norm,
                                            **kwargs)
    if not isinstance(result, (list, tuple)) or len(result) != 2:
        raise AssertionError("clip_by_global_norm should return a pair (clipped, total_norm), "
                             f"got {type(result).__name__}")
    clipped, total = result
    return _flat(_arrays(clipped, grads, "clipped")), total


def _grads(seed: int, scale: float = 1.0, dtype=np.float64) -> list[np.ndarray]:
    """Three gradient arrays whose own norms differ (the 3-D one is the largest)."""
    rng = np.random.default_rng(seed)
    return [(scale * (k + 1) * rng.standard_normal(shape)).astype(dtype)
            for k, shape in enumerate(SHAPES)]


# -- clip_by_global_norm --------------------------------------------------------------------

@pytest.mark.points(2)
def test_total_norm_is_one_norm_over_all_arrays(submission, reference):
    """total_norm is the 2-norm of all the arrays together, taken before clipping (as torch)."""
    grads = _grads(0)
    _, want = _torch_clip_norm(grads, 1.0)
    _, total = _global(submission, grads, 1.0)
    # A sum of 46 float64 squares: 1e-10 relative is far above rounding, far below any bug.
    assert_close(total, want, name="total_norm", rtol=1e-10, atol=1e-12,
                 bugs=_norm_bugs(grads, 1.0))


@pytest.mark.points(3)
def test_clipped_above_the_limit_matches_torch(submission, reference):
    """With the joint norm (~10) above max_norm=2, every array is scaled by one common factor."""
    grads = _grads(1)
    want, _ = _torch_clip_norm(grads, 2.0)
    got, _ = _global(submission, grads, 2.0)
    # float64 products: 1e-10 relative; the per-array mistake differs by up to 80%.
    assert_close(got, _flat(want), name=_joined("clipped", grads),
                 rtol=1e-10, atol=1e-12, bugs=_clip_bugs(grads, 2.0))


@pytest.mark.points(2)
def test_unchanged_under_the_limit(submission, reference):
    """With max_norm above the joint norm, the gradients come back unchanged (never scaled up)."""
    grads = _grads(2)
    max_norm = 1.5 * _norm(_flat(grads))
    want, _ = _torch_clip_norm(grads, max_norm)
    got, _ = _global(submission, grads, max_norm)
    # Unchanged means equal: only exact copies pass 1e-12 on values of order 1.
    assert_close(got, _flat(want), name=_joined("clipped", grads),
                 rtol=1e-12, atol=1e-12, bugs=_clip_bugs(grads, max_norm))


@pytest.mark.points(2)
def test_tiny_gradients_show_where_eps_goes(submission, reference):
    """Gradients of joint norm ~1.65e-5, max_norm=2e-6: eps=1e-6 is 6% of the norm here."""
    grads = _grads(3, scale=1e-6)
    want, _ = _torch_clip_norm(grads, 2e-6)
    got, _ = _global(submission, grads, 2e-6)
    # Compared in units of 1e-6, so the values are O(1) and the mistakes (6% to 100% off)
    # are told apart from each other; 1e-9 relative is far above rounding.
    micro = {k: v * 1e6 for k, v in _clip_bugs(grads, 2e-6).items()}
    assert_close(got * 1e6, _flat(want) * 1e6, name=_joined("clipped, times 1e6,", grads),
                 rtol=1e-9, atol=1e-12, bugs=micro)


@pytest.mark.points(1)
def test_uses_the_eps_argument(submission, reference):
    """eps=0.5 is used as given (not a hard-coded 1e-6): scale = max_norm / (total + 0.5)."""
    grads = _grads(4)
    want = _flat(_clip_model(grads, 2.0, eps=0.5))
    got, _ = _global(submission, grads, 2.0, eps=0.5)
    bugs = _clip_bugs(grads, 2.0, eps=0.5)
    bugs["eps ignored: 1e-6 used instead of the eps argument"] = _flat(_clip_model(grads, 2.0))
    # Closed form in float64: 1e-10 relative.
    assert_close(got, want, name=_joined("clipped", grads), rtol=1e-10,
                 atol=1e-12, bugs=bugs)


@pytest.mark.points(1)
def test_norm_exactly_at_the_limit_still_shrinks(submission, reference):
    """max_norm equal to the joint norm (~1.5e-5): scale = max_norm/(total+eps) < 1 still applies."""
    grads = _grads(5, scale=1e-6)
    max_norm = _norm(_flat(grads))
    want, _ = _torch_clip_norm(grads, max_norm)
    got, _ = _global(submission, grads, max_norm)
    # Several mistakes leave the arrays unchanged here; one description covers them.
    bugs = {"the arrays came back unchanged: at the limit, scale = max_norm / (total_norm + "
            "eps) is still < 1 (a test total_norm > max_norm, or eps left out or added after "
            "the division, skips the shrinking)": _flat(grads) * 1e6}
    # In units of 1e-6 (values O(1)); the right answer is ~6% below the input.
    assert_close(got * 1e6, _flat(want) * 1e6, name=_joined("clipped, times 1e6,", grads),
                 rtol=1e-9, atol=1e-12, bugs=bugs)


@pytest.mark.points(1)
def test_all_zero_gradients(submission, reference):
    """All-zero gradients give zeros back and total_norm 0.0, with no division by zero."""
    grads = [np.zeros(shape) for shape in SHAPES]
    got, total = _global(submission, grads, 1.0)
    # Exact: zeros must stay zeros (NaN from 0/0 is the mistake this catches).
    assert_close(got, _flat(grads), name=_joined("clipped", grads),
                 rtol=0, atol=0)
    assert_close(total, 0.0, name="total_norm", rtol=0, atol=0)


@pytest.mark.points(2)
def test_global_norm_leaves_the_inputs_unchanged(submission, reference):
    """clip_by_global_norm returns new arrays: the arrays passed in keep their values."""
    grads = _grads(6)
    # Arrays cross to the learner's process by copy; keep them there to see what it does to them.
    kept = [keep_in_worker(submission, g.copy()) for g in grads]
    got, _ = _global(submission, grads, 2.0, passed=keep_in_worker(submission, kept))
    after = _flat([fetch(array) for array in kept])
    if np.allclose(after, got, rtol=1e-12, atol=0) and not np.allclose(after, _flat(grads)):
        raise AssertionError("the arrays passed in were scaled in place (g *= scale); return "
                             "new arrays and leave the inputs alone\n"
                             "  likely mistake: the input arrays modified in place")
    # The inputs must be exactly as they were.
    assert_close(after, _flat(grads), name=_joined("the input arrays after the call", grads), rtol=0, atol=0)


@pytest.mark.points(1)
def test_float32_arrays_stay_float32(submission, reference):
    """float32 gradients come back float32, equal to torch's float32 clipping."""
    grads = _grads(7, dtype=np.float32)
    want, want_total = _torch_clip_norm(grads, 2.0)
    got, total = _global(submission, grads, 2.0)
    # float32 has ~7 digits: 1e-5 relative covers the norm computed in either precision.
    assert_close(got, _flat(want), name=_joined("clipped (float32 input)", grads), rtol=1e-5, atol=1e-7)
    assert_close(total, want_total, name="total_norm (float32 input)", rtol=1e-5, atol=1e-7)


# -- clip_by_value --------------------------------------------------------------------------

def _value_bugs(grads, clip) -> dict[str, np.ndarray]:
    return {
        "only the upper side clamped: clamp to [-clip, clip], both sides":
            _flat([np.minimum(g, clip) for g in grads]),
        "clamped to [0, clip]; the lower bound is -clip": _flat([np.clip(g, 0, clip) for g in grads]),
        "signs lost: magnitudes clamped but the sign not put back":
            _flat([np.minimum(np.abs(g), clip) for g in grads]),
    }


@pytest.mark.points(2)
def test_clip_by_value_matches_torch(submission, reference):
    """clip_by_value clamps every element to [-0.7, 0.7], both sides, as clip_grad_value_."""
    grads = _grads(8)
    want = _torch_clip_value(grads, 0.7)
    got = _flat(_arrays(submission.clip_by_value(grads, 0.7), grads, "clip_by_value result"))
    # Clamping is exact.
    assert_close(got, _flat(want), name=_joined("clipped by value", grads),
                 rtol=0, atol=0, bugs=_value_bugs(grads, 0.7))


@pytest.mark.points(1)
def test_clip_by_value_leaves_the_inputs_unchanged(submission, reference):
    """clip_by_value returns new arrays: the arrays passed in keep their values."""
    grads = _grads(9)
    kept = [keep_in_worker(submission, g.copy()) for g in grads]
    submission.clip_by_value(keep_in_worker(submission, kept), 0.7)
    after = _flat([fetch(array) for array in kept])
    # Exact: any change to the inputs is the mistake (np.clip(g, ..., out=g), g[g > c] = c).
    assert_close(after, _flat(grads), name=_joined("the input arrays after the call", grads), rtol=0, atol=0,
                 bugs={"the input arrays clamped in place; return new arrays":
                       _flat(_torch_clip_value(grads, 0.7))})


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """clip_by_global_norm on 1.05M elements runs within 50x of the reference, and is right.

    The learner's call is timed by the grading process's clock, so scheduling noise of a few
    milliseconds comes on top of the reference's ~1 ms; a Python loop over the elements costs
    ~80 ms or more. clip_by_value is not timed: np.clip is the natural way to write it.
    """
    rng = np.random.default_rng(10)
    grads = [rng.standard_normal(shape) for shape in [(768, 1024), (1024,), (256, 1024)]]
    got, want = assert_fast_enough(submission.clip_by_global_norm, reference.clip_by_global_norm,
                                   grads, 5.0, max_ratio=50, repeat=3)
    # The timed outputs must be right too: float64, 1e-10 relative.
    assert_close(_flat(_arrays(got[0], grads, "clipped")), _flat(want[0]),
                 name="clipped (timed call)", rtol=1e-10, atol=1e-12)
    assert_close(got[1], want[1], name="total_norm (timed call)", rtol=1e-10, atol=1e-12)
