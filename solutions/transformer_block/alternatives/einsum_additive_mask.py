"""A transformer decoder block, another style: einsum for the per-head products, an additive
float mask, and layer norm written out by hand."""
from __future__ import annotations

import torch


def _layer_norm(x, weight, bias, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)            # biased, as torch's layer norm
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def _mha(q_in, kv_in, p, prefix, nhead, additive_mask):
    n, L, e = q_in.shape
    d = e // nhead
    w, b = p[prefix + ".in_proj_weight"], p[prefix + ".in_proj_bias"]
    q = (q_in @ w[:e].T + b[:e]).reshape(n, L, nhead, d)
    k = (kv_in @ w[e:2 * e].T + b[e:2 * e]).reshape(n, -1, nhead, d)
    v = (kv_in @ w[2 * e:].T + b[2 * e:]).reshape(n, -1, nhead, d)
    scores = torch.einsum("nlhd,nshd->nhls", q, k) / d ** 0.5
    if additive_mask is not None:
        scores = scores + additive_mask
    out = torch.einsum("nhls,nshd->nlhd", scores.softmax(-1), v).reshape(n, L, e)
    return out @ p[prefix + ".out_proj.weight"].T + p[prefix + ".out_proj.bias"]


def decoder_block(x, memory, params, nhead, causal=True, norm_first=True):
    """TransformerDecoderLayer's forward in eval mode (batch first)."""
    T = x.shape[1]
    mask = None
    if causal:
        mask = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)   # 0 on and below the diagonal

    def norm(h, i):
        return _layer_norm(h, params[f"norm{i}.weight"], params[f"norm{i}.bias"])

    def ff(h):
        hidden = (h @ params["linear1.weight"].T + params["linear1.bias"]).clamp_min(0)
        return hidden @ params["linear2.weight"].T + params["linear2.bias"]

    sublayers = [lambda h: _mha(h, h, params, "self_attn", nhead, mask),
                 lambda h: _mha(h, memory, params, "multihead_attn", nhead, None),
                 ff]
    for i, sublayer in enumerate(sublayers, start=1):
        x = x + sublayer(norm(x, i)) if norm_first else norm(x + sublayer(x), i)
    return x
