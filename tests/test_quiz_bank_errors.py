"""The shipped bank's answers: errors found in review stay fixed (one test per error)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from grader.quiz.bank import load_bank
from grader.quiz.render import number_answer, render
from grader.quiz.scoring import matched_mistake, parse, score

BANK = load_bank(Path(__file__).resolve().parents[1] / "question_bank")
QUESTIONS = {q.id: q for q in BANK.questions}


def typed_score(r, text: str) -> float:
    return score(r, parse(r, text))


@pytest.mark.parametrize("typed, expected", [
    ("-1", 1), ("\u22121", 1), ("dim=-1", 1), ("dim = \u22121", 1), ("3", 1), ("dim=3", 1),
    ("1", 0), ("-2", 0), ("2", 0), ("dim=1", 0),
])
def test_softmax_dim_keeps_the_sign_and_accepts_the_argument_form(typed, expected):
    r = render(QUESTIONS["attention-softmax-dim-text"], 0)
    assert typed_score(r, typed) == expected


def test_softmax_dim_one_gets_the_head_axis_feedback():
    r = render(QUESTIONS["attention-softmax-dim-text"], 0)
    assert "head axis" in matched_mistake(r, parse(r, "1")).feedback
    assert matched_mistake(r, parse(r, "-1")) is None


def test_masking_and_scaling_are_one_step_since_they_commute():
    # Two steps that commute cannot have a right order: mask-then-scale scored 0.125.
    q = QUESTIONS["attention-sdpa-order"]
    scaling = [item for item in q.items if "√d_k" in item]
    assert len(scaling) == 1 and "mask" in scaling[0]
    assert not any("mask" in item for item in q.items if item not in scaling)


def _hidden_gradients(w_in: list[float], w_out: list[float]) -> list[float]:
    """dL/dw_in for a 1-input, 2-hidden-unit tanh MLP with L = (y - 1)² at x = 1."""
    h = [math.tanh(w) for w in w_in]
    y = sum(wo * hi for wo, hi in zip(w_out, h))
    dy = 2 * (y - 1)
    return [dy * wo * (1 - hi ** 2) for wo, hi in zip(w_out, h)]


def test_symmetry_needs_equal_outgoing_weights_too_and_the_prompt_says_so():
    # Equal incoming weights alone do not give equal gradients; equal in and out weights do.
    assert _hidden_gradients([0.5, 0.5], [0.5, 0.5])[0] == _hidden_gradients([0.5, 0.5], [0.5, 0.5])[1]
    unequal = _hidden_gradients([0.5, 0.5], [0.3, 0.9])
    assert unequal[0] != unequal[1]
    q = QUESTIONS["init-zero-symmetry"]
    assert "into and out of the hidden layer" in q.prompt and "nonzero" in q.prompt


def test_gelu_slope_is_zero_at_its_minimum_and_the_question_says_so():
    def slope(x: float) -> float:   # GELU'(x) = Φ(x) + x·φ(x)
        return 0.5 * (1 + math.erf(x / math.sqrt(2))) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    lo, hi = -1.0, -0.5                      # bisect the root of the slope
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if slope(mid) < 0 else (lo, mid)
    assert lo == pytest.approx(-0.7518, abs=1e-4)
    q = QUESTIONS["act-gelu-negative-inputs"]
    assert "except at one single point" in " ".join(q.prompt.split())
    assert "Its slope there is not zero" not in q.explanation


def test_pca_share_exactly_on_the_threshold_counts_as_reaching_it():
    q = QUESTIONS["unsup-pca-components-needed"]
    # 4 + 1.4 = 5.4 of 6.0 is exactly 90%: two components, though 5.4/6.0 < 0.9 in floats.
    assert number_answer(q.answer, {"l1": 4.0, "l2": 1.4, "l3": 0.4, "l4": 0.2, "thr": 90}) == 2
    assert number_answer(q.answer, {"l1": 4.0, "l2": 1.3, "l3": 0.5, "l4": 0.2, "thr": 90}) == 3


def test_bootstrap_explanation_and_mistakes_name_the_right_events():
    q = QUESTIONS["trees-bootstrap-left-out"]
    r = render(q, 0)
    n = r.params["n"]
    assert "1/n is the chance of missing" not in r.explanation
    assert "drawing the example" in matched_mistake(r, 1 / n).feedback
    assert "missing it in one draw" in matched_mistake(r, 1 - 1 / n).feedback


def test_standardising_explanation_has_units_and_coefficients_the_right_way_round():
    text = " ".join(QUESTIONS["modsel-standardise-first"].explanation.split())
    assert "small units needs a large coefficient" not in text
    assert "large units" in text and "takes small values, needs a large coefficient" in text


@pytest.mark.parametrize("qid, typed", [
    ("svm-support-vector-name", "the support vectors"), ("svm-support-vector-name", "SVs"),
    ("unsup-elbow-name", "elbow point"), ("unsup-elbow-name", "the knee"),
    ("trees-oob-name", "out-of-bag (OOB)"), ("act-swish-name", "Swish/SiLU"),
    ("attention-pe-added", "adding"), ("attention-pe-added", "It is added"),
    ("rnn-shapes-captioning", "one-to-many"), ("bert-vit-segment-id", "segment 1"),
])
def test_text_questions_accept_the_obvious_phrasings(qid, typed):
    r = render(QUESTIONS[qid], 0)
    assert typed_score(r, typed) == 1


@pytest.mark.parametrize("qid, typed", [
    ("act-swish-name", "Swish/ReLU"), ("attention-pe-added", "concatenated"),
    ("embeddings-word2vec-cbow-name", "bag of words"), ("bert-vit-segment-id", "0"),
])
def test_text_questions_reject_hedges_and_named_mistakes(qid, typed):
    r = render(QUESTIONS[qid], 0)
    assert typed_score(r, typed) == 0
