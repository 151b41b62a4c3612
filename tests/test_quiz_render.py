"""Seeded parameters, the selection of a quiz, and the template sandbox."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.quiz.bank import load_bank
from grader.quiz.model import Choice, Param, Question
from grader.quiz.render import RenderError, draw_params, render, render_template
from grader.quiz.select import select_questions

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "quiz"
PARAMS = (Param("n", "choice", (64, 128, 256, 512)), Param("k", "int", (), 1, 1000),
          Param("b1", "float", (), 0.8, 0.99, 3))


def test_same_seed_same_params_different_seeds_differ():
    assert draw_params(PARAMS, 7, "q-a") == draw_params(PARAMS, 7, "q-a")
    draws = {tuple(draw_params(PARAMS, seed, "q-a").values()) for seed in range(20)}
    assert len(draws) == 20
    assert draw_params(PARAMS, 7, "q-a") != draw_params(PARAMS, 7, "q-b")  # per question too


def test_params_are_stable_across_processes():
    # Seeding goes through SHA-256, not hash(), so another interpreter (another
    # PYTHONHASHSEED) draws the same values.
    code = ("from grader.quiz.model import Param; from grader.quiz.render import draw_params;"
            "print(draw_params((Param('k', 'int', (), 1, 10**9),), 7, 'q-a'))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": str(h), "PATH": ""}, check=True).stdout
            for h in (1, 2)}
    assert runs == {str(draw_params((Param("k", "int", (), 1, 10**9),), 7, "q-a")) + "\n"}


def test_floats_are_rounded_before_the_answer_is_computed():
    q = Question(id="q-adam", topic="basics", subtopic="relu", type="numeric",
                 params=(Param("b1", "float", (), 0.8, 0.99, 2), Param("t", "int", (), 1, 9)),
                 prompt="beta1 = {{ b1 }}, step {{ t }}: the bias correction 1 − beta1^t?",
                 answer="{{ 1 - b1 ** t }}", explanation="1 − {{ b1 }}^{{ t }}.")
    for seed in range(20):
        r = render(q, seed)
        b1, t = r.params["b1"], r.params["t"]
        assert b1 == round(b1, 2) and f"beta1 = {b1}," in r.prompt
        assert r.answer == 1 - b1 ** t   # exact for the number shown


def test_a_quiz_seed_fixes_the_questions_and_their_rendering():
    bank = load_bank(FIXTURES / "good")

    def quiz(seed: int) -> list[tuple[str, str, tuple]]:
        chosen = select_questions(bank.usable(), 6, seed, {}, {})
        return [(q.id, (r := render(q, seed)).prompt, tuple(c.text for c in r.choices))
                for q in chosen]

    assert quiz(11) == quiz(11)
    assert len({tuple(quiz(seed)) for seed in range(8)}) > 1


def test_weakest_topics_and_unanswered_questions_come_first():
    bank = load_bank(FIXTURES / "good")
    by_topic = bank.usable()
    accuracy = {"basics": type("A", (), {"mean_score": 0.9})(),
                "maths": type("A", (), {"mean_score": 0.2})()}
    chosen = select_questions(by_topic, 4, 3, accuracy, {})
    assert [q.topic for q in chosen] == ["maths", "basics", "maths", "basics"]
    # within a topic: answered-right questions last
    scores = {q.id: 1.0 for q in by_topic["basics"][:4]}
    chosen = select_questions(by_topic, 2, 3, {}, scores, topic="basics")
    assert chosen[0].id == by_topic["basics"][4].id
    subtopic_only = select_questions(by_topic, 9, 3, {}, {}, topic="basics", subtopic="words")
    assert {q.subtopic for q in subtopic_only} == {"words"}


def test_shuffled_choices_follow_the_seed():
    q = Question(id="q-shuffle", topic="basics", subtopic="relu", type="single", shuffle=True,
                 prompt="Pick.", explanation="E.",
                 choices=tuple(Choice(t, t == "a") for t in "abcdefgh"))
    orders = {tuple(c.text for c in render(q, seed).choices) for seed in range(10)}
    assert len(orders) > 1
    assert [c.text for c in render(q, 4).choices] == [c.text for c in render(q, 4).choices]


# -- the sandbox -----------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ sqrt.__globals__ }}",
    "{{ sqrt.__self__.__dict__ }}",
    "{{ round.__self__.open('/etc/passwd').read() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].system('echo leaked') }}",
    "{{ range(10) }}",
    "{{ os.system('echo leaked') }}",
    "{{ config }}",
    "{{ n.__class__ }}",
    "{{ 'x' * 100000000 }}",
    "{{ 7 ** 100000000 }}",
    "{% set x = [1] %}{{ x.append(2) }}",
])
def test_templates_cannot_reach_python_internals(source):
    with pytest.raises(RenderError) as caught:
        render_template(source, {"n": 3}, "prompt")
    assert caught.value.field == "prompt"
    assert "leaked" not in str(caught.value) and "<class" not in str(caught.value)


def test_undefined_names_are_errors_not_blanks():
    with pytest.raises(RenderError, match="'m' is undefined"):
        render_template("{{ n }} and {{ m }}", {"n": 1}, "prompt")
    with pytest.raises(RenderError, match="ZeroDivisionError"):
        render_template("{{ 1 / n }}", {"n": 0}, "answer", number=True)


def test_template_functions_and_float_display():
    assert render_template("{{ sqrt(16) }} {{ floor(2.7) }} {{ ceil(2.1) }} {{ max(1, n) }}",
                           {"n": 5}, "p") == "4 2 3 5"
    assert render_template("{{ round(exp(1), 3) }} {{ abs(-2) }} {{ log(1) }} {{ pi }}", {},
                           "p") == "2.718 2 0 3.14159265359"
    assert render_template("{{ 0.1 + 0.2 }}", {}, "p") == "0.3"          # shown
    assert render_template("{{ 0.1 + 0.2 }}", {}, "a", number=True) == "0.30000000000000004"
    assert render_template("{{ '%.3f' % x }} {{ x | round(1) }}", {"x": 1.23456}, "p") == \
        "1.235 1.2"


def test_a_numeric_answer_must_render_to_a_number():
    q = Question(id="q-word", topic="basics", subtopic="relu", type="numeric",
                 prompt="P.", explanation="E.", answer="{{ 'many' }}")
    with pytest.raises(RenderError, match="renders to 'many', not a number"):
        render(q, 0)


def test_explanations_never_break_mid_sentence_where_the_author_wrote_no_break():
    # "|w| > 1" or "|Δw|" inside a sentence once made its line a "table row", printed apart
    # from the rest of its sentence (AdamW, tanh′, the exploding chain).
    from grader.quiz.session import _paragraphs

    bank = load_bank(Path(__file__).resolve().parents[1] / "question_bank")
    broken = []
    for q in bank.questions:
        r = render(q, 0)
        for name, text in (("prompt", r.prompt), ("explanation", r.explanation)):
            lines = _paragraphs(text)
            for line, after in zip(lines, lines[1:]):
                # a continuation: the next line starts in lower case, not as a list or table
                if line.strip() and after[:1].islower():
                    broken.append(f"{q.id}.{name}: {line[-30:]!r} / {after[:30]!r}")
    assert broken == []
    adamw = render(next(q for q in bank.questions if q.id == "opt-adamw-first-step"), 0)
    assert len(_paragraphs(adamw.explanation)) == 1
