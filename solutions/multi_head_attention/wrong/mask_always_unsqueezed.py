"""The mask always gets a head axis inserted at dim 1, as if it were (B, Lq, Lk).

A known-wrong version of the reference, kept to check that the hidden suite rejects it.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention of every query over every key.

        scores  = q @ k^T / sqrt(d)                     (..., Lq, Lk)
        scores  = -inf where mask is True
        weights = softmax(scores) over the last axis    (..., Lq, Lk), each row sums to 1
        out     = weights @ v                           (..., Lq, dv)

    Args:
        q: queries, shape (..., Lq, d).
        k: keys, shape (..., Lk, d).
        v: values, shape (..., Lk, dv).
        mask: optional bool tensor broadcastable to (..., Lq, Lk); True = masked out.

    Returns:
        out: shape (..., Lq, dv).
        weights: shape (..., Lq, Lk).

    The leading dimensions ``...`` (batch, heads) may be absent or several.
    """
    # BEGIN SOLUTION
    # TODO: scores from q and k, scaled by 1/sqrt(d); masked scores to -inf;
    # TODO: softmax over the keys; weighted sum of the values.
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)          # (..., Lq, Lk)
    if mask is not None:
        # -inf becomes exactly 0 after the softmax, and the row still sums to 1.
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)                  # over the keys
    out = weights @ v                                        # (..., Lq, dv)
    return out, weights
    # END SOLUTION


class MultiHeadAttention(nn.Module):
    """Multi-head attention, batch first, as in torch.nn.MultiheadAttention.

    The constructor is given: four d_model -> d_model projections, named
    q_proj, k_proj, v_proj and out_proj. Write ``forward``.
    """

    def __init__(self, d_model: int, num_heads: int, bias: bool = True) -> None:
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
        self.d_model = d_model
        self.num_heads = num_heads
        self.d_head = d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Project, split into heads, attend in each head, merge, project.

        Args:
            query: (B, Lq, d_model).
            key: (B, Lk, d_model).
            value: (B, Lk, d_model).
            mask: optional bool tensor, True = masked out, of shape (Lq, Lk),
                (B, 1, Lq, Lk) or (B, H, Lq, Lk), or anything else that
                broadcasts to (B, H, Lq, Lk).

        Returns:
            out: (B, Lq, d_model), after out_proj.
            weights: (B, H, Lq, Lk), the attention weights of every head
                (not averaged over the heads).

        The result matches torch.nn.MultiheadAttention(d_model, num_heads,
        batch_first=True, dropout=0.0) given the same projection weights.
        """
        # BEGIN SOLUTION
        # TODO: project query, key, value; split d_model into H heads of d_head;
        # TODO: attend in every head at once; merge the heads back; apply out_proj.
        B, Lq, _ = query.shape
        Lk = key.shape[1]
        H, dh = self.num_heads, self.d_head
        # Split the last axis into (H, d_head), then move H in front of the
        # sequence axis so every head is an independent (L, d_head) problem.
        q = self.q_proj(query).view(B, Lq, H, dh).transpose(1, 2)   # (B, H, Lq, d_head)
        k = self.k_proj(key).view(B, Lk, H, dh).transpose(1, 2)     # (B, H, Lk, d_head)
        v = self.v_proj(value).view(B, Lk, H, dh).transpose(1, 2)   # (B, H, Lk, d_head)
        # A (Lq, Lk) or (B, 1, Lq, Lk) mask broadcasts over the heads.
        if mask is not None:
            mask = mask.unsqueeze(1)                                # (B, 1, Lq, Lk)
        out, weights = scaled_dot_product_attention(q, k, v, mask)  # (B, H, Lq, d_head)
        # Undo the split: heads back next to d_head, then concatenate them.
        out = out.transpose(1, 2).reshape(B, Lq, self.d_model)      # (B, Lq, d_model)
        return self.out_proj(out), weights
        # END SOLUTION
