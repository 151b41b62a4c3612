"""The quiz session driven through real `learn quiz` processes, without and with a terminal."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader.quiz.bank import load_bank
from grader.quiz.render import render
from grader.quiz.scoring import InvalidAnswer, parse, typed_answer
from grader.quiz.select import select_questions

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "quiz"
_SCRIPT = Path(sys.executable).with_name("learn")
LEARN = [str(_SCRIPT)] if _SCRIPT.exists() else [
    sys.executable, "-c", "from grader.cli import main; main()"]

# Answers typed by hand for the questions whose display does not depend on the seed.
RIGHT = {"basics-relu-single": "a", "basics-relu-multiple": "b, a", "basics-relu-tf": "F",
         "basics-words-text": "Layer-Norm"}
WRONG = {"basics-relu-single": "b", "basics-relu-multiple": "a c", "basics-relu-tf": "t",
         "basics-words-text": "batch norm", "basics-words-order": None, "maths-he-std": "0.5",
         "maths-he-variance": None, "maths-sum": "100"}


def run_learn(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "LEARN_HOME": str(home), "COLUMNS": "100"}
    return subprocess.run([*LEARN, *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=FIXTURES, timeout=60)


def quiz_questions(seed: int, count: int, topic: str | None = None):
    """The questions a fresh learner gets, rendered, in order (what the session will ask)."""
    bank = load_bank(FIXTURES / "good")
    chosen = select_questions(bank.usable(), count, seed, {}, {}, topic)
    return [render(q, seed) for q in chosen]


def right_answer(r) -> str:
    return RIGHT.get(r.question.id) or typed_answer(r)


def stored(home: Path) -> list[tuple[str, str, float, int]]:
    with sqlite3.connect(home / "progress.sqlite3") as db:
        return db.execute("SELECT question_id, topic, score, seed FROM quiz_answers "
                          "ORDER BY id").fetchall()


def test_a_scripted_quiz_scores_right_and_records_every_answer(tmp_path):
    questions = quiz_questions(seed=3, count=5, topic="basics")
    answers = [right_answer(r) for r in questions]
    # Invalid input and a hint request first: both are answered, then asked again.
    stdin = "zz\n?\n" + "\n".join(answers) + "\n"
    result = run_learn(tmp_path, "quiz", "basics", "-n", "5", "--seed", "3", "--bank", "good",
                       stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "seed 3" in out.splitlines()[0]
    assert "replay: learn quiz basics -n 5 --seed 3 --bank good" in out
    assert out.count("Question ") == 5 and "Question 5 of 5" in out
    with pytest.raises(InvalidAnswer) as invalid:   # the first question is not a text one
        parse(questions[0], "zz")
    assert f"> zz\n{str(invalid.value).capitalize()}.\n> ?\n" in out
    assert out.count("✓ Right.") == 5
    assert "Score: 5/5 (100%)" in out and "All right: nothing to review." in out
    assert "Traceback" not in out + result.stderr
    assert stored(tmp_path) == [(r.question.id, "basics", 1.0, 3) for r in questions]


def test_wrong_and_partial_answers_give_feedback_and_topics_to_review(tmp_path):
    questions = quiz_questions(seed=8, count=8)
    answers = [WRONG[r.question.id] or right_answer(r) for r in questions]
    result = run_learn(tmp_path, "quiz", "--seed", "8", "-n", "8", "--bank", "good",
                       stdin="\n".join(answers) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    scores = {row[0]: row[2] for row in stored(tmp_path)}
    assert len(scores) == 8
    assert scores["basics-relu-multiple"] == 0.0          # a right (+½) and a wrong (−½)
    assert scores["basics-words-order"] == 1.0 and scores["maths-he-variance"] == 1.0
    assert sum(scores.values()) == 2.0
    assert "Score: 2/8 (25%)" in out
    assert "The answer is a) 0" in out                     # single
    assert "That is the sigmoid; ReLU grows without bound." in out   # per-choice feedback
    assert "Its left and right slopes at 0 differ" in out           # feedback_true
    assert "The answer is: layer norm" in out               # text
    assert "Topics to review:" in out
    assert "\n  basics: the ReLU function; names and orders\n" in out
    assert "\n  maths: initialisation numbers; sums\nPractise one with: learn quiz basics\n" in out


def test_end_of_input_mid_quiz_keeps_the_answers_given(tmp_path):
    questions = quiz_questions(seed=4, count=5, topic="basics")
    stdin = "\n".join(right_answer(r) for r in questions[:2]) + "\n"
    result = run_learn(tmp_path, "quiz", "basics", "--seed", "4", "--bank", "good", stdin=stdin)
    assert result.returncode == 0
    assert "Quiz stopped after 2 of 5 questions; your answers are saved." in result.stdout
    assert "Score: 2/2 (100%)" in result.stdout
    assert [row[0] for row in stored(tmp_path)] == [r.question.id for r in questions[:2]]


def test_ctrl_c_mid_quiz_ends_cleanly_and_keeps_the_answers(tmp_path):
    questions = quiz_questions(seed=4, count=5, topic="basics")
    env = {**os.environ, "LEARN_HOME": str(tmp_path)}
    proc = subprocess.Popen([*LEARN, "quiz", "basics", "--seed", "4", "--bank", "good"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=FIXTURES)
    proc.stdin.write(right_answer(questions[0]) + "\n")
    proc.stdin.flush()
    seen = []
    for line in proc.stdout:      # wait until the second question is being asked
        seen.append(line)
        if line.startswith("Question 2 of 5"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Quiz stopped after 1 of 5 questions; your answers are saved." in out
    assert "Traceback" not in out + err
    assert [row[0] for row in stored(tmp_path)] == [questions[0].question.id]


def test_the_same_seed_replays_the_same_quiz_after_answers_were_recorded(tmp_path):
    questions = quiz_questions(seed=21, count=6)
    stdin = "\n".join(WRONG[r.question.id] or right_answer(r) for r in questions) + "\n"
    first = run_learn(tmp_path, "quiz", "--seed", "21", "-n", "6", "--bank", "good", stdin=stdin)
    again = run_learn(tmp_path, "quiz", "--seed", "21", "-n", "6", "--bank", "good", stdin=stdin)
    assert first.returncode == again.returncode == 0
    assert first.stdout == again.stdout
    other = run_learn(tmp_path, "quiz", "--seed", "22", "-n", "6", "--bank", "good")
    assert other.stdout.splitlines()[3:8] != first.stdout.splitlines()[3:8]


def test_list_shows_counts_and_accuracy(tmp_path):
    questions = quiz_questions(seed=3, count=2, topic="basics")
    run_learn(tmp_path, "quiz", "basics", "-n", "2", "--seed", "3", "--bank", "good",
              stdin=f"{right_answer(questions[0])}\n{WRONG[questions[1].question.id] or 'a b c d'}\n")
    result = run_learn(tmp_path, "quiz", "--list", "--bank", "good")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.split() == ["basics", "Basics", "5", "2", "50%"] for line in lines), lines
    assert any(line.split() == ["maths", "Maths", "3", "-", "-"] for line in lines), lines


@pytest.mark.parametrize("args, message", [
    (["quiz", "basic", "--bank", "good"],
     "error: unknown topic 'basic' (did you mean 'basics'?); `learn quiz --list` shows"),
    (["quiz", "check", "-n", "3", "--bank", "good"], "error: `learn quiz check` takes no -n"),
    (["quiz", "basics", "--list", "--bank", "good"], "error: `learn quiz --list` takes no"),
    (["quiz", "--bank", "nowhere"], "error: nowhere: no such question bank folder"),
])
def test_user_mistakes_are_one_line_errors(tmp_path, args, message):
    result = run_learn(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_a_subtopic_id_gives_a_quiz_on_that_subtopic(tmp_path):
    result = run_learn(tmp_path, "quiz", "words", "--seed", "1", "--bank", "good")
    assert "Quiz: 2 questions on words" in result.stdout
    assert result.stdout.count("Basics › names and orders") == 1   # EOF after the first


def test_a_terminal_session(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    questions = quiz_questions(seed=3, count=2, topic="basics")
    child = pexpect.spawn(LEARN[0], [*LEARN[1:], "quiz", "basics", "-n", "2", "--seed", "3",
                                     "--bank", "good"],
                          cwd=str(FIXTURES), env={**os.environ, "LEARN_HOME": str(tmp_path)},
                          encoding="utf-8", timeout=30, dimensions=(40, 100))
    child.expect("> ")
    child.sendline("nonsense")
    child.expect("Please")
    child.sendline(right_answer(questions[0]))
    child.expect("Right")
    child.expect("Question 2 of 2")
    child.expect("> ")
    child.sendintr()
    child.expect("Quiz stopped after 1 of 2 questions; your answers are saved.")
    child.expect("Score: 1/1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert len(stored(tmp_path)) == 1


def test_preview_asks_one_question_with_its_mistake_feedback_and_records_nothing(tmp_path):
    r = render(load_bank(FIXTURES / "good").questions[5], 2)     # maths-he-std, seed 2
    assert r.question.id == "maths-he-std"
    variance = 2 / r.params["n"]
    result = run_learn(tmp_path, "quiz", "--question", "maths-he-std", "--seed", "2",
                       "--bank", "good", stdin=f"{variance}\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Preview: maths-he-std (good/maths.yaml:4) · seed 2")
    assert f"fan_in = {r.params['n']}" in out and out.count("Question 1 of 1") == 1
    assert "✗ Not right." in out
    assert "Likely mistake: You gave the variance 2/fan_in; the standard deviation is its" in out
    assert not (tmp_path / "progress.sqlite3").exists() or stored(tmp_path) == []
    right = run_learn(tmp_path, "quiz", "--question", "maths-he-std", "--seed", "2",
                      "--bank", "good", stdin=f"{typed_answer(r)}\n")
    assert "✓ Right." in right.stdout and "Likely mistake" not in right.stdout


@pytest.mark.parametrize("args, message", [
    (["--question", "maths-he-sd"], "error: no question with id 'maths-he-sd' (did you mean "
                                    "'maths-he-std'?)"),
    (["basics", "--question", "maths-he-std"], "error: `learn quiz --question ID` takes no"),
    (["check", "--question", "maths-he-std"], "error: `learn quiz check` takes no"),
])
def test_preview_errors_are_one_line(tmp_path, args, message):
    result = run_learn(tmp_path, "quiz", *args, "--bank", "good")
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_list_shows_the_subtopics_a_quiz_accepts_with_their_counts(tmp_path):
    result = run_learn(tmp_path, "quiz", "--list", "--bank", "good")
    lines = result.stdout.splitlines()
    basics = next(n for n, line in enumerate(lines) if line.split()[:1] == ["basics"])
    assert lines[basics + 1].split() == ["relu", "(3),", "words", "(2)"]
    assert "learn quiz SUBTOPIC, on one subtopic" in result.stdout
    words = run_learn(tmp_path, "quiz", "words", "--seed", "1", "--bank", "good")
    assert "Quiz: 2 questions on words" in words.stdout      # a listed subtopic works


def test_asking_for_more_questions_than_a_topic_has_says_how_many_there_are(tmp_path):
    result = run_learn(tmp_path, "quiz", "basics", "-n", "50", "--seed", "1", "--bank", "good")
    assert result.stdout.startswith("There are 5 questions on 'basics', fewer than the 50 "
                                    "asked for: asking all 5.\nQuiz: 5 questions on basics")
    exact = run_learn(tmp_path, "quiz", "basics", "-n", "5", "--seed", "1", "--bank", "good")
    assert "fewer than" not in exact.stdout
