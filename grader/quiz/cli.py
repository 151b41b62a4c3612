"""The ``learn quiz`` command.

This module is imported by ``learn --help``, so it imports only click: the quiz machinery
(jinja2, yaml, sqlite) is loaded inside the command when it runs.
"""
from __future__ import annotations

from pathlib import Path

import click


@click.command("quiz", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("topic", required=False, metavar="[TOPIC | check]")
@click.option("-n", "--count", type=click.IntRange(min=1), default=None,
              help="How many questions (default 10).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Replay a quiz: the same seed gives the same questions and numbers.")
@click.option("--list", "list_only", is_flag=True,
              help="List the topics with question counts and your accuracy.")
@click.option("--question", "question_id", metavar="ID", default=None,
              help="Ask one question by its id (for authors; not recorded in your progress).")
@click.option("--bank", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Use another question bank folder (default: the course's question_bank/).")
@click.pass_context
def quiz(ctx: click.Context, topic: str | None, count: int | None, seed: int | None,
         list_only: bool, question_id: str | None, bank: Path | None) -> None:
    """Take a concept quiz in the terminal, or check the question bank.

    Without TOPIC, a mixed quiz of 10 questions, weakest topics first. TOPIC is a topic
    (or subtopic) id from `learn quiz --list`. The word `check` instead validates the
    bank and self-tests every question (for instructors; exit status 1 on any problem).
    Answer with the letter(s), a number or a word; `?` shows a hint; Ctrl-D or Ctrl-C
    stops, keeping your answers.

    \b
    Examples:
      learn quiz                     a mixed quiz, weakest topics first
      learn quiz attention -n 5      five questions on attention
      learn quiz --seed 7            the same questions and numbers again
      learn quiz --list              topics, subtopics, question counts, your accuracy
      learn quiz check               validate and self-test the question bank
      learn quiz --question init-he-std --seed 3   try one question (for authors)
    """
    from grader.errors import UserError
    from grader.quiz import commands

    if topic == "check":
        if count is not None or seed is not None or list_only or question_id:
            raise UserError("`learn quiz check` takes no -n, --seed, --list or --question "
                            "(only --bank)")
        ctx.exit(commands.run_check(bank))
    if question_id is not None:
        if topic or count is not None or list_only:
            raise UserError("`learn quiz --question ID` takes no TOPIC, -n or --list "
                            "(only --seed and --bank)")
        ctx.exit(commands.preview_question(question_id, seed, bank))
    if list_only:
        if topic or count is not None or seed is not None:
            raise UserError("`learn quiz --list` takes no TOPIC, -n or --seed")
        commands.list_topics(bank)
        return
    ctx.exit(commands.take_quiz(topic, count, seed, bank))
