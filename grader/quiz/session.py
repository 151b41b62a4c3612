"""The quiz in the terminal: one question at a time, feedback at once, a summary at the end.

It reads answers line by line from stdin, so it works the same in a terminal, through a
pipe or from a test. Invalid input is asked again; ``?`` shows the next hint. End of input
or Ctrl-C stops the quiz: every answer already given is in the progress store (each is
written as soon as it is scored), and the summary covers those answers.
"""
from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import click

from grader.quiz import scoring
from grader.quiz.model import Question, Syllabus
from grader.quiz.render import RenderError, Rendered, render
from grader.quiz.scoring import InvalidAnswer, letter


@dataclass
class Outcome:
    """One answered question."""

    question: Question
    score: float


@dataclass
class SessionResult:
    """What happened in a session: the answers, and whether (and how) it stopped early."""

    asked: int
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None     # None, "eof" or "interrupt"

    @property
    def total(self) -> float:
        return sum(o.score for o in self.outcomes)


class LineReader:
    """Reads answers: with line editing in a terminal, else plain lines echoed back."""

    def __init__(self) -> None:
        self.tty = sys.stdin.isatty()
        if self.tty:
            try:
                import readline  # noqa: F401  (gives input() line editing and history)
            except ImportError:  # pragma: no cover - not on every platform
                pass

    def __call__(self, prompt: str) -> str:
        """One line of input; EOFError at the end of input."""
        if self.tty:
            return input(prompt)
        click.echo(prompt, nl=False)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            click.echo()
            raise EOFError
        click.echo(line.rstrip("\r\n"))  # so a piped transcript shows what was answered
        return line


def _width() -> int:
    return min(shutil.get_terminal_size((88, 24)).columns, 100)


def _is_layout(line: str) -> bool:
    """A line whose layout the author chose: indented, a list item, a table row ("| a | b |")
    or columns aligned with runs of spaces. A "|" inside a sentence (|w| > 1) is maths."""
    stripped = line.strip()
    table_row = stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") > 2
    return line[:1].isspace() or stripped[:2] in ("- ", "* ", "• ") or table_row \
        or "  " in stripped


