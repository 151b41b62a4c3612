"""The bert_masking reference follows BERT's masking rules, checked over many draws."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import load_reference

ref = load_reference("bert_masking")

SPECIAL, MASK, VOCAB = [0, 1, 2, 3], 3, 500


def _tokens(seed, shape=(400, 100)):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(4, VOCAB, size=shape)
    tokens[:, 0], tokens[:, -1], tokens[:, -10:-1] = 1, 2, 0         # [CLS] ... [PAD] [SEP]
    return tokens


@pytest.mark.parametrize("p", [0.15, 0.4])
def test_rules_and_rates(p):
    tokens = _tokens(int(p * 100))
    before = tokens.copy()
    inputs, labels = ref.mlm_mask(tokens, np.random.default_rng(0), VOCAB, MASK, SPECIAL, p=p)
    np.testing.assert_array_equal(tokens, before)                     # the input is untouched
    assert inputs.dtype == tokens.dtype and labels.dtype == np.int64
    special = np.isin(tokens, SPECIAL)
    chosen = labels != -100
    assert not (chosen & special).any()
    np.testing.assert_array_equal(inputs[~chosen], tokens[~chosen])
    np.testing.assert_array_equal(labels[chosen], tokens[chosen])
    n = int((~special).sum())
    assert abs(chosen[~special].mean() - p) < 5 * np.sqrt(p * (1 - p) / n)
    m = int(chosen.sum())
    masked = (inputs[chosen] == MASK).mean()
    kept = (inputs[chosen] == tokens[chosen]).mean()
    for observed, rate in ((masked, 0.8 + 0.1 / VOCAB), (kept, 0.1 + 0.1 / VOCAB),
                           (1 - masked - kept, 0.1 * (1 - 2 / VOCAB))):
        assert abs(observed - rate) < 5 * np.sqrt(rate * (1 - rate) / m)


def test_same_seed_same_result_and_random_ids_span_the_vocabulary():
    tokens = _tokens(1)
    first = ref.mlm_mask(tokens, np.random.default_rng(5), VOCAB, MASK, SPECIAL)
    second = ref.mlm_mask(tokens, np.random.default_rng(5), VOCAB, MASK, SPECIAL)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    big = _tokens(2, shape=(2000, 100))
    inputs, labels = ref.mlm_mask(big, np.random.default_rng(6), VOCAB, MASK, SPECIAL)
    chosen = labels != -100
    random_ids = inputs[chosen & (inputs != MASK) & (inputs != big)]
    assert random_ids.min() >= 0 and random_ids.max() < VOCAB and random_ids.max() > 0.95 * VOCAB
