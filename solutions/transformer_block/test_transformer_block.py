"""Hidden suite for the transformer_block exercise.

Oracle: torch.nn.TransformerDecoderLayer(E, nhead, dim_feedforward=F, dropout=0.0,
batch_first=True, norm_first=...) in float64 and eval mode, loaded with the same state dict,
with the causal mask nn.Transformer.generate_square_subsequent_mask(T) when causal. Plus a
model-free property: with a causal mask, changing future tokens never changes earlier outputs.

Inputs are chosen so the usual bugs show: (N, T, S, E, nhead, F) = (2, 5, 7, 12, 3, 20), every
size distinct (a head of 4 features, so scaling by sqrt(E) instead of sqrt(E / nhead) shows,
and queries taken from the memory give another shape); random weights of the layer's own
initialisation with layer-norm weights and biases moved away from 1 and 0 (so swapping norm2
and norm3 shows); inputs of size ~1 with an offset (so pre- and post-norm differ clearly).
"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.suite import assert_close, assert_fast_enough

N, T, S, E, HEADS, FF = 2, 5, 7, 12, 3, 20
F64 = torch.float64


# -- inputs and oracle ----------------------------------------------------------------------

def _layer(seed: int, e=E, nhead=HEADS, ff=FF, norm_first=True, dtype=F64):
    """A TransformerDecoderLayer with seeded weights and non-trivial layer norms, in eval mode."""
    torch.manual_seed(seed)
    layer = torch.nn.TransformerDecoderLayer(e, nhead, dim_feedforward=ff, dropout=0.0,
                                             batch_first=True, norm_first=norm_first,
                                             dtype=dtype)
    with torch.no_grad():
        for name in ("norm1", "norm2", "norm3"):
            norm = getattr(layer, name)
            norm.weight.copy_(1.0 + 0.3 * torch.randn(e, dtype=dtype))
            norm.bias.copy_(0.2 * torch.randn(e, dtype=dtype))
        for attn in (layer.self_attn, layer.multihead_attn):   # torch starts these biases at 0
            attn.in_proj_bias.copy_(0.1 * torch.randn(3 * e, dtype=dtype))
            attn.out_proj.bias.copy_(0.1 * torch.randn(e, dtype=dtype))
    return layer.eval()


def _params(layer) -> dict:
    return {k: v.detach().clone() for k, v in layer.state_dict().items()}


def _inputs(seed: int, n=N, t=T, s=S, e=E, dtype=F64) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, t, e, generator=gen, dtype=dtype) + 0.5
    memory = torch.randn(n, s, e, generator=gen, dtype=dtype) - 0.3
    return x, memory


def _torch_block(layer, x, memory, causal=True) -> torch.Tensor:
    mask = torch.nn.Transformer.generate_square_subsequent_mask(x.shape[1], dtype=x.dtype) \
        if causal else None
    with torch.no_grad():
        return layer(x, memory, tgt_mask=mask)


# -- a model of the block with known mistakes -----------------------------------------------

def _attn(q_in, kv_in, p, prefix, nhead, mask, mistake):
    n, L, e = q_in.shape
    s = kv_in.shape[1]
    d = e // nhead
    w, b = p[f"{prefix}.in_proj_weight"], p[f"{prefix}.in_proj_bias"]
    order = (1, 0, 2) if mistake == "kqv_order" else (0, 1, 2)
    wq, wk, wv = (w.chunk(3)[k] for k in order)
    bq, bk, bv = (b.chunk(3)[k] for k in order)
    if mistake == "heads_without_transpose":
        split = lambda t, length: t.reshape(n, nhead, length, d)          # noqa: E731
    else:
        split = lambda t, length: t.view(n, length, nhead, d).transpose(1, 2)  # noqa: E731
    q, k, v = split(F.linear(q_in, wq, bq), L), split(F.linear(kv_in, wk, bk), s), \
        split(F.linear(kv_in, wv, bv), s)
    scale = math.sqrt(e) if mistake == "scaled_by_sqrt_e" else math.sqrt(d)
    scores = q @ k.transpose(-2, -1) / scale
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    heads = torch.softmax(scores, -1) @ v                              # (N, h, L, d)
    if mistake == "heads_without_transpose":
        out = heads.reshape(n, L, e)
    else:
        out = heads.transpose(1, 2).reshape(n, L, e)
    return F.linear(out, p[f"{prefix}.out_proj.weight"], p[f"{prefix}.out_proj.bias"])


def _model(x, memory, p, nhead, causal=True, norm_first=True, mistake=None):
    """The decoder block, correct or with one known mistake."""
    t = x.shape[1]
    mask = None
    if causal and mistake != "no_mask":
        offset = {"diagonal_masked": 0, "one_future_token": 2}.get(mistake, 1)
        mask = torch.ones(t, t, dtype=torch.bool).triu(diagonal=offset)
    names = {"norms_2_3_swapped": ("norm1", "norm3", "norm2")}.get(mistake,
                                                                   ("norm1", "norm2", "norm3"))

    def norm(h, k):
        return F.layer_norm(h, h.shape[-1:], p[f"{names[k]}.weight"], p[f"{names[k]}.bias"], 1e-5)

    def sa(h):
        return _attn(h, h, p, "self_attn", nhead, mask, mistake)

    def ca(h):
        if mistake == "cross_queries_from_memory":
            return _attn(memory, h, p, "multihead_attn", nhead, None, mistake)
        if mistake == "cross_attention_to_itself":
            return _attn(h, h, p, "multihead_attn", nhead, None, mistake)
        return _attn(h, memory, p, "multihead_attn", nhead, None, mistake)

    def ff(h):
        act = F.gelu if mistake == "gelu" else torch.relu
        return F.linear(act(F.linear(h, p["linear1.weight"], p["linear1.bias"])),
                        p["linear2.weight"], p["linear2.bias"])

    if mistake == "always_pre_norm":
        norm_first = True
    if mistake == "always_post_norm":
        norm_first = False
    if norm_first:
        if mistake == "residual_from_normalised":
            for k, sub in enumerate((sa, ca, ff)):
                h = norm(x, k)
                x = h + sub(h)
            return x
        x = x + sa(norm(x, 0))
        x = x + ca(norm(x, 1))
        return (ff(norm(x, 2)) if mistake == "ff_without_residual" else x + ff(norm(x, 2)))
    if mistake == "norm_inside_residual":
        x = x + norm(sa(x), 0)
        x = x + norm(ca(x), 1)
        return x + norm(ff(x), 2)
    x = norm(x + sa(x), 0)
    x = norm(x + ca(x), 1)
    return norm(ff(x) if mistake == "ff_without_residual" else x + ff(x), 2)


_BUGS = {
    "diagonal_masked": "the causal mask covers the diagonal, so the first position has no "
                       "key left (NaN); a position must see itself: mask only j > i",
    "one_future_token": "the causal mask lets each position see one future token: mask the "
                        "keys j > i (triu with diagonal=1)",
    "no_mask": "no causal mask in the self-attention",
    "always_pre_norm": "norm_first=False computed as pre-norm: post-norm is "
                       "x = norm(x + sublayer(x))",
    "always_post_norm": "norm_first=True computed as post-norm: pre-norm is "
                        "x = x + sublayer(norm(x))",
    "residual_from_normalised": "the residual adds the normalised input; pre-norm adds the raw "
                                "x: x = x + sublayer(norm(x))",
    "norm_inside_residual": "post-norm written as x + norm(sublayer(x)); it is "
                            "norm(x + sublayer(x))",
    "ff_without_residual": "the feed-forward sublayer has no residual connection",
    "cross_queries_from_memory": "the cross-attention takes its queries from the memory; "
                                 "queries come from x, keys and values from the memory",
    "cross_attention_to_itself": "the cross-attention attends to x instead of the memory",
    "norms_2_3_swapped": "norm2 and norm3 swapped: norm2 goes with the cross-attention, norm3 "
                         "with the feed-forward network",
    "scaled_by_sqrt_e": "scores scaled by sqrt(E); the scale is sqrt(E / nhead), a head's width",
    "heads_without_transpose": "heads split with a reshape to (N, nhead, L, d) without the "
                               "transpose: view (N, L, nhead, d), then transpose(1, 2)",
    "kqv_order": "in_proj_weight read in the order k, q, v; it stacks q, k, v",
    "gelu": "GELU in the feed-forward network; TransformerDecoderLayer's default is ReLU",
}


def _bugs(x, memory, p, nhead, causal=True, norm_first=True) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        return {text: _model(x, memory, p, nhead, causal, norm_first, m)
                for m, text in _BUGS.items()
                if m != "cross_queries_from_memory" or memory.shape == x.shape}


def _check(got, want, x, memory, p, nhead, causal=True, norm_first=True, *, name="y",
           rtol=1e-10, atol=1e-12) -> None:
    # float64 through three sublayers of O(1) values: 1e-10 relative is far above rounding.
    assert_close(got, want, name=name, rtol=rtol, atol=atol,
                 bugs=_bugs(x, memory, p, nhead, causal, norm_first))


def _against_torch(submission, seed, *, causal=True, norm_first=True, **sizes):
    layer = _layer(seed, norm_first=norm_first, **{k: v for k, v in sizes.items()
                                                   if k in ("e", "nhead", "ff")})
    x, memory = _inputs(seed + 100, **{k: v for k, v in sizes.items()
                                       if k in ("n", "t", "s", "e")})
    p = _params(layer)
    nhead = sizes.get("nhead", HEADS)
    got = submission.decoder_block(x, memory, p, nhead, causal=causal, norm_first=norm_first)
    _check(got, _torch_block(layer, x, memory, causal), x, memory, p, nhead, causal, norm_first)


# -- tests ----------------------------------------------------------------------------------

@pytest.mark.points(3)
def test_pre_norm_matches_torch(submission, reference):
    """norm_first=True, causal: equals TransformerDecoderLayer(norm_first=True) in eval mode."""
    _against_torch(submission, 0, norm_first=True)


@pytest.mark.points(3)
def test_post_norm_matches_torch(submission, reference):
    """norm_first=False, causal: equals TransformerDecoderLayer(norm_first=False) in eval mode."""
    _against_torch(submission, 1, norm_first=False)


@pytest.mark.points(2)
def test_future_tokens_do_not_change_earlier_outputs(submission, reference):
    """causal=True: changing x[:, 3:] leaves y[:, :3] exactly as it was (and y[:, 0] is finite)."""
    layer = _layer(2)
    p = _params(layer)
    x, memory = _inputs(102)
    changed = x.clone()
    changed[:, 3:] += 5.0 * torch.randn(N, T - 3, E, generator=torch.Generator().manual_seed(7),
                                        dtype=F64)
    y = submission.decoder_block(x, memory, p, HEADS)
    y_changed = submission.decoder_block(changed, memory, p, HEADS)
    want = _torch_block(layer, x, memory)
    if isinstance(y, torch.Tensor) and torch.isnan(y[:, 0]).any():
        raise AssertionError("y[:, 0] is NaN: the first position has no key to attend to\n"
                             "  likely mistake: the causal mask covers the diagonal; a position "
                             "must see itself (mask only j > i)")
    # The outputs at positions 0-2 may not move at all when positions 3-4 change: 1e-12.
    assert_close(y_changed[:, :3] if isinstance(y_changed, torch.Tensor) else y_changed,
                 want[:, :3], name="y[:, :3] after changing x[:, 3:]", rtol=1e-10, atol=1e-12,
                 bugs={text: out[:, :3] for text, out in
                       _bugs(changed, memory, p, HEADS).items()})


@pytest.mark.points(2)
def test_without_the_causal_mask_matches_torch(submission, reference):
    """causal=False: every position attends to every position; equals the layer with no mask."""
    _against_torch(submission, 3, causal=False)


@pytest.mark.points(2)
def test_cross_attention_reads_a_longer_memory(submission, reference):
    """Memory of S = 9 positions for T = 4 targets: queries from x, keys and values from memory."""
    _against_torch(submission, 4, t=4, s=9)


@pytest.mark.points(2)
def test_memory_changes_the_output(submission, reference):
    """Another memory, as long as x (S = T = 5), gives the layer's other output."""
    layer = _layer(5)
    p = _params(layer)
    x, memory = _inputs(105, s=T)                    # S = T: swapped roles give no shape error
    other = memory.flip(1) * 2.0                     # same sizes, other content
    got = submission.decoder_block(x, other, p, HEADS)
    _check(got, _torch_block(layer, x, other), x, other, p, HEADS, name="y (another memory)")


