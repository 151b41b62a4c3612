"""A transformer decoder block in torch, equal to torch.nn.TransformerDecoderLayer in eval mode.

A decoder block has three sublayers, each wrapped in a residual connection and a layer norm:

    1. masked self-attention over the target sequence x       (each position sees itself and
                                                               the positions before it)
    2. cross-attention: queries from x, keys and values from the encoder's output (memory)
    3. a feed-forward network: linear1, ReLU, linear2, applied to every position alike

Pre-norm (norm_first=True) normalises the input of each sublayer and adds the raw input back:

    x = x + self_attn(norm1(x))
    x = x + cross_attn(norm2(x), memory)
    x = x + ff(norm3(x))

Post-norm (norm_first=False, the original transformer) normalises after the residual sum:

    x = norm1(x + self_attn(x))
    x = norm2(x + cross_attn(x, memory))
    x = norm3(x + ff(x))

Multi-head attention (torch's layout): in_proj_weight (3E, E) stacks the query, key and value
projections in that order; each projection is split into nhead heads of E / nhead features;
per head, softmax(q k^T / sqrt(E / nhead) + mask) v; the heads are joined again and passed
through out_proj. Layer norms use eps = 1e-5. Dropout is 0 (eval mode).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# BEGIN SOLUTION
# TODO: write the pieces you need here: multi-head attention from torch's in_proj / out_proj
# TODO: weights (with an optional boolean mask), and the feed-forward network.


def _attention(query: torch.Tensor, key_value: torch.Tensor, params: dict, prefix: str,
               nhead: int, mask: torch.Tensor | None) -> torch.Tensor:
    """Multi-head attention with torch's packed weights: queries from query, keys and values
    from key_value. mask (L, S) is True where a query must NOT look."""
    N, L, E = query.shape
    S = key_value.shape[1]
    d = E // nhead                                                    # features per head
    w_q, w_k, w_v = params[f"{prefix}.in_proj_weight"].chunk(3)      # each (E, E)
    b_q, b_k, b_v = params[f"{prefix}.in_proj_bias"].chunk(3)        # each (E,)
    # Project, then split E into (nhead, d) and move the heads before the positions.
    q = F.linear(query, w_q, b_q).view(N, L, nhead, d).transpose(1, 2)       # (N, h, L, d)
    k = F.linear(key_value, w_k, b_k).view(N, S, nhead, d).transpose(1, 2)   # (N, h, S, d)
    v = F.linear(key_value, w_v, b_v).view(N, S, nhead, d).transpose(1, 2)   # (N, h, S, d)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)                  # (N, h, L, S)
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))             # (L, S) broadcasts
    heads = torch.softmax(scores, dim=-1) @ v                        # (N, h, L, d)
    joined = heads.transpose(1, 2).reshape(N, L, E)                  # (N, L, E) heads side by side
    return F.linear(joined, params[f"{prefix}.out_proj.weight"], params[f"{prefix}.out_proj.bias"])


def _feed_forward(x: torch.Tensor, params: dict) -> torch.Tensor:
    """linear2(relu(linear1(x))), position by position."""
    hidden = torch.relu(F.linear(x, params["linear1.weight"], params["linear1.bias"]))  # (N, T, F)
    return F.linear(hidden, params["linear2.weight"], params["linear2.bias"])          # (N, T, E)


def _norm(x: torch.Tensor, params: dict, name: str) -> torch.Tensor:
    return F.layer_norm(x, x.shape[-1:], params[f"{name}.weight"], params[f"{name}.bias"], 1e-5)
# END SOLUTION


def decoder_block(x: torch.Tensor, memory: torch.Tensor, params: dict, nhead: int,
                  causal: bool = True, norm_first: bool = True) -> torch.Tensor:
    """One transformer decoder block, equal to torch.nn.TransformerDecoderLayer in eval mode.

    Args:
        x: the target sequence, shape (N, T, E), batch first.
        memory: the encoder's output, shape (N, S, E); S may differ from T.
        params: the weights, as a torch.nn.TransformerDecoderLayer(E, nhead, dim_feedforward=F)
            state_dict names them:
              self_attn.in_proj_weight (3E, E), self_attn.in_proj_bias (3E,),
              self_attn.out_proj.weight (E, E), self_attn.out_proj.bias (E,),
              multihead_attn.* (the same four, for the cross-attention),
              linear1.weight (F, E), linear1.bias (F,), linear2.weight (E, F), linear2.bias (E,),
              norm1.weight, norm1.bias, norm2.weight, norm2.bias, norm3.weight, norm3.bias (E,).
            norm1 goes with the self-attention, norm2 with the cross-attention, norm3 with the
            feed-forward network.
        nhead: the number of heads; E is a multiple of it.
        causal: when True, position t of x attends to positions 0 ... t only (itself
            included) in the self-attention. The cross-attention is never masked.
        norm_first: True for pre-norm, False for post-norm (see the module docstring).

    Returns:
        y, shape (N, T, E), the dtype of x.
    """
    # BEGIN SOLUTION
    # TODO: build the causal mask if asked (True above the diagonal: the future).
    # TODO: then the three sublayers, each with its residual and its layer norm, in the order
    # TODO: self-attention (norm1), cross-attention (norm2), feed-forward (norm3).
    T = x.shape[1]
    mask = None
    if causal:
        # (T, T), True where key j is after query i: the diagonal itself stays visible.
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(diagonal=1)

    def self_attention(h):
        return _attention(h, h, params, "self_attn", nhead, mask)

    def cross_attention(h):
        return _attention(h, memory, params, "multihead_attn", nhead, None)   # queries from x

    if norm_first:
        x = x + self_attention(_norm(x, params, "norm1"))
        x = x + cross_attention(_norm(x, params, "norm2"))
        x = x + _feed_forward(_norm(x, params, "norm3"), params)
    else:
        x = _norm(x + self_attention(x), params, "norm1")
        x = _norm(x + cross_attention(x), params, "norm2")
        x = _norm(x + _feed_forward(x, params), params, "norm3")
    return x
    # END SOLUTION
