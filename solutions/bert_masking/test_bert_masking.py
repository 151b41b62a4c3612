"""Hidden suite for the bert_masking exercise.

The output is random, so no oracle gives it exactly. Each test checks either a property that
must hold on every draw (special tokens untouched, unchosen positions unchanged, labels that
hold the original tokens, the input array left alone, the same Generator seed giving the same
result) or a rate over tens of thousands of positions: the fraction chosen, and the 80 / 10 /
10 split of the chosen ones, each within five binomial standard errors (a right answer fails
less than once in a million runs). Known mistakes give rates far outside those bands.

The batch looks like BERT's: [CLS] first, [SEP] after each sentence, [PAD] to the end, and
ordinary ids from 4 to 999, so about a fifth of the positions are special.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from grader.submission import SubmissionBroken
from grader.suite import assert_close, assert_fast_enough, fetch, keep_in_worker

PAD, CLS, SEP, MASK = 0, 1, 2, 3
SPECIAL = [PAD, CLS, SEP, MASK]
VOCAB = 1000


# -- inputs and the learner's calls ---------------------------------------------------------

def _batch(seed: int, n: int = 256, t: int = 128) -> np.ndarray:
    """(n, t) int64 token ids: [CLS] sentence [SEP] [PAD]..., sentence lengths 40 ... t-2."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(4, VOCAB, size=(n, t))
    lengths = rng.integers(40, t - 1, size=n)                     # words per sentence
    tokens[:, 0] = CLS
    tokens[np.arange(n), lengths + 1] = SEP
    tokens[np.arange(t)[None, :] > (lengths + 1)[:, None]] = PAD
    return tokens


def _rng_in_worker(submission, seed: int):
    """np.random.default_rng(seed), made in the learner's process.

    A Generator cannot cross to the learner's process as data, so it is built there, through
    the numpy that the learner's module imported (the stub's `import numpy as np`).
    """
    for name in ("np", "numpy"):
        try:
            numpy_there = getattr(submission, name)
        except (AttributeError, SubmissionBroken):      # the module has no such name
            continue
        return numpy_there.random.default_rng(seed)
    raise AssertionError("the grader builds the random Generator with your module's numpy: "
                         "keep `import numpy as np` at the top of bert_masking.py")


def _mask(submission, tokens, seed: int, p: float = 0.15, *, passed=None):
    """The learner's mlm_mask with a fresh Generator(seed); (inputs, labels), checked for kind."""
    result = submission.mlm_mask(tokens if passed is None else passed,
                                 _rng_in_worker(submission, seed), VOCAB, MASK, SPECIAL, p=p)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError("mlm_mask should return a pair (inputs, labels), got "
                             f"{type(result).__name__}")
    for name, array in zip(("inputs", "labels"), result):
        if not isinstance(array, np.ndarray) or array.shape != tokens.shape:
            raise AssertionError(f"{name}: expected an array of shape {tokens.shape}, got "
                                 f"{getattr(array, 'shape', type(array).__name__)}")
        if not np.issubdtype(array.dtype, np.integer):
            raise AssertionError(f"{name}: expected integer token ids, got dtype {array.dtype}")
    return result


def _check_rate(hits: np.ndarray, *, rate: float, name: str,
                bugs: dict[str, float] | None = None) -> None:
    """The fraction of True in hits is rate within five binomial standard errors."""
    n = hits.size
    observed = float(np.count_nonzero(hits)) / n
    band = 5.0 * math.sqrt(rate * (1.0 - rate) / n)
    if abs(observed - rate) <= band:
        return
    message = f"{name}: {observed:.4f} over {n} positions, expected {rate:.4f} (±{band:.4f})"
    near = {text: value for text, value in (bugs or {}).items() if abs(observed - value) <= band}
    if near:
        message += f"\n  likely mistake: {min(near, key=lambda text: abs(observed - near[text]))}"
    raise AssertionError(message)


