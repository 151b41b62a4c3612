"""`learn quiz check` on a good bank and on a bank with planted mistakes; the light CLI import."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dataclasses import replace

from grader.quiz.bank import load_bank
from grader.quiz.check import check_bank, check_question
from grader.quiz.render import number_answer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "quiz"
REPO = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).with_name("learn")
LEARN = [str(_SCRIPT)] if _SCRIPT.exists() else [
    sys.executable, "-c", "from grader.cli import main; main()"]


def run_learn(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LEARN, *args], capture_output=True, text=True, cwd=FIXTURES,
                          env={**os.environ, "LEARN_HOME": str(tmp_path)}, timeout=60)


def test_check_passes_a_good_bank_with_a_one_line_summary(tmp_path):
    result = run_learn(tmp_path, "quiz", "check", "--bank", "good")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(
        "question bank OK: 2 topic files, 8 questions (3 parameterised, 38%; 1 named "
        "mistakes), each rendered for 500 seeds (")


def test_check_lists_every_planted_problem_and_nothing_else(tmp_path):
    # broken/expected-problems.txt names every planted mistake, one line each; the
    # comment at the top of broken/basics.yaml says which question plants which.
    result = run_learn(tmp_path, "quiz", "check", "--bank", "broken")
    assert result.returncode == 1
    expected = (FIXTURES / "broken" / "expected-problems.txt").read_text()
    assert result.stdout == expected
    for planted in ("unknown key (did you mean 'hints'?)", "duplicate id",
                    "cannot render: refused by the sandbox", "'m' is undefined",
                    "looks like LaTeX", "repeats choices[1]", "the wrong answer 'xyzzy' scores 1",
                    "(half the answer) scores 1", "give it a tolerance",
                    "param 'k' is not used", "no question file (extra.yaml)",
                    "maths.yaml:8: invalid YAML"):
        assert planted in result.stdout


def test_check_renders_every_distinct_draw_of_500_seeds(monkeypatch):
    from grader.quiz import check
    from grader.quiz.render import draw_params

    seen: list[tuple[str, int]] = []
    real = check._check_rendering
    monkeypatch.setattr(check, "_check_rendering",
                        lambda q, seed, params: seen.append((q.id, seed)) or real(q, seed, params))
    report = check_bank(FIXTURES / "good")
    assert report.problems == []
    bank = load_bank(FIXTURES / "good")
    for q in bank.questions:
        draws = {tuple(draw_params(q.params, s, q.id).values()) for s in range(500)}
        checked = [s for qid, s in seen if qid == q.id]
        # one rendering per distinct draw (a question without parameters has one)
        assert len(checked) == len(draws), q.id
        assert {tuple(draw_params(q.params, s, q.id).values()) for s in checked} == draws
    assert report.renderings == len(seen)


def test_check_catches_each_planted_misconception_and_names_seed_and_values(tmp_path):
    # planted/planted.yaml: every question validates, and each plants one problem that
    # shows only on some parameter draws (its comment lists them).
    result = run_learn(tmp_path, "quiz", "check", "--bank", "planted")
    assert result.returncode == 1
    assert result.stdout == (FIXTURES / "planted" / "expected-problems.txt").read_text()
    for planted in ("decay-lax-tolerance.mistakes[0]: the mistake's value 1 scores 1",
                    "adam-uncorrected.mistakes[0]", "(seed 0: b1=0.0, g=0.5)",
                    "tiny-abs-tolerance.answer: the wrong answer 0 (for an answer of",
                    "sigmoid-minus-zero.prompt: shows a negative zero",
                    "pca-exact-threshold.answer: the answer jumps from 2 to 3",
                    "mistake-is-accepted.mistakes[0]: the mistake 'the last' scores 1",
                    "[1, 0] is the correct answer, not a mistake"):
        assert planted in result.stdout


def test_twenty_seeds_miss_the_exact_threshold_that_500_find():
    bank = load_bank(FIXTURES / "planted")
    pca = next(q for q in bank.questions if q.id == "pca-exact-threshold")
    assert check_question(pca, 20)[0] == []
    problems, _ = check_question(pca, 500)
    assert len(problems) == 1 and "jumps from 2 to 3" in problems[0].message


def test_a_margin_in_the_comparison_fixes_the_exact_threshold():
    bank = load_bank(FIXTURES / "planted")
    pca = next(q for q in bank.questions if q.id == "pca-exact-threshold")
    fixed = replace(pca, answer=pca.answer.replace(">= 0.9", ">= 0.9 - 1e-9"))
    assert check_question(fixed, 500)[0] == []
    # l1 = 2.8, l2 = 1.7, l3 = 0.5: (2.8 + 1.7) / 5 is exactly 90%, so 2 components
    assert number_answer(fixed.answer, {"l1": 2.8, "l2": 1.7, "l3": 0.5}) == 2


def test_the_shipped_bank_passes_the_check():
    report = check_bank(REPO / "question_bank")
    assert [str(p) for p in report.problems] == []
    assert report.seeds == 500 and report.questions >= 330


def test_a_problem_on_one_seed_only_is_found(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "syllabus.yaml").write_text((FIXTURES / "good" / "syllabus.yaml").read_text())
    (bank / "basics.yaml").write_text("""\
version: 1
topic: basics
questions:
  - id: rare-clash
    subtopic: relu
    type: single
    params:
      n: {int: [1, 40]}
    prompt: Which is {{ n }}?
    choices:
      - {text: "{{ n }}", correct: true}
      - {text: "{{ 7 if n == 7 else n + 1 }}"}
    explanation: The first.
""")
    problems = [str(p) for p in check_bank(bank).problems]
    assert any("rare-clash.choices: choices[1] repeats choices[0]: '7' (seed" in p
               for p in problems), problems


def test_the_cli_module_imports_nothing_heavy():
    code = ("import sys, grader.cli, grader.quiz.cli; "
            "print(sorted(m for m in ('jinja2', 'yaml', 'sqlite3', 'numpy', 'torch') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out == "[]\n"


def test_learn_help_lists_the_quiz_command(tmp_path):
    result = run_learn(tmp_path, "--help")
    assert result.returncode == 0 and "quiz " in result.stdout
    help_text = run_learn(tmp_path, "quiz", "--help").stdout
    assert "learn quiz attention -n 5" in help_text and "learn quiz check" in help_text


def test_the_example_in_the_schema_document_passes_the_check(tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "question-bank.md").read_text()
    syllabus = doc.split("```yaml\n")[1].split("```")[0]
    topic_file = doc.split("## A topic file")[1].split("```yaml\n")[1].split("```")[0]
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "syllabus.yaml").write_text(syllabus)
    (bank / "initialization.yaml").write_text(topic_file)
    report = check_bank(bank)
    assert [str(p) for p in report.problems] == []
    assert (report.questions, report.parameterised) == (1, 1)