def _paragraphs(text: str) -> list[str]:
    """Join the lines of each paragraph into one, keeping blank lines and layout lines."""
    out: list[str] = []
    joining = False
    for line in text.splitlines() or [""]:
        if not line.strip() or _is_layout(line):
            out.append(line.rstrip())
            joining = False
        elif joining:
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
            joining = True
    return out


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    """Reflow text to the terminal: paragraphs are refilled, layout lines kept as written."""
    first = indent if first is None else first
    lines = []
    for n, line in enumerate(_paragraphs(text)):
        lead = first if n == 0 else indent
        if not line.strip():
            lines.append("")
            continue
        lines.append(textwrap.fill(line, _width(), initial_indent=lead,
                                   subsequent_indent=indent + " " * (len(line) - len(line.lstrip())),
                                   break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)


class Session:
    """One quiz: ask each question, score it, record it, and summarise."""

    def __init__(self, questions: list[Question], seed: int, syllabus: Syllabus,
                 record: Callable[[Question, float], None],
                 read: Callable[[str], str] | None = None):
        self.questions = questions
        self.seed = seed
        self.syllabus = syllabus
        self.record = record
        self.read = read or LineReader()

    def run(self) -> SessionResult:
        """Ask every question; stops cleanly at end of input or Ctrl-C."""
        result = SessionResult(asked=len(self.questions))
        try:
            for number, question in enumerate(self.questions, 1):
                try:
                    rendered = render(question, self.seed)
                except RenderError as error:
                    click.echo(f"warning: skipped {question.id} ({question.file}): cannot "
                               f"render {error}", err=True)
                    result.asked -= 1
                    continue
                self._show(rendered, number, len(self.questions))
                answer = self._ask(rendered)
                score = scoring.score(rendered, answer)
                self.record(question, score)
                result.outcomes.append(Outcome(question, score))
                self._feedback(rendered, answer, score)
        except EOFError:
            result.stopped = "eof"
        except KeyboardInterrupt:
            click.echo()
            result.stopped = "interrupt"
        return result

    # -- one question ----------------------------------------------------------------------

    def _show(self, r: Rendered, number: int, count: int) -> None:
        q = r.question
        topic = self.syllabus.topics.get(q.topic)
        where = f"{topic.title} › {topic.subtopics.get(q.subtopic, q.subtopic)}" if topic \
            else q.topic
        head = f"Question {number} of {count}"
        room = _width() - len(head) - 3
        if len(where) > room:
            where = where[:max(room - 1, 0)] + "…"
        click.echo()
        click.echo(click.style(head, bold=True) + click.style(f" · {where}", dim=True))
        click.echo(_wrap(r.prompt))
        if r.type in ("single", "multiple"):
            click.echo()
            for n, choice in enumerate(r.choices):
                click.echo(_wrap(choice.text, "     ", f"  {letter(n)}) "))
        elif r.type == "ordering":
            click.echo()
            for k, item in enumerate(r.order):
                click.echo(_wrap(r.items[item], "     ", f"  {letter(k)}) "))

    def _ask(self, r: Rendered) -> object:
        """Read until the input is an answer; '?' shows the next hint."""
        hints_shown = 0
        how = scoring.how_to_answer(r)
        hint_note = "; ? for a hint" if r.hints else ""
        click.echo(click.style(f"({how}{hint_note})", dim=True))
        while True:
            typed = self.read("> ")
            if typed.strip() == "?":
                if hints_shown < len(r.hints):
                    hints_shown += 1
                    click.echo(_wrap(r.hints[hints_shown - 1], "  ",
                                     f"Hint {hints_shown}/{len(r.hints)}: "))
                else:
                    click.echo("No more hints." if r.hints else "This question has no hints.")
                continue
            try:
                return scoring.parse(r, typed)
            except InvalidAnswer as error:
                click.echo(click.style(str(error).capitalize() + ".", fg="yellow"))

    def _feedback(self, r: Rendered, answer: object, score: float) -> None:
        if score >= 1:
            click.echo(click.style("✓ Right.", fg="green", bold=True))
        elif score > 0:
            click.echo(click.style(f"◐ Partly right: {score:.2g} of 1.", fg="yellow", bold=True)
                       + " " + self._correct_text(r))
        else:
            click.echo(click.style("✗ Not right.", fg="red", bold=True) + " " +
                       self._correct_text(r))
        notes = self._choice_feedback(r, answer)
        mistake = scoring.matched_mistake(r, answer)
        if mistake:   # the misconception this answer comes from, as the exercises name it
            notes.append(_wrap(mistake.feedback, "  ", "  Likely mistake: "))
        for note in notes:
            click.echo(note)
        if notes:
            click.echo()   # the feedback on the choice, then the explanation of the question
        click.echo(_wrap(r.explanation, "  ", "  "))

    def _correct_text(self, r: Rendered) -> str:
        typed = scoring.typed_answer(r)
        if r.type == "single":
            choice = r.choices[scoring.correct_answer(r)]
            return f"The answer is {typed}) {choice.text}"
        if r.type == "multiple":
            right = sorted(scoring.correct_answer(r))
            lines = [f"  {letter(n)}) {r.choices[n].text}" for n in right]
            return f"The right choices are {typed}:\n" + "\n".join(lines)
        if r.type == "true_false":
            return f"The statement is {typed}."
        if r.type == "numeric":
            return f"The answer is {typed}."
        if r.type == "text":
            return f"The answer is: {typed}"
        steps = [f"  {n}. {item}" for n, item in enumerate(r.items, 1)]
        return f"The right order is {typed}:\n" + "\n".join(steps)

    @staticmethod
    def _choice_feedback(r: Rendered, answer: object) -> list[str]:
        """The feedback of every choice the learner picked (true_false: of their answer)."""
        if r.type == "true_false":
            note = r.feedback_true if answer else r.feedback_false
            return [_wrap(note, "  ", "  ")] if note else []
        if r.type not in ("single", "multiple"):
            return []
        picked = [answer] if r.type == "single" else sorted(answer)
        return [_wrap(r.choices[n].feedback, "     ", f"  {letter(n)}) ")
                for n in picked if r.choices[n].feedback]


def summary(result: SessionResult, syllabus: Syllabus, replay: str) -> str:
    """The end-of-quiz text: score, topics to review, how to replay."""
    lines = [""]
    answered = len(result.outcomes)
    if result.stopped:
        saved = "; your answers are saved" if answered else ""
        lines.append(f"Quiz stopped after {answered} of {result.asked} questions{saved}.")
    if not answered:
        lines.append("No questions answered.")
    else:
        percent = round(100 * result.total / answered)
        lines.append(click.style(f"Score: {round(result.total, 2):g}/{answered} ({percent}%)",
                                 bold=True))
        # Topics and subtopics answered below 1, in syllabus order.
        missed = {(o.question.topic, o.question.subtopic) for o in result.outcomes if o.score < 1}
        review: dict[str, list[str]] = {}
        for topic in syllabus.topics.values():
            titles = [title for sub, title in topic.subtopics.items() if (topic.id, sub) in missed]
            if titles:
                review[topic.id] = titles
        if review:
            lines.append("Topics to review:")
            lines += [_wrap(f"{topic}: {'; '.join(titles)}", "    ", "  ")
                      for topic, titles in review.items()]
            lines.append(f"Practise one with: learn quiz {next(iter(review))}")
        else:
            lines.append("All right: nothing to review.")
    lines.append(f"Replay this quiz: {replay}")
    return "\n".join(lines)
