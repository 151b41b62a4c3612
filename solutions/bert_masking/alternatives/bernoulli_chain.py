"""BERT masking, another style: the split as a chain of coin flips (80%, then half of the
rest), as BERT's reference data collator does, and np.where instead of in-place writes."""
from __future__ import annotations

import numpy as np


def mlm_mask(tokens, rng, vocab_size, mask_id, special_ids, p=0.15):
    """(inputs, labels) for masked language modelling."""
    tokens = np.asarray(tokens)
    special = np.zeros(tokens.shape, dtype=bool)
    for sid in special_ids:
        special |= tokens == sid
    chosen = ~special & (rng.random(tokens.shape) < p)
    masked = chosen & (rng.random(tokens.shape) < 0.8)
    randomised = chosen & ~masked & (rng.random(tokens.shape) < 0.5)     # half of the other 20%
    random_ids = rng.integers(0, vocab_size, size=tokens.shape)
    inputs = np.where(masked, mask_id, np.where(randomised, random_ids, tokens)).astype(tokens.dtype)
    labels = np.where(chosen, tokens, -100).astype(np.int64)
    return inputs, labels
