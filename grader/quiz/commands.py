"""What ``learn quiz`` does: take a quiz, list the topics, or check the bank.

``cli.py`` parses the arguments and calls one of these; everything heavy (jinja2, yaml,
sqlite) is imported here, so the CLI module itself stays light.
"""
from __future__ import annotations

import secrets
import textwrap
from collections import Counter
from pathlib import Path

import click

from grader.errors import UserError
from grader.progress import ProgressStore
from grader.quiz.bank import Bank, load_bank
from grader.quiz.model import Question, Syllabus, Topic
from grader.quiz.select import DEFAULT_COUNT, select_questions
from grader.quiz.session import Session, summary
from grader.yamlfile import did_you_mean

CHECK_HINT = "run `learn quiz check` for the full list"


def bank_root(bank: Path | None) -> Path:
    """The question bank folder: --bank, else the course's question_bank/."""
    if bank is not None:
        return bank
    from grader.paths import course_root
    return course_root() / "question_bank"


def _load(root: Path, warn: bool = True) -> Bank:
    """Load the bank for a quiz: the syllabus must be sound; broken topic files are skipped
    (with a warning when ``warn``)."""
    bank = load_bank(root)
    if not bank.syllabus_ok:
        first = next(p for p in bank.problems if p.file.endswith("syllabus.yaml"))
        raise UserError(f"{first}; {CHECK_HINT}")
    for topic in sorted(bank.broken) if warn else ():
        click.echo(f"warning: skipped {bank.files[topic].name}: it has problems; {CHECK_HINT}",
                   err=True)
    return bank


def _resolve(bank: Bank, name: str) -> tuple[str, str | None]:
    """A topic id, or a subtopic id, as (topic, subtopic or None)."""
    syllabus = bank.syllabus
    if name in syllabus.topics:
        topic, subtopic = name, None
    else:
        owners = syllabus.subtopic_owner(name)
        if len(owners) > 1:
            raise UserError(f"'{name}' is a subtopic of several topics ({', '.join(owners)}): "
                            f"name the topic instead")
        if not owners:
            names = [*syllabus.topics, *(s for t in syllabus.topics.values() for s in t.subtopics)]
            raise UserError(f"unknown topic '{name}'{did_you_mean(name, names)}; "
                            f"`learn quiz --list` shows the topics")
        topic, subtopic = owners[0], name
    if topic in bank.broken:
        first = next(p for p in bank.problems if p.file.endswith(f"{topic}.yaml"))
        raise UserError(f"{first}; {CHECK_HINT}")
    if not any(q.topic == topic and subtopic in (None, q.subtopic) for q in bank.questions):
        raise UserError(f"there are no questions on '{name}' yet")
    return topic, subtopic


def _fresh_seed(store: ProgressStore) -> int:
    """A short random seed not used before (so it starts from the current progress)."""
    seed = secrets.randbelow(100_000)
    for _ in range(20):
        if store.quiz_seed_first_used(seed) is None:
            break
        seed = secrets.randbelow(100_000)
    return seed


def _replay_command(name: str | None, count: int, seed: int, bank: Path | None) -> str:
    parts = ["learn quiz"]
    if name:
        parts.append(name)
    if count != DEFAULT_COUNT:
        parts.append(f"-n {count}")
    parts.append(f"--seed {seed}")
    if bank is not None:
        parts.append(f"--bank {bank}")
    return " ".join(parts)


def take_quiz(name: str | None, count: int | None, seed: int | None,
              bank_option: Path | None) -> int:
    """Run one quiz in the terminal; the exit status (130 after Ctrl-C, else 0)."""
    bank = _load(bank_root(bank_option), warn=not name)   # one topic: others do not matter
    topic, subtopic = _resolve(bank, name) if name else (None, None)
    asked_for = count is not None
    count = count or DEFAULT_COUNT
    with ProgressStore.open() as store:
        if seed is None:
            seed = _fresh_seed(store)
        # A replayed seed sees the progress as it was when the seed was first used.
        since = store.quiz_seed_first_used(seed)
        accuracy = store.quiz_accuracy_before(since) if since else store.quiz_accuracy()
        scores = store.question_scores_before(since) if since else store.question_scores()
        questions = select_questions(bank.usable(), count, seed, accuracy, scores,
                                     topic, subtopic)
        if not questions:
            raise UserError("the question bank has no questions yet")
        if len(questions) < count and asked_for:
            where = f"on '{name}'" if name else "in the bank"
            click.echo(f"There are {len(questions)} questions {where}, fewer than the "
                       f"{count} asked for: asking all {len(questions)}.")
        replay = _replay_command(name, count, seed, bank_option)
        on = f" on {name}" if name else (", weakest topics first" if accuracy else "")
        plural = "s" * (len(questions) != 1)
        click.echo(click.style(f"Quiz: {len(questions)} question{plural}{on} · seed {seed}",
                               bold=True) + f"  (replay: {replay})")
        click.echo(click.style("Ctrl-D or Ctrl-C stops the quiz; answers given so far are "
                               "kept.", dim=True))

        def record(question, score: float) -> None:
            store.record_quiz_answer(question.id, question.topic, score, seed)

        result = Session(questions, seed, bank.syllabus, record).run()
    click.echo(summary(result, bank.syllabus, replay))
    return 130 if result.stopped == "interrupt" else 0


