"""Hidden suite for the multi-head attention exercise.

Oracles: torch.nn.functional.scaled_dot_product_attention for the attention output and
torch.nn.MultiheadAttention(batch_first=True, dropout=0) loaded with the same projection
weights for the module (per-head weights, average_attn_weights=False). The attention
weights of the plain function come from the closed form, softmax(q k^T / sqrt(d)).

Inputs are chosen so that bugs show: small random floats (scores of order 1, so the
softmax is not saturated and a missing 1/sqrt(d) changes the answer), Lq != Lk, d != dv,
several heads, d_model different from every length, and real padding and causal masks
that leave every row at least one key.

The learner's module stays in its own process: it is built there, its weights are set
with load_state_dict, and only tensors cross.
"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.suite import assert_close, assert_fast_enough

B, LQ, LK, D_MODEL, H = 2, 5, 7, 12, 3   # d_head = 4; every size differs
F64 = torch.float64


# ------------------------------------------------------------- building blocks

def _close(got, want, *, name, bugs=None, **tolerance):
    """assert_close that also names a known mistake whose output has the wrong shape."""
    got_shape, want_shape = getattr(got, "shape", None), getattr(want, "shape", None)
    if bugs and got_shape is not None and want_shape is not None and tuple(got_shape) != tuple(want_shape):
        for description, output in bugs.items():
            if (tuple(output.shape) == tuple(got_shape)
                    and torch.allclose(got.to(F64), output.to(F64), rtol=1e-5, atol=1e-8, equal_nan=True)):
                raise AssertionError(f"{name}: expected shape {tuple(want_shape)}, got {tuple(got_shape)}"
                                     f"\n  likely mistake: {description}")
    assert_close(got, want, name=name, bugs=bugs, **tolerance)


def _randn(gen: torch.Generator, *shape: int, dtype=F64) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=dtype)


def _attention(q, k, v, mask=None, *, scale_dim=None, axis=-1, mask_mode="inf"):
    """Attention, correct by default; the keywords reproduce known mistakes.

    scale_dim: the d in 1/sqrt(d) (None: q's last dim, 1: no scaling);
    axis: the softmax axis; mask_mode: "inf" (correct), "flipped", "after_softmax", "zero".
    """
    d = q.shape[-1] if scale_dim is None else scale_dim
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    if mask is not None and mask_mode == "inf":
        scores = scores.masked_fill(mask, float("-inf"))
    elif mask is not None and mask_mode == "flipped":
        scores = scores.masked_fill(~mask, float("-inf"))
    elif mask is not None and mask_mode == "zero":
        scores = scores.masked_fill(mask, 0.0)
    weights = torch.softmax(scores, dim=axis)
    if mask is not None and mask_mode == "after_softmax":
        weights = weights.masked_fill(mask, 0.0)
    return weights @ v, weights


def _weights(gen: torch.Generator, d_model: int, bias: bool = True, dtype=F64) -> dict:
    """A state dict for the four projections, scaled so that scores are of order 1."""
    sd = {}
    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
        sd[f"{name}.weight"] = _randn(gen, d_model, d_model, dtype=dtype) / math.sqrt(d_model)
        if bias:
            sd[f"{name}.bias"] = 0.1 * _randn(gen, d_model, dtype=dtype)
    return sd


def _mha(sd, heads, query, key, value, mask=None, *, split_transpose=True, merge_transpose=True,
         out_proj=True, swap_kv=False, scale_dim=None, **attention_bugs):
    """Multi-head attention from a state dict, correct by default; keywords give known mistakes."""
    b, lq, d_model = query.shape
    lk, dh = key.shape[1], d_model // heads

    def proj(x, name):
        return F.linear(x, sd[f"{name}.weight"], sd.get(f"{name}.bias"))

    def split(x, length):                                   # (B, L, d_model) -> (B, H, L, dh)
        if split_transpose:
            return x.view(b, length, heads, dh).transpose(1, 2)
        return x.view(b, heads, length, dh)

    q, k, v = split(proj(query, "q_proj"), lq), split(proj(key, "k_proj"), lk), split(proj(value, "v_proj"), lk)
    if swap_kv:
        k, v = v, k
    out, weights = _attention(q, k, v, mask, scale_dim=scale_dim or dh, **attention_bugs)
    out = out.transpose(1, 2).reshape(b, lq, d_model) if merge_transpose else out.reshape(b, lq, d_model)
    return (proj(out, "out_proj") if out_proj else out), weights


def _torch_mha(sd, heads, query, key, value, mask=None):
    """The oracle: torch.nn.MultiheadAttention with the same weights, per-head weights."""
    b, lq, d_model = query.shape
    lk = key.shape[1]
    bias = "q_proj.bias" in sd
    ref = torch.nn.MultiheadAttention(d_model, heads, dropout=0.0, bias=bias, batch_first=True,
                                      dtype=query.dtype)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([sd[f"{n}.weight"] for n in ("q_proj", "k_proj", "v_proj")]))
        ref.out_proj.weight.copy_(sd["out_proj.weight"])
        if bias:
            ref.in_proj_bias.copy_(torch.cat([sd[f"{n}.bias"] for n in ("q_proj", "k_proj", "v_proj")]))
            ref.out_proj.bias.copy_(sd["out_proj.bias"])
    attn_mask = mask
    if mask is not None and mask.dim() == 4:                # torch wants (B*H, Lq, Lk)
        attn_mask = mask.expand(b, heads, lq, lk).reshape(b * heads, lq, lk)
    with torch.no_grad():
        out, weights = ref(query, key, value, attn_mask=attn_mask, need_weights=True,
                           average_attn_weights=False)
    return out, weights


def _learner_mha(submission, sd, d_model, heads, bias=True, dtype=F64):
    """Build the learner's module in its process and load the weights into it."""
    mha = submission.MultiHeadAttention(d_model, heads, bias)
    if dtype == F64:
        mha.double()
    mha.load_state_dict(sd)
    return mha


def _inputs(gen, b=B, lq=LQ, lk=LK, d_model=D_MODEL, dtype=F64):
    return (_randn(gen, b, lq, d_model, dtype=dtype), _randn(gen, b, lk, d_model, dtype=dtype),
            _randn(gen, b, lk, d_model, dtype=dtype))


def _padding_mask(lengths, lq, lk) -> torch.Tensor:
    """(B, 1, Lq, Lk): key j of batch b is padding (True) when j >= lengths[b]."""
    keys = torch.arange(lk)
    return (keys[None, :] >= torch.tensor(lengths)[:, None])[:, None, None, :].expand(-1, 1, lq, lk)


def _causal_mask(length) -> torch.Tensor:
    """(L, L): query i may not look at keys j > i."""
    return torch.ones(length, length, dtype=torch.bool).triu(diagonal=1)


def _attention_bugs(q, k, v, mask=None):
    """Outputs and weights of the known mistakes of the attention function."""
    variants = {
        "no 1/sqrt(d) scaling of the scores": dict(scale_dim=1),
        "softmax over the query axis (dim=-2) instead of the keys (dim=-1)": dict(axis=-2),
    }
    if mask is not None:
        variants.update({
            "mask polarity flipped: True means masked OUT": dict(mask_mode="flipped"),
            "mask applied after the softmax: the rows no longer sum to 1; set scores to -inf before":
                dict(mask_mode="after_softmax"),
            "masked scores set to 0 instead of -inf: exp(0) still gives them weight": dict(mask_mode="zero"),
        })
    results = {name: _attention(q, k, v, mask, **kw) for name, kw in variants.items()}
    return {n: r[0] for n, r in results.items()}, {n: r[1] for n, r in results.items()}


def _mha_bugs(sd, heads, query, key, value, mask=None):
    """Outputs and weights of the known mistakes of the module."""
    d_model = query.shape[-1]
    variants = {
        "no 1/sqrt(d_head) scaling of the scores": dict(scale_dim=1),
        "scores scaled by 1/sqrt(d_model) instead of 1/sqrt(d_head)": dict(scale_dim=d_model),
        "softmax over the query axis (dim=-2) instead of the keys (dim=-1)": dict(axis=-2),
        "heads split without a transpose: view (B, L, H, d_head), then transpose(1, 2)":
            dict(split_transpose=False),
        "heads merged without a transpose: transpose(1, 2) before reshaping to (B, Lq, d_model)":
            dict(merge_transpose=False),
        "out_proj is never applied": dict(out_proj=False),
        "keys and values swapped": dict(swap_kv=True),
    }
    if mask is not None:
        variants.update({
            "mask polarity flipped: True means masked OUT": dict(mask_mode="flipped"),
            "mask applied after the softmax: the rows no longer sum to 1; set scores to -inf before":
                dict(mask_mode="after_softmax"),
            "masked scores set to 0 instead of -inf: exp(0) still gives them weight": dict(mask_mode="zero"),
        })
    results = {name: _mha(sd, heads, query, key, value, mask, **kw) for name, kw in variants.items()}
    out_bugs = {n: r[0] for n, r in results.items()}
    weight_bugs = {n: r[1] for n, r in results.items()}
    correct = _mha(sd, heads, query, key, value, mask)[1]
    weight_bugs["weights averaged over the heads: return them per head, (B, H, Lq, Lk)"] = correct.mean(dim=1)
    return out_bugs, weight_bugs


# --------------------------------------------------- scaled_dot_product_attention

def _qkv(seed, lead=(2, 3), lq=LQ, lk=LK, d=6, dv=4):
    gen = torch.Generator().manual_seed(seed)
    return _randn(gen, *lead, lq, d), _randn(gen, *lead, lk, d), _randn(gen, *lead, lk, dv)


@pytest.mark.points(3)
def test_sdpa_output(submission):
    """scaled_dot_product_attention's output matches F.scaled_dot_product_attention (no mask)."""
    q, k, v = _qkv(0)                                  # (2, 3, 5, 6), (2, 3, 7, 6), (2, 3, 7, 4)
    out, _ = submission.scaled_dot_product_attention(q, k, v)
    want = F.scaled_dot_product_attention(q, k, v)
    out_bugs, _ = _attention_bugs(q, k, v)
    # Tolerance: float64, two matmuls and a softmax; a few ulps.
    _close(out, want, name="out", rtol=1e-10, atol=1e-12, bugs=out_bugs)


@pytest.mark.points(3)
def test_sdpa_weights(submission):
    """scaled_dot_product_attention's weights are softmax(q k^T / sqrt(d)) over the keys."""
    q, k, v = _qkv(1)
    _, weights = submission.scaled_dot_product_attention(q, k, v)
    want = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    _, weight_bugs = _attention_bugs(q, k, v)
    # Tolerance: float64, a few ulps.
    _close(weights, want, name="weights", rtol=1e-10, atol=1e-12, bugs=weight_bugs)


@pytest.mark.points(1)
def test_sdpa_without_leading_dims(submission):
    """scaled_dot_product_attention works on plain (Lq, d), (Lk, d), (Lk, dv) matrices."""
    q, k, v = _qkv(2, lead=())
    out, weights = submission.scaled_dot_product_attention(q, k, v)
    want_out = F.scaled_dot_product_attention(q, k, v)
    want_w = torch.softmax(q @ k.T / math.sqrt(q.shape[-1]), dim=-1)
    out_bugs, weight_bugs = _attention_bugs(q, k, v)
    # Tolerance: float64, a few ulps.
    _close(weights, want_w, name="weights", rtol=1e-10, atol=1e-12, bugs=weight_bugs)
    _close(out, want_out, name="out", rtol=1e-10, atol=1e-12, bugs=out_bugs)


@pytest.mark.points(2)
def test_sdpa_padding_mask(submission):
    """A (B, 1, 1, Lk) padding mask gives padded keys weight exactly 0; rows still sum to 1."""
    q, k, v = _qkv(3)
    mask = _padding_mask([5, 3], 1, LK)                # (2, 1, 1, 7), broadcast over heads and queries
    out, weights = submission.scaled_dot_product_attention(q, k, v, mask)
    want_out = F.scaled_dot_product_attention(q, k, v, attn_mask=~mask)  # torch: True = take part
    _, want_w = _attention(q, k, v, mask)
    out_bugs, weight_bugs = _attention_bugs(q, k, v, mask)
    # Tolerance: float64, a few ulps; masked weights must be exactly 0 (within 1e-12).
    _close(weights, want_w, name="weights", rtol=1e-10, atol=1e-12, bugs=weight_bugs)
    _close(out, want_out, name="out", rtol=1e-10, atol=1e-12, bugs=out_bugs)


@pytest.mark.points(2)
def test_sdpa_causal_mask(submission):
    """A causal (L, L) mask: query i attends to keys 0..i only."""
    q, k, v = _qkv(4, lq=6, lk=6)
    mask = _causal_mask(6)
    out, weights = submission.scaled_dot_product_attention(q, k, v, mask)
    want_out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    _, want_w = _attention(q, k, v, mask)
    out_bugs, weight_bugs = _attention_bugs(q, k, v, mask)
    # Tolerance: float64, a few ulps.
    _close(weights, want_w, name="weights", rtol=1e-10, atol=1e-12, bugs=weight_bugs)
    _close(out, want_out, name="out", rtol=1e-10, atol=1e-12, bugs=out_bugs)


# -------------------------------------------------------------- MultiHeadAttention

@pytest.mark.points(4)
def test_mha_output_matches_torch(submission):
    """MultiHeadAttention's output matches nn.MultiheadAttention with the same weights (no mask)."""
    gen = torch.Generator().manual_seed(10)
    sd = _weights(gen, D_MODEL)
    query, key, value = _inputs(gen)                   # (2, 5, 12), (2, 7, 12), (2, 7, 12)
    mha = _learner_mha(submission, sd, D_MODEL, H)
    out, _ = mha(query, key, value)
    want, _ = _torch_mha(sd, H, query, key, value)
    out_bugs, _ = _mha_bugs(sd, H, query, key, value)
    # Tolerance: float64, four linear layers and an attention; well under 1e-10.
    _close(out, want, name="out", rtol=1e-9, atol=1e-11, bugs=out_bugs)


@pytest.mark.points(3)
def test_mha_weights_per_head(submission):
    """MultiHeadAttention returns per-head weights (B, H, Lq, Lk) equal to torch's."""
    gen = torch.Generator().manual_seed(11)
    sd = _weights(gen, D_MODEL)
    query, key, value = _inputs(gen)
    mha = _learner_mha(submission, sd, D_MODEL, H)
    _, weights = mha(query, key, value)
    _, want = _torch_mha(sd, H, query, key, value)
    _, weight_bugs = _mha_bugs(sd, H, query, key, value)
    # Tolerance: float64, a few ulps.
    _close(weights, want, name="weights", rtol=1e-9, atol=1e-12, bugs=weight_bugs)


@pytest.mark.points(3)
def test_mha_padding_mask(submission):
    """A (B, 1, Lq, Lk) padding mask is broadcast over the heads and respected."""
    gen = torch.Generator().manual_seed(12)
    sd = _weights(gen, D_MODEL)
    query, key, value = _inputs(gen)
    mask = _padding_mask([6, 4], LQ, LK)               # (2, 1, 5, 7)
    mha = _learner_mha(submission, sd, D_MODEL, H)
    out, weights = mha(query, key, value, mask)
    want_out, want_w = _torch_mha(sd, H, query, key, value, mask)
    out_bugs, weight_bugs = _mha_bugs(sd, H, query, key, value, mask)
    # Tolerance: float64, a few ulps.
    _close(weights, want_w, name="weights", rtol=1e-9, atol=1e-12, bugs=weight_bugs)
    _close(out, want_out, name="out", rtol=1e-9, atol=1e-11, bugs=out_bugs)


@pytest.mark.points(3)
def test_mha_causal_mask(submission):
    """A causal (L, L) mask in self-attention (query = key = value)."""
    gen = torch.Generator().manual_seed(13)
    sd = _weights(gen, D_MODEL)
    x = _randn(gen, B, 6, D_MODEL)                     # (2, 6, 12)
    mask = _causal_mask(6)
    mha = _learner_mha(submission, sd, D_MODEL, H)
    out, weights = mha(x, x, x, mask)
    want_out, want_w = _torch_mha(sd, H, x, x, x, mask)
    out_bugs, weight_bugs = _mha_bugs(sd, H, x, x, x, mask)
    # Tolerance: float64, a few ulps.
    _close(weights, want_w, name="weights", rtol=1e-9, atol=1e-12, bugs=weight_bugs)
    _close(out, want_out, name="out", rtol=1e-9, atol=1e-11, bugs=out_bugs)


@pytest.mark.points(3)
def test_mha_per_head_mask(submission):
    """A (B, H, Lq, Lk) mask that differs from head to head lands on the right head."""
    gen = torch.Generator().manual_seed(14)
    sd = _weights(gen, D_MODEL)
    query, key, value = _inputs(gen)
    mask = torch.rand(B, H, LQ, LK, generator=gen) < 0.4
    keep = torch.randint(LK, (B, H, LQ, 1), generator=gen)
    mask.scatter_(-1, keep, False)                     # every row keeps at least one key
    mha = _learner_mha(submission, sd, D_MODEL, H)
    out, weights = mha(query, key, value, mask)
    want_out, want_w = _torch_mha(sd, H, query, key, value, mask)
    out_bugs, weight_bugs = _mha_bugs(sd, H, query, key, value, mask)
    # Tolerance: float64, a few ulps.
    _close(weights, want_w, name="weights", rtol=1e-9, atol=1e-12, bugs=weight_bugs)
    _close(out, want_out, name="out", rtol=1e-9, atol=1e-11, bugs=out_bugs)


@pytest.mark.points(1)
def test_mha_without_bias(submission):
    """MultiHeadAttention(bias=False) matches torch's bias-free attention."""
    gen = torch.Generator().manual_seed(15)
    sd = _weights(gen, D_MODEL, bias=False)
    query, key, value = _inputs(gen)
    mha = _learner_mha(submission, sd, D_MODEL, H, bias=False)
    out, weights = mha(query, key, value)
    want_out, want_w = _torch_mha(sd, H, query, key, value)
    # Tolerance: float64, a few ulps.
    _close(weights, want_w, name="weights", rtol=1e-9, atol=1e-12)
    _close(out, want_out, name="out", rtol=1e-9, atol=1e-11)


@pytest.mark.points(1)
def test_mha_float32(submission):
    """In float32 (torch's default) the outputs stay float32 and match torch to 1e-5."""
    gen = torch.Generator().manual_seed(16)
    d_model, heads = 20, 4                             # d_head = 5, odd
    sd = _weights(gen, d_model, dtype=torch.float32)
    query, key, value = _inputs(gen, lq=3, lk=9, d_model=d_model, dtype=torch.float32)
    mask = _padding_mask([9, 6], 3, 9)
    mha = _learner_mha(submission, sd, d_model, heads, dtype=torch.float32)
    out, weights = mha(query, key, value, mask)
    want_out, want_w = _torch_mha(sd, heads, query, key, value, mask)
    # Tolerance: float32 has about 7 significant digits; the values are of order 1.
    _close(out, want_out, name="out", rtol=1e-5, atol=1e-6)
    _close(weights, want_w, name="weights", rtol=1e-5, atol=1e-6)


@pytest.mark.points(1)
def test_mha_fast_enough(submission, reference):
    """MultiHeadAttention.forward is vectorised: at most 20x slower than the reference."""
    gen = torch.Generator().manual_seed(17)
    d_model, heads, length = 64, 8, 48
    sd = _weights(gen, d_model, dtype=torch.float32)
    query, key, value = _inputs(gen, b=8, lq=length, lk=length, d_model=d_model, dtype=torch.float32)
    mha = _learner_mha(submission, sd, d_model, heads, dtype=torch.float32)
    ref = reference.MultiHeadAttention(d_model, heads)
    ref.load_state_dict(sd)
    mask = _causal_mask(length)
    # The learner's worker runs torch on one thread; time the reference the same way
    # (it also keeps a busy machine's thread scheduling out of the ratio).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            mha(query, key, value, mask)               # warm up both: the first call pays
            ref(query, key, value, mask)               # for torch's lazy set-up
            got, want = assert_fast_enough(mha.forward, ref.forward, query, key, value, mask,
                                           max_ratio=20, repeat=5)
    finally:
        torch.set_num_threads(threads)
    # The point counts only when the timed outputs are right (float32: 1e-4 relative).
    assert_close(got, want, name="(output, weights) of the timed forward", rtol=1e-4, atol=1e-5)