@pytest.mark.points(1)
def test_one_head_and_one_feature_per_head(submission, reference):
    """nhead = 1 (a head of 12 features) and nhead = 12 (heads of 1 feature) both match torch."""
    for seed, nhead in ((6, 1), (7, 12)):
        _against_torch(submission, seed, nhead=nhead)


@pytest.mark.points(1)
def test_single_target_position(submission, reference):
    """T = 1 with the causal mask: the one position attends to itself only."""
    _against_torch(submission, 8, t=1)


@pytest.mark.points(1)
def test_float32_stays_float32(submission, reference):
    """float32 inputs and weights give a float32 y equal to the float32 layer's."""
    layer = _layer(9, dtype=torch.float32)
    x, memory = _inputs(109, dtype=torch.float32)
    got = submission.decoder_block(x, memory, _params(layer), HEADS)
    # float32 through three sublayers: ~1e-6 relative; 1e-4 leaves room.
    assert_close(got, _torch_block(layer, x, memory), name="y (float32)", rtol=1e-4, atol=1e-5)


@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """(N, T, S, E) = (8, 32, 40, 64), 8 heads: within 10x of the reference, and right.

    A loop over the heads is fine; a Python loop over the batch or the positions is ~30-100x.
    """
    layer = _layer(10, e=64, nhead=8, ff=128)
    x, memory = _inputs(110, n=8, t=32, s=40, e=64)
    p = _params(layer)
    got, want = assert_fast_enough(submission.decoder_block, reference.decoder_block, x, memory,
                                   p, 8, max_ratio=10, repeat=3)
    assert_close(got, want, name="y (timed call)", rtol=1e-10, atol=1e-12)
