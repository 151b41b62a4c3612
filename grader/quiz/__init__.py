"""Concept quizzes: a validated YAML question bank, rendered with jinja2, taken in the terminal.

Modules, in the order data flows through them:

* ``model``    the typed questions and syllabus (plain dataclasses)
* ``bank``     load and validate ``question_bank/*.yaml`` into the model
* ``render``   draw seeded parameters and render the templates in a sandbox
* ``scoring``  parse a typed answer and score it; the correct answer and its distractors
* ``select``   pick the questions of a quiz (weakest topics first)
* ``session``  the terminal session: ask, give feedback, summarise, record progress
* ``check``    ``learn quiz check``: validate and self-test the whole bank
* ``commands`` what ``learn quiz`` does: take a quiz, list the topics, run the check
* ``cli``      the ``learn quiz`` command (light: imports the rest only when run)

The schema is documented in docs/question-bank.md.
"""
