"""Scoring of every question type, and parsing of what a learner types."""
from __future__ import annotations

import pytest

from grader.quiz import scoring
from grader.quiz.model import Choice, Mistake, Param, Question
from grader.quiz.render import render
from grader.quiz.scoring import InvalidAnswer, parse, score


def question(qtype: str, **fields) -> Question:
    return Question(id=f"t-{qtype}", topic="basics", subtopic="relu", type=qtype,
                    prompt="A prompt.", explanation="Because.", **fields)


def rendered(qtype: str, seed: int = 0, **fields):
    return render(question(qtype, **fields), seed)


def typed_score(r, text: str) -> float:
    return score(r, parse(r, text))


# -- single ----------------------------------------------------------------------------------

SINGLE = rendered("single", choices=(Choice("zero", True), Choice("one"), Choice("two")))


@pytest.mark.parametrize("typed, expected", [("a", 1), ("A", 1), (" a) ", 1), ("(a)", 1),
                                             ("a.", 1), ("b", 0), ("c", 0)])
def test_single_choice_scores_one_for_the_correct_letter_only(typed, expected):
    assert typed_score(SINGLE, typed) == expected


@pytest.mark.parametrize("typed", ["d", "ab", "", "zero", "1"])
def test_single_choice_rejects_what_is_not_one_letter_in_range(typed):
    with pytest.raises(InvalidAnswer, match="please answer with one letter, a to c"):
        parse(SINGLE, typed)


# -- multiple: +1/C per right choice picked, -1/C per wrong one, clipped to [0, 1] ----------

MULTI = rendered("multiple", choices=(Choice("p", True), Choice("q", True), Choice("r", True),
                                      Choice("s"), Choice("t")))


@pytest.mark.parametrize("typed, expected", [
    ("a b c", 1.0), ("abc", 1.0), ("c,b,a", 1.0), ("a, a, b, c", 1.0),
    ("a b", 2 / 3), ("a", 1 / 3), ("a b c d", 2 / 3), ("a d", 0.0), ("a d e", 0.0),
    ("d", 0.0), ("a b c d e", 1 / 3),
])
def test_multiple_choice_partial_credit(typed, expected):
    assert typed_score(MULTI, typed) == pytest.approx(expected)


def test_multiple_choice_selecting_everything_scores_zero_when_wrong_equal_right():
    r = rendered("multiple", choices=(Choice("p", True), Choice("q", True), Choice("r"),
                                      Choice("s")))
    assert typed_score(r, "a b c d") == 0.0


@pytest.mark.parametrize("typed", ["f", "", "a 7", "all"])
def test_multiple_choice_rejects_letters_out_of_range(typed):
    with pytest.raises(InvalidAnswer, match="letters from a to e"):
        parse(MULTI, typed)


# -- true / false ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [("t", 1), ("True", 1), ("y", 1), ("yes", 1),
                                             ("f", 0), ("FALSE", 0), ("n", 0), ("no", 0)])
def test_true_false_inputs(typed, expected):
    assert typed_score(rendered("true_false", answer=True), typed) == expected
    assert typed_score(rendered("true_false", answer=False), typed) == 1 - expected


@pytest.mark.parametrize("typed", ["maybe", "", "1", "tru"])
def test_true_false_rejects_other_words(typed):
    with pytest.raises(InvalidAnswer, match="t \\(true\\) or f \\(false\\)"):
        parse(rendered("true_false", answer=True), typed)


# -- numeric: accepted when |given - answer| <= max(abs, rel * |answer|) --------------------

@pytest.mark.parametrize("typed, expected", [
    ("0.25", 1), (".25", 1), ("1/4", 1), ("2.5e-1", 1), ("0.2525", 1), ("0.2475", 1),
    ("0.2526", 0), ("0.2474", 0), ("-0.25", 0), ("1 / 4", 1),
])
def test_numeric_relative_tolerance(typed, expected):
    r = rendered("numeric", answer=0.25, rel=0.01)
    assert typed_score(r, typed) == expected


def test_numeric_absolute_tolerance_and_the_larger_of_the_two():
    r = rendered("numeric", answer=0.0, abs=0.01)
    assert typed_score(r, "0.01") == 1 and typed_score(r, "-0.009") == 1
    assert typed_score(r, "0.011") == 0
    both = rendered("numeric", answer=100, rel=0.01, abs=2)   # max(2, 1) = 2
    assert typed_score(both, "101.9") == 1 and typed_score(both, "102.1") == 0


