"""The question-bank schema: typed loading, unknown keys, wrong types, and where errors point."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from grader.errors import UserError
from grader.quiz.bank import load_bank
from grader.quiz.model import Choice, Param

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "quiz"


def make_bank(tmp_path: Path, basics: str) -> Path:
    """A bank with the good fixture's syllabus and maths file, and the given basics file."""
    root = tmp_path / "bank"
    root.mkdir()
    shutil.copy(FIXTURES / "good" / "syllabus.yaml", root)
    shutil.copy(FIXTURES / "good" / "maths.yaml", root)
    (root / "basics.yaml").write_text(textwrap.dedent(basics))
    return root


def problem_lines(root: Path) -> list[str]:
    return [str(p) for p in load_bank(root).problems]


def test_the_good_bank_loads_into_typed_questions():
    bank = load_bank(FIXTURES / "good")
    assert bank.problems == [] and bank.broken == set()
    assert [t for t in bank.syllabus.topics] == ["basics", "maths"]
    assert bank.syllabus.topics["maths"].subtopics == {"init": "initialisation numbers",
                                                       "sums": "sums"}
    by_id = {q.id: q for q in bank.questions}
    single = by_id["basics-relu-single"]
    assert single.type == "single" and single.topic == "basics" and single.subtopic == "relu"
    assert single.choices[0] == Choice("0", True, None)
    assert single.choices[1].feedback.startswith("ReLU passes")
    assert single.difficulty == 1 and single.line == 4 and single.file.endswith("basics.yaml")
    he = by_id["maths-he-std"]
    assert he.params == (Param("n", "choice", (64, 128, 256, 512)),)
    assert (he.rel, he.abs, he.tags, he.difficulty) == (0.01, 0.0, ("misconception",), 2)
    assert by_id["maths-sum"].params[1] == Param("b", "float", (), 0.1, 0.9, 1)
    assert by_id["basics-words-order"].items[0] == "run the forward pass"
    assert by_id["basics-relu-tf"].answer is False
    # syllabus order, then file order
    assert [q.topic for q in bank.questions] == ["basics"] * 5 + ["maths"] * 3


QUESTION = """\
    version: 1
    topic: basics
    questions:
      - id: q-one
        subtopic: relu
        type: true_false
        prompt: ReLU is linear for positive inputs.
        answer: true
        explanation: It is the identity there.
"""


def test_unknown_key_is_rejected_with_line_id_and_suggestion(tmp_path):
    root = make_bank(tmp_path, QUESTION + "        explanaton: typo\n")
    [problem] = problem_lines(root)
    assert problem.endswith("basics.yaml:10: q-one.explanaton: unknown key "
                            "(did you mean 'explanation'?)")


def test_a_key_of_another_type_says_which_types_use_it(tmp_path):
    root = make_bank(tmp_path, QUESTION + "        tolerance: {rel: 0.1}\n")
    assert problem_lines(root)[0].endswith(
        "basics.yaml:10: q-one.tolerance: not a key of true_false questions (only of: numeric)")


@pytest.mark.parametrize("line, replacement, expected", [
    (8, "    answer: yes please", "q-one.answer: expected true or false, got str 'yes please'"),
    (6, "    type: 3", "q-one.type: expected a question type, got int 3"),
    (6, "    type: numerik", "unknown type 'numerik' (did you mean 'numeric'?)"),
    (5, "    subtopic: relus", "'relus' is not a subtopic of basics in syllabus.yaml "
                              "(did you mean 'relu'?)"),
    (4, "  - id: Q One", "questions[0].id: bad id 'Q One'"),
    (7, "    prompt: [a, list]", "q-one.prompt: expected text, got a list"),
])
def test_wrong_types_and_values_name_file_line_and_key(tmp_path, line, replacement, expected):
    lines = textwrap.dedent(QUESTION).splitlines()
    lines[line - 1] = replacement
    root = make_bank(tmp_path, "\n".join(lines) + "\n")
    problems = problem_lines(root)
    assert len(problems) == 1, problems
    assert f"basics.yaml:{line}: " in problems[0] and expected in problems[0]


def test_missing_required_keys_are_listed(tmp_path):
    root = make_bank(tmp_path, """\
        version: 1
        topic: basics
        questions:
          - id: q-bare
            type: numeric
    """)
    problems = problem_lines(root)
    for key in ("subtopic", "prompt", "explanation", "answer"):
        assert any(f"q-bare: missing required key '{key}'" in p for p in problems), problems