def preview_question(question_id: str, seed: int | None, bank_option: Path | None) -> int:
    """Ask one question by id, as a quiz would (for authors trying a question and its
    mistakes); nothing is recorded. The exit status (130 after Ctrl-C, else 0)."""
    bank = _load(bank_root(bank_option), warn=False)
    found = [q for q in bank.questions if q.id == question_id]
    if not found:
        problem = next((p for p in bank.problems if p.where.split(".")[0] == question_id), None)
        if problem:
            raise UserError(f"{problem}; {CHECK_HINT}")
        raise UserError(f"no question with id '{question_id}'"
                        f"{did_you_mean(question_id, [q.id for q in bank.questions])}")
    question = found[0]
    if question.topic in bank.broken:
        click.echo(f"warning: {bank.files[question.topic].name} has problems; {CHECK_HINT}",
                   err=True)
    if seed is None:
        seed = secrets.randbelow(100_000)
    click.echo(click.style(f"Preview: {question.id} ({question.file}:{question.line}) · seed "
                           f"{seed}", bold=True) + "  (not recorded in your progress)")
    result = Session([question], seed, bank.syllabus, lambda q, score: None).run()
    return 130 if result.stopped == "interrupt" else 0


def list_topics(bank_option: Path | None) -> None:
    """Print the topics by section, with question counts and the learner's accuracy."""
    bank = _load(bank_root(bank_option))
    usable = bank.usable()
    with ProgressStore.open() as store:
        accuracy = store.quiz_accuracy()
    topics = list(bank.syllabus.topics.values())
    id_width = max((len(t.id) for t in topics), default=5)
    title_width = max((len(t.title) for t in topics), default=5)
    click.echo(f"  {'topic':<{id_width}}  {'title':<{title_width}}  questions  answers  accuracy")
    section = None
    for topic in topics:
        if topic.section != section:
            section = topic.section
            click.echo(click.style(section, bold=True))
        known = accuracy.get(topic.id)
        count = "fix file" if topic.id in bank.broken else str(len(usable.get(topic.id, [])))
        answers = str(known.answered) if known else "-"
        percent = f"{round(100 * known.mean_score)}%" if known else "-"
        click.echo(f"  {topic.id:<{id_width}}  {topic.title:<{title_width}}  {count:>9}  "
                   f"{answers:>7}  {percent:>8}")
        if topic.id not in bank.broken:
            click.echo(click.style(_subtopic_line(topic, usable.get(topic.id, []),
                                                  bank.syllabus), dim=True))
    click.echo(click.style("learn quiz TOPIC -n 5 takes five questions on one topic; "
                           "learn quiz SUBTOPIC, on one subtopic.", dim=True))


def _subtopic_line(topic: Topic, questions: list[Question], syllabus: Syllabus) -> str:
    """The subtopic ids `learn quiz` accepts for a topic, with their question counts,
    wrapped under the topic's row."""
    counts = Counter(q.subtopic for q in questions)
    names = []
    for sub in topic.subtopics:
        shared = len(syllabus.subtopic_owner(sub)) > 1   # ambiguous alone: name the topic
        names.append(f"{sub} ({counts[sub]})" + (" (also in another topic)" if shared else ""))
    return textwrap.fill(", ".join(names), width=100, initial_indent="      ",
                         subsequent_indent="      ", break_on_hyphens=False)


def run_check(bank_option: Path | None) -> int:
    """Check the bank; print every problem (exit status 1) or a one-line summary (0)."""
    from grader.quiz.check import check_bank

    root = bank_root(bank_option)
    if not root.is_dir():
        raise UserError(f"{root}: no such question bank folder")
    report = check_bank(root)
    for problem in report.problems:
        click.echo(str(problem))
    if report.problems:
        files = len({p.file for p in report.problems})
        plural = "s" * (len(report.problems) != 1)
        click.echo(f"{len(report.problems)} problem{plural} in {files} "
                   f"file{'s' * (files != 1)}")
        return 1
    click.echo(report.summary())
    return 0