def test_numeric_default_tolerance_is_tight_and_answers_can_be_templates():
    r = rendered("numeric", answer="{{ 1 / 3 }}")
    assert r.answer == pytest.approx(1 / 3)
    assert typed_score(r, "1/3") == 1 and typed_score(r, "0.3333") == 0
    assert typed_score(rendered("numeric", answer="{{ 0.1 + 0.2 }}"), "0.3") == 1
    assert typed_score(rendered("numeric", answer="-2"), "\u22122") == 1   # a typographic minus


@pytest.mark.parametrize("typed", ["abc", "", "1/0", "50%", "1,5", "nan", "inf", "1e999"])
def test_numeric_rejects_what_is_not_a_number(typed):
    with pytest.raises(InvalidAnswer, match="please answer with a number, like 0.25"):
        parse(rendered("numeric", answer=1), typed)


def test_numbers_are_shown_whole_or_to_four_significant_figures():
    assert scoring.format_number(12345.0) == "12345"
    assert scoring.format_number(0.08838834764831845) == "0.08839"
    assert scoring.format_number(-0.5) == "-0.5"
    assert scoring.format_number(1e-7 / 3) == "3.333e-08"


# -- text: accepted answers ignore case, spaces, '-' and '_'; the pattern is a fullmatch -----

TEXT = rendered("text", accept=("layer norm", "layer normalisation"),
                pattern=r"layer[ -]?norm(ali[sz]ation)?")


@pytest.mark.parametrize("typed, expected", [
    ("layer norm", 1), ("LayerNorm", 1), ("  Layer-Norm. ", 1), ("layer_normalisation", 1),
    ("layer normalization", 1), ("LAYER   NORMALIZATION", 1), ("batch norm", 0),
    ("layer norm please", 0), ("norm", 0),
])
def test_text_accepts_listed_answers_and_pattern(typed, expected):
    assert typed_score(TEXT, typed) == expected


def test_text_rejects_empty_input():
    with pytest.raises(InvalidAnswer, match="please type an answer"):
        parse(TEXT, "  . ")


# -- ordering: 1 in order, else half the share of neighbouring pairs kept --------------------

def test_ordering_scores_exact_order_one_and_neighbouring_pairs_half():
    assert scoring.ordering_score((0, 1, 2, 3)) == 1
    assert scoring.ordering_score((1, 0, 2, 3)) == pytest.approx(0.5 * 1 / 3)   # (2,3)
    assert scoring.ordering_score((2, 3, 0, 1)) == pytest.approx(0.5 * 2 / 3)   # (2,3) (0,1)
    assert scoring.ordering_score((3, 2, 1, 0)) == 0


def test_ordering_reads_letters_in_the_displayed_order():
    r = rendered("ordering", seed=5, items=("first", "second", "third", "fourth"))
    shown = [r.items[i] for i in r.order]
    assert shown != list(r.items)   # never shown already in order
    right = " ".join("abcd"[shown.index(step)] for step in r.items)
    assert scoring.typed_answer(r) == right
    assert typed_score(r, right) == 1 and typed_score(r, right.replace(" ", ",")) == 1
    assert typed_score(r, right.replace(" ", "")) == 1


@pytest.mark.parametrize("typed", ["a b c", "a b c c", "a b c d e", "a b c 4", ""])
def test_ordering_needs_every_letter_once(typed):
    r = rendered("ordering", items=("first", "second", "third", "fourth"))
    with pytest.raises(InvalidAnswer, match="please give all 4 letters, a to d, once each"):
        parse(r, typed)


# -- the correct answer and the distractors used by `learn quiz check` ----------------------

@pytest.mark.parametrize("r", [SINGLE, MULTI, TEXT, rendered("true_false", answer=False),
                               rendered("numeric", answer="{{ sqrt(2 / 64) }}", rel=0.01),
                               rendered("ordering", items=("x", "y", "z"))],
                         ids=lambda r: r.type)
def test_the_shown_answer_scores_one_and_every_distractor_less(r):
    assert score(r, scoring.correct_answer(r)) == 1
    assert typed_score(r, scoring.typed_answer(r)) == 1
    wrongs = scoring.distractors(r)
    assert wrongs and all(score(r, wrong) < 1 for _, wrong in wrongs)