def _outcomes(tokens, inputs, labels) -> dict[str, np.ndarray]:
    """What happened at each position, read off the output."""
    chosen = labels != -100
    masked = chosen & (inputs == MASK)
    kept = chosen & (inputs == tokens)
    return {"chosen": chosen, "masked": masked, "kept": kept,
            "random": chosen & ~masked & ~kept, "special": np.isin(tokens, SPECIAL)}


def _invariant_problems(tokens, inputs, labels) -> list[str]:
    """What is wrong on this one draw, whatever the random numbers were."""
    o = _outcomes(tokens, inputs, labels)
    problems = []
    if (o["chosen"] & o["special"]).any():
        problems.append(f"{int((o['chosen'] & o['special']).sum())} special tokens ([CLS], "
                        f"[SEP], [PAD]) have a label; they must never be chosen")
    if (inputs[o["special"]] != tokens[o["special"]]).any():
        problems.append("special tokens were changed in inputs; leave them as they are")
    changed = inputs != tokens
    if (changed & ~o["chosen"]).any():
        problems.append(f"{int((changed & ~o['chosen']).sum())} positions with label -100 were "
                        f"changed in inputs; only the chosen positions are corrupted")
    if (labels[o["chosen"]] != tokens[o["chosen"]]).any():
        problems.append("labels at chosen positions differ from the original tokens (a label "
                        "is the token the model must recover, not the corrupted input)")
    return problems


# -- properties of every draw ---------------------------------------------------------------

@pytest.mark.points(2)
def test_special_tokens_are_never_chosen(submission, reference):
    """[CLS], [SEP] and [PAD] keep their ids and get label -100."""
    tokens = _batch(0)
    inputs, labels = _mask(submission, tokens, 100)
    special = np.isin(tokens, SPECIAL)
    labelled = int((labels[special] != -100).sum())
    if labelled:
        share = labelled / int(special.sum())
        raise AssertionError(
            f"labels: {labelled} of {int(special.sum())} special positions ([CLS], [SEP], "
            f"[PAD]) have a label instead of -100 ({share:.1%} of them)"
            + ("\n  likely mistake: special tokens chosen like the others; leave the special "
               "ids out before choosing" if 0.05 < share < 0.3 else ""))
    assert_close(inputs[special], tokens[special], name="inputs at the special positions",
                 rtol=0, atol=0)


@pytest.mark.points(2)
def test_unchosen_positions_are_unchanged(submission, reference):
    """Wherever the label is -100, inputs holds the original token (80/10/10 is for the chosen only)."""
    tokens = _batch(1)
    inputs, labels = _mask(submission, tokens, 101)
    unchosen = labels == -100
    changed = int((inputs[unchosen] != tokens[unchosen]).sum())
    if changed:
        share = changed / max(1, int(unchosen.sum()))
        hint = ("\n  likely mistake: the 80/10/10 split applied to all tokens instead of the "
                "chosen ones" if share > 0.5 else "")
        raise AssertionError(f"inputs: {changed} of {int(unchosen.sum())} unchosen positions "
                             f"(label -100) were changed{hint}")


@pytest.mark.points(2)
def test_labels_hold_the_original_tokens(submission, reference):
    """labels is int64: the original token where chosen (every corrupted position is), -100 elsewhere."""
    tokens = _batch(2)
    inputs, labels = _mask(submission, tokens, 102)
    if labels.dtype != np.int64:
        raise AssertionError(f"labels: expected dtype int64, got {labels.dtype}")
    chosen = labels != -100
    if chosen.all() or (labels == tokens).all():
        raise AssertionError("labels: no position has -100\n  likely mistake: labels set on "
                             "the unchosen positions too; they must be -100 there")
    assert_close(labels[chosen], tokens[chosen], name="labels at the chosen positions", rtol=0,
                 atol=0, bugs={"labels hold the corrupted inputs; they hold the original "
                               "tokens": inputs[chosen]})
    unlabelled = (inputs != tokens) & ~chosen
    if unlabelled.any():
        raise AssertionError(f"labels: {int(unlabelled.sum())} corrupted positions have label "
                             f"-100; every changed position was chosen and needs its label")


