"""A correct version in another style: einsum, a hand-written stable softmax,
torch.where for the mask, and multi-head attention as a Python loop over the heads
(each head uses its own slice of the projection outputs).
"""
from __future__ import annotations

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.einsum("...qd,...kd->...qk", q, k) * q.shape[-1] ** -0.5
    if mask is not None:
        scores = torch.where(mask, torch.full_like(scores, float("-inf")), scores)
    scores = scores - scores.amax(dim=-1, keepdim=True)
    e = scores.exp()
    weights = e / e.sum(dim=-1, keepdim=True)
    return torch.einsum("...qk,...kd->...qd", weights, v), weights


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads, bias=True):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model must be divisible by num_heads")
        self.d_model, self.num_heads, self.d_head = d_model, num_heads, d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, query, key, value, mask=None):
        q, k, v = self.q_proj(query), self.k_proj(key), self.v_proj(value)
        if mask is not None and mask.dim() == 4:
            mask = mask.expand(-1, self.num_heads, -1, -1)
        outs, ws = [], []
        for h in range(self.num_heads):
            sl = slice(h * self.d_head, (h + 1) * self.d_head)
            m = None
            if mask is not None:
                m = mask[:, h] if mask.dim() == 4 else mask
            o, w = scaled_dot_product_attention(q[..., sl], k[..., sl], v[..., sl], m)
            outs.append(o)
            ws.append(w)
        return self.out_proj(torch.cat(outs, dim=-1)), torch.stack(ws, dim=1)