def test_how_to_answer_names_the_form_and_the_tolerance():
    assert scoring.how_to_answer(SINGLE) == "one letter, a to c"
    assert scoring.how_to_answer(rendered("numeric", answer=1, rel=0.01)) == \
        "a number, within 1%"
    assert scoring.how_to_answer(rendered("numeric", answer=1)) == "a number"


def test_a_shown_numeric_answer_gets_the_digits_its_tolerance_needs():
    assert scoring.typed_answer(rendered("numeric", answer=1.6866000002, abs=1e-4)) == "1.6866"
    assert scoring.typed_answer(rendered("numeric", answer=2 / 3, rel=0.01)) == "0.6667"
    assert scoring.typed_answer(rendered("numeric", answer=2 / 3)) == "0.666667"  # check flags it


# -- text normalisation: signs and numbers meaningful, obvious phrasings accepted -------------

DIM = rendered("text", accept=("-1", "3"))


@pytest.mark.parametrize("typed, expected", [
    ("-1", 1), ("\u22121", 1), ("\u20131", 1), ("dim=-1", 1), ("dim = -1", 1), ("(-1)", 1),
    ("1", 0), ("dim=1", 0), ("+1", 0), ("-3", 0), ("3", 1),
])
def test_text_keeps_a_minus_sign_and_drops_an_argument_name(typed, expected):
    assert typed_score(DIM, typed) == expected


NAMES = rendered("text", accept=("support vectors", "support vector", "SVs", "SV"))


@pytest.mark.parametrize("typed, expected", [
    ("the support vectors", 1), ("a support vector", 1), ("SVs", 1), ("support-vectors", 1),
    ("support vectors (SVs)", 1), ("support vectors / SVs", 1), ("support vectors or SVs", 1),
    ("support vectors (margin)", 0), ("SVs/slack", 0), ("them", 0), ("theSVs", 0),
])
def test_text_accepts_articles_and_two_names_given_together_but_not_hedges(typed, expected):
    assert typed_score(NAMES, typed) == expected


def test_hyphens_inside_words_and_exponents_still_fold_or_stay():
    assert scoring.squash("Layer-Norm") == "layernorm"
    assert scoring.squash("one-to-many") == scoring.squash("one to many")
    assert scoring.squash("1e-5") == "1e-5" != scoring.squash("1e5")
    assert scoring.squash("x-1") == "x1"        # a hyphen after a letter is not a sign


# -- named mistakes: the feedback of the misconception an answer comes from -----------------

HE = render(question("numeric", answer="{{ sqrt(2 / n) }}", rel=0.01, params=(
    Param("n", "choice", (64,)),), mistakes=(
    Mistake("You used the variance as the standard deviation.", answer="{{ 2 / n }}"),
    Mistake("You divided by √n: that is the std of LeCun init.", answer="{{ 1 / sqrt(n) }}"),
)), 0)


@pytest.mark.parametrize("typed, feedback", [
    ("0.03125", "variance as the standard deviation"), ("0.0313", "variance"),
    ("0.125", "LeCun"), ("0.1768", None), ("0.5", None),
])
def test_a_numeric_answer_matching_a_named_mistake_gets_its_feedback(typed, feedback):
    mistake = scoring.matched_mistake(HE, parse(HE, typed))
    assert (mistake.feedback if mistake else None) == feedback or feedback in mistake.feedback


def test_text_and_choice_mistakes_match_like_answers():
    r = rendered("text", accept=("-1",), mistakes=(Mistake("The head axis.", answer="1"),))
    assert scoring.matched_mistake(r, "dim=1").feedback == "The head axis."
    assert scoring.matched_mistake(r, "-1") is None
    multi = rendered("multiple", shuffle=True, seed=3, choices=(
        Choice("p", True), Choice("q", True), Choice("r")),
        mistakes=(Mistake("r is a trap.", choices=(0, 2)),))
    shown = {c.index: n for n, c in enumerate(multi.choices)}
    assert multi.mistakes[0].answer == frozenset({shown[0], shown[2]})
    assert scoring.matched_mistake(multi, frozenset({shown[0], shown[2]})).feedback == "r is a trap."
    assert scoring.matched_mistake(multi, frozenset({shown[0], shown[1]})) is None