@pytest.mark.points(1)
def test_the_given_rng_is_used(submission, reference):
    """Two calls with default_rng(7) give the same result; default_rng(8) gives another."""
    tokens = _batch(3, n=32)
    first, second, other = (_mask(submission, tokens, seed) for seed in (7, 7, 8))
    if not all(np.array_equal(a, b) for a, b in zip(first, second)):
        raise AssertionError("two calls with np.random.default_rng(7) gave different results\n"
                             "  likely mistake: random numbers drawn from np.random (or a new "
                             "Generator) instead of the rng argument")
    if all(np.array_equal(a, b) for a, b in zip(first, other)):
        raise AssertionError("default_rng(7) and default_rng(8) gave the same result: the "
                             "draws must come from the rng argument")


@pytest.mark.points(1)
def test_tokens_are_left_unchanged(submission, reference):
    """mlm_mask returns a new inputs array: the tokens passed in keep their values."""
    tokens = _batch(4, n=64)
    kept = keep_in_worker(submission, tokens.copy())
    inputs, _ = _mask(submission, tokens, 104, passed=kept)
    after = fetch(kept)
    assert_close(after, tokens, name="the tokens array after the call", rtol=0, atol=0,
                 bugs={"tokens corrupted in place: copy it first (inputs = tokens.copy())":
                       inputs})


# -- rates over many positions --------------------------------------------------------------

@pytest.mark.points(2)
def test_chosen_fraction_is_p(submission, reference):
    """About 15% of the non-special positions are chosen (have a label), each independently."""
    tokens = _batch(5, n=512)
    inputs, labels = _mask(submission, tokens, 105)
    o = _outcomes(tokens, inputs, labels)
    _check_rate(o["chosen"][~o["special"]], rate=0.15,
                name="share of the non-special positions with a label",
                bugs={"labels only where [MASK] was put; the 10% random and 10% kept "
                      "positions need their labels too": 0.12,
                      "p used as the share of positions NOT chosen": 0.85})


@pytest.mark.points(1)
def test_the_rate_p_is_used(submission, reference):
    """With p = 0.4, about 40% of the non-special positions are chosen."""
    tokens = _batch(6, n=512)
    inputs, labels = _mask(submission, tokens, 106, p=0.4)
    o = _outcomes(tokens, inputs, labels)
    _check_rate(o["chosen"][~o["special"]], rate=0.4,
                name="share of the non-special positions with a label (p = 0.4)",
                bugs={"p ignored: 0.15 hard-coded": 0.15,
                      "labels only where [MASK] was put": 0.32})


def _split(submission, seed: int) -> dict[str, np.ndarray]:
    """The outcomes of the chosen positions of a (1024, 128) batch (~16 000 of them)."""
    tokens = _batch(seed, n=1024)
    inputs, labels = _mask(submission, tokens, seed + 100)
    problems = _invariant_problems(tokens, inputs, labels)
    if problems:
        raise AssertionError("before the 80/10/10 split can be checked: " + problems[0])
    o = _outcomes(tokens, inputs, labels)
    return {k: v[o["chosen"]] for k, v in o.items() if k != "chosen"}


@pytest.mark.points(2)
def test_80_percent_of_the_chosen_become_mask(submission, reference):
    """About 80% of the chosen positions hold mask_id (plus the 0.01% random draws of it)."""
    _check_rate(_split(submission, 7)["masked"], rate=0.8 + 0.1 / VOCAB,
                name="share of the chosen positions that hold [MASK]",
                bugs={"every chosen position masked: only 80% get [MASK]": 1.0,
                      "the random replacement overwrote the masks (its condition includes "
                      "the 80%): draw one number per position and use disjoint ranges": 0.0})


