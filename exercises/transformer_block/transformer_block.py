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

# TODO: write the pieces you need here: multi-head attention from torch's in_proj / out_proj
# TODO: weights (with an optional boolean mask), and the feed-forward network.


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
    # TODO: build the causal mask if asked (True above the diagonal: the future).
    # TODO: then the three sublayers, each with its residual and its layer norm, in the order
    # TODO: self-attention (norm1), cross-attention (norm2), feed-forward (norm3).
    raise NotImplementedError
