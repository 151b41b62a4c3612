"""BERT's masked-language-model corruption, in numpy.

BERT learns by repairing sentences. A random 15% of the ordinary tokens are chosen; the model
sees a corrupted copy of the sentence and must predict the original token at every chosen
position (and only there). To keep the model from relying on the [MASK] symbol, which never
appears once it is fine-tuned, the chosen positions are corrupted three ways:

    80% of them: replaced by mask_id
    10% of them: replaced by a random token, uniform over the whole vocabulary
    10% of them: left unchanged (the model must still predict them)

Special tokens ([CLS], [SEP], padding) are never chosen. The labels hold the original token
at every chosen position and -100 (the value torch's cross-entropy ignores) everywhere else.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def mlm_mask(tokens: np.ndarray, rng: np.random.Generator, vocab_size: int, mask_id: int,
             special_ids: Iterable[int], p: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt a batch of token ids for masked language modelling.

    Args:
        tokens: integer token ids, any shape, e.g. (N, T).
        rng: the numpy Generator to draw every random number from (never np.random itself).
        vocab_size: the number of token ids; random replacements are drawn uniformly from
            0 ... vocab_size - 1 (any id, as BERT's own code does).
        mask_id: the id of the [MASK] token.
        special_ids: the ids that are never chosen ([CLS], [SEP], [PAD], ...).
        p: the probability with which each non-special position is chosen, independently.

    Returns:
        inputs: a NEW array like tokens (same shape and dtype): the chosen positions
            corrupted (80% mask_id, 10% a random id, 10% unchanged), the others as they were.
            tokens itself is left unchanged.
        labels: an int64 array of tokens' shape: the original token at every chosen position,
            -100 everywhere else.
    """
    # BEGIN SOLUTION
    # TODO: find the special positions; choose every other position with probability p.
    # TODO: split the chosen ones 80 / 10 / 10 with one more uniform draw per position.
    # TODO: write the corrupted copy and the labels; leave tokens alone.
    tokens = np.asarray(tokens)
    special = np.isin(tokens, list(special_ids))                  # never chosen
    chosen = (rng.random(tokens.shape) < p) & ~special            # each with probability p
    action = rng.random(tokens.shape)                             # decides what a choice becomes
    to_mask = chosen & (action < 0.8)                             # 80% of the chosen
    to_random = chosen & (action >= 0.8) & (action < 0.9)         # 10%; the last 10% unchanged
    inputs = tokens.copy()
    inputs[to_mask] = mask_id
    inputs[to_random] = rng.integers(0, vocab_size, size=int(to_random.sum()))
    labels = np.where(chosen, tokens, -100).astype(np.int64)
    return inputs, labels
    # END SOLUTION