@pytest.mark.points(2)
def test_10_percent_of_the_chosen_become_random_tokens(submission, reference):
    """About 10% of the chosen positions hold a random id other than [MASK] and the original."""
    _check_rate(_split(submission, 8)["random"], rate=0.1 * (1 - 2 / VOCAB),
                name="share of the chosen positions replaced by another token",
                bugs={"the 10% random share drawn as 10% of the remaining 20% (2% in all): "
                      "one uniform number per position, [0.8, 0.9) for random": 0.02,
                      "no random replacements": 0.0,
                      "the random replacement overwrote the masks": 0.9})


@pytest.mark.points(1)
def test_10_percent_of_the_chosen_are_kept(submission, reference):
    """About 10% of the chosen positions keep their original token (and still have a label)."""
    _check_rate(_split(submission, 9)["kept"], rate=0.1 + 0.1 / VOCAB,
                name="share of the chosen positions left unchanged",
                bugs={"no chosen position left unchanged: 10% must keep their token": 0.0,
                      "20% left unchanged: the random share is missing": 0.2})


@pytest.mark.points(1)
def test_random_replacements_cover_the_vocabulary(submission, reference):
    """The random replacements are spread uniformly over 0 ... vocab_size - 1."""
    tokens = _batch(10, n=2048)
    inputs, labels = _mask(submission, tokens, 110)
    random_ids = inputs[_outcomes(tokens, inputs, labels)["random"]].astype(np.float64)
    if random_ids.size < 500:
        raise AssertionError(f"only {random_ids.size} chosen positions hold a random token; "
                             f"expected about 3000")
    if random_ids.min() < 0 or random_ids.max() >= VOCAB:
        raise AssertionError(f"random replacements range over {random_ids.min():g} ... "
                             f"{random_ids.max():g}; they must be ids in 0 ... {VOCAB - 1}")
    # Uniform on 0 ... V-1: mean (V-1)/2, standard deviation ~V/sqrt(12); five standard errors.
    mean, band = (VOCAB - 1) / 2, 5 * VOCAB / math.sqrt(12 * random_ids.size)
    top = VOCAB * (1 - 20 / random_ids.size)              # the largest of n draws reaches this
    if abs(random_ids.mean() - mean) > band or random_ids.max() < top:
        raise AssertionError(
            f"random replacements: mean {random_ids.mean():.1f} and largest "
            f"{random_ids.max():g} over {random_ids.size} draws; uniform ids in 0 ... "
            f"{VOCAB - 1} give a mean of {mean:.1f} (±{band:.1f}) and a largest id above "
            f"{top:.0f}\n  likely mistake: random ids drawn from a smaller range (the "
            f"sequence length, or the ids in the batch); draw rng.integers(0, vocab_size)")


SMALL_VOCAB = 12                       # ids 0 ... 11: 4 special, 8 ordinary


def _random_id_law(originals: np.ndarray, support) -> np.ndarray:
    """P(random replacement = v) for v in 0 ... SMALL_VOCAB - 1, over the positions counted.

    A replacement equal to the original token or to [MASK] cannot be told from "kept" or
    "masked", so it is not counted: a position with original t contributes the uniform law on
    support minus {t, [MASK]}, and the law of the counted ids is the average over positions.
    """
    support = np.asarray(list(support))
    law = np.zeros(SMALL_VOCAB)
    for t, count in zip(*np.unique(originals, return_counts=True)):
        allowed = support[(support != t) & (support != MASK)]
        law[allowed] += count / allowed.size
    return law / law.sum()


