"""The question bank as typed data: the syllabus, its topics, and the questions.

Everything here is plain data, built by ``bank.py`` from the YAML files after validation;
templates are still unrendered strings (``render.py`` turns a question into what is shown).
"""
from __future__ import annotations

from dataclasses import dataclass, field

SCHEMA_VERSION = 1
QUESTION_TYPES = ("single", "multiple", "true_false", "numeric", "text", "ordering")
DEFAULT_REL_TOLERANCE = 1e-6
# The absolute floor of every numeric tolerance, far below any value a question asks for:
# an answer computed as 1e-17 is taken as 0, and a typed 0 matches it.
ABS_TOLERANCE_FLOOR = 1e-12


@dataclass(frozen=True)
class Topic:
    """One topic of the syllabus; its questions live in ``question_bank/<id>.yaml``."""

    id: str
    title: str
    section: str
    subtopics: dict[str, str]          # subtopic id -> title, in syllabus order
    line: int = 0
    subtopic_lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Syllabus:
    """Every topic the quizzes cover, grouped in sections, in teaching order."""

    topics: dict[str, Topic]           # topic id -> topic, in syllabus order
    sections: tuple[str, ...] = ()

    def subtopic_owner(self, subtopic: str) -> list[str]:
        """The ids of the topics that have a subtopic with this id."""
        return [t.id for t in self.topics.values() if subtopic in t.subtopics]


@dataclass(frozen=True)
class Param:
    """A parameter drawn from a seeded generator: one of ``values``, or in low..high."""

    name: str
    kind: str                          # "choice" | "int" | "float"
    values: tuple = ()                 # for "choice"
    low: float = 0
    high: float = 0
    digits: int = 2                    # for "float": decimals kept after drawing


@dataclass(frozen=True)
class Choice:
    """One choice of a single- or multiple-choice question (text and feedback are templates)."""

    text: str
    correct: bool = False
    feedback: str | None = None


@dataclass(frozen=True)
class Mistake:
    """A wrong answer that a known misconception produces, with the feedback that names it.

    ``answer`` is a template (numeric: it renders to the number the mistake gives; text: the
    words it gives); ``choices`` are the positions, as written in the file and counted from 0,
    of the choice(s) a learner with this misconception picks (single and multiple)."""

    feedback: str
    answer: str | None = None
    choices: tuple[int, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Question:
    """One question as written in the bank; the text fields are jinja2 templates."""

    id: str
    topic: str
    subtopic: str
    type: str
    prompt: str
    explanation: str
    difficulty: int = 1
    tags: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    # single / multiple
    choices: tuple[Choice, ...] = ()
    shuffle: bool = False
    # true_false: a bool; numeric: a number or a template that renders to one
    answer: bool | int | float | str | None = None
    feedback_true: str | None = None
    feedback_false: str | None = None
    rel: float = DEFAULT_REL_TOLERANCE
    abs: float = 0.0
    # numeric, text, single, multiple: the wrong answers a known misconception gives
    mistakes: tuple[Mistake, ...] = ()
    # text
    accept: tuple[str, ...] = ()
    pattern: str | None = None
    # ordering: the steps in their correct order
    items: tuple[str, ...] = ()
    # where it was written, for error messages
    file: str = ""
    line: int = 0
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def parameterised(self) -> bool:
        return bool(self.params)

    def line_of(self, key: str) -> int:
        """The line of one of the question's keys (the question's own line if unknown)."""
        return self.key_lines.get(key, self.line)
