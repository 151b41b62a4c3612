"""`learn quiz check` on a good bank and on a bank with planted mistakes; the light CLI import."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grader.quiz.check import check_bank

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "quiz"
_SCRIPT = Path(sys.executable).with_name("learn")
LEARN = [str(_SCRIPT)] if _SCRIPT.exists() else [
    sys.executable, "-c", "from grader.cli import main; main()"]


def run_learn(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LEARN, *args], capture_output=True, text=True, cwd=FIXTURES,
                          env={**os.environ, "LEARN_HOME": str(tmp_path)}, timeout=60)


def test_check_passes_a_good_bank_with_a_one_line_summary(tmp_path):
    result = run_learn(tmp_path, "quiz", "check", "--bank", "good")
    assert result.returncode == 0, result.stdout
    assert result.stdout == ("question bank OK: 2 topic files, 8 questions (3 parameterised, "
                             "38%), each rendered for 20 seeds\n")


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


def test_check_renders_every_question_for_twenty_seeds(monkeypatch):
    from grader.quiz import check

    seen: list[tuple[str, int]] = []
    real = check._check_rendering
    monkeypatch.setattr(check, "_check_rendering",
                        lambda q, seed: seen.append((q.id, seed)) or real(q, seed))
    report = check_bank(FIXTURES / "good")
    assert report.problems == []
    assert len(seen) == 8 * 20 and {s for _, s in seen} == set(range(20))


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
