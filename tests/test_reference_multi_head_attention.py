"""The attention reference agrees with F.scaled_dot_product_attention and nn.MultiheadAttention."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import load_reference

F64 = torch.float64


@pytest.fixture(scope="module")
def ref():
    return load_reference("multi_head_attention")


def _mask(kind, b, h, lq, lk, gen):
    if kind is None:
        return None
    if kind == "causal":
        return torch.ones(lq, lk, dtype=torch.bool).triu(1)
    if kind == "padding":                                  # (B, 1, Lq, Lk)
        lengths = torch.tensor([lk, lk - 3])[:b]
        return (torch.arange(lk)[None, :] >= lengths[:, None])[:, None, None, :].expand(b, 1, lq, lk)
    mask = torch.rand(b, h, lq, lk, generator=gen) < 0.4   # per head
    return mask.scatter(-1, torch.randint(lk, (b, h, lq, 1), generator=gen), False)


@pytest.mark.parametrize("kind", [None, "causal", "padding", "per_head"])
def test_sdpa_matches_torch(ref, kind):
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 6, 5, generator=gen, dtype=F64), torch.randn(2, 3, 6, 5, generator=gen, dtype=F64),
               torch.randn(2, 3, 6, 4, generator=gen, dtype=F64))
    mask = _mask(kind, 2, 3, 6, 6, gen)
    out, weights = ref.scaled_dot_product_attention(q, k, v, mask)
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else ~mask)
    torch.testing.assert_close(out, want, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 6, dtype=F64))
    if mask is not None:
        assert (weights.masked_select(mask.expand_as(weights)) == 0).all()


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", [None, "causal", "padding", "per_head"])
def test_mha_matches_torch(ref, kind, bias):
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    b, lq, lk, d_model, h = 2, 5, 7, 12, 3
    if kind == "causal":
        lk = lq
    mine = ref.MultiHeadAttention(d_model, h, bias=bias).double()
    theirs = torch.nn.MultiheadAttention(d_model, h, dropout=0.0, bias=bias, batch_first=True, dtype=F64)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([mine.q_proj.weight, mine.k_proj.weight, mine.v_proj.weight]))
        theirs.out_proj.weight.copy_(mine.out_proj.weight)
        if bias:
            theirs.in_proj_bias.copy_(torch.cat([mine.q_proj.bias, mine.k_proj.bias, mine.v_proj.bias]))
            theirs.out_proj.bias.copy_(mine.out_proj.bias)
    query = torch.randn(b, lq, d_model, generator=gen, dtype=F64)
    key, value = (torch.randn(b, lk, d_model, generator=gen, dtype=F64) for _ in range(2))
    mask = _mask(kind, b, h, lq, lk, gen)
    attn_mask = mask if mask is None or mask.dim() == 2 else mask.expand(b, h, lq, lk).reshape(b * h, lq, lk)
    with torch.no_grad():
        out, weights = mine(query, key, value, mask)
        want_out, want_w = theirs(query, key, value, attn_mask=attn_mask, average_attn_weights=False)
    assert out.shape == (b, lq, d_model) and weights.shape == (b, h, lq, lk)
    torch.testing.assert_close(out, want_out, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(weights, want_w, rtol=1e-10, atol=1e-12)


def test_mha_rejects_indivisible_width(ref):
    with pytest.raises(ValueError):
        ref.MultiHeadAttention(10, 3)
    assert set(dict(ref.MultiHeadAttention(12, 3).named_children())) == {"q_proj", "k_proj", "v_proj", "out_proj"}