@pytest.mark.points(1)
def test_random_replacements_hit_every_id_equally(submission, reference):
    """With vocab_size=12, every id (special ones and the last one too) is drawn equally often."""
    tokens = _batch(12, n=1024)
    tokens = np.where(tokens >= 4, 4 + tokens % 8, tokens)      # ordinary ids 4 ... 11 only
    inputs, labels = submission.mlm_mask(tokens, _rng_in_worker(submission, 112), SMALL_VOCAB,
                                         MASK, SPECIAL, p=0.5)
    random = (labels != -100) & (inputs != MASK) & (inputs != tokens)
    ids = np.asarray(inputs[random], dtype=np.int64)            # ~3 500 replacements
    if ids.size and (ids.min() < 0 or ids.max() >= SMALL_VOCAB):
        raise AssertionError(f"random replacements range over {ids.min()} ... {ids.max()}; "
                             f"with vocab_size={SMALL_VOCAB} they must be ids in 0 ... "
                             f"{SMALL_VOCAB - 1}")
    counts = np.bincount(ids, minlength=SMALL_VOCAB)
    law = _random_id_law(tokens[random], range(SMALL_VOCAB))
    # Each id's count within five binomial standard errors of its expected count (~350 each):
    # a right answer fails about once in 100 000 runs; a missing id is 19 errors away.
    expected = ids.size * law
    band = 5 * np.sqrt(ids.size * law * (1 - law))
    off = [v for v in range(SMALL_VOCAB) if abs(counts[v] - expected[v]) > band[v]]
    if not off:
        return
    lines = [f"random replacements: {len(off)} of the {SMALL_VOCAB} ids came up too rarely or "
             f"too often over {ids.size} replacements"]
    lines += [f"  id {v}: {counts[v]} times, expected {expected[v]:.0f} (±{band[v]:.0f})"
              for v in off[:4]]
    if counts[SMALL_VOCAB - 1] == 0:
        lines.append("  likely mistake: the last id is never drawn; rng.integers(0, vocab_size) "
                     "already excludes vocab_size (unlike random.randint), so do not subtract 1")
    elif (counts[[PAD, CLS, SEP]] == 0).all():
        lines.append("  likely mistake: the special ids left out of the random draw; any id "
                     "may come out, 0 ... vocab_size - 1, as in BERT")
    raise AssertionError("\n".join(lines))


@pytest.mark.points(1)
def test_int32_tokens_give_int32_inputs_and_int64_labels(submission, reference):
    """inputs keeps the dtype of int32 tokens; labels is int64, as cross_entropy needs."""
    tokens = _batch(13, n=32).astype(np.int32)
    inputs, labels = _mask(submission, tokens, 113)
    # Exact: a dtype is right or wrong.
    if inputs.dtype != np.int32:
        raise AssertionError(f"inputs: expected dtype int32 (the dtype of tokens), got "
                             f"{inputs.dtype}")
    if labels.dtype != np.int64:
        raise AssertionError(f"labels: expected dtype int64 for int32 tokens, got {labels.dtype}"
                             f"\n  likely mistake: np.where(chosen, tokens, -100) keeps the "
                             f"dtype of tokens; add .astype(np.int64)")


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """A (512, 512) batch within 20x of the reference; the timed result obeys every rule.

    Measured here: the reference itself, run as the learner's code in the sandboxed worker,
    takes 2x to 4x its time in the grading process (once 11x on a busy machine); a Python
    loop over the positions is 23x to 47x; chained coin flips (a correct style) are like the
    reference. 20x, best of five calls, sits between them (other references measured up to
    13x against themselves on a loaded machine).
    """
    tokens = _batch(11, n=512, t=512)

    def reference_mask(tokens, _learner_rng, *rest):
        return reference.mlm_mask(tokens, np.random.default_rng(111), *rest)   # a local rng

    got, _ = assert_fast_enough(submission.mlm_mask, reference_mask, tokens,
                                _rng_in_worker(submission, 111), VOCAB, MASK, SPECIAL,
                                max_ratio=20, repeat=5)
    inputs, labels = got
    problems = _invariant_problems(tokens, inputs, labels)
    if problems:
        raise AssertionError("the timed result is wrong: " + problems[0])
    o = _outcomes(tokens, inputs, labels)
    _check_rate(o["chosen"][~o["special"]], rate=0.15,
                name="share of the non-special positions with a label (timed call)")