def test_every_problem_of_a_file_is_collected_not_just_the_first(tmp_path):
    root = make_bank(tmp_path, """\
        version: 1
        topic: basics
        questions:
          - id: q-a
            subtopic: relu
            type: single
            difficulty: 5
            prompt: Pick one.
            choices:
              - {text: one, correct: true}
              - {text: two, correct: true, colour: red}
            explanation: Only one is right.
          - id: q-a
            subtopic: relu
            type: text
            prompt: Name it.
            accept: []
            pattern: "("
            explanation: ReLU.
    """)
    text = "\n".join(problem_lines(root))
    assert ":7: q-a.difficulty: expected 1, 2 or 3, got 5" in text
    assert ":11: q-a.choices[1].colour: unknown key" in text
    assert ":9: q-a.choices: a single-choice question needs exactly one" in text
    assert ":13: q-a: duplicate id (first used at" in text
    assert ":17: q-a.accept: give at least one accepted answer" in text
    assert ":18: q-a.pattern: not a valid regular expression" in text


def test_params_generators_are_validated(tmp_path):
    root = make_bank(tmp_path, """\
        version: 1
        topic: basics
        questions:
          - id: q-p
            subtopic: relu
            type: numeric
            params:
              n: {int: [5, 1]}
              sqrt: {choice: [1]}
              x: {float: [0, 1], round: 2, choice: [1]}
              k: {choice: []}
              m: {int: [1, 3], round: 1}
            prompt: "{{ n }}"
            answer: "{{ n }}"
            explanation: Nothing.
    """)
    text = "\n".join(problem_lines(root))
    assert ":8: q-p.params.n.int: expected [lo, hi]: two integers with lo < hi" in text
    assert ":9: q-p.params.sqrt: 'sqrt' is reserved" in text
    assert ":10: q-p.params.x: needs exactly one of choice, int, float" in text
    assert ":11: q-p.params.k.choice: expected a non-empty list" in text
    assert ":12: q-p.params.m.round: only float parameters are rounded" in text


def test_file_level_problems(tmp_path):
    root = make_bank(tmp_path, """\
        version: 2
        topic: basic
        questions: {}
        owner: me
    """)
    text = "\n".join(problem_lines(root))
    assert "basics.yaml:1: version: unsupported version 2" in text
    assert "basics.yaml:2: topic: 'basic' does not match the file name basics.yaml" in text
    assert "basics.yaml:2: topic: 'basic' is not a topic of syllabus.yaml " \
           "(did you mean 'basics'?)" in text
    assert "basics.yaml:3: questions: expected a list of questions, got a mapping" in text
    assert "basics.yaml:4: owner: unknown key" in text


def test_yaml_syntax_errors_and_colon_traps_point_at_the_line(tmp_path):
    root = make_bank(tmp_path, QUESTION + "        hints:\n          - Note: a colon\n")
    assert "basics.yaml:11: q-one.hints[0]: expected a non-empty text, got {'Note': 'a colon'}" \
           " (a ': ' in unquoted text starts a mapping" in problem_lines(root)[0]
    (root / "basics.yaml").write_text("version: 1\ntopic: basics\nquestions: [\n")
    [problem] = problem_lines(root)
    assert "basics.yaml:4: invalid YAML" in problem


def test_a_broken_file_is_set_aside_and_the_rest_stays_usable(tmp_path):
    root = make_bank(tmp_path, QUESTION + "        bogus: 1\n")
    bank = load_bank(root)
    assert bank.broken == {"basics"}
    assert list(bank.usable()) == ["maths"]


def test_a_missing_bank_folder_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no such question bank folder"):
        load_bank(tmp_path / "nowhere")


def test_syllabus_problems_are_reported(tmp_path):
    root = make_bank(tmp_path, QUESTION)
    (root / "syllabus.yaml").write_text(
        "version: 1\nsections:\n  - title: S\n    topics:\n"
        "      - {id: check, title: T, subtopics: {a: A}}\n"
        "      - {id: basics, title: B, subtopics: {}, extra: 1}\n")
    text = "\n".join(problem_lines(root))
    assert "syllabus.yaml:5: sections[0].topics[0].id: 'check' is reserved" in text
    assert "syllabus.yaml:6: sections[0].topics[1].extra: unknown key" in text
    assert "syllabus.yaml:6: sections[0].topics[1].subtopics: no subtopics" in text
    assert not load_bank(root).syllabus_ok
